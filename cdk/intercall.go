package cdk

import (
	"errors"
	"github.com/icgo/icgo/internal/abi"
	"math/bits"
	"strconv"
	"time"
	"unsafe"

	"github.com/icgo/icgo/cdk/ic0"
	"github.com/icgo/icgo/principal"
)

// RejectCode classifies a rejected call (interface spec, "Reject codes").
type RejectCode int32

// Reject codes.
const (
	SysFatal           RejectCode = 1
	SysTransient       RejectCode = 2
	DestinationInvalid RejectCode = 3
	CanisterReject     RejectCode = 4
	CanisterError      RejectCode = 5
	SysUnknown         RejectCode = 6 // bounded-wait calls only: the outcome is unknown
)

func (c RejectCode) String() string {
	if name := abi.RejectCodeName(int(c)); name != "" {
		return name
	}
	return "reject code " + strconv.Itoa(int(c))
}

// CallError is the error of a call that did not get a reply.
type CallError struct {
	Method string
	// Code is the reject code. For a call that could not be sent
	// (NotSent), it is SysTransient.
	Code    RejectCode
	Message string
	// NotSent reports that ic0.call_perform refused the call (the
	// canister is out of cycles or its queues are full): the callee never
	// saw it.
	NotSent bool
}

func (e *CallError) Error() string {
	if e.NotSent {
		return "call to " + e.Method + " not sent: " + e.Message
	}
	return "call to " + e.Method + " rejected (" + e.Code.String() + "): " + e.Message
}

// ErrCallNotAllowed is returned (wrapped) by calls made where the IC does
// not allow them: queries, canister_init, canister_post_upgrade,
// canister_pre_upgrade, inspect_message and cleanup callbacks.
var ErrCallNotAllowed = errors.New("inter-canister calls are not allowed here")

// notAllowedError is ErrCallNotAllowed with the method, the context and
// advice.
type notAllowedError struct{ msg string }

func (e *notAllowedError) Error() string { return e.msg }
func (e *notAllowedError) Unwrap() error { return ErrCallNotAllowed }

// CallBuilder describes an inter-canister call. Create it with NewCall,
// configure it, then Do (send and wait) or Start (send, wait later).
type CallBuilder struct {
	callee  principal.Principal
	method  string
	arg     []byte
	argErr  error
	cycles  [2]uint64 // high, low
	bounded bool
	timeout uint32
}

// NewCall starts describing a call of method on callee. By default it is
// an unbounded-wait (guaranteed response) call with no argument (the Candid
// empty tuple) and no cycles.
func NewCall(callee principal.Principal, method string) *CallBuilder {
	return &CallBuilder{callee: callee, method: method}
}

// Call sends a call with the Candid arguments args and decodes the reply
// into results (pointers), blocking the calling goroutine (not the
// canister) until the reply or reject arrives. It is
// NewCall(callee, method).WithArgs(args...).Do(results...).
func Call(callee principal.Principal, method string, args []any, results ...any) error {
	return NewCall(callee, method).WithArgs(args...).Do(results...)
}

// WithArgs sets the arguments, encoded as Candid from their Go types.
func (b *CallBuilder) WithArgs(args ...any) *CallBuilder {
	b.arg, b.argErr = marshal(args)
	return b
}

// WithRawArgs sets the argument bytes as they are.
func (b *CallBuilder) WithRawArgs(arg []byte) *CallBuilder {
	b.arg, b.argErr = arg, nil
	return b
}

// WithCycles attaches cycles, taken from the balance when the call is sent
// (and refunded, minus what the callee accepts, with the response). Start
// and Do return a *CallError with NotSent set, and send nothing, when the
// cycles exceed the canister's liquid balance or the call is made from a
// composite query (which cannot send cycles).
func (b *CallBuilder) WithCycles(n uint64) *CallBuilder {
	b.cycles = [2]uint64{0, n}
	return b
}

// WithCycles128 attaches high<<64 + low cycles.
func (b *CallBuilder) WithCycles128(high, low uint64) *CallBuilder {
	b.cycles = [2]uint64{high, low}
	return b
}

