package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/internal/port"
)

func cmdPort(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("icgo port", flag.ContinueOnError)
	fs.SetOutput(stderr)
	write := fs.Bool("w", false, "write the rewritten files (default: print a unified diff)")
	var rewrites, tags multiFlag
	fs.Var(&rewrites, "r", "also rewrite an import: OLD=NEW, or one of "+strings.Join(swapNames(), ", ")+" (repeatable)")
	fs.Var(&tags, "tags", "build tags (comma-separated), as for go build")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: icgo port [-w] [-r OLD=NEW]... PACKAGES")
		return exitCode(2)
	}
	opt := port.Options{Rewrites: map[string]string{}}
	for k, v := range port.DefaultRewrites {
		opt.Rewrites[k] = v
	}
	for _, r := range rewrites {
		old, new, ok := strings.Cut(r, "=")
		if !ok {
			new = build.SwapTargets[old]
		}
		if old == "" || new == "" {
			return fmt.Errorf("-r %s: give OLD=NEW, or one of %s", r, strings.Join(swapNames(), ", "))
		}
		opt.Rewrites[old] = new
	}
	for _, t := range tags {
		opt.Flags = append(opt.Flags, "-tags="+t)
	}
	res, err := port.Run(ctx, opt, fs.Args()...)
	if err != nil {
		return err
	}
	if *write {
		if err := res.Write(); err != nil {
			return err
		}
		for _, f := range res.Files {
			fmt.Fprintln(stdout, f.Summary())
		}
	} else {
		fmt.Fprint(stdout, res.Diff())
	}
	for _, d := range res.Diags {
		fmt.Fprintln(stdout, d)
	}
	if len(res.Diags) > 0 {
		uses := "uses"
		if len(res.Diags) == 1 {
			uses = "use"
		}
		fmt.Fprintf(stderr, "icgo port: %d %s cannot work in a canister (listed above)\n", len(res.Diags), uses)
		return exitCode(1)
	}
	return nil
}

func swapNames() []string {
	var names []string
	for k := range build.SwapTargets {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
