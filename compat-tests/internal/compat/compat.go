// Package compat runs real Go packages' own tests inside a canister and
// reports, test by test, what works unmodified on the Internet Computer.
//
// For each target package, RunPackage:
//
//  1. compiles its tests with `GOOS=wasip1 GOARCH=wasm go test -c`, a
//     wasip1 command module;
//  2. post-processes it in command mode (internal/build.Command,
//     postproc.Options.Command): canister_init runs _start, that is the
//     runtime, the package inits and testing's main, which ends in
//     proc_exit, a trap that carries the exit status; the test flags are
//     the install argument (NUL-separated), served to os.Args by the
//     args_get stub;
//  3. checks it against the IC's module rules (internal/validate; the
//     replica refuses a module that breaks them);
//  4. installs it in a fresh canister of the embedded replica, first with
//     -test.list (the denominator: every test, example, fuzz target), then
//     with -test.v, and reads each test's outcome from the canister log
//     (=== RUN, --- PASS/FAIL/SKIP) and the end of the run from the
//     install's trap message.
//
// A test that traps (a blocking time.Sleep, crypto/rand, a file, the
// execution limit) or panics ends the whole run, as it would end a
// canister message. The harness records it (TRAP, or FAIL for a panic),
// adds it to -test.skip and runs the package again, up to MaxReruns
// times, so that one bad test does not hide the results of the others.
//
// The package's files and testdata tree are embedded read-only at "/",
// the working directory (files.go). Examples and fuzz targets are not run:
// testing writes an example's output to a temporary file, and the file
// system is read-only. They are counted from -test.list.
package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/internal/postproc"
	"github.com/icgo/icgo/replica"
)

// Target is one package whose tests run as a canister.
type Target struct {
	Pkg string // import path
	// Module is the directory go test -c runs in: "" for the standard
	// library and icgo's own module, "thirdparty" (relative to Config.Dir,
	// the compat-tests directory) for the pinned third-party libraries.
	Module string
	Run    string // -test.run, if not empty
	Skip   string // top-level tests to skip (a regexp alternative), besides examples and fuzz targets
	Note   string // shown in the matrix
}

// Status of one test.
type Status string

// Test outcomes.
const (
	Pass   Status = "PASS"
	Fail   Status = "FAIL"
	Skip   Status = "SKIP"
	Trap   Status = "TRAP"    // the test made the canister trap (and the run stopped there)
	NotRun Status = "NOT RUN" // listed, but never reached
)

// Test is the outcome of one top-level test.
type Test struct {
	Name   string
	Status Status
	// Reason: for FAIL the test's first output lines (or the panic), for
	// SKIP the skip message, for TRAP the trap message.
	Reason string
	// Subtests counts the outcomes of its subtests (all levels).
	Subtests map[Status]int
}

// Result is what RunPackage found for one target.
type Result struct {
	Target Target
	// Listed by -test.list (top-level names).
	Tests, Examples, Fuzz, Benchmarks []string
	Results                           []Test // top-level tests, in -test.list order
	// NoTests is set for a package without test files.
	NoTests bool
	// Err is set when the package could not be run at all: the build
	// failed, the module breaks the IC's rules, or the program trapped
	// before its first test (e.g. in a package init). The results of the
	// tests that did run are still in Results.
	Err error
	// Trap is the trap message of the last run ("the Go program exited
	// with status 0 ..." for a run that finished).
	Trap string
	// Exit is the exit status of the last run, -1 if it did not exit.
	Exit int
	// Runs is the number of installs (the -test.list run included).
	Runs int
	// LogTruncated reports that the replica dropped old log entries.
	LogTruncated bool

	ModuleSize, GzipSize int
	// Instructions is what the test runs executed (the -test.list run
	// excluded), as the replica meters them.
	Instructions uint64
	// Ported is the result of the tests built with icgo.swap (Config.Ported),
	// nil where no swap applies; Swaps says what the swap changed.
	Ported *Result
	Swaps  []string
	// InitRand reports that the program read crypto/rand before its first
	// test (package initialization: the -test.list run), which a canister
	// can do only when built with -init-rand=public (Config.PublicRand).
	InitRand bool
	// FilesSize is the size of the package's files embedded for its tests
	// (0 with Config.NoFiles).
	FilesSize          int
	BuildTime, RunTime time.Duration
}

