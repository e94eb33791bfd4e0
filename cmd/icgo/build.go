package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/icgo/icgo/internal/build"
)

type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func cmdBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("icgo build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "out", "directory for NAME.wasm, NAME.wasm.gz and NAME.did")
	strip := fs.Bool("strip", false, "drop function names (smaller module, no names in stack traces)")
	initRand := fs.String("init-rand", "", "`public`: crypto/rand gets public, predictable bytes during initialization (package init, init, post_upgrade), for libraries that seed non-secret generators there; by default such reads trap")
	noSwap := fs.Bool("noswap", false, "ignore icgo.swap: build dependencies with their own imports")
	size := fs.Bool("size", false, "print the module's size by section and its code by Go package")
	var env, tags, embedDirs multiFlag
	fs.Var(&env, "env", "NAME=VALUE embedded for os.Getenv in the canister (repeatable)")
	fs.Var(&embedDirs, "embed-dir", "DIR[=PATH]: serve the directory tree DIR read-only in the canister at PATH (default DIR, from /), for os.Open, os.ReadFile, fs.WalkDir, os.Stat (repeatable; the module must stay under the IC's 100 MiB limit)")
	fs.Var(&tags, "tags", "build tags (comma-separated), as for go build")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: icgo build [-o DIR] [-strip] [-size] [-noswap] [-init-rand=public] [-env NAME=VALUE]... [-embed-dir DIR[=PATH]]... PKG")
		return exitCode(2)
	}
	if *initRand != "" && *initRand != "public" {
		fmt.Fprintf(stderr, "icgo build: -init-rand=%s: the only value is public\n", *initRand)
		return exitCode(2)
	}
	opt := build.Options{Pkg: fs.Arg(0), Strip: *strip, Env: env, InitRandPublic: *initRand == "public", NoSwap: *noSwap, CacheDir: userCacheDir("build"), EmbedDirs: embedDirs}
	for _, t := range tags {
		opt.Flags = append(opt.Flags, "-tags="+t)
	}
	res, err := build.Build(ctx, opt)
	if err != nil {
		return err
	}
	for _, n := range res.Notes {
		fmt.Fprintln(stdout, "icgo:", n)
	}
	paths, err := res.Write(*out)
	if err != nil {
		return fmt.Errorf("writing the canister: %w", err)
	}
	fmt.Fprintf(stdout, "%s: %d bytes\n%s: %d bytes (gzip)\n%s: %d methods\n",
		paths[0], len(res.Wasm), paths[1], len(res.Gzip), paths[2], len(res.Registry.Methods))
	if *size {
		if err := printSize(ctx, stdout, res, opt); err != nil {
			return err
		}
	}
	if len(res.Registry.Methods) == 0 {
		fmt.Fprintf(stderr, "warning: %s registers no methods, so nothing can call it: register them with cdk.Query and cdk.Update in an init function\n", opt.Pkg)
	}
	if len(res.Gzip) > 2<<20 {
		fmt.Fprintf(stderr, "warning: the gzip module is over 2 MiB and cannot be installed in one ingress message; install it in chunks\n")
		if res.NetHTTP {
			fmt.Fprintf(stderr, "warning: net/http is linked and adds about 1.3 MB (gzip); for outcalls alone, icstd/http has its API without its weight\n")
		}
	}
	return nil
}

// printSize prints where the module's bytes go (build.Size).
func printSize(ctx context.Context, w io.Writer, res *build.Result, opt build.Options) error {
	if opt.Strip {
		return fmt.Errorf("-size reads the function names, which -strip removes: drop one of them")
	}
	pkgs, err := build.Packages(ctx, opt.Dir, opt.Pkg, opt.Flags...)
	if err != nil {
		return err
	}
	rep, err := build.Size(res.Wasm, len(res.Gzip), pkgs)
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	_, err = rep.WriteTo(w)
	return err
}
