package cdk

import (
	"bytes"
	"errors"
	"runtime"
	"runtime/metrics"
)

// Go starts fn on a new goroutine of the executor. The goroutine runs
// within the current message (before the entry point returns, up to its
// first wait) and survives past it: when it waits for a call, a timer or
// anything else, a later message resumes it. A panic in fn traps the
// message it runs in, with a message naming it. Prefer Go to a plain go
// statement for goroutines that call other canisters: when a callback traps,
// the cleanup callback unwinds the waiting goroutine (running its deferred
// functions, e.g. unlocking a mutex), which only a goroutine started by Go
// survives; a plain goroutine makes the cleanup itself trap.
func Go(fn func()) {
	if fn == nil {
		panic("cdk.Go: nil func")
	}
	spawn("a goroutine started by cdk.Go", fn)
}

// Goroutines are pooled: starting one on a fresh goroutine costs its
// creation and, for anything that calls through reflect and Candid, a few
// stack growths (copies); a pooled goroutine keeps its grown stack. An idle
// pooled goroutine is blocked on its channel and known to the executor.
type worker struct {
	run chan task
}

type task struct {
	where string
	fn    func()
}

const maxIdleWorkers = 32

var idleWorkers []*worker

// spawn runs fn on an idle pooled goroutine, or a new one. It only makes
// the goroutine runnable; the executor's drive runs it.
func spawn(where string, fn func()) {
	state.spawned++
	if n := len(idleWorkers); n > 0 {
		w := idleWorkers[n-1]
		idleWorkers[n-1] = nil
		idleWorkers = idleWorkers[:n-1]
		w.run <- task{where, fn} // buffered: makes w runnable without blocking
		return
	}
	w := &worker{run: make(chan task, 1)}
	go w.loop(task{where, fn})
}

func (w *worker) loop(t task) {
	for {
		runTask(t.where, t.fn)
		if len(idleWorkers) >= maxIdleWorkers {
			return
		}
		idleWorkers = append(idleWorkers, w)
		t = <-w.run
	}
}

// errUnwind is the panic that Future.Wait raises in a goroutine whose
// call's callback trapped: it unwinds the goroutine in the cleanup
// callback (see Future.Wait).
var errUnwind = errors.New("cdk: the callback of this call trapped; the goroutine waiting for it is unwound by the cleanup callback")

// runTask runs fn, turning a panic into a trap of the running message.
func runTask(where string, fn func()) {
	defer recoverTask(where)
	fn()
}

// recoverTask is the deferred panic handler of executor goroutines.
func recoverTask(where string) {
	r := recover()
	if r == nil {
		return
	}
	if r == errUnwind {
		return
	}
	trapPanic(where, r)
}

// trapPanic logs the goroutine's stack and traps with a message naming
// where the panic happened.
func trapPanic(where string, r any) {
	buf := make([]byte, 16<<10)
	buf = buf[:runtime.Stack(buf, false)]
	Print("panic in " + where + ": " + panicMessage(r) + "\n" + string(buf))
	Trap("panic in " + where + ": " + panicMessage(r))
}

// The scheduler probe: how many goroutines are runnable. On wasm there is
// one P, so this is exact: the local run queue, runnext and the global run
// queue.
var runnableSample = []metrics.Sample{{Name: "/sched/goroutines/runnable:goroutines"}}

func init() {
	// Initialize the runtime's metrics tables during _initialize rather
	// than in the first message.
	metrics.Read(runnableSample)
}

func runnable() uint64 {
	metrics.Read(runnableSample)
	if runnableSample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return runnableSample[0].Value.Uint64()
}

// blockedKnown is the number of goroutines the executor knows to be
// blocked: idle pooled goroutines and goroutines parked in Future.Wait or
// Sleep whose wake-up has not come yet. The goroutine running the export
// is the one more that runtime.NumGoroutine counts.
func blockedKnown() int { return len(idleWorkers) + state.parked }

// drive yields to the scheduler until no goroutine is runnable: every
// goroutine (started by Go, by a plain go statement, or a handler) has
// finished or is blocked. It never blocks itself: an export that blocks
// with nothing runnable dies with "all goroutines are asleep".
//
// Quiescence: when every goroutine but this one is blocked in a wait the
// executor knows of (runtime.NumGoroutine, cheap), or else when the
// scheduler's run queues are empty (runtime/metrics, exact on wasm's one
// P, about 8k instructions).
func drive() {
	for {
		if runtime.NumGoroutine()-1 == blockedKnown() {
			return
		}
		runtime.Gosched()
		if runtime.NumGoroutine()-1 == blockedKnown() || runnable() == 0 {
			return
		}
	}
}

// checkStdSleep traps when a goroutine is blocked in the standard library's
// time.Sleep: a canister cannot block, and such a goroutine would wake in
// whatever message happens to run after its deadline. Blocked goroutines
// that the executor does not know about (waiting on a channel or a mutex,
// or sleeping) are inspected with runtime.Stack, but only when their number
// changed since the last scan, so that long-lived goroutines waiting on
// channels cost nothing per message. (A goroutine that wakes and then
// sleeps while another one ends in the same message is missed.)
func checkStdSleep() {
	// The goroutine running the export is counted by NumGoroutine.
	unaccounted := runtime.NumGoroutine() - 1 - blockedKnown()
	if unaccounted <= 0 || unaccounted == state.lastScan {
		state.lastScan = max(unaccounted, 0)
		return
	}
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	if i := bytes.Index(buf, []byte(" [sleep")); i >= 0 {
		start := bytes.LastIndex(buf[:i], []byte("\n\n")) + 1
		end := bytes.Index(buf[i:], []byte("\n\n"))
		if end < 0 {
			end = len(buf) - i
		}
		Print("a goroutine is blocked in time.Sleep:\n" + string(buf[start:i+end]))
		Trap(msgStdSleep)
	}
	state.lastScan = unaccounted
}

// msgStdSleep names the replacement (same advice as the post-processor's
// poll_oneoff stub, postproc.MsgSleep).
const msgStdSleep = "time.Sleep / blocking wait: a canister cannot block; use icgo's icstd/time.Sleep (or icstd/sync) which parks on IC timers"

// ExecutorStats describe the executor's state, for tests and monitoring.
type ExecutorStats struct {
	Goroutines    int // runtime.NumGoroutine (the running entry point included)
	IdleWorkers   int // pooled goroutines waiting for work
	Parked        int // goroutines waiting in Future.Wait or Sleep
	PendingCalls  int // calls in flight, keep-alives excluded
	PendingTimers int
}

// Stats returns the executor's state.
func Stats() ExecutorStats {
	return ExecutorStats{
		Goroutines:    runtime.NumGoroutine(),
		IdleWorkers:   len(idleWorkers),
		Parked:        state.parked,
		PendingCalls:  state.realCalls,
		PendingTimers: len(timers.h),
	}
}