// Count returns the number of top-level tests with status s.
func (r *Result) Count(s Status) int {
	n := 0
	for _, t := range r.Results {
		if t.Status == s {
			n++
		}
	}
	return n
}

// SubCount returns the number of subtests with status s.
func (r *Result) SubCount(s Status) int {
	n := 0
	for _, t := range r.Results {
		n += t.Subtests[s]
	}
	return n
}

// FirstProblem returns the first test that failed or trapped, or nil.
func (r *Result) FirstProblem() *Test {
	for i := range r.Results {
		if s := r.Results[i].Status; s == Fail || s == Trap {
			return &r.Results[i]
		}
	}
	return nil
}

// Config configures RunPackage.
type Config struct {
	// Short passes -test.short (the default in DefaultConfig): the tests
	// skip what their authors consider long, as in CI.
	Short bool
	// Timeout, if not 0, sets the replica's wall-clock guard per
	// execution (replica.WithExecutionTimeout). 0 keeps the replica's
	// default: the IC's instruction limit for an install (300 B) once the
	// replica meters instructions. A test that exceeds either is a TRAP.
	Timeout time.Duration
	// MaxReruns bounds the runs after a trap (each skips the tests that
	// trapped before), and Budget the time of a package's runs: no rerun
	// starts after it (0 means no limit).
	MaxReruns int
	Budget    time.Duration
	// Dir is the compat-tests directory, for Target.Module (and the
	// packages of this module); "" means the current directory.
	Dir string
	// NoFiles does not embed the package's files and testdata: the tests
	// then see no file system (path_open fails with ENOSYS), as before
	// -embed-dir.
	NoFiles bool
	// PublicRand builds the test binaries with public, predictable
	// randomness (icgo build -init-rand=public): a command runs entirely
	// in canister_init, before raw_rand can seed the CSPRNG, where a
	// canister's updates would read seeded bytes. Result.InitRand still
	// tells which packages read crypto/rand in their initialization.
	PublicRand bool
	// Ported runs the third-party packages' tests a second time, built
	// with the ThirdParty module's icgo.swap where it applies.
	Ported bool
	// Log, if set, receives progress lines.
	Log func(format string, args ...any)
}

// DefaultConfig is what the matrix uses.
var DefaultConfig = Config{Short: true, MaxReruns: 40, Budget: 15 * time.Minute, PublicRand: true}

// RunPackage builds, installs and runs the tests of one package.
func RunPackage(ctx context.Context, tgt Target, cfg Config) *Result {
	res := &Result{Target: tgt, Exit: -1}
	dir := cfg.Dir
	if tgt.Module != "" {
		dir = filepath.Join(cfg.Dir, tgt.Module)
	}
	filter, err := compileFilter(tgt)
	if err != nil {
		res.Err = err
		return res
	}
	t0 := time.Now()
	raw, err := build.GoTestBuild(ctx, dir, tgt.Pkg)
	if err != nil {
		res.Err = err
		return res
	}
	if raw == nil {
		res.NoTests = true
		return res
	}
	runModule(ctx, res, cfg, dir, raw, filter, t0)
	if cfg.Ported {
		res.Ported = runPorted(ctx, tgt, cfg, dir, filter)
	}
	return res
}

