package cdk

import (
	"unsafe"

	"github.com/icgo/icgo/cdk/ic0"
	"github.com/icgo/icgo/internal/icctx"
)

// The executor: every entry point and callback runs Go code on goroutines
// and drives the scheduler until every goroutine is finished or blocked,
// then returns. A goroutine blocked on an inter-canister call, a timer or
// anything else (a channel, a mutex) simply stays blocked across messages;
// the IC event that unblocks it (a reply callback, the global timer) runs
// it again. See the package documentation, "Executor", for the rules.

// kind is the IC context of the running execution; the definitions and
// the current value are shared with the icstd packages (internal/icctx).
type kind = icctx.Kind

const (
	kindNone             = icctx.None
	kindInit             = icctx.Init
	kindPreUpgrade       = icctx.PreUpgrade
	kindUpdate           = icctx.Update
	kindQuery            = icctx.Query
	kindComposite        = icctx.Composite
	kindReply            = icctx.Reply
	kindReject           = icctx.Reject
	kindCleanup          = icctx.Cleanup
	kindSystem           = icctx.System
	kindInspect          = icctx.Inspect
	kindCompositeCB      = icctx.CompositeCB
	kindCompositeCleanup = icctx.CompositeCleanup
)

// callCtx is the cdk's view of an IC call context: one per incoming call
// (method execution) and one per timer, heartbeat or lifecycle hook
// execution. Callbacks of calls made in an execution run in the same call
// context (the IC attributes a call to the context of the execution that
// made it, not to the goroutine).
type callCtx struct {
	method  string // the method name, for messages
	owes    bool   // the caller waits for a reply (incoming calls)
	replied bool   // replied or rejected, or closed by the IC

	handlerDone bool     // the method's handler returned
	pending     *outcome // a reply produced in another execution, to send in the next one of this context

	calls      int // outstanding calls made in this context, keep-alives included
	keepAlives int // outstanding keep-alive self-calls
	composite  bool
}

// outcome is a reply or a reject waiting to be sent.
type outcome struct {
	data     []byte
	rejected bool
	msg      string
}

// state is the executor's state. It lives in the Go heap: a trap restores
// it together with the rest of the heap (the IC rolls back memory and
// globals), so it is consistent after a trap without any effort.
var state struct {
	ctx *callCtx

	realCalls int   // outstanding calls that are not keep-alives, all contexts
	stdNext   int64 // the Go runtime's next timer deadline (0: none), from drive
	spawned   uint64
	parked    int // goroutines blocked in Future.Wait or Sleep
}

// begin starts an execution of kind k in call context c.
func begin(k kind, c *callCtx) {
	registryClosed = true
	icctx.Begin(k)
	state.ctx = c
}

// answer sends o as the reply of c, now when the running execution belongs
// to c, else at the next execution of c (see keepAlive).
func (c *callCtx) answer(o outcome) {
	if c == nil || !c.owes || c.replied {
		return
	}
	if state.ctx == c && curKind().CanReply() {
		c.send(o)
		return
	}
	p := o // only a reply for later is allocated (o itself does not escape)
	c.pending = &p
}

func (c *callCtx) send(o outcome) {
	c.replied = true
	c.pending = nil
	if o.rejected {
		msg := o.msg
		ic0.MsgReject(unsafe.Pointer(unsafe.StringData(msg)), uint32(len(msg)))
		return
	}
	reply(o.data)
}

// endDecision is what end does for the running call context once the
// scheduler is quiet; pure so that it is tested on the host.
type endDecision uint8

const (
	endNothing   endDecision = iota
	endSend                  // send c.pending now
	endKeepAlive             // issue a keep-alive self-call
	endDeadlock              // reject: nothing pending can wake the handler
	endBlocked               // reject: the handler blocked where it cannot wait (queries)
	endClosed                // the IC answers for us (starvation rule): forget the obligation
)

// decideEnd applies the executor's end-of-execution rules to context c.
// timersPending: the timer heap is not empty; heartbeat: a heartbeat is
// registered (it runs every round, so it may wake anything).
func decideEnd(k kind, c *callCtx, realCalls int, timersPending, heartbeat bool) endDecision {
	if c == nil || !c.owes || c.replied {
		return endNothing
	}
	if c.pending != nil && k.CanReply() {
		return endSend
	}
	if c.calls > 0 {
		return endNothing // a callback of this context will come
	}
	if c.handlerDone && c.pending == nil {
		return endClosed // returned without a reply: the IC rejects (cannot happen for typed handlers)
	}
	// The handler is blocked (or its reply waits for an execution of this
	// context) and no call of this context is outstanding: without a
	// call, the IC would close the context with CANISTER_ERROR now.
	switch {
	case k == kindCleanup || k == kindCompositeCleanup:
		return endClosed
	case !k.CanCall() || c.composite:
		return endBlocked
	case c.pending == nil && realCalls == 0 && !timersPending && !heartbeat:
		return endDeadlock
	}
	return endKeepAlive
}

// curKind returns the context of the running execution.
func curKind() kind { return icctx.Current() }
