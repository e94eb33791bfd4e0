// Command matrix runs the compatibility matrix (real Go packages' own
// tests, each run as a canister in the embedded replica) and writes it as
// markdown and JSON:
//
//	go run ./compat-tests/cmd/matrix              # everything: compat-tests/RESULTS.md and RESULTS.json
//	go run ./compat-tests/cmd/matrix -fast        # the subset .ci/run runs
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
	"sync"
	"time"

	"github.com/icgo/icgo/compat-tests/internal/compat"
)

func main() {
	out := flag.String("o", "", "markdown output (- for stdout; default: compat-tests/RESULTS.md, with RESULTS.json beside it)")
	pkgs := flag.String("pkgs", "", "comma-separated packages to run (default: all targets)")
	fast := flag.Bool("fast", false, "run the fast subset (compat.Fast) and fail if a package of it cannot run")
	jobs := flag.Int("j", 0, "packages run at a time (default: half the CPUs)")
	timeout := flag.Duration("timeout", compat.DefaultConfig.Timeout, "wall-clock guard per install (0: the replica default, its instruction limit)")
	short := flag.Bool("short", compat.DefaultConfig.Short, "pass -test.short")
	reruns := flag.Int("reruns", compat.DefaultConfig.MaxReruns, "runs after traps, per package")
	files := flag.Bool("files", true, "embed each package's files and testdata (-files=false: no file system, as before -embed-dir)")
	publicRand := flag.Bool("public-rand", compat.DefaultConfig.PublicRand, "build the tests with -init-rand=public (-public-rand=false: crypto/rand traps, as in canister_init)")
	ported := flag.Bool("ported", true, "run third-party packages again with compat-tests/thirdparty/icgo.swap where it applies")
	before := flag.String("before", "", "RESULTS.json files (comma-separated) of a run without the packages' files (-files=false) to compare with in the markdown")
	resume := flag.Bool("resume", false, "continue the run whose JSON is beside the output (RESULTS.json by default; -o X.md: X.json): keep the packages it finished, run the others, add the times")
	from := flag.String("from", "", "write the markdown (and JSON) again from a RESULTS.json, without running")
	flag.Parse()

	dir, err := compat.Dir()
	if err != nil {
		fail(err)
	}
	var cmp compat.Header
	if *before != "" {
		// Several files (comma-separated) add up, as when a long run is
		// finished by another one on the remaining packages.
		var cmds []string
		for _, f := range strings.Split(*before, ",") {
			bh, br, err := readJSON(f)
			if err != nil {
				fail(err)
			}
			cmp.Before = append(cmp.Before, br...)
			cmds = append(cmds, bh.Command)
		}
		cmp.BeforeCommand = strings.Join(cmds, "` and `")
	}
	if *from != "" {
		rerender(*from, *out, dir, cmp)
		return
	}
	ctx := context.Background()
	var targets []compat.Target
	switch {
	case *pkgs != "" || *fast:
		list := compat.Fast
		if *pkgs != "" {
			list = strings.Split(*pkgs, ",")
		}
		byPkg := map[string]compat.Target{}
		for p, t := range compat.StdOverrides {
			t.Pkg = p
			byPkg[p] = t
		}
		for _, t := range compat.Third {
			byPkg[t.Pkg] = t
		}
		for _, p := range list {
			p = strings.TrimSpace(p)
			t, ok := byPkg[p]
			if !ok { // not a listed target: run it as given (a std or icgo package)
				t = compat.Target{Pkg: p}
			}
			targets = append(targets, t)
		}
	default:
		if targets, err = compat.All(ctx); err != nil {
			fail(err)
		}
	}
	cfg := compat.DefaultConfig
	cfg.Timeout, cfg.Short, cfg.MaxReruns, cfg.Dir = *timeout, *short, *reruns, dir
	cfg.NoFiles, cfg.Ported, cfg.PublicRand = !*files, *ported, *publicRand
	var mu sync.Mutex // progress lines from parallel packages
	cfg.Log = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	}

	mdPath, jsonPath := *out, ""
	if mdPath == "" && *fast {
		mdPath = "-" // the fast subset never replaces RESULTS.md
	}
	if mdPath == "" {
		mdPath = filepath.Join(dir, "RESULTS.md")
	}
	if strings.HasSuffix(mdPath, ".md") {
		jsonPath = strings.TrimSuffix(mdPath, ".md") + ".json"
	}
	cmd := "go run ./compat-tests/cmd/matrix"
	if len(os.Args) > 1 {
		cmd += " " + strings.Join(os.Args[1:], " ")
	}
	start := time.Now()
	results := make([]*compat.Result, len(targets))
	n := 0
	var earlier time.Duration // the time of the run this one resumes
	todo := targets
	index := make([]int, len(targets)) // todo's index in targets
	for i := range index {
		index[i] = i
	}
	if *resume {
		if jsonPath == "" {
			fail(fmt.Errorf("-resume needs the output's JSON (not -o -)"))
		}
		ph, prev, err := readJSON(jsonPath)
		if err != nil {
			fail(fmt.Errorf("-resume: %w", err))
		}
		done := map[string]*compat.Result{}
		for _, r := range prev {
			done[r.Target.Pkg] = r
		}
		todo, index = nil, nil
		for i, t := range targets {
			if r := done[t.Pkg]; r != nil {
				results[i] = r
				n++
				continue
			}
			todo, index = append(todo, t), append(index, i)
		}
		start, earlier = ph.Started, ph.Elapsed
		cmd = strings.TrimSuffix(ph.Command, " (resumed)") + " (resumed)"
		cfg.Log("resuming %s: %d packages finished, %d to run", jsonPath, n, len(todo))
	}
	resumed := time.Now()
	elapsed := func() time.Duration { return earlier + time.Since(resumed) }
	// write writes the results so far: a run that is stopped still
	// leaves the largest finished matrix, marked partial.
	write := func(final bool) {
		h := compat.Header{Command: cmd, GoVersion: runtime.Version(), Config: cfg, Started: start, Elapsed: elapsed(), Before: cmp.Before, BeforeCommand: cmp.BeforeCommand}
		if !final {
			h.Partial = fmt.Sprintf("%d of %d packages finished", n, len(targets))
		}
		var md, js bytes.Buffer
		compat.WriteMarkdown(&md, h, results)
		if mdPath == "-" {
			if final {
				os.Stdout.Write(md.Bytes())
			}
			return
		}
		if err := os.WriteFile(mdPath, md.Bytes(), 0o644); err != nil {
			fail(err)
		}
		if jsonPath != "" {
			if err := compat.WriteJSON(&js, h, results); err != nil {
				fail(err)
			}
			if err := os.WriteFile(jsonPath, js.Bytes(), 0o644); err != nil {
				fail(err)
			}
		}
	}
	compat.RunAll(ctx, todo, cfg, *jobs, func(i int, r *compat.Result) {
		results[index[i]] = r
		n++
		class, _ := r.FirstReason()
		cfg.Log("[%d/%d %v] %s: %s (%d pass, %d fail, %d skip, %d trap) %s", n, len(targets), elapsed().Round(time.Second),
			r.Target.Pkg, r.PkgStatus(), r.Count(compat.Pass), r.Count(compat.Fail), r.Count(compat.Skip), r.Count(compat.Trap), class)
		write(false)
	})
	write(true)
	s := compat.Summarize(results)
	fmt.Fprintf(os.Stderr, "%s\nwrote %s (%v)\n", s, mdPath, elapsed().Round(time.Second))
	if *fast {
		for _, r := range results {
			if r.Err != nil {
				fail(fmt.Errorf("%s could not run: %w", r.Target.Pkg, r.Err))
			}
		}
	}
}

