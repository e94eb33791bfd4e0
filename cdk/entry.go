package cdk

import (
	"reflect"
	"unsafe"

	"github.com/icgo/icgo/cdk/ic0"
	"github.com/icgo/icgo/internal/abi"
)

// The logic of the Go entry points (entry_wasip1.go has the exports).

// entryMethod runs a query, update or composite query: the handler runs on
// a goroutine and the executor drives the scheduler until every goroutine
// is finished or blocked.
func entryMethod(index int32) {
	defer flushStdout()
	if index < 0 || int(index) >= len(methods) {
		Trap("cdk: no method with index " + itoa(int(index)) + " (the module's exports do not match its registry: rebuild it with icgo build)")
	}
	m := &methods[index]
	if m.internal != nil {
		m.internal()
		return
	}
	k := kindUpdate
	switch m.kind {
	case abi.KindQuery:
		k = kindQuery
	case abi.KindCompositeQuery:
		k = kindComposite
	}
	var c *callCtx
	if k == kindQuery {
		// Nothing of a query outlives it: its context needs no allocation.
		queryCtx = callCtx{method: m.name, owes: true}
		c = &queryCtx
	} else {
		c = &callCtx{method: m.name, owes: true, composite: k == kindComposite}
	}
	begin(k, c)
	defer trapOnPanic(m.name)
	run, err := m.handler.prepare(ArgData())
	if err != nil {
		c.send(outcome{rejected: true, msg: "cdk: " + m.name + ": invalid argument: " + err.Error()})
		return
	}
	if k == kindQuery {
		runQuery(c, run)
		return
	}
	spawn(m.name, func() { runHandler(c, run) })
	end()
}

// runQuery runs a query's handler on the export's goroutine: a query
// cannot wait (its state is discarded and it makes no calls), so it needs
// no goroutine that outlives the message, and running it here saves the
// two goroutine switches and the idle probe of the executor (about half of
// a small query's instructions).
//
// A sentinel goroutine is made runnable first. It runs only if the
// handler blocks (the runtime runs other goroutines only then): it waits
// in the idle probe until nothing else can run (goroutines the handler
// waits for may finish its work), and traps, naming the method, if the
// handler is still blocked then. When the handler returns without
// blocking, the sentinel never runs: the query's state, the runnable
// sentinel and any goroutine the handler started included, is discarded
// with the message.
func runQuery(c *callCtx, run invocation) {
	spawn(c.method, querySentinel)
	runHandler(c, run)
}

// queryCtx is the call context of the running query (see entryMethod).
var queryCtx callCtx

// querySentinel is the sentinel of runQuery (a func value without a
// closure, which would cost an allocation in every query).
func querySentinel() {
	state.stdNext = waitIdle()
	if !queryCtx.handlerDone {
		Trap("cdk: " + queryCtx.method + ": the handler blocked in query, which cannot wait (only for the calls it makes, in a composite query): use an update method" + stdWaitNote())
	}
}

// runHandler is the goroutine of a method's handler: its results are the
// reply of the call context it was started in.
func runHandler(c *callCtx, run invocation) {
	defer func() { c.handlerDone = true }()
	b, msg, rejected := run()
	c.handlerDone = true
	if rejected {
		c.answer(outcome{rejected: true, msg: msg})
		return
	}
	c.answer(outcome{data: b})
}

// entryHook runs a lifecycle or system hook. Init, PostUpgrade and
// PreUpgrade handlers must return within their execution (goroutines they
// start with Go may go on waiting).
func entryHook(name string, k kind) {
	defer flushStdout()
	begin(k, &callCtx{method: hookFunc(name)})
	if k == kindInit {
		timers.armed = 0 // install and upgrade deactivate the global timer
		armSeed(0)
	}
	defer trapOnPanic(hookFunc(name))
	h := hooks[name]
	if h == nil {
		if k == kindInit {
			// Start the executor's first goroutine now and let it make a
			// reflective call, as handlers do, so that the Go runtime's
			// lazy set-up (goroutine allocation, the stack growth a handler
			// call needs, the worker pool) is committed with the install
			// instead of being paid again by every query, whose state is
			// discarded (about 150k instructions a query otherwise).
			spawn(hookFunc(name), func() { reflect.ValueOf(func() {}).Call(nil) })
		}
		end()
		return
	}
	var args []reflect.Value
	if len(h.args) > 0 {
		var err error
		if args, err = h.decode(ArgData()); err != nil {
			Trap("cdk: " + hookFunc(name) + ": invalid argument: " + err.Error())
		}
	}
	done := false
	spawn(hookFunc(name), func() {
		out := h.fn.Call(args)
		if h.hasErr {
			if e := out[len(out)-1]; !e.IsNil() {
				Trap(hookFunc(name) + " failed: " + e.Interface().(error).Error())
			}
		}
		done = true
	})
	end()
	if !done && k != kindSystem {
		Trap("cdk." + hookFunc(name) + ": the handler is still waiting at the end of " + k.String() +
			" (calls and sleeps cannot complete there); start the waiting work with cdk.Go or a timer" + stdWaitNote())
	}
}

