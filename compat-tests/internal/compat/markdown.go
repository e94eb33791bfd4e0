package compat

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/icgo/icgo/internal/postproc"
)

// Reasons a test fails or traps, as Blocker classifies them.
const (
	ReasonFiles       = "file system"
	ReasonNetwork     = "network"
	ReasonBlocking    = "blocking wait"
	ReasonRand        = "crypto/rand"
	ReasonInstruction = "instruction limit"
	ReasonMemory      = "memory"
	ReasonSyscall     = "unsupported syscall"
	ReasonOther       = "other"
)

// Reasons lists the classes in the order the matrix reports them.
var Reasons = []string{ReasonFiles, ReasonNetwork, ReasonBlocking, ReasonRand, ReasonInstruction, ReasonMemory, ReasonSyscall, ReasonOther}

// Blocker classifies a trap or failure reason (a test's, or a package's
// error): one of Reasons. An ordinary assertion failure or panic is
// ReasonOther.
func Blocker(reason string) string {
	// The line that -init-rand=public logs is a note, not a problem.
	reason = strings.ReplaceAll(reason, postproc.MsgRandPublic, "")
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(reason, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("icstd/time", "deadlock", "blocking wait"):
		return ReasonBlocking
	case has("icstd/rand", "random_get"):
		return ReasonRand
	case has("instruction limit", "instructions", "time limit", "execution limit"):
		return ReasonInstruction
	case has("out of memory", "memory limit", "cannot allocate", "stack overflow"):
		return ReasonMemory
	case has("dial ", "listen ", "lookup ", "socket", "net.Listen", "network", "connection refused", "http://", "https://"):
		return ReasonNetwork
	case has("Read-only file system", "no such file", "No such file", "Capabilities insufficient", "CreateTemp", "TempDir", "MkdirTemp",
		"open ", "stat ", "lstat ", "mkdir ", "remove ", "readdir", "WASI path_", "GOROOT", "testdata"):
		return ReasonFiles
	case has("Not implemented on wasip1", "not implemented", "not supported", "is not available on the IC", "ENOSYS", "WASI "):
		return ReasonSyscall
	}
	return ReasonOther
}

// Status of a package as a whole.
const (
	PkgPass    = "pass"    // every test passed or skipped
	PkgPartial = "partial" // some tests passed, some failed, trapped or did not run
	PkgFail    = "fail"    // nothing passed, or the package could not run
	PkgNoTests = "no tests"
)

// PkgStatus is the package's overall status.
func (r *Result) PkgStatus() string {
	switch {
	case r.NoTests:
		return PkgNoTests
	case r.Err == nil && r.Count(Fail)+r.Count(Trap)+r.Count(NotRun) == 0:
		return PkgPass
	case r.Count(Pass) > 0:
		return PkgPartial
	}
	return PkgFail
}

// FirstReason is the package's first problem and its class ("" when it
// passed): the package's error, else the first test that failed or
// trapped.
func (r *Result) FirstReason() (class, reason string) {
	if r.Err != nil {
		return Blocker(r.Err.Error()), r.Err.Error()
	}
	if t := r.FirstProblem(); t != nil {
		return Blocker(t.Reason), t.Name + " " + string(t.Status) + ": " + t.Reason
	}
	if n := r.Count(NotRun); n > 0 {
		return ReasonOther, fmt.Sprintf("%d tests not reached: the program ended without a test to blame (%s)", n, r.Trap)
	}
	return "", ""
}

// Summary counts packages by status, and the packages that did not pass
// by the class of their first problem.
type Summary struct {
	Packages, Pass, Partial, Fail, NoTests int
	ByReason                               map[string]int
	Tests, TestPass, TestFail, TestSkip    int
	TestTrap, TestNotRun                   int
	InitRand                               int // packages whose initialization reads crypto/rand
}

// Summarize counts the results.
func Summarize(results []*Result) Summary {
	s := Summary{ByReason: map[string]int{}}
	for _, r := range results {
		if r == nil {
			continue
		}
		s.Packages++
		switch r.PkgStatus() {
		case PkgPass:
			s.Pass++
		case PkgPartial:
			s.Partial++
		case PkgFail:
			s.Fail++
		default:
			s.NoTests++
		}
		if c, _ := r.FirstReason(); c != "" {
			s.ByReason[c]++
		}
		if r.InitRand {
			s.InitRand++
		}
		s.Tests += len(r.Results)
		s.TestPass += r.Count(Pass)
		s.TestFail += r.Count(Fail)
		s.TestSkip += r.Count(Skip)
		s.TestTrap += r.Count(Trap)
		s.TestNotRun += r.Count(NotRun)
	}
	return s
}

