package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/postproc"
)

func statuses(r *Result) map[string]Status {
	m := map[string]Status{}
	for _, t := range r.Results {
		m[t.Name] = t.Status
	}
	return m
}

func test(t *testing.T, r *Result, name string) Test {
	t.Helper()
	for _, x := range r.Results {
		if x.Name == name {
			return x
		}
	}
	t.Fatalf("%s: no result for %s", r.Target.Pkg, name)
	return Test{}
}

func testConfig(t *testing.T) Config {
	cfg := DefaultConfig
	cfg.Log = t.Logf
	return cfg
}

// The fixture package has one test of each kind: the harness must report
// each outcome, with its reason, and reach the last test despite two
// traps and a panic.
func TestFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a test binary as a canister")
	}
	r := RunPackage(context.Background(), Target{Pkg: "./testdata/fixture"}, testConfig(t))
	require.NoError(t, r.Err)
	require.Equal(t, map[string]Status{
		"TestPass": Pass, "TestFail": Fail, "TestSkip": Skip, "TestSubtests": Fail,
		"TestSleep": Pass, "TestPanic": Fail, "TestRand": Pass, "TestFile": Pass, "TestWrite": Pass,
		"TestParallel": Pass, "TestArgsAndTime": Pass, "TestHang": Fail, "TestZoneinfo": Pass,
	}, statuses(r))
	require.Equal(t, []string{"ExampleDouble"}, r.Examples)
	require.Equal(t, 1, r.Exit) // the last run finished, with FAILs
	require.False(t, r.InitRand)
	require.Contains(t, test(t, r, "TestFail").Reason, "boom: got 2")
	require.Contains(t, test(t, r, "TestSkip").Reason, "not here")
	sub := test(t, r, "TestSubtests")
	require.Contains(t, sub.Reason, "three is wrong")
	require.Equal(t, map[Status]int{Pass: 2, Fail: 1}, sub.Subtests)
	require.Equal(t, map[Status]int{Pass: 2}, test(t, r, "TestParallel").Subtests)
	require.True(t, strings.HasPrefix(test(t, r, "TestPanic").Reason, "panic: kaboom"), test(t, r, "TestPanic").Reason)
	require.Equal(t, ReasonOther, Blocker(test(t, r, "TestPanic").Reason))
	require.Contains(t, test(t, r, "TestHang").Reason, "deadlock")
	require.Equal(t, ReasonBlocking, Blocker(test(t, r, "TestHang").Reason))
	// The panic and the hang each cost a run.
	require.Equal(t, 1+1+2, r.Runs)
	require.Positive(t, r.FilesSize)

	// Without public randomness, crypto/rand traps as in any canister_init.
	cfg := testConfig(t)
	cfg.PublicRand = false
	r = RunPackage(context.Background(), Target{Pkg: "./testdata/fixture", Run: "^TestRand$"}, cfg)
	require.NoError(t, r.Err)
	require.Equal(t, Trap, test(t, r, "TestRand").Status)
	require.Equal(t, postproc.MsgRandom, test(t, r, "TestRand").Reason)

	// Without the package's files, reading testdata fails as before.
	cfg = testConfig(t)
	cfg.NoFiles = true
	r = RunPackage(context.Background(), Target{Pkg: "./testdata/fixture", Run: "^TestFile$"}, cfg)
	require.NoError(t, r.Err)
	require.Equal(t, Fail, test(t, r, "TestFile").Status)
	require.Contains(t, test(t, r, "TestFile").Reason, "open testdata/input.txt: Not implemented on wasip1")
	require.Equal(t, ReasonFiles, Blocker(test(t, r, "TestFile").Reason))
}

// The always-on subset of the matrix: a package that works entirely, and
// two that show the platform's limits with the messages that name the
// icstd replacement. The full matrix is `go run ./compat-tests/cmd/matrix`.
func TestFastSubset(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs three test binaries as canisters")
	}
	start := time.Now()
	rs := RunAll(context.Background(), []Target{{Pkg: "strings"}, {Pkg: "context"}, {Pkg: "crypto/rand"}}, testConfig(t), 2, nil)
	var buf bytes.Buffer
	WriteMarkdown(&buf, Header{Command: "TestFastSubset", Config: testConfig(t), Started: start, Elapsed: time.Since(start)}, rs)
	t.Log("\n" + buf.String())
	for _, r := range rs {
		require.NoError(t, r.Err, r.Target.Pkg)
	}

	// strings: every test passes.
	s := rs[0]
	require.GreaterOrEqual(t, len(s.Tests), 50)
	require.Equal(t, len(s.Tests), s.Count(Pass), "%v", statuses(s))
	require.Equal(t, 0, s.Exit)
	require.Equal(t, 2, s.Runs)

	// context (deadlines and timeouts: the virtual clock) and crypto/rand
	// (public bytes, since the run is canister_init) pass entirely.
	for _, r := range rs[1:] {
		require.Equal(t, len(r.Tests), r.Count(Pass)+r.Count(Skip), "%s: %v", r.Target.Pkg, statuses(r))
		require.Equal(t, 0, r.Exit, r.Target.Pkg)
		require.False(t, r.InitRand, r.Target.Pkg)
	}
	require.GreaterOrEqual(t, rs[1].Count(Pass), 30)
	t.Logf("fast subset: %v", time.Since(start).Round(time.Millisecond))
}

