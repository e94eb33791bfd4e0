package cdk

import (
	"container/heap"
	"time"

	"github.com/icgo/icgo/cdk/ic0"
)

// Timers multiplex the canister's one global timer (interface spec,
// "Global timer"): a heap ordered by deadline (then by creation), with the
// global timer armed at the earliest deadline at the end of every
// execution that may set it. Pending timers cost a heap entry and a map
// entry each; firing one costs O(log n).
//
// Timers are Go closures, so they do not survive an upgrade (the Go heap is
// replaced, and the IC deactivates the global timer on upgrade): create them
// again in PostUpgrade, as with Rust's ic-cdk-timers.

// TimerID identifies a pending timer.
type TimerID uint64

type timer struct {
	id     TimerID
	when   int64 // ns since the epoch (ic0.time)
	seq    uint64
	index  int
	period int64 // > 0: re-armed after each firing

	fire func(now time.Time) // runs on the executor goroutine; must not block
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when != h[j].when {
		return h[i].when < h[j].when
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	t.index = -1
	*h = old[:n-1]
	return t
}

// timerSet is the timer heap and its index; pure, tested on the host.
type timerSet struct {
	h     timerHeap
	byID  map[TimerID]*timer
	seq   uint64
	armed int64 // the deadline the global timer is armed at (0: none)
}

var timers = timerSet{byID: map[TimerID]*timer{}}

func (s *timerSet) add(when, period int64, fire func(time.Time)) TimerID {
	s.seq++
	t := &timer{id: TimerID(s.seq), when: when, seq: s.seq, period: period, fire: fire}
	heap.Push(&s.h, t)
	s.byID[t.id] = t
	return t.id
}

func (s *timerSet) clear(id TimerID) bool {
	t, ok := s.byID[id]
	if !ok {
		return false
	}
	delete(s.byID, id)
	heap.Remove(&s.h, t.index)
	return true
}

// next returns the earliest deadline, 0 when no timer is pending.
func (s *timerSet) next() int64 {
	if len(s.h) == 0 {
		return 0
	}
	return s.h[0].when
}

// popDue removes and returns the earliest timer if it is due at now and
// was created (or last re-armed) at or before sequence number upTo: a timer
// set while the due ones fire waits for the next execution, even when it is
// due at once (SetTimer(0, f) inside f runs f again in the next round, not
// forever in this one). Periodic timers are re-inserted at their next
// deadline after now (ticks that were missed are dropped, as for
// time.Ticker).
func (s *timerSet) popDue(now int64, upTo uint64) *timer {
	if len(s.h) == 0 || s.h[0].when > now || s.h[0].seq > upTo {
		return nil
	}
	t := s.h[0]
	if t.period > 0 {
		next := t.when + t.period
		if next <= now {
			next += (now - next) / t.period * t.period
			if next <= now {
				next += t.period
			}
		}
		t.when = next
		s.seq++
		t.seq = s.seq
		heap.Fix(&s.h, 0)
		return t
	}
	heap.Pop(&s.h)
	delete(s.byID, t.id)
	return t
}

// SetTimer runs fn on a new goroutine (as Go does) once d has passed
// (measured in IC time: the block time). fn may block: wait for calls,
// sleep, lock mutexes. Timers due at the same time start in the order they
// were created, each running up to its first wait before the next starts.
//
// The timer fires in a canister_global_timer execution (context T), so fn
// may call other canisters but has no caller to reply to. A timer set in a
// query is discarded with the query's other changes. Timers do not survive
// upgrades: create them again in PostUpgrade.
func SetTimer(d time.Duration, fn func()) TimerID {
	return SetTimerNotify(d, 0, func(time.Time) { Go(fn) })
}

// SetTimerInterval runs fn on a new goroutine every interval (the first
// time after one interval) until ClearTimer. Missed ticks are dropped: a
// canister that was not scheduled for three intervals runs fn once.
func SetTimerInterval(interval time.Duration, fn func()) TimerID {
	if interval <= 0 {
		panic("cdk.SetTimerInterval: non-positive interval")
	}
	return SetTimerNotify(interval, interval, func(time.Time) { Go(fn) })
}

// SetTimerNotify is the low-level form of SetTimer for libraries (it is
// what icstd/time builds Timer, Ticker and Sleep on): fire runs on the
// executor's own goroutine, in deadline order, with the block time, and
// must not block (send on a buffered channel with select/default, or start
// a goroutine with Go). A period > 0 makes the timer periodic.
func SetTimerNotify(d, period time.Duration, fire func(now time.Time)) TimerID {
	if fire == nil {
		panic("cdk.SetTimerNotify: nil func")
	}
	now := ic0.Time()
	if d < 0 {
		d = 0
	}
	when := now + int64(d)
	if when < now { // overflow
		when = 1<<63 - 1
	}
	return timers.add(when, int64(period), fire)
}

// ClearTimer cancels a pending timer; it reports whether the timer was
// pending (false once a one-shot timer has fired).
func ClearTimer(id TimerID) bool { return timers.clear(id) }

// PendingTimers returns the number of pending timers (the cdk's own timer
// that seeds crypto/rand after install and upgrade is not counted).
func PendingTimers() int {
	if seedTimer != 0 {
		return len(timers.h) - 1
	}
	return len(timers.h)
}

// Sleep blocks the calling goroutine for d of IC time (not the canister:
// other messages run meanwhile). In a method that still owes its reply the
// method stays open through keep-alive calls and replies after the
// deadline (see the package documentation, "Keep-alive"); in a query it
// panics. The standard library's time.Sleep works the same way.
func Sleep(d time.Duration) {
	switch curKind() {
	case kindQuery, kindComposite, kindCompositeCB, kindInspect:
		panic("cdk.Sleep in " + curKind().String() + ": queries cannot wait for time to pass (their state is discarded and the clock does not move); sleep in an update")
	}
	if d <= 0 {
		return
	}
	ch := make(chan struct{})
	SetTimerNotify(d, 0, func(time.Time) {
		state.parked-- // the waker uncounts (see blockedKnown)
		close(ch)
	})
	state.parked++
	<-ch
}

// fireDue runs the timers that are due at the block time, in order. A
// timer whose fire function started goroutines is followed by a drive, so
// that those goroutines start in deadline order.
func fireDue() int {
	now := ic0.Time()
	t0 := time.Unix(0, now)
	upTo := timers.seq
	n := 0
	for {
		t := timers.popDue(now, upTo)
		if t == nil {
			return n
		}
		n++
		spawned := state.spawned
		t.fire(t0)
		if state.spawned != spawned {
			drive()
		}
	}
}

// rearm sets the global timer to the earliest deadline when it changed.
func rearm() {
	if !curKind().CanSetTimer() {
		return
	}
	next := timers.next()
	if std := state.stdNext; std != 0 && (next == 0 || std < next) {
		next = std // the standard library's timers share the global timer
	}
	if next == timers.armed {
		return
	}
	ic0.GlobalTimerSet(next)
	timers.armed = next
}
