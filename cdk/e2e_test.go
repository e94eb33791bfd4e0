package cdk_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica"
)

// End-to-end tests of the executor: the canister in testdata/execcan runs
// in the embedded replica. Instruction figures are logged with -v.

var (
	buildOnce sync.Once
	built     *build.Result
	buildErr  error
)

func execcan(t *testing.T) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a canister")
	}
	buildOnce.Do(func() {
		built, buildErr = build.Build(context.Background(), build.Options{Pkg: "./testdata/execcan"})
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built.Gzip
}

type env struct {
	t *testing.T
	r *replica.Replica
}

func newEnv(t *testing.T) *env {
	r, err := replica.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return &env{t: t, r: r}
}

// settle runs a few rounds, in which the cdk seeds crypto/rand from
// raw_rand (a timer and a call), so that measurements that follow see the
// steady state.
func (e *env) settle() {
	e.t.Helper()
	if err := e.r.TickN(3); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) install() replica.CanisterID {
	e.t.Helper()
	id, err := e.r.CreateCanister()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.r.Install(id, execcan(e.t), nil); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func enc(t *testing.T, args ...any) []byte {
	t.Helper()
	b, err := candid.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dec(t *testing.T, b []byte, ptrs ...any) {
	t.Helper()
	if err := candid.Unmarshal(b, ptrs); err != nil {
		t.Fatal(err)
	}
}

func pid(t *testing.T, id replica.CanisterID) principal.Principal {
	return principal.FromBytes(id.Bytes())
}

// update calls method and fails the test on a reject.
func (e *env) update(id replica.CanisterID, method string, args ...any) *replica.Result {
	e.t.Helper()
	res, err := e.r.Update(id, method, enc(e.t, args...))
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Reject != nil {
		e.t.Fatalf("%s: %v", method, res.Reject)
	}
	return res
}

func (e *env) query(id replica.CanisterID, method string, out any, args ...any) {
	e.t.Helper()
	res, err := e.r.Query(id, method, enc(e.t, args...))
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Reject != nil {
		e.t.Fatalf("%s: %v", method, res.Reject)
	}
	dec(e.t, res.Reply, out)
}

func TestExecutorBasics(t *testing.T) {
	e := newEnv(t)
	id := e.install()
	res := e.update(id, "noop")
	t.Logf("noop update: %d instructions", res.Instructions)
	var n uint64
	res = e.update(id, "inc")
	dec(t, res.Reply, &n)
	if n != 1 {
		t.Fatal(n)
	}
	e.query(id, "get", &n)
	if n != 1 {
		t.Fatal(n)
	}
	// Handler goroutines end: nothing leaks from a plain method.
	var g int
	e.query(id, "goroutines", &g)
	t.Logf("goroutines after calls: %d", g)
}

// Plain go statements run within the message that starts them.
func TestPlainGo(t *testing.T) {
	e := newEnv(t)
	id := e.install()
	var s uint64
	dec(t, e.update(id, "plain_go").Reply, &s)
	if s != 0+1+2+3+4 {
		t.Fatal(s)
	}
}

// The standard library's timers fire on the IC's global timer: time.Sleep
// and a context deadline in an update reply after the clock moves; a
// time.AfterFunc, a time.Timer and a time.Ticker fire; in a query a std
// wait is rejected with a message naming icstd/time.
func TestStdTime(t *testing.T) {
	e := newEnv(t)
	id := e.install()
	res, rounds := e.await(e.submit(id, "std_sleep", uint64(5)), time.Second, 50)
	require.Nil(t, res.Reject)
	var slept int64
	dec(t, res.Reply, &slept)
	require.GreaterOrEqual(t, slept, int64(5))
	require.LessOrEqual(t, slept, int64(7))
	t.Logf("time.Sleep(5s) replied after %d rounds", rounds)

	res, _ = e.await(e.submit(id, "ctx_timeout", uint64(3)), time.Second, 50)
	require.Nil(t, res.Reject)
	var s string
	dec(t, res.Reply, &s)
	require.Contains(t, s, "context deadline exceeded after ")

	e.update(id, "std_timers", 3, uint64(10))
	var st []string
	for range 8 {
		require.NoError(t, e.r.AdvanceTime(5*time.Second))
		require.NoError(t, e.r.Tick())
	}
	e.query(id, "events", &st)
	require.Equal(t, []string{"timer", "afterfunc", "std tick 0", "std tick 1", "std tick 2"}, st)

	qr, err := e.r.Query(id, "std_sleep_query", enc(t))
	require.NoError(t, err)
	require.NotNil(t, qr.Reject)
	require.Contains(t, qr.Reject.Message, "icstd/time")
	require.Contains(t, qr.Reject.Message, "std_sleep_query")
	t.Log(qr.Reject.Message)
	e.update(id, "inc") // the canister is fine
}

func TestCallFromQueryFails(t *testing.T) {
	e := newEnv(t)
	id := e.install()
	var s string
	e.query(id, "call_in_query", &s, pid(t, id))
	if !strings.Contains(s, "not allowed") || !strings.Contains(s, "query") {
		t.Fatal(s)
	}
	var is bool
	e.query(id, "call_in_query_is", &is, pid(t, id))
	if !is {
		t.Fatal("errors.Is(err, cdk.ErrCallNotAllowed) is false")
	}
}

// Cycles above the liquid balance, or attached in a composite query, give a
// NotSent *CallError instead of trapping the message in
// ic0.call_cycles_add128.
func TestCallCyclesChecked(t *testing.T) {
	e := newEnv(t)
	a := e.install()
	b := e.install()
	var s string
	dec(t, e.update(a, "call_with_cycles", pid(t, b), uint64(0), uint64(1000)).Reply, &s)
	if s != "ok" {
		t.Fatalf("1000 cycles: %s", s)
	}
	bal, err := e.r.CyclesBalance(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]uint64{{0, bal + 1}, {1, 0}} {
		dec(t, e.update(a, "call_with_cycles", pid(t, b), c[0], c[1]).Reply, &s)
		if !strings.HasPrefix(s, "not sent: ") || !strings.Contains(s, "liquid cycle balance") {
			t.Fatalf("%v cycles with a balance of %d: %s", c, bal, s)
		}
	}
	if bal2, _ := e.r.CyclesBalance(a); bal2 > bal {
		t.Fatalf("balance went from %d to %d", bal, bal2)
	}
	e.query(a, "composite_with_cycles", &s, pid(t, b), uint64(0))
	if s != "ok" {
		t.Fatalf("composite query, no cycles: %s", s)
	}
	e.query(a, "composite_with_cycles", &s, pid(t, b), uint64(1))
	if !strings.HasPrefix(s, "not sent: ") || !strings.Contains(s, "composite query") {
		t.Fatalf("composite query, 1 cycle: %s", s)
	}
}

// Ten calls from one method, each from its own goroutine, gathered in
// order; then the same with futures and no goroutines.
func TestFanOut(t *testing.T) {
	e := newEnv(t)
	a := e.install()
	b := e.install()
	var out []uint64
	res := e.update(a, "fanout", pid(t, b), 10)
	dec(t, res.Reply, &out)
	for i, x := range out {
		if x != uint64(i) {
			t.Fatalf("out[%d] = %d: %v", i, x, out)
		}
	}
	if len(out) != 10 {
		t.Fatal(out)
	}
	res = e.update(a, "fanout_futures", pid(t, b), 10)
	dec(t, res.Reply, &out)
	for i, x := range out {
		if x != uint64(i)*10 {
			t.Fatalf("out[%d] = %d: %v", i, x, out)
		}
	}
	// Calls to itself work too.
	res = e.update(a, "fanout", pid(t, a), 3)
	dec(t, res.Reply, &out)
	if len(out) != 3 || out[2] != 2 {
		t.Fatal(out)
	}
	var s string
	dec(t, e.update(a, "call_reject", pid(t, b)).Reply, &s)
	if !strings.Contains(s, "CANISTER_REJECT") || !strings.Contains(s, "no") {
		t.Fatal(s)
	}
	var g int
	e.query(a, "goroutines", &g)
	if g != 0 {
		t.Fatalf("%d goroutines are left after the calls", g)
	}
}

// submit sends an update without running it.
func (e *env) submit(id replica.CanisterID, method string, args ...any) replica.MessageID {
	e.t.Helper()
	mid, err := e.r.SubmitUpdate(id, method, enc(e.t, args...))
	if err != nil {
		e.t.Fatal(err)
	}
	return mid
}

// await advances time by step and ticks until mid has a response.
func (e *env) await(mid replica.MessageID, step time.Duration, maxRounds int) (*replica.Result, int) {
	e.t.Helper()
	for i := range maxRounds {
		res, done, err := e.r.IngressStatus(mid)
		if err != nil {
			e.t.Fatal(err)
		}
		if done {
			return res, i
		}
		if step > 0 {
			if err := e.r.AdvanceTime(step); err != nil {
				e.t.Fatal(err)
			}
		}
		if err := e.r.Tick(); err != nil {
			e.t.Fatal(err)
		}
	}
	e.t.Fatalf("no response after %d rounds", maxRounds)
	return nil, 0
}

// Sleep in a method that owes its reply: the method replies after the
// deadline, from its own call context.
func TestSleepThenReply(t *testing.T) {
	e := newEnv(t)
	id := e.install()
	mid := e.submit(id, "sleep", uint64(5))
	res, rounds := e.await(mid, time.Second, 50)
	if res.Reject != nil {
		t.Fatal(res.Reject)
	}
	var slept int64
	dec(t, res.Reply, &slept)
	if slept < 5 || slept > 7 {
		t.Fatalf("slept %d s", slept)
	}
	t.Logf("replied after %d rounds", rounds)
	var n int
	e.query(id, "pending_timers", &n)
	if n != 0 {
		t.Fatal(n)
	}
}

// A Mutex held across an await is still held when the reply arrives: the
// second locker waits for the first to finish.
func TestMutexAcrossAwait(t *testing.T) {
	e := newEnv(t)
	a := e.install()
	b := e.install()
	m1 := e.submit(a, "locked", pid(t, b), "first")
	m2 := e.submit(a, "locked", pid(t, b), "second")
	r1, _ := e.await(m1, 0, 50)
	r2, _ := e.await(m2, 0, 50)
	if r1.Reject != nil || r2.Reject != nil {
		t.Fatal(r1.Reject, r2.Reject)
	}
	var ev []string
	e.query(a, "events", &ev)
	want := []string{"first:lock", "first:unlock", "second:lock", "second:unlock"}
	if strings.Join(ev, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v, want %v", ev, want)
	}
}

// A trap after an await rolls back only the callback: what the method did
// before the call is committed.
func TestTrapAfterAwait(t *testing.T) {
	e := newEnv(t)
	a := e.install()
	b := e.install()
	res, err := e.r.Update(a, "trap_after_await", enc(t, pid(t, b)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Reject == nil {
		t.Fatal("no reject")
	}
	t.Logf("reject: %v", res.Reject)
	var n uint64
	e.query(a, "get", &n)
	if n != 1 {
		t.Fatalf("counter %d, want 1 (the increment before the await is committed, the one after is not)", n)
	}
	// The canister still works, calls included.
	var out []uint64
	dec(t, e.update(a, "fanout", pid(t, b), 2).Reply, &out)
	if len(out) != 2 {
		t.Fatal(out)
	}
}

// A ticker fires N times under AdvanceTime + Tick.
func TestTicker(t *testing.T) {
	e := newEnv(t)
	id := e.install()
	e.update(id, "ticker", 4, uint64(10))
	for range 10 {
		e.r.AdvanceTime(10 * time.Second)
		e.r.Tick()
	}
	var ev []string
	e.query(id, "events", &ev)
	if len(ev) != 4 {
		t.Fatalf("ticks: %v", ev)
	}
	for i, s := range ev {
		if !strings.HasPrefix(s, "tick "+strconv.Itoa(i)+" ") {
			t.Fatalf("tick %d: %q", i, s)
		}
	}
	var n int
	e.query(id, "pending_timers", &n)
	if n != 0 {
		t.Fatalf("%d timers pending after Stop", n)
	}
}

// 10,000 std time.AfterFunc timers fire in deadline order on the global
// timer; the cost of firing one with 10,000 pending is logged.
func TestManyStdTimers(t *testing.T) {
	e := newEnv(t)
	id := e.install()
	e.settle()
	const n = 10000
	e.update(id, "many_std_timers", n)
	for i := range 3 {
		require.NoError(t, e.r.AdvanceTime(time.Millisecond))
		require.NoError(t, e.r.Tick())
		ins, err := e.r.LastInstructions(id)
		require.NoError(t, err)
		var c int
		e.query(id, "fired_count", &c)
		require.Equal(t, i+1, c, "one timer per millisecond")
		t.Logf("one std timer firing with %d pending: %d instructions", n-i, ins)
	}
	require.NoError(t, e.r.AdvanceTime(20*time.Second))
	require.NoError(t, e.r.Tick())
	ins, _ := e.r.LastInstructions(id)
	var c int
	e.query(id, "fired_count", &c)
	t.Logf("then %d std timers in one execution: %d instructions", c, ins)
	require.NoError(t, e.r.TickN(3))
	// Each AfterFunc runs on its own goroutine, so those due at the same
	// time run in no particular order (as in Go); each runs once.
	var fired []uint32
	e.query(id, "fired", &fired)
	require.Equal(t, []uint32{0, 1, 2}, fired[:3])
	seen := make([]bool, n)
	for _, x := range fired {
		if x >= n || seen[x] {
			t.Fatalf("timer %d fired twice or is out of range", x)
		}
		seen[x] = true
	}
	require.Equal(t, n, len(fired))
}

// A timer that re-arms itself with SetTimer(0, f) runs once a round, and
// the canister's other timers still fire.
func TestTimerRearmsItself(t *testing.T) {
	e := newEnv(t)
	id := e.install()
	e.update(id, "rearm_zero", 4)
	var n int
	for round := 1; round <= 6; round++ {
		require.NoError(t, e.r.AdvanceTime(300*time.Millisecond))
		require.NoError(t, e.r.Tick())
	}
	e.query(id, "rearms", &n)
	require.Equal(t, 4, n)
	var ev []string
	e.query(id, "events", &ev)
	require.Equal(t, []string{"other timer"}, ev)
}

// 10,000 timers, created in reverse order of their deadlines, fire in
// deadline order.
func TestManyTimers(t *testing.T) {
	e := newEnv(t)
	id := e.install()
	const n = 10000
	e.update(id, "many_timers", n)
	e.update(id, "one_timer") // a timer due before most of them
	var pending int
	e.query(id, "pending_timers", &pending)
	if pending != n+1 {
		t.Fatal(pending)
	}
	// Fire a few one at a time to measure, then the rest.
	for range 3 {
		e.r.AdvanceTime(time.Millisecond)
		e.r.Tick()
		if ins, err := e.r.LastInstructions(id); err == nil {
			t.Logf("timer execution with ~%d pending: %d instructions", pending, ins)
		}
		e.query(id, "pending_timers", &pending)
	}
	e.r.AdvanceTime(20 * time.Second)
	e.r.Tick()
	if ins, err := e.r.LastInstructions(id); err == nil {
		t.Logf("firing the remaining %d timers in one execution: %d instructions", pending, ins)
	}
	var fired []uint32
	e.query(id, "fired", &fired)
	if len(fired) != n {
		t.Fatalf("%d fired", len(fired))
	}
	for i, x := range fired {
		if x != uint32(i) {
			t.Fatalf("fired[%d] = %d", i, x)
		}
	}
}

// Instruction overhead of the executor on an empty update, measured by the
// replica's metering.
func TestOverhead(t *testing.T) {
	e := newEnv(t)
	id := e.install()
	e.settle()
	for _, m := range []string{"noop", "noop", "inc"} {
		res := e.update(id, m)
		ins, _ := e.r.LastInstructions(id)
		t.Logf("%s: Result.Instructions=%d LastInstructions=%d", m, res.Instructions, ins)
		if uint64(res.Instructions) != uint64(ins) {
			t.Errorf("%s: Result.Instructions=%d but LastInstructions=%d", m, res.Instructions, ins)
		}
		max := uint64(maxNoopInstructions)
		if m == "inc" {
			max = maxIncInstructions
		}
		if uint64(res.Instructions) > max {
			t.Errorf("%s: %d instructions, want at most %d", m, res.Instructions, max)
		}
	}
}

// Pending timers do not survive an upgrade (the Go heap is replaced and the
// IC deactivates the global timer); PostUpgrade re-creates what it needs.
func TestUpgradeTimers(t *testing.T) {
	e := newEnv(t)
	id := e.install()
	e.update(id, "one_timer")
	e.update(id, "many_timers", 100)
	if err := e.r.Upgrade(id, execcan(t), nil); err != nil {
		t.Fatal(err)
	}
	var n int
	e.query(id, "pending_timers", &n)
	if n != 1 {
		t.Fatalf("%d timers pending after the upgrade, want the 1 PostUpgrade created", n)
	}
	e.r.AdvanceTime(2 * time.Second)
	e.r.TickN(2)
	var ev []string
	e.query(id, "events", &ev)
	var c uint64
	e.query(id, "get", &c)
	if len(ev) != 1 || ev[0] != "re-armed after upgrade" || c != 0 {
		t.Fatalf("events %v, counter %d", ev, c)
	}
	var fired int
	e.query(id, "fired_count", &fired)
	if fired != 0 {
		t.Fatal(fired)
	}
}

func buildPkg(t *testing.T, pkg string) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a canister")
	}
	b, err := build.Build(context.Background(), build.Options{Pkg: pkg})
	if err != nil {
		t.Fatal(err)
	}
	return b.Gzip
}

// examples/workers: a channel-based worker pool fanning out calls.
func TestExampleWorkers(t *testing.T) {
	wasm := buildPkg(t, "../examples/workers")
	e := newEnv(t)
	id, _ := e.r.CreateCanister()
	if err := e.r.Install(id, wasm, nil); err != nil {
		t.Fatal(err)
	}
	xs := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	var out []uint64
	dec(t, e.update(id, "squares", pid(t, id), xs, uint64(3)).Reply, &out)
	for i, x := range xs {
		if out[i] != x*x {
			t.Fatalf("out %v", out)
		}
	}
	var served uint64
	e.query(id, "served", &served)
	if served != uint64(len(xs)) {
		t.Fatal(served)
	}
}

// examples/timers: the ticker from init, AfterFunc, Sleep, and the ticker
// re-created after an upgrade.
func TestExampleTimers(t *testing.T) {
	wasm := buildPkg(t, "../examples/timers")
	e := newEnv(t)
	id, _ := e.r.CreateCanister()
	if err := e.r.Install(id, wasm, nil); err != nil {
		t.Fatal(err)
	}
	e.update(id, "schedule", uint64(5), "hello")
	for range 3 {
		e.r.AdvanceTime(10 * time.Second)
		e.r.Tick()
	}
	var ticks uint64
	e.query(id, "ticks", &ticks)
	if ticks != 3 {
		t.Fatalf("ticks %d", ticks)
	}
	var log []string
	e.query(id, "log", &log)
	if len(log) != 1 || !strings.HasSuffix(log[0], " hello") {
		t.Fatal(log)
	}
	mid := e.submit(id, "wait", uint64(3))
	res, _ := e.await(mid, time.Second, 20)
	var s string
	dec(t, res.Reply, &s)
	if !strings.HasPrefix(s, "slept 3") && !strings.HasPrefix(s, "slept 4") {
		t.Fatal(s)
	}
	if err := e.r.Upgrade(id, wasm, nil); err != nil {
		t.Fatal(err)
	}
	e.r.AdvanceTime(10 * time.Second)
	e.r.Tick()
	e.query(id, "ticks", &ticks)
	if ticks != 1 {
		t.Fatalf("ticks after upgrade %d (the heap is new; the ticker was re-created)", ticks)
	}
}

// A trap in a reply callback: the IC runs the cleanup callback, which
// unwinds the waiting goroutine (its deferred Unlock runs), so the next
// locker is not stuck.
func TestCallbackTrapCleanup(t *testing.T) {
	e := newEnv(t)
	a := e.install()
	b := e.install()
	res, err := e.r.Update(a, "locked_trap", enc(t, pid(t, b)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Reject == nil {
		t.Fatal("want a reject")
	}
	t.Logf("caller sees: %v", res.Reject)
	mid := e.submit(a, "locked", pid(t, b), "after")
	r, _ := e.await(mid, 0, 20)
	if r.Reject != nil {
		t.Fatalf("the mutex is still held: %v", r.Reject)
	}
	var g int
	e.query(a, "goroutines", &g)
	if g != 0 {
		t.Fatalf("%d goroutines blocked or leaked after the cleanup", g)
	}
}

func TestDeadlockAndBlockedQuery(t *testing.T) {
	e := newEnv(t)
	id := e.install()
	res, err := e.r.Update(id, "deadlock", enc(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Reject == nil || !strings.Contains(res.Reject.Message, "deadlock") {
		t.Fatalf("%+v", res)
	}
	res, err = e.r.Query(id, "query_block", enc(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Reject == nil || !strings.Contains(res.Reject.Message, "cannot wait") {
		t.Fatalf("%+v", res)
	}
	e.update(id, "inc")
}

// TestQueryCost checks the instructions of examples/hello's install, greet
// query and inc update against upper bounds (deterministic counts, not
// timings; measured: install 3,535,858, greet 73,240, inc 107,725 on the
// second call). Queries discard their state, so any lazy set-up left to the
// first call (reflect call layouts, codec caches) would be paid by every
// query: initialization does it instead, and is committed.
func TestQueryCost(t *testing.T) {
	const (
		maxInstall = 3_950_000
		maxGreet   = 78_000 // 131,516 when the handler ran on a pooled goroutine
		maxInc     = 115_000
	)
	e := newEnv(t)
	id, err := e.r.CreateCanister()
	if err != nil {
		t.Fatal(err)
	}
	// examples/hello registers no Init hook: nothing else warms up.
	if err := e.r.Install(id, buildPkg(t, "../examples/hello"), nil); err != nil {
		t.Fatal(err)
	}
	n, err := e.r.LastInstructions(id)
	require.NoError(t, err)
	t.Logf("install: %d instructions", n)
	require.LessOrEqual(t, n, uint64(maxInstall), "install")
	for i := 0; i < 2; i++ {
		res, err := e.r.Query(id, "greet", enc(t, "world"))
		if err != nil || res.Reject != nil {
			t.Fatalf("greet: %v %v", err, res.Reject)
		}
		t.Logf("greet: %d instructions", res.Instructions)
		if res.Instructions > maxGreet {
			t.Fatalf("greet cost %d instructions, more than %d: is initialization work repeated in every query?", res.Instructions, maxGreet)
		}
	}
	for i := 0; i < 2; i++ {
		res, err := e.r.Update(id, "inc", enc(t))
		if err != nil || res.Reject != nil {
			t.Fatalf("inc: %v %v", err, res.Reject)
		}
		t.Logf("inc: %d instructions", res.Instructions)
		if i == 1 && res.Instructions > maxInc { // the first pays the worker's stack growth
			t.Fatalf("inc cost %d instructions, more than %d", res.Instructions, maxInc)
		}
	}
}
