package replica

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/icgo/icgo/replica/internal/stablemem"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// Reply size limits (spec "Unspecified constants and limits", ).
const (
	maxReplySizeReplicated    = 2 << 20 // 2 MiB
	maxReplySizeNonReplicated = 3 << 20 // 3 MiB, MAX_NON_REPLICATED_QUERY_REPLY_SIZE
	maxTrapMessageBytes       = 16 << 10
)

// execution is everything one run of an entry point sees and changes. The
// host functions reach it through the context.Context that wazero passes
// them (executionFrom). Mutable system state is a working copy that the
// replica commits only if the execution succeeds and its kind keeps state.
type execution struct {
	r      *Replica
	c      *canister
	inst   api.Module // the instance it runs in (a new one during install)
	ctx    execContext
	entry  string // the export being run, for messages
	time   uint64
	caller []byte
	arg    []byte

	// F (inspect_message).
	methodName []byte
	accepted   bool

	// Working copies of system state.
	stable        *stablemem.Txn
	stableReads   chunkSet // the chunks read, for the access limit
	cycles        u128
	certifiedData []byte
	timer         uint64
	dataCert      []byte // the data certificate, once built (datacert.go)
	noDataCert    bool   // a query called by a composite query: no certificate

	// The response (contexts with a caller to answer).
	needsResponse bool
	maxReply      int
	replyBuf      []byte
	responded     bool
	reply         []byte  // after msg_reply (non-nil)
	reject        *Reject // after msg_reject

	trap *trapError // set by a host function before it panics

	calls execCalls // call context, cycles and outgoing calls (callcontext.go)

	meter meterState // instruction accounting (metering.go)
}

// trapError is a trap raised by a host function.
type trapError struct {
	desc      string
	errorCode string
}

func (t *trapError) Error() string { return t.desc }

type executionKey struct{}

func withExecution(ctx context.Context, e *execution) context.Context {
	return context.WithValue(ctx, executionKey{}, e)
}

func executionFrom(ctx context.Context) *execution {
	e, _ := ctx.Value(executionKey{}).(*execution)
	return e
}

// trapf makes the current execution trap with IC0502 (a trap detected by
// the system, such as a bad memory range).
func (e *execution) trapf(format string, args ...any) {
	e.raise(ErrCodeCanisterTrapped, fmt.Sprintf(format, args...))
}

func (e *execution) raise(code, desc string) {
	e.trap = &trapError{desc: desc, errorCode: code}
	panic(e.trap)
}

// notImplemented traps for System API functions whose machinery the
// replica does not have yet. They never silently succeed.
func (e *execution) notImplemented(fn, what string) {
	e.trapf("ic0.%s is not implemented yet in the icgo replica (%s)", fn, what)
}

// entryName names the running entry point in messages.
func (e *execution) entryName() string {
	if e.ctx == ctxS {
		return "the (start) function"
	}
	return e.entry
}

// run calls one export of the canister's instance under e, with the
// wall-clock guard, and returns the trap if it trapped.
func (e *execution) run(export string, params ...uint64) *trapError {
	fn := e.r.exportedFunction(e.inst, export)
	if fn == nil {
		return &trapError{desc: fmt.Sprintf("export %q not found", export), errorCode: ErrCodeCanisterMethodNotFound}
	}
	ctx := withExecution(context.Background(), e)
	if e.r.timeout > 0 { // the optional wall-clock backstop (WithExecutionTimeout)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.r.timeout)
		defer cancel()
	}
	e.meterBegin()
	_, err := fn.Call(ctx, params...)
	e.meterEnd()
	var t *trapError
	switch {
	case err != nil:
		t = e.classify(err)
	default:
		if t = e.memoryLimitTrap(); t == nil {
			return nil
		}
	}
	e.trap = t
	e.log("[TRAP]: " + t.desc)
	return t
}

