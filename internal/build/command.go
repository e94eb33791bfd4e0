package build

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/icgo/icgo/internal/postproc"
	"github.com/icgo/icgo/internal/validate"
)

// GoTestBuild compiles the tests of the Go package pkg (resolved in dir)
// with `GOOS=wasip1 GOARCH=wasm go test -c` and returns the raw wasip1
// command module (an _start export). A package without test files gives
// (nil, nil). Extra flags go before the package (e.g. -tags).
func GoTestBuild(ctx context.Context, dir, pkg string, flags ...string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "icgo-test-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "test.wasm")
	args := []string{"test", "-c", "-trimpath", "-o", out}
	args = append(args, flags...)
	args = append(args, pkg)
	if _, err := goCommand(ctx, dir, args...); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(out)
	if os.IsNotExist(err) { // go test -c writes nothing for a package without tests
		return nil, nil
	}
	return b, err
}

// CommandOptions configure Command.
type CommandOptions struct {
	Args  []string // os.Args served first (os.Args[0] and fixed flags); the install argument adds more
	Env   []string // NAME=VALUE pairs served to os.Getenv
	Strip bool     // drop the name section after post-processing
	// Embed is served read-only to the program (postproc.Options.Embed).
	Embed []postproc.EmbedDir
	// InitRandPublic serves public, predictable bytes to crypto/rand
	// (postproc.Options.InitRandPublic): a command runs entirely in
	// canister_init, before raw_rand can seed the CSPRNG.
	InitRandPublic bool
}

// Command post-processes a wasip1 command module (go build or go test -c
// output) in command mode (postproc.Options.Command): its canister_init
// runs the whole program, which ends in a trap carrying the exit status.
// The Result's Report lists the IC's module rules the output breaks (a
// large test binary may exceed the IC's code size limit); that is not an
// error here, since the caller decides what to do with such a module.
// Name, Did and Registry are empty.
func Command(raw []byte, opt CommandOptions) (*Result, error) {
	env, err := ParseEnv(opt.Env)
	if err != nil {
		return nil, err
	}
	popt := postproc.Options{Command: true, Args: opt.Args, DropNames: opt.Strip, Env: env, Embed: opt.Embed, InitRandPublic: opt.InitRandPublic}
	wasm, stats, err := postproc.Process(raw, popt)
	if err != nil {
		return nil, fmt.Errorf("post-processing: %w", err)
	}
	report, err := validate.Bytes(wasm)
	if err != nil {
		return nil, fmt.Errorf("validating the post-processed module: %w", err)
	}
	gz := postproc.Gzip(wasm)
	stats.GzipSize = len(gz)
	return &Result{Raw: raw, Wasm: wasm, Gzip: gz, Report: report, Stats: stats}, nil
}

// CommandArg encodes program arguments as the install argument of a
// command-mode canister: each argument followed by a NUL byte.
func CommandArg(args ...string) ([]byte, error) {
	var b []byte
	for _, a := range args {
		if strings.IndexByte(a, 0) >= 0 {
			return nil, fmt.Errorf("argument %q contains a NUL byte", a)
		}
		b = append(append(b, a...), 0)
	}
	return b, nil
}
