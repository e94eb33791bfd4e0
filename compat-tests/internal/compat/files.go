package compat

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing/fstest"

	"github.com/icgo/icgo/internal/postproc"
)

// MaxPackageFiles bounds what a package's tests get embedded (its files and
// its testdata tree): well under the IC's module limit, which the test
// binary shares (postproc.EmbedMaxBytes).
const MaxPackageFiles = 48 << 20

// packageFiles returns the package's directory as the tests see it: its
// files (sources, golden files) and its testdata tree, mounted at "/", the
// canister's working directory, so that the usual relative paths
// ("testdata/x", "x_test.go") resolve. Subdirectories other than testdata
// are other packages and are left out.
func packageFiles(ctx context.Context, dir, pkg string) ([]postproc.EmbedDir, int, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-f", "{{.Dir}}", pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=", "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, 0, fmt.Errorf("go list %s: %v: %s", pkg, err, strings.TrimSpace(stderr.String()))
	}
	pkgDir := strings.TrimSpace(string(out))
	files := fstest.MapFS{}
	total := 0
	err = filepath.WalkDir(pkgDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(pkgDir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && rel != "testdata" && !strings.HasPrefix(rel, "testdata/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // symbolic links and the like: not served
		}
		if len(path.Base(rel)) > postproc.EmbedMaxName {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if total += len(b); total > MaxPackageFiles {
			return fmt.Errorf("the package's files and testdata exceed %d MiB, more than the harness embeds", MaxPackageFiles>>20)
		}
		files[rel] = &fstest.MapFile{Data: b, Mode: 0o444}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("embedding %s: %w", pkgDir, err)
	}
	return []postproc.EmbedDir{{Path: "/", FS: files}}, total, nil
}

// ZoneinfoPath is where the tests find the Go distribution's time zone
// database (ZONEINFO), as a machine that runs go test has one: a canister
// gets it the same way, with icgo build -embed-dir, or by importing
// time/tzdata.
const ZoneinfoPath = "/goroot/lib/time/zoneinfo.zip"

// withZoneinfo adds the Go distribution's zoneinfo.zip at ZoneinfoPath to
// the embedded files and returns the environment that names it.
func withZoneinfo(ctx context.Context, embed []postproc.EmbedDir) ([]postproc.EmbedDir, []string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		return nil, nil, fmt.Errorf("go env GOROOT: %w", err)
	}
	zip := filepath.Join(strings.TrimSpace(string(out)), "lib", "time", "zoneinfo.zip")
	b, err := os.ReadFile(zip)
	if err != nil {
		return nil, nil, fmt.Errorf("the time zone database: %w", err)
	}
	dir, name := path.Split(ZoneinfoPath)
	embed = append(embed, postproc.EmbedDir{Path: dir, FS: fstest.MapFS{name: {Data: b, Mode: 0o444}}})
	return embed, []string{"ZONEINFO=" + ZoneinfoPath}, nil
}
