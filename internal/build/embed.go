package build

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/icgo/icgo/internal/postproc"
)

// ParseEmbedDirs parses -embed-dir values, DIR or DIR=PATH: the host
// directory DIR appears read-only in the canister at PATH (default: DIR,
// taken as absolute, so that "-embed-dir testdata" serves os.Open("testdata/x")
// from the canister's working directory "/"). See postproc.EmbedDir for the
// limits.
func ParseEmbedDirs(specs []string) ([]postproc.EmbedDir, error) {
	var out []postproc.EmbedDir
	for _, s := range specs {
		dir, at, ok := strings.Cut(s, "=")
		if !ok {
			at = filepath.ToSlash(dir)
		}
		if dir == "" || at == "" {
			return nil, fmt.Errorf("-embed-dir %q: want DIR or DIR=PATH", s)
		}
		fi, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("-embed-dir %q: %w", s, err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("-embed-dir %q: %s is not a directory", s, dir)
		}
		out = append(out, postproc.EmbedDir{Path: path.Clean("/" + at), FS: os.DirFS(dir)})
	}
	return out, nil
}