func TestParse(t *testing.T) {
	out := strings.Split(`=== RUN   TestA
--- PASS: TestA (0.00s)
=== RUN   TestB
=== RUN   TestB/x
    b_test.go:3: bad x
=== RUN   TestB/y
=== PAUSE TestB/y
=== CONT  TestB/y
--- FAIL: TestB (0.00s)
    --- FAIL: TestB/x (0.00s)
    --- PASS: TestB/y (0.00s)
=== RUN   TestC
    c_test.go:9: skipping in short mode
--- SKIP: TestC (0.00s)
=== RUN   TestD
=== RUN   TestD/deep`, "\n")
	p := parse(out)
	require.False(t, p.finished)
	require.Equal(t, "TestD", p.last)
	require.Equal(t, "TestD/deep", p.lastSub)
	require.Len(t, p.tests, 3)
	require.Equal(t, Test{Name: "TestA", Status: Pass, Subtests: map[Status]int{}}, *p.tests[0])
	// go test -v prints the subtests' results, indented, after their
	// parent's; a failing subtest's output is the parent's reason.
	require.Equal(t, Fail, p.tests[1].Status)
	require.Equal(t, map[Status]int{Pass: 1, Fail: 1}, p.tests[1].Subtests)
	require.Equal(t, "b_test.go:3: bad x", p.tests[1].Reason)
	require.Equal(t, Skip, p.tests[2].Status)
	require.Equal(t, "c_test.go:9: skipping in short mode", p.tests[2].Reason)

	p = parse(append(out, "--- PASS: TestD (0.00s)", "PASS"))
	require.True(t, p.finished)
}

// An invalid Run or Skip pattern is reported before anything is built,
// instead of silently selecting nothing.
func TestInvalidPatterns(t *testing.T) {
	r := RunPackage(context.Background(), Target{Pkg: "strings", Run: "Test(Index"}, testConfig(t))
	require.ErrorContains(t, r.Err, `strings: the Run pattern "Test(Index" is not a valid regexp`)
	require.Zero(t, r.Runs)
	r = RunPackage(context.Background(), Target{Pkg: "strings", Skip: "TestA|[z-a]"}, testConfig(t))
	require.ErrorContains(t, r.Err, `the Skip pattern "TestA|[z-a]" is not a valid regexp`)

	f, err := compileFilter(Target{Run: "^TestA", Skip: "TestAB|TestAC"})
	require.NoError(t, err)
	require.True(t, f.matches("TestA"))
	require.True(t, f.matches("TestABC"))
	require.False(t, f.matches("TestAB"))
	require.False(t, f.matches("TestB"))
	f, err = compileFilter(Target{})
	require.NoError(t, err)
	require.True(t, f.matches("TestAnything"))
}

// Every target in the matrix has valid patterns.
func TestTargetPatterns(t *testing.T) {
	var tgts []Target
	for _, tgt := range StdOverrides {
		tgts = append(tgts, tgt)
	}
	for _, tgt := range append(tgts, Third...) {
		_, err := compileFilter(tgt)
		require.NoError(t, err)
	}
}

// The standard library targets are what go list reports: packages that
// build for wasip1 and have tests.
func TestStdTargets(t *testing.T) {
	ts, err := StdTargets(context.Background())
	require.NoError(t, err)
	require.Greater(t, len(ts), 150)
	byPkg := map[string]Target{}
	for _, tgt := range ts {
		byPkg[tgt.Pkg] = tgt
	}
	require.Contains(t, byPkg, "strings")
	require.Equal(t, "timers and deadlines", byPkg["context"].Note)
	require.NotContains(t, byPkg, "syscall/js") // does not build for wasip1
}

func TestBlocker(t *testing.T) {
	for _, tc := range []struct{ reason, want string }{
		{postproc.MsgSleep, ReasonBlocking},
		{"listing the tests: instruction limit exceeded\n" + postproc.MsgRandPublic, ReasonInstruction},
		{postproc.MsgRandom, ReasonRand},
		{"open testdata/x: Not implemented on wasip1", ReasonFiles},
		{"open /tmp/x: Read-only file system", ReasonFiles},
		{"dial tcp 127.0.0.1:80: Not implemented on wasip1", ReasonNetwork},
		{"WASI sock_accept is not available on the IC", ReasonSyscall},
		{"canister exceeded the instruction limit for a single message execution", ReasonInstruction},
		{"runtime: out of memory", ReasonMemory},
		{"panic: kaboom", ReasonOther},
		{"x_test.go:3: got 1, want 2", ReasonOther},
	} {
		require.Equal(t, tc.want, Blocker(tc.reason), tc.reason)
	}
}

