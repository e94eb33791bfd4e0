package build

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseEmbedDirs(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "conf"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "conf", "a.txt"), []byte("a"), 0o644))
	file := filepath.Join(dir, "conf", "a.txt")

	got, err := ParseEmbedDirs([]string{filepath.Join(dir, "conf") + "=/etc/app", filepath.Join(dir, "conf") + "=data/"})
	require.NoError(t, err)
	require.Equal(t, "/etc/app", got[0].Path)
	require.Equal(t, "/data", got[1].Path)
	b, err := fs.ReadFile(got[0].FS, "a.txt")
	require.NoError(t, err)
	require.Equal(t, "a", string(b))

	got, err = ParseEmbedDirs([]string{filepath.Join(dir, "conf")})
	require.NoError(t, err)
	require.Equal(t, filepath.ToSlash(filepath.Join(dir, "conf")), got[0].Path) // default: DIR, from /

	for _, tc := range []struct{ spec, want string }{
		{"=x", "want DIR or DIR=PATH"},
		{dir + "=", "want DIR or DIR=PATH"},
		{filepath.Join(dir, "missing"), "no such file"},
		{file, "is not a directory"},
	} {
		_, err := ParseEmbedDirs([]string{tc.spec})
		require.ErrorContains(t, err, tc.want, tc.spec)
	}
}
