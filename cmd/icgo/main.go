// Command icgo builds Go packages into Internet Computer canisters and runs
// them on an embedded local replica.
//
// Usage:
//
//	icgo build [-o DIR] [-strip] [-noswap] [-env NAME=VALUE]... PKG
//	icgo check FILE.wasm[.gz]
//	icgo port [-w] [-r OLD=NEW]... PACKAGES
//	icgo run [flags] TARGET [METHOD [ARGS]]
//	icgo bind [-o FILE.go] [-pkg NAME] FILE.did
//	icgo version
//
// build writes DIR/NAME.wasm, DIR/NAME.wasm.gz and DIR/NAME.did and prints
// their sizes; it swaps the imports icgo.swap lists in dependencies (see
// README, "Porting a library"). port rewrites imports in your own packages
// and reports the uses that cannot work in a canister. check applies the
// IC's module rules to any module. run
// installs TARGET (a package, built first, or a .wasm[.gz] file) in a
// fresh embedded replica and makes one call, or reads `METHOD ARGS` lines
// from standard input. ARGS are Candid text such as ("world", 5 : nat), or
// 0x followed by the hex of raw Candid bytes.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/icgo/icgo/internal/build"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `icgo builds Go packages into Internet Computer canisters and runs them locally.

Usage:
  icgo build [-o DIR] [-strip] [-noswap] [-env NAME=VALUE]... PKG
                                  build PKG into DIR/NAME.wasm, NAME.wasm.gz and NAME.did
  icgo check FILE.wasm[.gz]       check a module against the IC's module rules
  icgo port [-w] [-r OLD=NEW]... PACKAGES
                                  rewrite imports for canisters (a diff, or -w to write) and
                                  list the uses that cannot work in a canister
  icgo run [flags] TARGET [METHOD [ARGS]]
                                  install TARGET (package or .wasm) in an embedded replica
                                  and call METHOD, or read "METHOD ARGS" lines from stdin
  icgo serve [-addr HOST:PORT] [-state DIR] [-clock wall|controlled] [-v]
                                  a local IC network (HTTP interface) for icp and agents
  icgo bind [-o FILE.go] [-pkg NAME] FILE.did
                                  generate Go types and a typed client for a Candid service
  icgo version                    print icgo's version and the Go that built it

Run 'icgo COMMAND -h' for a command's flags.
`

// commands are the subcommands, for suggestions.
var commands = []string{"build", "check", "port", "run", "serve", "bind", "version", "help"}

// versionLine is what icgo version prints: icgo's module version and the
// Go toolchain that built it.
func versionLine() string {
	v := build.Version()
	if v == "" {
		v = "(unknown)"
	}
	return fmt.Sprintf("icgo %s %s %s/%s", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "build":
		err = cmdBuild(ctx, args[1:], stdout, stderr)
	case "port":
		err = cmdPort(ctx, args[1:], stdout, stderr)
	case "check":
		err = cmdCheck(args[1:], stdout, stderr)
	case "run":
		err = cmdRun(ctx, args[1:], stdin, stdout, stderr)
	case "serve":
		err = cmdServe(ctx, args[1:], stdout, stderr)
	case "bind":
		err = cmdBind(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, versionLine())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "icgo: unknown command %q%s\n\n%s", args[0], didYouMean(args[0], commands), usage)
		return 2
	}
	if err == nil {
		return 0
	}
	if ec, ok := err.(exitCode); ok {
		return int(ec)
	}
	fmt.Fprintln(stderr, "icgo:", err)
	return 1
}

// exitCode ends a command with a status whose explanation was already
// printed.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