func TestSummarize(t *testing.T) {
	pass := &Result{Results: []Test{{Name: "A", Status: Pass}, {Name: "B", Status: Skip}}}
	partial := &Result{Results: []Test{{Name: "A", Status: Pass}, {Name: "B", Status: Trap, Reason: postproc.MsgSleep}}}
	failing := &Result{Err: errors.New("building: exit status 1")}
	none := &Result{NoTests: true}
	s := Summarize([]*Result{pass, partial, failing, none, nil})
	require.Equal(t, 4, s.Packages)
	require.Equal(t, []int{1, 1, 1, 1}, []int{s.Pass, s.Partial, s.Fail, s.NoTests})
	require.Equal(t, map[string]int{ReasonBlocking: 1, ReasonOther: 1}, s.ByReason)
	require.Equal(t, 4, s.Tests)
	require.Contains(t, s.String(), "1 fully passing, 1 partial, 1 failing")
}

// RESULTS.json can be read back (cmd/matrix -from) into the same summary
// and markdown.
func TestJSONRoundTrip(t *testing.T) {
	rs := []*Result{
		{Target: Target{Pkg: "a"}, Tests: []string{"TestA", "TestB"}, Results: []Test{{Name: "TestA", Status: Pass}, {Name: "TestB", Status: Trap, Reason: postproc.MsgSleep}}, Instructions: 12345, Runs: 3},
		{Target: Target{Pkg: "b", Module: ThirdParty}, Err: errors.New("building: exit status 1"),
			Ported: &Result{Target: Target{Pkg: "b"}, Results: []Test{{Name: "TestC", Status: Pass}}}, Swaps: []string{"swapped"}},
		{Target: Target{Pkg: "c"}, NoTests: true},
	}
	h := Header{Command: "x", GoVersion: "go1.26", Started: time.Unix(0, 0).UTC(), Elapsed: time.Minute}
	var js bytes.Buffer
	require.NoError(t, WriteJSON(&js, h, rs))
	h2, rs2, err := ReadJSON(&js)
	require.NoError(t, err)
	require.Equal(t, h.Command, h2.Command)
	require.Equal(t, Summarize(rs), Summarize(rs2))
	var md1, md2 bytes.Buffer
	WriteMarkdown(&md1, h, rs)
	WriteMarkdown(&md2, h2, rs2)
	require.Equal(t, md1.String(), md2.String())
	require.Contains(t, md1.String(), "| 1/0/0/0 |") // the ported column
}

// The markdown compares with a run without files (Header.Before, matched
// by package) and with the swap (the ported runs), naming the packages
// whose status changed.
func TestComparison(t *testing.T) {
	pass := func(pkg string) *Result {
		return &Result{Target: Target{Pkg: pkg}, Tests: []string{"TestA"}, Results: []Test{{Name: "TestA", Status: Pass}}}
	}
	fail := func(pkg string) *Result {
		return &Result{Target: Target{Pkg: pkg}, Tests: []string{"TestA"}, Results: []Test{{Name: "TestA", Status: Fail, Reason: "open testdata/x: Not implemented on wasip1"}}}
	}
	after := []*Result{pass("a"), pass("b"), fail("c")}
	after[2].Ported = pass("c")
	h := Header{Command: "x", Before: []*Result{fail("a"), pass("b"), fail("z")}, BeforeCommand: "matrix -files=false"}
	var md bytes.Buffer
	WriteMarkdown(&md, h, after)
	out := md.String()
	require.Contains(t, out, "the same 2 packages; before: `matrix -files=false`")
	require.Contains(t, out, "- before: 2 packages: 1 fully passing, 0 partial, 1 failing")
	require.Contains(t, out, "- after: 2 packages: 2 fully passing")
	require.Contains(t, out, "Status changed for 1: `a` fail → pass (0 → 1 PASS).")
	require.Contains(t, out, "the 1 packages `thirdparty/icgo.swap` rewrites")
	require.Contains(t, out, "Status changed for 1: `c` fail → pass (0 → 1 PASS).")

	WriteMarkdown(&md, Header{}, []*Result{pass("a")})
	require.Equal(t, 1, strings.Count(md.String(), "Before and after embedding"))
}

// The harness reads a run's whole output from the replica's log stream: a
// line without the canister's prefix continues the message before it, and
// past maxCapture the older half is dropped.
func TestLogCapture(t *testing.T) {
	var l logCapture
	msgs, truncated := l.messages("a")
	require.Nil(t, msgs)
	require.False(t, truncated)
	fmt.Fprintf(&l, "[a] === RUN   TestA\n[a] [TRAP]: two\nlines\n[a] --- PASS: TestA (0.00s)\n")
	msgs, truncated = l.messages("a")
	require.Equal(t, []string{"=== RUN   TestA", "[TRAP]: two\nlines", "--- PASS: TestA (0.00s)"}, msgs)
	require.False(t, truncated)

	l.reset()
	line := "[a] " + strings.Repeat("x", 1<<20-5) + "\n"
	for range maxCapture>>20 + 1 {
		l.Write([]byte(line))
	}
	msgs, truncated = l.messages("a")
	require.True(t, truncated)
	require.LessOrEqual(t, len(msgs), maxCapture>>20/2+2)
	for _, m := range msgs {
		require.Len(t, m, 1<<20-5, "whole lines are kept")
	}
}