// readJSON reads a RESULTS.json.
func readJSON(path string) (compat.Header, []*compat.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return compat.Header{}, nil, err
	}
	defer f.Close()
	return compat.ReadJSON(f)
}

// rerender writes RESULTS.md (or out) from a RESULTS.json, with this
// version's classification and layout.
func rerender(from, out, dir string, cmp compat.Header) {
	h, results, err := readJSON(from)
	if err != nil {
		fail(err)
	}
	h.Before, h.BeforeCommand = cmp.Before, cmp.BeforeCommand
	var md, js bytes.Buffer
	compat.WriteMarkdown(&md, h, results)
	if out == "-" {
		os.Stdout.Write(md.Bytes())
		return
	}
	if out == "" {
		out = filepath.Join(dir, "RESULTS.md")
	}
	jsonPath := ""
	if strings.HasSuffix(out, ".md") {
		jsonPath = strings.TrimSuffix(out, ".md") + ".json"
	}
	if err := os.WriteFile(out, md.Bytes(), 0o644); err != nil {
		fail(err)
	}
	if jsonPath != "" && jsonPath != from {
		if err := compat.WriteJSON(&js, h, results); err != nil {
			fail(err)
		}
		if err := os.WriteFile(jsonPath, js.Bytes(), 0o644); err != nil {
			fail(err)
		}
	}
	fmt.Fprintf(os.Stderr, "%s\nwrote %s from %s\n", compat.Summarize(results), out, from)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "matrix:", err)
	os.Exit(1)
}