// runPorted runs the package's tests again built with icgo.swap (the
// ThirdParty module's, through build.Overlay, as icgo build does), or
// returns nil when no swap applies. The standard library is never
// rewritten.
func runPorted(ctx context.Context, tgt Target, cfg Config, dir string, filter *testFilter) *Result {
	if tgt.Module == "" {
		return nil
	}
	res := &Result{Target: tgt, Exit: -1}
	// The overlay of the ThirdParty module's own package (deps.go, which
	// imports every library): its icgo.swap is the one that applies, as
	// icgo build applies the main module's. The test binary is built with
	// the same rewritten files.
	ov, err := build.Overlay(ctx, dir, ".")
	if err != nil {
		res.Err = fmt.Errorf("preparing the swap: %w", err)
		return res
	}
	defer ov.Close()
	for _, s := range ov.Swapped {
		if s.Package == tgt.Pkg {
			res.Swaps = append(res.Swaps, s.String())
		}
	}
	if len(res.Swaps) == 0 {
		return nil
	}
	t0 := time.Now()
	raw, err := build.GoTestBuild(ctx, dir, tgt.Pkg, ov.Flags()...)
	if err != nil {
		res.Err = fmt.Errorf("building with the swap: %w", err)
		return res
	}
	if raw == nil {
		res.NoTests = true
		return res
	}
	if cfg.Log != nil {
		cfg.Log("%s: ported (%s)", tgt.Pkg, strings.Join(res.Swaps, "; "))
	}
	runModule(ctx, res, cfg, dir, raw, filter, t0)
	return res
}