func (s Summary) String() string {
	var by []string
	for _, c := range Reasons {
		if n := s.ByReason[c]; n > 0 {
			by = append(by, fmt.Sprintf("%s %d", c, n))
		}
	}
	initRand := ""
	if s.InitRand > 0 {
		initRand = fmt.Sprintf("; %d read crypto/rand during initialization", s.InitRand)
	}
	return fmt.Sprintf("%d packages: %d fully passing, %d partial, %d failing, %d without tests; first problem of those not passing: %s%s. Top-level tests: %d: %d PASS, %d FAIL, %d SKIP, %d TRAP, %d not run",
		s.Packages, s.Pass, s.Partial, s.Fail, s.NoTests, strings.Join(by, ", "), initRand, s.Tests, s.TestPass, s.TestFail, s.TestSkip, s.TestTrap, s.TestNotRun)
}

// Header describes a matrix run.
type Header struct {
	Command   string
	GoVersion string
	Config    Config
	Started   time.Time
	Elapsed   time.Duration
	// Partial, if set, says the run is not complete (e.g. "120 of 283
	// packages").
	Partial string
	// Before, if set, is another run of the same packages to compare
	// with (a run without the packages' files: -files=false), and
	// BeforeCommand the command that made it.
	Before        []*Result
	BeforeCommand string
}

// instructions formats an instruction count.
func instructions(n uint64) string {
	switch {
	case n == 0:
		return ""
	case n >= 1e9:
		return fmt.Sprintf("%.1f B", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f M", float64(n)/1e6)
	}
	return fmt.Sprintf("%d", n)
}

// ported is the ported column of r.
func ported(r *Result) string {
	q := r.Ported
	switch {
	case q == nil:
		return "n/a"
	case q.Err != nil && len(q.Results) == 0:
		return "error: " + cell(q.Err.Error(), 80)
	}
	return fmt.Sprintf("%d/%d/%d/%d", q.Count(Pass), q.Count(Fail), q.Count(Skip), q.Count(Trap))
}

// WriteMarkdown writes the matrix.
func WriteMarkdown(w io.Writer, h Header, results []*Result) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# Compatibility matrix: Go packages' own tests, run as canisters\n\n")
	p("Generated by `%s` on %s with %s (GOOS=wasip1 GOARCH=wasm), in %v. Do not edit: run it again.\n\n",
		h.Command, h.Started.UTC().Format("2006-01-02"), h.GoVersion, h.Elapsed.Round(time.Second))
	p("Each package's tests were compiled with `go test -c`, post-processed in command mode and installed in the embedded replica ")
	p("(see [README.md](README.md)). Flags: `-test.v -test.timeout=0")
	if h.Config.Short {
		p(" -test.short")
	}
	p("`; execution limit: ")
	if h.Config.Timeout > 0 {
		p("a wall-clock guard of %v per install, and the replica's instruction limit if it has one. ", h.Config.Timeout)
	} else {
		p("the replica's default (the IC's limit of 300 B instructions for an install, with instruction metering). ")
	}
	p("A test that traps ends the run; it is then skipped and the package runs again (at most %d times). ", h.Config.MaxReruns)
	if !h.Config.NoFiles {
		p("Each package's own files and its `testdata` tree are embedded read-only at `/`, the working directory (`icgo build -embed-dir`). ")
	} else {
		p("The packages' files are not embedded (`-files=false`): the tests see no file system. ")
	}
	p("The whole run is one message (canister_init), where the IC's time stands still: a wait for a timer ends at once and moves the program's clock forward by its duration, as testing/synctest's fake clock does. ")
	if h.Config.PublicRand {
		p("crypto/rand gets public, predictable bytes (`icgo build -init-rand=public`), since raw_rand cannot seed a canister's CSPRNG before its first update; packages that read it during their initialization are marked *init reads crypto/rand*: a canister needs that flag for them. ")
	}
	p("Examples and fuzz targets are not run: `testing` writes an example's output to a temporary file, and the file system is read-only.\n\n")

	if h.Partial != "" {
		p("**Partial run: %s.**\n\n", h.Partial)
	}
	p("**%s.**\n\n", Summarize(results))
	writeComparison(w, h, results)
	p("Columns: top-level tests and their outcomes; the package's first problem, classified (%s); the instructions the test runs executed (replica metering); `ported`: the same tests built with `compat-tests/thirdparty/icgo.swap` (icgo build's import swap) where a swap applies, as PASS/FAIL/SKIP/TRAP, else n/a (the standard library is never rewritten).\n\n", strings.Join(Reasons, ", "))

	p("| package | status | tests | PASS | FAIL | SKIP | TRAP | not run | subtests P/F/S | examples, fuzz (not run) | files | module (gzip) | instructions | ported | runs, time | first problem |\n")
	p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|\n")
	for _, r := range results {
		if r == nil {
			continue
		}
		name := "`" + r.Target.Pkg + "`"
		if r.Target.Note != "" {
			name += " (" + r.Target.Note + ")"
		}
		if r.NoTests {
			p("| %s | no tests | 0 | | | | | | | | | | | | | no test files |\n", name)
			continue
		}
		problem := ""
		if c, reason := r.FirstReason(); c != "" {
			problem = "**" + c + "**: " + reason
		}
		if r.InitRand {
			problem = strings.TrimSuffix("*init reads crypto/rand*; "+problem, "; ")
		}
		mod := ""
		if r.ModuleSize > 0 {
			mod = fmt.Sprintf("%.1f MB (%.1f)", float64(r.ModuleSize)/1e6, float64(r.GzipSize)/1e6)
		}
		files := ""
		if r.FilesSize > 0 {
			files = fmt.Sprintf("%.2f MB", float64(r.FilesSize)/1e6)
		}
		p("| %s | %s | %d | %d | %d | %d | %d | %d | %d/%d/%d | %d, %d | %s | %s | %s | %s | %d, %.0fs | %s |\n",
			name, r.PkgStatus(), len(r.Results), r.Count(Pass), r.Count(Fail), r.Count(Skip), r.Count(Trap), r.Count(NotRun),
			r.SubCount(Pass), r.SubCount(Fail), r.SubCount(Skip), len(r.Examples), len(r.Fuzz), files, mod,
			instructions(r.Instructions), ported(r), r.Runs, (r.BuildTime + r.RunTime).Seconds(), cell(problem, 220))
	}

	p("\n## Per-test status\n\n")
	for _, r := range results {
		if r == nil || r.NoTests || (len(r.Results) == 0 && r.Err == nil) {
			continue
		}
		p("<details><summary><code>%s</code>: %d PASS, %d FAIL, %d SKIP, %d TRAP, %d not run</summary>\n\n",
			r.Target.Pkg, r.Count(Pass), r.Count(Fail), r.Count(Skip), r.Count(Trap), r.Count(NotRun))
		if r.Err != nil {
			p("Error: %s\n\n", cell(r.Err.Error(), 2000))
		}
		var pass []string
		for _, t := range r.Results {
			if t.Status == Pass {
				pass = append(pass, t.Name)
			}
		}
		if len(pass) > 0 {
			p("PASS: %s\n\n", strings.Join(pass, ", "))
		}
		for _, st := range []Status{Fail, Trap, Skip, NotRun} {
			first := true
			for _, t := range r.Results {
				if t.Status != st {
					continue
				}
				if first {
					p("%s:\n\n", st)
					first = false
				}
				reason := t.Reason
				if st == NotRun {
					reason = ""
				}
				if reason != "" {
					p("- %s: %s\n", t.Name, cell(reason, 300))
				} else {
					p("- %s\n", t.Name)
				}
			}
			if !first {
				p("\n")
			}
		}
		p("</details>\n\n")
	}
}

