package cdk

import (
	"errors"
	"runtime"
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

// drive lets every goroutine run until none can: every goroutine (started
// by Go, by a plain go statement, by a std timer, or a handler) has
// finished or is blocked, and the standard library's timers that are due
// at the block time have fired. It never blocks the canister: the entry
// point waits in the idle probe (waitIdle), which the Go runtime wakes as
// soon as it has nothing else to run, with the deadline of its next timer
// (time.Sleep, time.Timer, time.AfterFunc, context deadlines), which end
// arms the global timer for.
func drive() {
	state.stdNext = waitIdle()
}

// ExecutorStats describe the executor's state, for tests and monitoring.
type ExecutorStats struct {
	Goroutines    int // runtime.NumGoroutine (the running entry point included)
	IdleWorkers   int // pooled goroutines waiting for work
	Parked        int // goroutines waiting in Future.Wait or Sleep
	PendingCalls  int // calls in flight, keep-alives excluded
	PendingTimers int
	// StdTimer is the deadline of the Go runtime's next timer (time.Sleep,
	// time.Timer, time.AfterFunc, context deadlines) at the end of the last
	// execution, in ns of IC time; 0 when none is pending.
	StdTimer int64
}

// Stats returns the executor's state.
func Stats() ExecutorStats {
	return ExecutorStats{
		Goroutines:    runtime.NumGoroutine(),
		IdleWorkers:   len(idleWorkers),
		Parked:        state.parked,
		PendingCalls:  state.realCalls,
		PendingTimers: PendingTimers(),
		StdTimer:      state.stdNext,
	}
}