// runModule post-processes the test binary raw and runs it into res.
func runModule(ctx context.Context, res *Result, cfg Config, dir string, raw []byte, filter *testFilter, t0 time.Time) {
	tgt := res.Target
	logf := cfg.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	var err error
	copt := build.CommandOptions{Args: []string{filepath.Base(tgt.Pkg) + ".test"}, InitRandPublic: cfg.PublicRand}
	if !cfg.NoFiles {
		if copt.Embed, res.FilesSize, err = packageFiles(ctx, dir, tgt.Pkg); err != nil {
			res.Err = err
			return
		}
		if copt.Embed, copt.Env, err = withZoneinfo(ctx, copt.Embed); err != nil {
			res.Err = err
			return
		}
	}
	mod, err := build.Command(raw, copt)
	res.BuildTime = time.Since(t0)
	if err != nil {
		res.Err = err
		return
	}
	res.ModuleSize, res.GzipSize = len(mod.Wasm), mod.Stats.GzipSize
	if err := mod.Report.Err(); err != nil {
		res.Err = fmt.Errorf("the IC would refuse the test module: %w", err)
		return
	}
	t1 := time.Now()
	defer func() { res.RunTime = time.Since(t1) }()
	var ropts []replica.Option
	if cfg.Timeout > 0 {
		ropts = append(ropts, replica.WithExecutionTimeout(cfg.Timeout))
	}
	logs := &logCapture{}
	ropts = append(ropts, replica.WithLogOutput(logs))
	r, err := replica.New(ropts...)
	if err != nil {
		res.Err = err
		return
	}
	defer r.Close()

	// 1. The list of tests.
	t2 := time.Now()
	out, err := install(r, logs, mod.Wasm, "-test.list", ".*")
	logf("%s: -test.list run in %v", tgt.Pkg, time.Since(t2).Round(time.Millisecond))
	res.Runs++
	if err != nil {
		res.Err = err
		return
	}
	res.Trap, res.Exit, res.LogTruncated = out.trap, out.exit, out.truncated
	if out.exit != 0 {
		res.Err = fmt.Errorf("listing the tests: %s%s", out.trap, lastLines(out.lines, 5))
		return
	}
	for _, l := range out.lines {
		switch {
		case l == postproc.MsgRandPublic:
			res.InitRand = true
		case strings.HasPrefix(l, "Test"):
			res.Tests = append(res.Tests, l)
		case strings.HasPrefix(l, "Example"):
			res.Examples = append(res.Examples, l)
		case strings.HasPrefix(l, "Fuzz"):
			res.Fuzz = append(res.Fuzz, l)
		case strings.HasPrefix(l, "Benchmark"):
			res.Benchmarks = append(res.Benchmarks, l)
		}
	}
	logf("%s: %d tests, %d examples, %d fuzz targets (module %.1f MB, %.1f MB gzip, built in %v)",
		tgt.Pkg, len(res.Tests), len(res.Examples), len(res.Fuzz), float64(res.ModuleSize)/1e6, float64(res.GzipSize)/1e6, res.BuildTime.Round(time.Millisecond))

	// 2. The tests, again after every trap.
	results := map[string]*Test{}
	var skipped []string
	for rerun := 0; ; rerun++ {
		args := []string{"-test.v", "-test.timeout=0", "-test.count=1"}
		if cfg.Short {
			args = append(args, "-test.short")
		}
		if tgt.Run != "" {
			args = append(args, "-test.run="+tgt.Run)
		}
		skip := []string{"Example.*", "Fuzz.*"}
		if tgt.Skip != "" {
			skip = append(skip, tgt.Skip)
		}
		skip = append(skip, skipped...)
		args = append(args, "-test.skip=^("+strings.Join(skip, "|")+")$")
		t3 := time.Now()
		out, err := install(r, logs, mod.Wasm, args...)
		res.Runs++
		if out != nil {
			res.Instructions += out.instructions
		}
		logf("%s: run %d in %v", tgt.Pkg, res.Runs, time.Since(t3).Round(time.Millisecond))
		if err != nil {
			res.Err = err
			return
		}
		res.Trap, res.Exit = out.trap, out.exit
		res.LogTruncated = res.LogTruncated || out.truncated
		run := parse(out.lines)
		for _, t := range run.tests {
			if _, seen := results[t.Name]; !seen {
				results[t.Name] = t
			}
		}
		if run.finished && out.exit >= 0 {
			break // PASS or FAIL printed, then exit
		}
		// The run was cut short: blame the test that was running.
		culprit := run.last
		if slices.Contains(skipped, regexp.QuoteMeta(culprit)) {
			res.Err = fmt.Errorf("%s ended the run again although -test.skip names it: %s", culprit, out.trap)
			break
		}
		if culprit == "" {
			res.Err = fmt.Errorf("the program stopped outside any test: %s%s", out.trap, lastLines(out.lines, 8))
			break
		}
		t := results[culprit]
		if t == nil || t.Status == "" {
			t = &Test{Name: culprit, Subtests: map[Status]int{}}
			if prev := run.byName[culprit]; prev != nil {
				t.Subtests = prev.Subtests
			}
			results[culprit] = t
		}
		switch {
		case out.exit >= 0 && run.panic != "": // a panic in the test: FAIL printed, then exit 2
			t.Status, t.Reason = Fail, run.panic
		case out.exit >= 0:
			t.Status, t.Reason = Fail, fmt.Sprintf("exited with status %d during the test%s", out.exit, lastLines(out.lines, 3))
		default:
			t.Status, t.Reason = Trap, out.trap
			if run.lastSub != "" && run.lastSub != culprit {
				t.Reason = "in " + run.lastSub + ": " + out.trap
			}
		}
		logf("%s: %s %s: %s", tgt.Pkg, culprit, t.Status, oneLine(t.Reason, 160))
		skipped = append(skipped, regexp.QuoteMeta(culprit))
		if rerun >= cfg.MaxReruns || (cfg.Budget > 0 && time.Since(t1) > cfg.Budget) {
			logf("%s: giving up after %d reruns (%v)", tgt.Pkg, rerun, time.Since(t1).Round(time.Second))
			break
		}
	}
	// In -test.list order; tests that never ran are NOT RUN.
	for _, name := range res.Tests {
		if t := results[name]; t != nil && t.Status != "" {
			res.Results = append(res.Results, *t)
			delete(results, name)
			continue
		}
		st, reason := NotRun, ""
		if filter.matches(name) {
			reason = "not reached: an earlier test ended the run"
		} else {
			st, reason = Skip, "excluded by the target's -test.run/-test.skip"
		}
		res.Results = append(res.Results, Test{Name: name, Status: st, Reason: reason})
	}
	// Tests that ran but were not listed (should not happen).
	var extra []string
	for name := range results {
		extra = append(extra, name)
	}
	sort.Strings(extra)
	for _, name := range extra {
		if t := results[name]; t.Status != "" {
			res.Results = append(res.Results, *t)
		}
	}
	logf("%s: %d PASS, %d FAIL, %d SKIP, %d TRAP, %d NOT RUN in %d runs (%v)", tgt.Pkg,
		res.Count(Pass), res.Count(Fail), res.Count(Skip), res.Count(Trap), res.Count(NotRun), res.Runs, time.Since(t1).Round(time.Millisecond))
}