// cell makes s fit in a markdown table cell or list item.
func cell(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " / ")
	s = strings.ReplaceAll(s, "|", "\\|")
	s = strings.ReplaceAll(s, "<", "&lt;")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "..."
	}
	return s
}

// writeComparison writes the counts before and after the packages' files
// (h.Before, for the packages both runs have) and before and after the
// swap (the ported runs), with the packages whose status changed.
func writeComparison(w io.Writer, h Header, results []*Result) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	if h.Before != nil {
		before := map[string]*Result{}
		for _, r := range h.Before {
			if r != nil {
				before[r.Target.Pkg] = r
			}
		}
		var b, a []*Result
		for _, r := range results {
			if r != nil && before[r.Target.Pkg] != nil {
				b, a = append(b, before[r.Target.Pkg]), append(a, r)
			}
		}
		p("**Before and after embedding the packages' files** (the same %d packages; before: `%s`):\n\n", len(a), h.BeforeCommand)
		p("- before: %s;\n- after: %s.\n\n", Summarize(b), Summarize(a))
		writeChanges(w, b, a)
	}
	var b, a []*Result
	for _, r := range results {
		if r != nil && r.Ported != nil {
			b, a = append(b, r), append(a, r.Ported)
		}
	}
	if len(a) > 0 {
		p("**Before and after the swap** (`ported`: the %d packages `thirdparty/icgo.swap` rewrites):\n\n", len(a))
		p("- as published: %s;\n- with the swap: %s.\n\n", Summarize(b), Summarize(a))
		writeChanges(w, b, a)
	}
}

// writeChanges lists the packages whose status differs between b and a
// (parallel slices).
func writeChanges(w io.Writer, b, a []*Result) {
	var changed []string
	for i := range a {
		if sb, sa := b[i].PkgStatus(), a[i].PkgStatus(); sb != sa {
			changed = append(changed, fmt.Sprintf("`%s` %s → %s (%d → %d PASS)", a[i].Target.Pkg, sb, sa, b[i].Count(Pass), a[i].Count(Pass)))
		}
	}
	if len(changed) == 0 {
		fmt.Fprintf(w, "No package's status changed.\n\n")
		return
	}
	fmt.Fprintf(w, "Status changed for %d: %s.\n\n", len(changed), strings.Join(changed, "; "))
}