// BoundedWait makes the call a bounded-wait (best-effort response) call
// that gives up after timeout (rounded up to seconds, at most 300 s on the
// IC): the caller may then get SysUnknown although the callee ran.
func (b *CallBuilder) BoundedWait(timeout time.Duration) *CallBuilder {
	s := (timeout + time.Second - 1) / time.Second
	if s < 1 {
		s = 1
	}
	if s > 1<<31-1 {
		s = 1<<31 - 1
	}
	b.bounded, b.timeout = true, uint32(s)
	return b
}

// Do sends the call and waits for its response; the reply is decoded into
// results (pointers to values of the method's result types).
func (b *CallBuilder) Do(results ...any) error {
	f, err := b.Start()
	if err != nil {
		return err
	}
	return f.Wait(results...)
}

// Start sends the call and returns its Future without waiting: several
// calls can be in flight at once (fan-out), then waited for in any order.
func (b *CallBuilder) Start() (*Future, error) {
	if b.argErr != nil {
		return nil, errors.New("call to " + b.method + ": encoding the arguments: " + b.argErr.Error())
	}
	if !curKind().CanCall() {
		return nil, &notAllowedError{"call to " + b.method + " from " + curKind().String() + ": " + ErrCallNotAllowed.Error() +
			callAdvice(curKind())}
	}
	if b.cycles != [2]uint64{} {
		if err := b.checkCycles(); err != nil {
			return nil, err
		}
	}
	arg := b.arg
	if arg == nil {
		arg = emptyArgs
	}
	f := newFuture(state.ctx, b.method, false)
	if !perform(b.callee.Bytes(), b.method, arg, f.env, b.cycles, b.bounded, b.timeout) {
		futures.remove(f.env)
		return nil, &CallError{Method: b.method, Code: SysTransient, Message: "ic0.call_perform failed (out of cycles or queue full)", NotSent: true}
	}
	f.ctx.calls++
	state.realCalls++
	return f, nil
}

// checkCycles refuses cycles that ic0.call_cycles_add128 would trap on:
// cycles attached where the IC does not allow it (a composite query and
// its callbacks), or more than the canister's liquid balance. The trap
// would roll back the whole message; an error lets the caller decide.
func (b *CallBuilder) checkCycles() error {
	if !curKind().CanAddCycles() {
		return &CallError{Method: b.method, Code: SysTransient, NotSent: true,
			Message: "cycles cannot be attached to a call from " + curKind().String() +
				" (only updates, their callbacks, timers and heartbeats can send cycles)"}
	}
	var buf [16]byte
	ic0.CanisterLiquidCycleBalance128(unsafe.Pointer(&buf[0]))
	lo, hi := le64(buf[:8]), le64(buf[8:])
	if hi < b.cycles[0] || (hi == b.cycles[0] && lo < b.cycles[1]) {
		return &CallError{Method: b.method, Code: SysTransient, NotSent: true,
			Message: "cannot attach " + formatU128(b.cycles[0], b.cycles[1]) +
				" cycles: the canister's liquid cycle balance is " + formatU128(hi, lo)}
	}
	return nil
}

// formatU128 formats hi<<64 + lo in decimal.
func formatU128(hi, lo uint64) string {
	if hi == 0 {
		return strconv.FormatUint(lo, 10)
	}
	// Split off the low 19 decimal digits: hi < 10^19, so Div64 cannot
	// overflow on its first step.
	const e19 = 10_000_000_000_000_000_000
	qhi, r := bits.Div64(0, hi, e19)
	qlo, r := bits.Div64(r, lo, e19)
	low := strconv.FormatUint(r, 10)
	for len(low) < 19 {
		low = "0" + low
	}
	return formatU128(qhi, qlo) + low
}

func callAdvice(k kind) string {
	switch k {
	case kindInit:
		return " (start the calls from a timer instead, e.g. icstd/time.AfterFunc(0, f))"
	case kindQuery:
		return " (queries cannot call; make the method an update, or a composite query to call queries)"
	}
	return ""
}