// testFilter is a target's Run and Skip patterns, compiled.
type testFilter struct {
	run, skip *regexp.Regexp // nil when the pattern is empty
}

// compileFilter compiles the target's Run and Skip patterns; an invalid
// one is an error naming it (it would otherwise select nothing).
func compileFilter(tgt Target) (*testFilter, error) {
	f := &testFilter{}
	var err error
	if tgt.Run != "" {
		if f.run, err = regexp.Compile(tgt.Run); err != nil {
			return nil, fmt.Errorf("%s: the Run pattern %q is not a valid regexp: %w", tgt.Pkg, tgt.Run, err)
		}
	}
	if tgt.Skip != "" {
		if f.skip, err = regexp.Compile("^(" + tgt.Skip + ")$"); err != nil {
			return nil, fmt.Errorf("%s: the Skip pattern %q is not a valid regexp: %w", tgt.Pkg, tgt.Skip, err)
		}
	}
	return f, nil
}

// matches reports whether the top-level test name is selected.
func (f *testFilter) matches(name string) bool {
	if f.run != nil && !f.run.MatchString(name) {
		return false
	}
	return f.skip == nil || !f.skip.MatchString(name)
}

// runOutput is one install of the test module.
type runOutput struct {
	lines     []string // the canister log, without the final [TRAP] line
	trap      string   // the trap message
	exit      int      // the exit status, -1 if the run did not exit
	truncated bool
	// instructions the install executed (the replica's count)
	instructions uint64
}

// install runs the test module once in a new canister with args, and
// reads its output from logs: the whole stream, which a verbose test run
// can make longer than a canister log keeps (1 MiB at most).
func install(r *replica.Replica, logs *logCapture, module []byte, args ...string) (*runOutput, error) {
	arg, err := build.CommandArg(args...)
	if err != nil {
		return nil, err
	}
	id, err := r.CreateCanister()
	if err != nil {
		return nil, err
	}
	logs.reset()
	ierr := r.Install(id, module, arg)
	instr, err := r.LastInstructions(id)
	if err != nil {
		return nil, err
	}
	out := &runOutput{exit: -1, instructions: instr}
	out.lines, out.truncated = logs.messages(id.String())
	if n := len(out.lines); n > 0 && strings.HasPrefix(out.lines[n-1], "[TRAP]: ") {
		out.lines = out.lines[:n-1]
	}
	var rej *replica.Reject
	switch {
	case ierr == nil:
		return nil, errors.New("the install did not trap: a command-mode module must end in proc_exit")
	case !errors.As(ierr, &rej):
		return nil, ierr
	}
	out.trap = strings.TrimPrefix(rej.Message, "canister trapped: ")
	if rest, ok := strings.CutPrefix(out.trap, postproc.MsgExitPrefix); ok {
		digits := rest[:len(rest)-len(strings.TrimLeft(rest, "0123456789"))]
		if n, err := strconv.Atoi(digits); err == nil {
			out.exit = n
		}
	}
	return out, nil
}

// parsed is what one -test.v run printed.
type parsed struct {
	tests    []*Test // top-level tests with a result, in order
	byName   map[string]*Test
	last     string // the top-level test that started (RUN/CONT) last
	lastSub  string // the full name of the (sub)test that started last
	finished bool   // the final PASS or FAIL line was printed
	panic    string // "panic: ..." if the run ended in a panic
}

var resultRe = regexp.MustCompile(`^( *)--- (PASS|FAIL|SKIP): (\S+)`)

