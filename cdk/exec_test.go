package cdk

import (
	"math/rand/v2"
	"runtime"
	"sort"
	"sync/atomic"
	"testing"
	"time"
)

func TestTimerHeapOrder(t *testing.T) {
	s := timerSet{byID: map[TimerID]*timer{}}
	const n = 10000
	r := rand.New(rand.NewPCG(1, 2))
	var fired []int
	whens := make([]int64, n)
	for i := range n {
		whens[i] = 1000 + int64(r.IntN(5000))
		s.add(whens[i], 0, func(time.Time) { fired = append(fired, i) })
	}
	// Cancel every tenth timer.
	cancelled := map[int]bool{}
	for i := 0; i < n; i += 10 {
		if !s.clear(TimerID(i + 1)) {
			t.Fatalf("timer %d was not pending", i+1)
		}
		cancelled[i] = true
	}
	if s.clear(TimerID(1)) {
		t.Fatal("cleared twice")
	}
	if got := s.next(); got < 1000 {
		t.Fatal(got)
	}
	// Fire in steps of time.
	for now := int64(0); now <= 7000; now += 250 {
		for {
			tm := s.popDue(now, s.seq)
			if tm == nil {
				break
			}
			if tm.when > now {
				t.Fatalf("fired early: %d > %d", tm.when, now)
			}
			tm.fire(time.Time{})
		}
	}
	if len(s.h) != 0 || len(s.byID) != 0 {
		t.Fatalf("left: %d %d", len(s.h), len(s.byID))
	}
	if len(fired) != n-len(cancelled) {
		t.Fatalf("fired %d", len(fired))
	}
	// Within the whole run, order is by (when, creation).
	want := make([]int, 0, n)
	for i := range n {
		if !cancelled[i] {
			want = append(want, i)
		}
	}
	sort.SliceStable(want, func(a, b int) bool { return whens[want[a]] < whens[want[b]] })
	for i := range want {
		if fired[i] != want[i] {
			t.Fatalf("position %d: fired %d, want %d", i, fired[i], want[i])
		}
	}
}

func TestTimerPeriodic(t *testing.T) {
	s := timerSet{byID: map[TimerID]*timer{}}
	n := 0
	id := s.add(100, 100, func(time.Time) { n++ })
	if s.popDue(99, s.seq) != nil {
		t.Fatal("early")
	}
	s.popDue(100, s.seq).fire(time.Time{})
	if s.next() != 200 {
		t.Fatal(s.next())
	}
	// Missed ticks are dropped: at 555 one tick, next at 600.
	s.popDue(555, s.seq).fire(time.Time{})
	if s.popDue(555, s.seq) != nil || s.next() != 600 {
		t.Fatal(s.next())
	}
	if !s.clear(id) || s.next() != 0 || n != 2 {
		t.Fatal(n)
	}
}

// A timer added while due timers fire, due at once, waits for the next
// execution: a timer that re-arms itself with no delay runs once a round.
func TestTimerAddedWhileFiringWaits(t *testing.T) {
	s := timerSet{byID: map[TimerID]*timer{}}
	n := 0
	var rearm func(time.Time)
	rearm = func(time.Time) { n++; s.add(100, 0, rearm) }
	s.add(100, 0, rearm)
	s.add(100, 0, func(time.Time) { n += 10 })
	for round := 1; round <= 3; round++ {
		upTo := s.seq
		for tm := s.popDue(100, upTo); tm != nil; tm = s.popDue(100, upTo) {
			tm.fire(time.Time{})
		}
		if want := round + 10; n != want {
			t.Fatalf("round %d: n = %d, want %d", round, n, want)
		}
		if len(s.h) != 1 {
			t.Fatalf("round %d: %d pending", round, len(s.h))
		}
	}
}

func TestFutureTableEnv(t *testing.T) {
	tab := futureTable{m: map[uint32]*Future{}}
	tab.next = 1<<32 - 2
	a := tab.add(&Future{})
	b := tab.add(&Future{})
	if a != 1<<32-1 || b != 1 {
		t.Fatal(a, b, "0 must be skipped on wrap-around")
	}
	tab.next = 0
	if c := tab.add(&Future{}); c != 2 {
		t.Fatal(c, "envs in use are skipped")
	}
	if tab.take(1) == nil || tab.take(1) != nil {
		t.Fatal("take")
	}
}