// memoryLimitTrap is the trap of an execution that left the Wasm memory
// above the canister's wasm_memory_limit, in the contexts that enforce it:
// "an operation (update method, canister init, canister post_upgrade) that
// causes the Wasm heap memory consumption to exceed this limit will trap;
// the limit is ignored for query methods, response callback handlers,
// global timers, heartbeats, and canister pre_upgrade" (IC interface
// specification, "IC method create_canister", wasm_memory_limit). 0 means
// no limit. Memory never shrinks, so checking at the end of the execution
// is checking every memory.grow; the trap rolls everything back.
func (e *execution) memoryLimitTrap() *trapError {
	limit := e.c.wasmMemoryLimit
	switch e.ctx {
	case ctxU, ctxI, ctxS:
	default:
		return nil
	}
	size := uint64(memoryPages(memoryOf(e.inst))) * wasmPageSize
	if limit == 0 || size <= limit {
		return nil
	}
	return &trapError{errorCode: ErrCodeCanisterWasmMemoryLimitExceeded,
		desc: fmt.Sprintf("the Wasm memory grew to %d bytes, above the canister's wasm_memory_limit of %d bytes; raise it with update_settings", size, limit)}
}

// classify turns an error from wazero into a trap.
func (e *execution) classify(err error) *trapError {
	if e.trap != nil { // a host function trapped
		return e.trap
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		if exit.ExitCode() == sys.ExitCodeDeadlineExceeded {
			return &trapError{
				desc:      fmt.Sprintf("execution exceeded the wall-clock backstop of %v (see WithExecutionTimeout)", e.r.timeout),
				errorCode: ErrCodeInstructionLimitExceeded,
			}
		}
		return &trapError{desc: fmt.Sprintf("execution stopped: %v", exit), errorCode: ErrCodeCanisterTrapped}
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	if s, ok := strings.CutPrefix(msg, "wasm error: "); ok { // a Wasm trap
		return &trapError{desc: s, errorCode: ErrCodeCanisterTrapped}
	}
	msg = strings.TrimSuffix(msg, " (recovered by wazero)")
	if msg == stackOverflow { // wazero's call-depth error, bare or recovered
		return &trapError{desc: msg, errorCode: ErrCodeCanisterTrapped}
	}
	// A panic in a host function that was not a deliberate trap: a bug in
	// the replica, reported as a trap so that state is rolled back.
	return &trapError{desc: internalError + ": " + msg, errorCode: ErrCodeCanisterTrapped}
}

// stackOverflow is the text of wazero's error for a call stack that is too
// deep (the canister's own recursion): a Wasm trap, as on the IC ("Canister
// trapped: stack overflow").
const stackOverflow = "stack overflow"

// internalError starts the text of every reject that a bug in the replica
// causes, rather than the canister or its caller.
const internalError = "internal error in the icgo replica"

// log streams msg and, in a replicated execution, appends it to the
// canister log: logs are not collected in non-replicated mode (NRQ, CQ,
// CRy, CRt, CC, F; IC interface specification, "IC method
// fetch_canister_logs").
func (e *execution) log(msg string) {
	e.r.log(e.c, e.time, msg, e.ctx.keepsLogs())
}

// keepsLogs reports whether the canister log keeps what an execution in
// this context logs.
func (c execContext) keepsLogs() bool {
	switch c {
	case ctxNRQ, ctxCQ, ctxCRy, ctxCRt, ctxCC, ctxF:
		return false
	}
	return true
}

func (r *Replica) log(c *canister, t uint64, msg string, keep bool) {
	if keep {
		c.logs.add(t, msg)
	}
	if r.logOut != nil {
		fmt.Fprintf(r.logOut, "[%s] %s\n", c.id, msg)
	}
}

// rejectOf is the reject for a trapped execution (code 5, CANISTER_ERROR).
func rejectOf(t *trapError) *Reject {
	return &Reject{Code: CanisterError, ErrorCode: t.errorCode, Message: "canister trapped: " + t.desc}
}

// printable makes canister text safe for a reject message or log line.
func printable(b []byte, limit int) string {
	if len(b) > limit {
		b = b[:limit]
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
