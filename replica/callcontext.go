package replica

import (
	"fmt"
	"math/bits"
)

// Call contexts and callbacks (spec "Inter-canister method calls"; IC interface spec, abstract
// behaviour "Call contexts").
//
// Every incoming call (ingress or inter-canister) opens a call context on
// the callee with needs_to_respond; heartbeat and global-timer executions
// open one without it. Each call the canister makes from inside a context
// registers a callback, counted as outstanding in that context, until its
// response (reply, reject, or a timeout's SYS_UNKNOWN) has been delivered.
// The context responds once, from the method or from any later callback.
// When it still needs to respond and has no outstanding callback left, the
// system answers for it with CANISTER_ERROR (the starvation rule).

type callOrigin uint8

const (
	originIngress  callOrigin = iota // a user's ingress message
	originCanister                   // another canister's (or the canister's own) call
	originSystem                     // heartbeat, global timer: no one to answer
)

// callContext is one call context of a canister.
type callContext struct {
	id        uint64
	c         *canister
	origin    callOrigin
	ingress   *ingressMessage // originIngress
	callerCB  *callback       // originCanister: the caller's callback that receives the response
	caller    []byte          // msg_caller in every execution of the context
	deadline  uint64          // msg_deadline of the request (0: guaranteed response)
	available u128            // cycles attached and not yet accepted

	needsResponse bool
	responded     bool
	outstanding   int // callbacks whose response has not been delivered
	// instructions is the total of the context's executions so far
	// (ic0.performance_counter(1), Result.Instructions of an update).
	instructions uint64
	closed       bool
}

// callback is a call made by a canister, waiting for its response.
type callback struct {
	id                   uint64
	c                    *canister    // the caller
	cc                   *callContext // the caller's context the call was made in
	replyFun, replyEnv   uint32
	rejectFun, rejectEnv uint32
	cleanupFun           uint32
	cleanupEnv           uint32
	hasCleanup           bool
	cycles               u128   // attached
	deadline             uint64 // bounded-wait calls; 0 for guaranteed response
	callee               CanisterID
	method               string
	delivered            bool // the request reached the callee
	responseQueued       bool // a response (or a timeout) is queued or delivered
}

// outCall is a call being built (call_new ... call_perform).
type outCall struct {
	callee               []byte
	method               string
	arg                  []byte
	cycles               u128
	replyFun, replyEnv   uint32
	rejectFun, rejectEnv uint32
	cleanupFun           uint32
	cleanupEnv           uint32
	hasCleanup           bool
	bestEffort           bool
	timeoutSeconds       uint32
}

// execCalls is an execution's view of its call context, and the calls it
// makes. The fields are working copies: they take effect only when the
// execution is committed (a trap discards them, spec "Entry points").
type execCalls struct {
	cc         *callContext
	cb         *callback // the callback being run (Ry, Rt, C and the composite-query forms)
	available  u128      // msg_cycles_available
	accepted   u128      // cycles accepted by this execution
	refunded   u128      // msg_cycles_refunded
	rejectCode RejectCode
	rejectMsg  string
	deadline   uint64
	building   *outCall
	performed  []*outCall
}

// maxCallTimeoutSeconds caps call_with_best_effort_response (spec "Inter-canister method calls":
// at most 300 seconds).
const maxCallTimeoutSeconds = 300

// maxLocalCallPayload is the argument limit of a call to a canister on the
// same subnet: 10 MiB (spec "Unspecified constants and limits", DFINITY's replica: MULTIPLIER_MAX_SIZE_LOCAL_SUBNET).
const maxLocalCallPayload = 5 * maxInterCanisterPayload

func addU128(a, b u128) u128 {
	lo, carry := bits.Add64(a.lo, b.lo, 0)
	hi, _ := bits.Add64(a.hi, b.hi, carry)
	return u128{hi, lo}
}

func (a u128) String() string {
	if a.hi == 0 {
		return fmt.Sprint(a.lo)
	}
	return fmt.Sprintf("%#x%016x", a.hi, a.lo)
}

// dropBuilding returns the cycles of a call that was built but not
// performed to the balance ("returned if the call is not sent").
func (e *execution) dropBuilding() {
	if b := e.calls.building; b != nil {
		e.cycles = addU128(e.cycles, b.cycles)
		e.calls.building = nil
	}
}

// bookCalls makes the effects of a committed execution's calls real: the
// context's cycles and the outgoing calls, in call_perform order.
func (r *Replica) bookCalls(e *execution) {
	cx := &e.calls
	if cx.cc != nil {
		cx.cc.available = cx.available
	}
	for _, oc := range cx.performed {
		r.sched.enqueueCall(e.c, cx.cc, oc, e.time)
	}
	cx.performed = nil
}

// respond records the response of call context cc and routes it to the
// caller: the ingress status, or a response message to the calling
// canister's callback, with every cycle not accepted as refund.
func (r *Replica) respond(cc *callContext, reply []byte, rej *Reject) {
	if cc.responded || !cc.needsResponse {
		return
	}
	cc.responded = true
	refund := cc.available
	cc.available = u128{}
	switch cc.origin {
	case originIngress:
		cc.ingress.finish(reply, rej)
		cc.ingress.result.Instructions = cc.instructions
		cc.ingress.result.Refunded = refund.lo // ingress cycles fit 64 bits (WithCallCycles)
	case originCanister:
		r.sched.enqueueResponse(cc.callerCB, reply, rej, refund)
	}
	r.maybeClose(cc)
}

// afterExecution applies the starvation rule to cc after an execution in it
// (spec "Inter-canister method calls"): a context that needs a response and has no outstanding
// call gets CANISTER_ERROR, the trap's if the execution trapped.
func (r *Replica) afterExecution(cc *callContext, trap *trapError) {
	if cc == nil {
		return
	}
	if cc.needsResponse && !cc.responded && cc.outstanding == 0 {
		if trap != nil {
			r.respond(cc, nil, rejectOf(trap))
		} else {
			r.respond(cc, nil, &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterDidNotReply,
				Message: fmt.Sprintf("canister did not reply to the call (canister %s)", cc.c.id)})
		}
	}
	r.maybeClose(cc)
}

func (r *Replica) maybeClose(cc *callContext) {
	if cc.outstanding == 0 && (cc.responded || !cc.needsResponse) && !cc.closed {
		cc.closed = true
		r.sched.removeContext(cc)
		r.finishStopping(cc.c) // lifecycle.go: a stopping canister stops when its last context closes
	}
}

// rejectCallContexts closes every open call context of a canister whose
// code is removed (uninstall_code, reinstall, delete_canister; IC interface
// spec: "all outstanding call contexts are rejected"): each context that
// still needs a response is rejected, and the responses of its callbacks
// will be dropped instead of run.
func (r *Replica) rejectCallContexts(c *canister, why string) {
	for _, cc := range r.sched.contextsOf(c) {
		if cc.needsResponse && !cc.responded {
			r.respond(cc, nil, &Reject{Code: CanisterReject, Message: why})
		}
		for _, cb := range r.sched.callbacks {
			if cb.cc == cc {
				cb.cc = nil // its response is dropped
			}
		}
		cc.outstanding = 0
		r.maybeClose(cc)
	}
}

// hasOpenCallContexts reports whether a canister has call contexts that are
// not closed (a stopping canister becomes stopped when it has none).
func (r *Replica) hasOpenCallContexts(c *canister) bool {
	return len(r.sched.contextsOf(c)) > 0
}