// parse reads the -test.v output of one run.
func parse(lines []string) *parsed {
	p := &parsed{byName: map[string]*Test{}}
	output := map[string][]string{} // test output lines by full name
	cur := ""                       // full name of the test whose output follows
	get := func(name string) *Test {
		t := p.byName[name]
		if t == nil {
			t = &Test{Name: name, Subtests: map[Status]int{}}
			p.byName[name] = t
		}
		return t
	}
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "=== "); ok {
			verb, name, _ := strings.Cut(rest, " ")
			name = strings.TrimSpace(name)
			switch verb {
			case "RUN", "CONT":
				p.last, _, _ = strings.Cut(name, "/")
				p.lastSub = name
				cur = name
			case "NAME", "PAUSE":
				cur = name
			}
			continue
		}
		if m := resultRe.FindStringSubmatch(l); m != nil {
			name, st := m[3], Status(m[2])
			top, _, sub := strings.Cut(name, "/")
			if sub {
				get(top).Subtests[st]++
				if st == Fail && get(top).Reason == "" {
					get(top).Reason = firstLines(output[name], 3)
				}
			} else {
				t := get(top)
				t.Status = st
				switch {
				case st == Fail && t.Reason == "": // else a failing subtest's output
					t.Reason = firstLines(output[name], 3)
				case st == Skip:
					t.Reason = lastLine(output[name])
				}
				p.tests = append(p.tests, t)
			}
			cur = ""
			continue
		}
		switch {
		case l == "PASS" || l == "FAIL":
			p.finished = true
		case strings.HasPrefix(l, "panic: ") && p.panic == "":
			p.panic = l
		case strings.HasPrefix(l, "fatal error: ") && p.panic == "":
			p.panic = l
		case cur != "":
			output[cur] = append(output[cur], strings.TrimSpace(l))
		}
	}
	return p
}

func firstLines(ls []string, n int) string {
	if len(ls) > n {
		ls = ls[:n]
	}
	return strings.Join(ls, " / ")
}

func lastLine(ls []string) string {
	if len(ls) == 0 {
		return ""
	}
	return ls[len(ls)-1]
}

func lastLines(ls []string, n int) string {
	if len(ls) == 0 {
		return ""
	}
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return "\n" + strings.Join(ls, "\n")
}

func oneLine(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " / ")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}

// RunAll runs the targets with up to jobs packages at a time (0 means
// half the CPUs, at least 1) and returns the results in target order.
// done, if not nil, is called (serially) as each package finishes.
func RunAll(ctx context.Context, targets []Target, cfg Config, jobs int, done func(i int, r *Result)) []*Result {
	if jobs <= 0 {
		jobs = max(1, runtime.NumCPU()/2)
	}
	out := make([]*Result, len(targets))
	sem := make(chan struct{}, jobs)
	finished := make(chan int)
	go func() { // start them in order, jobs at a time
		for i, t := range targets {
			sem <- struct{}{}
			go func() {
				out[i] = RunPackage(ctx, t, cfg)
				<-sem
				finished <- i
			}()
		}
	}()
	for range targets {
		i := <-finished
		if done != nil {
			done(i, out[i])
		}
	}
	return out
}

// Dir returns the compat-tests directory (two levels above this package's
// source), for Config.Dir when running from elsewhere in the repository.
func Dir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("compat: cannot locate the package directory")
	}
	if _, err := os.Stat(file); err != nil {
		return "", fmt.Errorf("compat: package source not found (built with -trimpath?): %w", err)
	}
	return filepath.Dir(filepath.Dir(filepath.Dir(file))), nil
}

// maxCapture bounds the output kept of one run; past it, the older half
// is dropped (and the run's output marked truncated).
const maxCapture = 64 << 20

// logCapture receives the replica's log stream ("[canister-id] message"
// lines, replica.WithLogOutput) for one run at a time.
type logCapture struct {
	mu        sync.Mutex
	buf       []byte
	truncated bool
}

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if len(l.buf) > maxCapture {
		rest := l.buf[len(l.buf)/2:]
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			rest = rest[i+1:] // keep whole lines
		}
		l.buf = append([]byte(nil), rest...)
		l.truncated = true
	}
	return len(p), nil
}

func (l *logCapture) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf, l.truncated = nil, false
}

// messages returns the messages of canister id: a line without the
// canister's prefix continues the message before it.
func (l *logCapture) messages(id string) (msgs []string, truncated bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) == 0 {
		return nil, l.truncated
	}
	prefix := "[" + id + "] "
	for line := range strings.SplitSeq(strings.TrimSuffix(string(l.buf), "\n"), "\n") {
		if m, ok := strings.CutPrefix(line, prefix); ok || len(msgs) == 0 {
			msgs = append(msgs, m)
			continue
		}
		msgs[len(msgs)-1] += "\n" + line
	}
	return msgs, l.truncated
}