func TestDecideEnd(t *testing.T) {
	type tc struct {
		name      string
		k         kind
		c         callCtx
		realCalls int
		timers    bool
		heartbeat bool
		want      endDecision
	}
	pending := &outcome{data: []byte("x")}
	for _, x := range []tc{
		{"no reply owed", kindSystem, callCtx{}, 0, false, false, endNothing},
		{"replied", kindUpdate, callCtx{owes: true, replied: true, handlerDone: true}, 0, false, false, endNothing},
		{"waiting for its call", kindUpdate, callCtx{owes: true, calls: 1}, 1, false, false, endNothing},
		{"reply from a foreign execution is sent", kindReply, callCtx{owes: true, handlerDone: true, pending: pending, calls: 1}, 0, false, false, endSend},
		{"pending reply, cannot reply here: keep alive", kindCleanup, callCtx{owes: true, handlerDone: true, pending: pending}, 0, false, false, endClosed},
		{"sleeping method", kindUpdate, callCtx{owes: true}, 0, true, false, endKeepAlive},
		{"blocked on a mutex held across another call", kindReply, callCtx{owes: true}, 2, false, false, endKeepAlive},
		{"nothing can wake it", kindUpdate, callCtx{owes: true}, 0, false, false, endDeadlock},
		{"heartbeat may wake it", kindUpdate, callCtx{owes: true}, 0, false, true, endKeepAlive},
		{"blocked query", kindQuery, callCtx{owes: true}, 0, true, false, endBlocked},
		{"composite query blocked on a channel", kindComposite, callCtx{owes: true, composite: true}, 0, true, false, endBlocked},
		{"cleanup: the IC closes the context", kindCleanup, callCtx{owes: true}, 0, true, false, endClosed},
		{"returned without reply", kindUpdate, callCtx{owes: true, handlerDone: true}, 0, false, false, endClosed},
	} {
		c := x.c
		if got := decideEnd(x.k, &c, x.realCalls, x.timers, x.heartbeat); got != x.want {
			t.Errorf("%s: got %d, want %d", x.name, got, x.want)
		}
	}
}

func TestKinds(t *testing.T) {
	for k := kindNone; k <= kindCompositeCleanup; k++ {
		if k.String() == "" {
			t.Errorf("kind %d has no name", k)
		}
	}
	if kindInit.CanCall() || kindQuery.CanCall() || kindCleanup.CanCall() || !kindSystem.CanCall() || !kindReject.CanCall() {
		t.Error("canCall")
	}
	if kindSystem.CanReply() || !kindCompositeCB.CanReply() {
		t.Error("canReply")
	}
	if kindComposite.CanAddCycles() || kindCompositeCB.CanAddCycles() || kindQuery.CanAddCycles() ||
		!kindUpdate.CanAddCycles() || !kindReply.CanAddCycles() || !kindSystem.CanAddCycles() {
		t.Error("canAddCycles")
	}
	if kindQuery.CanSetTimer() || !kindCleanup.CanSetTimer() {
		t.Error("canSetTimer")
	}
}

// runnable reads the scheduler's run queues through runtime/metrics: the
// driver's quiescence test.
func TestDriveRunsGoroutines(t *testing.T) {
	// drive is exact only with one P, as on wasm.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var done atomic.Int32
	ch := make(chan int)
	for i := range 50 {
		go func() { ch <- i }()
	}
	go func() {
		for range 50 {
			<-ch
			done.Add(1)
		}
	}()
	drive()
	if n := done.Load(); n != 50 {
		t.Fatalf("drive returned with %d of 50 values received", n)
	}
}

func TestFormatU128(t *testing.T) {
	for _, c := range []struct {
		hi, lo uint64
		want   string
	}{
		{0, 0, "0"},
		{0, 1<<64 - 1, "18446744073709551615"},
		{1, 0, "18446744073709551616"},
		{1<<64 - 1, 1<<64 - 1, "340282366920938463463374607431768211455"},
		{5, 7, "92233720368547758087"},
	} {
		if got := formatU128(c.hi, c.lo); got != c.want {
			t.Errorf("formatU128(%d, %d) = %s, want %s", c.hi, c.lo, got, c.want)
		}
	}
}

func TestHiddenMethodNotInCandid(t *testing.T) {
	const yieldMethod = "__icgo_test_hidden"
	registerInternal("update", yieldMethod, func() {})
	defer func() { methods = methods[:len(methods)-1] }()
	svc, _, err := serviceText()
	if err != nil {
		t.Fatal(err)
	}
	if contains(svc, yieldMethod) {
		t.Fatalf("the keep-alive method is in the .did:\n%s", svc)
	}
	if !contains(describe(), "method update "+itoa(len(methods)-1)+" "+yieldMethod+"\n") {
		t.Fatalf("the keep-alive method is not described:\n%s", describe())
	}
	if !contains(describe(), "hook global_timer\n") {
		t.Fatal("global_timer hook missing")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
