package build

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// GoBuild compiles the Go package pkg (a path or pattern as for go build,
// resolved in dir) with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared and
// returns the raw module. Extra flags go before the package (e.g. -tags).
func GoBuild(ctx context.Context, dir, pkg string, strip bool, flags ...string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "icgo-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "raw.wasm")
	args := []string{"build", "-buildmode=c-shared", "-trimpath", "-o", out}
	if strip {
		args = append(args, "-ldflags=-s -w")
	}
	args = append(args, flags...)
	args = append(args, pkg)
	if _, err := goCommand(ctx, dir, args...); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

// goCommand runs the go command with args in dir for GOOS=wasip1
// GOARCH=wasm (cgo off) and returns its standard output. On failure the
// error names the command and carries its output.
func goCommand(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, goTool(), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.Bytes(), nil
}

// goTool finds the go command: $GOROOT/bin/go when GOROOT is set, else the
// one on PATH.
func goTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "go"
}

// PackageName returns the name for a built package's files: the last
// element of its import path.
func PackageName(ctx context.Context, dir, pkg string) (string, error) {
	out, err := goCommand(ctx, dir, "list", "-f", "{{.ImportPath}}", pkg)
	if err != nil {
		return "", err
	}
	lines := strings.Fields(string(out))
	if len(lines) != 1 {
		return "", fmt.Errorf("%s names %d packages; build one main package at a time", pkg, len(lines))
	}
	return filepath.Base(lines[0]), nil
}