// entryGlobalTimer fires the due timers, then the GlobalTimer hook if one
// is registered.
func entryGlobalTimer() {
	defer flushStdout()
	begin(kindSystem, &callCtx{method: "GlobalTimer"})
	timers.armed = 0 // the IC deactivates the timer before running this
	defer trapOnPanic("a timer")
	fireDue()
	if h := hooks["global_timer"]; h != nil {
		spawn("GlobalTimer", func() { h.fn.Call(nil) })
	}
	end()
}

func entryInspect() {
	defer flushStdout()
	begin(kindInspect, nil)
	defer trapOnPanic("InspectMessage")
	if inspect != nil && inspect(MethodName()) {
		acceptMessage()
	}
}

// entryCallback runs a reply, reject or cleanup callback: it completes the
// call's future (waking the goroutines waiting for it) in the call context
// the call was made in, and drives the scheduler.
func entryCallback(env uint32, k kind) {
	defer flushStdout()
	f := futures.take(env)
	if f == nil {
		Print("cdk: a callback for an unknown call (env " + itoa(int(env)) + ") was ignored")
		return
	}
	c := f.ctx
	if c != nil && c.composite {
		if k == kindCleanup {
			k = kindCompositeCleanup
		} else {
			k = kindCompositeCB
		}
	}
	begin(k, c)
	defer trapOnPanic("a callback of a call to " + f.method)
	if c != nil {
		c.calls--
	}
	if f.keepAlive {
		c.keepAlives--
		if k == kindReply || k == kindReject {
			fireDue()
		}
		end()
		return
	}
	state.realCalls--
	switch k {
	case kindReply, kindCompositeCB:
		if ic0.MsgRejectCode() == 0 {
			f.data = ArgData()
		} else {
			f.err = rejectError(f.method)
		}
		f.refunded = cyclesRefunded()
	case kindReject:
		f.err = rejectError(f.method)
		f.refunded = cyclesRefunded()
	default: // cleanup: the reply or reject callback trapped
		f.unwind = true
	}
	f.complete()
	end()
}

func rejectError(method string) error {
	code := RejectCode(ic0.MsgRejectCode())
	n := ic0.MsgRejectMsgSize()
	b := make([]byte, n)
	if n > 0 {
		ic0.MsgRejectMsgCopy(unsafe.Pointer(&b[0]), 0, n)
	}
	return &CallError{Method: method, Code: code, Message: string(b)}
}

func cyclesRefunded() [2]uint64 {
	if curKind() == kindCompositeCB {
		return [2]uint64{}
	}
	var b [16]byte
	ic0.MsgCyclesRefunded128(unsafe.Pointer(&b[0]))
	return [2]uint64{le64(b[8:]), le64(b[:8])}
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// end finishes an execution: drive the scheduler until quiet, then apply
// the rules for the running call context (decideEnd) and re-arm the global
// timer.
func end() {
	drive()
	c := state.ctx
	switch decideEnd(curKind(), c, state.realCalls, len(timers.h) > 0 || state.stdNext != 0, hooks["heartbeat"] != nil) {
	case endSend:
		c.send(*c.pending)
	case endKeepAlive:
		keepAlive(c)
	case endDeadlock:
		c.send(outcome{rejected: true, msg: "cdk: " + c.method + ": deadlock: the handler is blocked and no pending call or timer can wake it (it waits for something only a later message could provide)"})
	case endBlocked:
		c.send(outcome{rejected: true, msg: "cdk: " + c.method + ": the handler blocked in " + curKind().String() +
			", which cannot wait (only for the calls it makes, in a composite query): use an update method" + stdWaitNote()})
	case endClosed:
		c.replied = true
	}
	rearm()
}

// keepAliveMethod is what keep-alive calls call: the management canister's
// raw_rand, which answers in the next round. A self-call to a hidden no-op
// method would do as well for the IC's bookkeeping, but its response comes
// back within the same round, so a method sleeping for a minute would
// ping-pong with itself until the round's instruction budget is gone
// (measured on the replica: thousands of executions per round); raw_rand
// paces the keep-alive at one call per round.
const keepAliveMethod = "raw_rand"

// keepAlive makes a call in call context c, so that c stays open (the IC
// would otherwise answer for it with CANISTER_ERROR) and its callback, in
// the next round, gives c's goroutines another execution of their own call
// context to reply from. See the package documentation ("Keep-alive").
func keepAlive(c *callCtx) {
	f := newFuture(c, keepAliveMethod, true)
	if !perform(nil, keepAliveMethod, emptyArgs, f.env, [2]uint64{}, false, 0) {
		futures.remove(f.env)
		c.send(outcome{rejected: true, msg: "cdk: " + c.method + ": cannot keep the call open while its goroutines wait (a call to raw_rand was refused: out of cycles or queue full)"})
		return
	}
	c.calls++
	c.keepAlives++
}
