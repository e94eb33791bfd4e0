package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/icgo/icgo/internal/bind"
	"github.com/icgo/icgo/internal/candidtext"
)

const bindUsage = `usage: icgo bind [-o FILE.go] [-pkg NAME] [-client NAME] FILE.did

Generates Go types for the .did's types and a typed client whose methods
call the service with cdk.Call, for use inside a canister.

flags:
`

func cmdBind(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("icgo bind", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, bindUsage); fs.PrintDefaults() }
	out := fs.String("o", "", "output file (default standard output)")
	pkg := fs.String("pkg", "", "Go package name (default: from the .did file's name)")
	client := fs.String("client", "Client", "name of the client type")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitCode(2)
	}
	path := fs.Arg(0)
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	svc, err := candidtext.ParseDID(string(src))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if *pkg == "" {
		*pkg = packageNameOf(path)
	}
	code, err := bind.Generate(svc, bind.Options{Package: *pkg, Client: *client, Source: filepath.Base(path)})
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(code)
		return err
	}
	return os.WriteFile(*out, code, 0o644)
}

// packageNameOf makes a Go package name of a file name: icrc1_ledger.did
// -> icrc1ledger.
func packageNameOf(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' && b.Len() > 0 {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "service"
	}
	return b.String()
}