// emptyArgs is the Candid encoding of ().
var emptyArgs = []byte("DIDL\x00\x00")

// perform builds and sends one call; false when call_perform refuses it.
func perform(callee []byte, method string, arg []byte, env uint32, cycles [2]uint64, bounded bool, timeout uint32) bool {
	var cp unsafe.Pointer
	if len(callee) > 0 {
		cp = unsafe.Pointer(&callee[0])
	}
	replyIdx, rejectIdx, cleanupIdx := callbackIndices()
	ic0.CallNew(cp, uint32(len(callee)), unsafe.Pointer(unsafe.StringData(method)), uint32(len(method)),
		replyIdx, env, rejectIdx, env)
	ic0.CallOnCleanup(cleanupIdx, env)
	if len(arg) > 0 {
		ic0.CallDataAppend(unsafe.Pointer(&arg[0]), uint32(len(arg)))
	}
	if bounded {
		ic0.CallWithBestEffortResponse(int32(timeout))
	}
	if cycles[0] != 0 || cycles[1] != 0 {
		ic0.CallCyclesAdd128(int64(cycles[0]), int64(cycles[1]))
	}
	return ic0.CallPerform() == 0
}

// Future is an inter-canister call in flight.
type Future struct {
	env       uint32
	ctx       *callCtx
	method    string
	keepAlive bool

	done     chan struct{} // closed when the response arrived
	data     []byte
	refunded [2]uint64
	err      error
	unwind   bool
	waiters  int // goroutines blocked in Wait
}

// complete wakes the goroutines waiting for f.
func (f *Future) complete() {
	state.parked -= f.waiters
	f.waiters = 0
	close(f.done)
}

// futures maps the env of each call in flight (the callbacks' argument)
// to its future.
var futures = futureTable{m: map[uint32]*Future{}}

type futureTable struct {
	m    map[uint32]*Future
	next uint32
}

// add allocates an env that is not in use (0 is never used).
func (t *futureTable) add(f *Future) uint32 {
	for {
		t.next++
		if t.next == 0 {
			continue
		}
		if _, used := t.m[t.next]; !used {
			t.m[t.next] = f
			return t.next
		}
	}
}

func (t *futureTable) take(env uint32) *Future {
	f := t.m[env]
	delete(t.m, env)
	return f
}

func (t *futureTable) remove(env uint32) { delete(t.m, env) }

func newFuture(c *callCtx, method string, keepAlive bool) *Future {
	f := &Future{ctx: c, method: method, keepAlive: keepAlive}
	if !keepAlive {
		f.done = make(chan struct{})
	}
	f.env = futures.add(f)
	return f
}

// Done reports whether the response has arrived (Wait will not block).
func (f *Future) Done() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// Wait blocks the calling goroutine until the response arrives, then
// decodes a reply into results (pointers) or returns a *CallError for a
// reject. Several goroutines may wait for the same future.
//
// If the reply or reject callback traps, the IC rolls that callback back
// and runs the cleanup callback, in which Wait does not return: it panics
// to unwind the goroutine (its deferred functions run, e.g. Unlock), and
// the executor ends the goroutine quietly if it was started by Go or is a
// method's handler.
func (f *Future) Wait(results ...any) error {
	raw, err := f.WaitRaw()
	if err != nil {
		return err
	}
	if len(results) == 0 {
		return nil
	}
	if err := unmarshal(raw, results); err != nil {
		return errors.New("call to " + f.method + ": decoding the reply: " + err.Error())
	}
	return nil
}

// WaitRaw is Wait without decoding: it returns the reply bytes.
func (f *Future) WaitRaw() ([]byte, error) {
	if !f.Done() {
		// Counted as parked until the callback completes f (the waker
		// uncounts: see blockedKnown).
		f.waiters++
		state.parked++
		<-f.done
	}
	if f.unwind {
		panic(errUnwind)
	}
	return f.data, f.err
}

// CyclesRefunded returns the cycles that came back with the response
// (high and low 64 bits); valid once Done.
func (f *Future) CyclesRefunded() (high, low uint64) { return f.refunded[0], f.refunded[1] }
