// Command icgo builds Go packages into Internet Computer canisters and runs
// them on an embedded local replica.
//
// Usage:
//
//	icgo build [-o DIR] [-strip] [-env NAME=VALUE]... PKG
//	icgo check FILE.wasm[.gz]
//	icgo run [-hex] TARGET [METHOD [ARGS]]
//
// build writes DIR/NAME.wasm, DIR/NAME.wasm.gz and DIR/NAME.did and prints
// their sizes. check applies the IC's module rules to any module. run
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
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `icgo builds Go packages into Internet Computer canisters and runs them locally.

Usage:
  icgo build [-o DIR] [-strip] [-env NAME=VALUE]... PKG
                                  build PKG into DIR/NAME.wasm, NAME.wasm.gz and NAME.did
  icgo check FILE.wasm[.gz]       check a module against the IC's module rules
  icgo run [-hex] TARGET [METHOD [ARGS]]
                                  install TARGET (package or .wasm) in an embedded replica
                                  and call METHOD, or read "METHOD ARGS" lines from stdin
  icgo serve [-addr HOST:PORT] [-state DIR] [-clock wall|controlled] [-v]
                                  a local IC network (HTTP interface) for icp and agents

Run 'icgo COMMAND -h' for a command's flags.
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "build":
		err = cmdBuild(ctx, args[1:], stdout, stderr)
	case "check":
		err = cmdCheck(args[1:], stdout, stderr)
	case "run":
		err = cmdRun(ctx, args[1:], stdin, stdout, stderr)
	case "serve":
		err = cmdServe(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "icgo: unknown command %q\n\n%s", args[0], usage)
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
