// Command matrix runs the compatibility matrix (real Go packages' own
// tests, each run as a canister in the embedded replica) and writes it as
// markdown:
//
//	go run ./compat-tests/cmd/matrix                  # everything, to compat-tests/RESULTS.md
//	go run ./compat-tests/cmd/matrix -pkgs strings,fmt -o -
//
// See compat-tests/README.md.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/icgo/icgo/compat-tests/internal/compat"
)

func main() {
	out := flag.String("o", "", "output file (- for stdout; default: RESULTS.md next to the compat-tests sources)")
	pkgs := flag.String("pkgs", "", "comma-separated packages to run (default: all targets)")
	jobs := flag.Int("j", 0, "packages run at a time (default: half the CPUs)")
	timeout := flag.Duration("timeout", compat.DefaultConfig.Timeout, "wall-clock guard per install (0: the replica default, its instruction limit)")
	short := flag.Bool("short", compat.DefaultConfig.Short, "pass -test.short")
	reruns := flag.Int("reruns", compat.DefaultConfig.MaxReruns, "runs after traps, per package")
	flag.Parse()

	dir, err := compat.Dir()
	if err != nil {
		fail(err)
	}
	targets := compat.All()
	if *pkgs != "" {
		want := map[string]bool{}
		for _, p := range strings.Split(*pkgs, ",") {
			want[strings.TrimSpace(p)] = true
		}
		var sel []compat.Target
		for _, t := range targets {
			if want[t.Pkg] {
				sel = append(sel, t)
				delete(want, t.Pkg)
			}
		}
		for p := range want { // not in the target list: run it as given (a std or icgo package)
			sel = append(sel, compat.Target{Pkg: p})
		}
		targets = sel
	}
	cfg := compat.DefaultConfig
	cfg.Timeout, cfg.Short, cfg.MaxReruns, cfg.Dir = *timeout, *short, *reruns, dir
	cfg.Log = func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

	start := time.Now()
	results := compat.RunAll(context.Background(), targets, cfg, *jobs)
	var buf bytes.Buffer
	cmd := "go run ./compat-tests/cmd/matrix"
	if len(os.Args) > 1 {
		cmd += " " + strings.Join(os.Args[1:], " ")
	}
	compat.WriteMarkdown(&buf, compat.Header{Command: cmd, GoVersion: runtime.Version(), Config: cfg, Started: start, Elapsed: time.Since(start)}, results)
	switch *out {
	case "-":
		os.Stdout.Write(buf.Bytes())
		return
	case "":
		*out = filepath.Join(dir, "RESULTS.md")
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%d packages, %v)\n", *out, len(results), time.Since(start).Round(time.Second))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "matrix:", err)
	os.Exit(1)
}
