package replica

import (
	"context"
	"fmt"

	"github.com/icgo/icgo/replica/internal/instrument"
	"github.com/icgo/icgo/replica/internal/stablemem"
)

// CallOption configures one Install, Update or Query.
type CallOption func(*callConfig)

type callConfig struct {
	caller []byte
}

// WithCaller sets the sender of the message (ic0.msg_caller_*); the
// default is the anonymous principal.
func WithCaller(principal []byte) CallOption {
	return func(c *callConfig) { c.caller = append([]byte{}, principal...) }
}

// maxIngressPayload is the ingress message limit: 2 MiB (reference 3.8).
const maxIngressPayload = 2 << 20

func checkPayload(arg []byte) error {
	if len(arg) > maxIngressPayload {
		return fmt.Errorf("replica: argument of %d bytes exceeds the ingress limit of %d bytes", len(arg), maxIngressPayload)
	}
	return nil
}

func callConfigOf(opts []CallOption) (callConfig, error) {
	cfg := callConfig{caller: AnonymousPrincipal}
	for _, o := range opts {
		o(&cfg)
	}
	if len(cfg.caller) > maxPrincipalLen {
		return cfg, fmt.Errorf("replica: caller of %d bytes is not a principal", len(cfg.caller))
	}
	return cfg, nil
}

// Install installs a module in an empty canister (install_code with mode
// install, reference 4.3): it accepts a raw or gzip-compressed module,
// instantiates it, runs its (start) function (context s) and then
// canister_init (context I) with arg as the argument, as one atomic
// execution. If anything traps, the canister stays empty and the trap is
// returned as a *Reject (reference 3.2). A module the replica refuses is a
// *Reject with IC0505; a canister that already has code, IC0538.
func (r *Replica) Install(id CanisterID, wasmModule, arg []byte, opts ...CallOption) error {
	return r.install(id, wasmModule, arg, false, opts)
}

// Reinstall replaces a canister's code and state (install_code with mode
// reinstall): Wasm memory, globals and stable memory start empty. If the
// new code traps, the canister keeps its previous code and state.
func (r *Replica) Reinstall(id CanisterID, wasmModule, arg []byte, opts ...CallOption) error {
	return r.install(id, wasmModule, arg, true, opts)
}

func (r *Replica) install(id CanisterID, wasmModule, arg []byte, replace bool, opts []CallOption) error {
	cfg, err := callConfigOf(opts)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.lookup(id)
	if err != nil {
		return err
	}
	if c.code != nil && !replace {
		return &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterAlreadyInstalled, Message: fmt.Sprintf("canister %s is already installed", id)}
	}
	cm, rej := r.loadModule(wasmModule, c.wasmMemoryLimit)
	if rej != nil {
		return rej
	}
	inst, globals, err := r.instantiate(cm)
	if err != nil {
		return invalidWasm("%v", err)
	}
	stable := &stablemem.Memory{}
	e := &execution{
		r: r, c: c, inst: inst, ctx: ctxS, time: r.tick(), caller: cfg.caller, arg: arg,
		stable: stable.Begin(), cycles: c.cycles,
		timer: 0, // install disarms the global timer (reference 3.6)
	}
	var trap *trapError
	if cm.hasStart {
		trap = e.run(instrument.StartExport)
	}
	if trap == nil && cm.exports["canister_init"] {
		e.ctx, e.entry = ctxI, "canister_init"
		trap = e.run("canister_init")
	}
	if trap != nil {
		inst.Close(context.Background())
		return rejectOf(trap)
	}
	if c.inst != nil {
		c.inst.Close(context.Background())
	}
	e.stable.Commit()
	c.code, c.inst, c.globals, c.stable = cm, inst, globals, stable
	c.cycles, c.certifiedData, c.timer = e.cycles, e.certifiedData, e.timer
	c.version++
	return nil
}

// Update sends an ingress update call (reference 3.1): the canister's
// canister_inspect_message runs first if it exports one (context F) and
// must accept the message; then canister_update <method> runs (context U)
// and its changes are kept unless it traps. A canister_query <method> is
// run in replicated mode (context RQ) and its changes are discarded. A
// composite query cannot be called as an update (IC0527).
//
// Traps, rejects and missing replies are a Result with Reject; the error is
// only for misuse (an unknown canister, a closed replica).
func (r *Replica) Update(id CanisterID, method string, arg []byte, opts ...CallOption) (*Result, error) {
	cfg, err := callConfigOf(opts)
	if err != nil {
		return nil, err
	}
	if err := checkPayload(arg); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.lookup(id)
	if err != nil {
		return nil, err
	}
	if c.code == nil {
		return emptyCanister(id), nil
	}
	if c.code.exports["canister_inspect_message"] {
		if rej, err := r.inspect(c, method, arg, cfg.caller); err != nil || rej != nil {
			return &Result{Reject: rej}, err
		}
	}
	kind, ok := c.code.methods[method]
	switch {
	case !ok:
		return noMethod(id, "update", method), nil
	case kind == MethodCompositeQuery:
		return &Result{Reject: &Reject{Code: CanisterError, ErrorCode: ErrCodeCompositeQueryReplicated,
			Message: fmt.Sprintf("composite query %q of canister %s cannot be called in replicated mode", method, id)}}, nil
	case kind == MethodQuery:
		return r.message(c, ctxRQ, kind.exportPrefix()+method, arg, cfg.caller, false)
	}
	return r.message(c, ctxU, kind.exportPrefix()+method, arg, cfg.caller, true)
}

// Query sends a non-replicated query call (reference 3.1): canister_query
// <method> (context NRQ) or canister_composite_query <method> (context CQ).
// Every change it makes is discarded, whether it traps or not. Log entries
// are kept (mainnet drops a query's logs; a development replica shows
// them).
func (r *Replica) Query(id CanisterID, method string, arg []byte, opts ...CallOption) (*Result, error) {
	cfg, err := callConfigOf(opts)
	if err != nil {
		return nil, err
	}
	if err := checkPayload(arg); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.lookup(id)
	if err != nil {
		return nil, err
	}
	if c.code == nil {
		return emptyCanister(id), nil
	}
	kind, ok := c.code.methods[method]
	if !ok || kind == MethodUpdate {
		return noMethod(id, "query", method), nil
	}
	ctx := ctxNRQ
	if kind == MethodCompositeQuery {
		ctx = ctxCQ
	}
	return r.message(c, ctx, kind.exportPrefix()+method, arg, cfg.caller, false)
}

func emptyCanister(id CanisterID) *Result {
	return &Result{Reject: &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterWasmModuleNotFound,
		Message: fmt.Sprintf("canister %s contains no Wasm module", id)}}
}

// noMethod is the reject for a method the canister does not export:
// IC0536 CanisterMethodNotFound, in the 5xx (CANISTER_ERROR) block of
// dfinity/ic rs/types error_types ErrorCode; the older IC0302 (code 3,
// DESTINATION_INVALID) is marked deprecated there. The message follows
// the replica's "Canister has no update method 'x'".
func noMethod(id CanisterID, kind, method string) *Result {
	return &Result{Reject: &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterMethodNotFound,
		Message: fmt.Sprintf("canister %s has no %s method '%s'", id, kind, method)}}
}

// message runs one method of an installed canister and keeps its changes
// only if keep is set and it did not trap.
func (r *Replica) message(c *canister, ctx execContext, export string, arg, caller []byte, keep bool) (*Result, error) {
	e := &execution{
		r: r, c: c, inst: c.inst, ctx: ctx, entry: export, time: r.tick(), caller: caller, arg: arg,
		stable: c.stable.Begin(), cycles: c.cycles, certifiedData: c.certifiedData, timer: c.timer,
		needsResponse: true, maxReply: maxReplySizeReplicated,
	}
	if !ctx.replicated() {
		e.maxReply = maxReplySizeNonReplicated
	}
	c.snap.take(c.inst, c.globals)
	trap := e.run(export)
	if trap != nil || !keep {
		if err := r.rollback(c, trap != nil); err != nil {
			return nil, err
		}
	}
	if trap != nil {
		return &Result{Reject: rejectOf(trap)}, nil
	}
	if keep {
		e.stable.Commit()
		c.cycles, c.certifiedData, c.timer = e.cycles, e.certifiedData, e.timer
	}
	if ctx.replicated() {
		c.version++ // also for replicated queries: a "transient" effect (reference 3.1)
	}
	return e.response(), nil
}

// inspect runs canister_inspect_message (context F). A nil reject means the
// message was accepted.
func (r *Replica) inspect(c *canister, method string, arg, caller []byte) (*Reject, error) {
	e := &execution{
		r: r, c: c, inst: c.inst, ctx: ctxF, entry: "canister_inspect_message", time: r.tick(), caller: caller, arg: arg,
		methodName: []byte(method), stable: c.stable.Begin(), cycles: c.cycles, certifiedData: c.certifiedData, timer: c.timer,
	}
	c.snap.take(c.inst, c.globals)
	trap := e.run("canister_inspect_message")
	if err := r.rollback(c, trap != nil); err != nil {
		return nil, err
	}
	switch {
	case trap != nil:
		return rejectOf(trap), nil
	case !e.accepted:
		return &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage,
			Message: fmt.Sprintf("canister %s rejected the message: canister_inspect_message did not call ic0.accept_message", c.id)}, nil
	}
	return nil, nil
}

// Methods lists the canister's exported methods and their kinds, sorted by
// name; nil for an empty canister.
func (r *Replica) Methods(id CanisterID) ([]Method, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.lookup(id)
	if err != nil || c.code == nil {
		return nil, err
	}
	return c.code.sortedMethods(), nil
}

// Logs returns the canister's log: ic0.debug_print output and trap
// messages ("[TRAP]: ..."), oldest first.
func (r *Replica) Logs(id CanisterID) ([]LogEntry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.lookup(id)
	if err != nil {
		return nil, err
	}
	return append([]LogEntry(nil), c.logs.entries...), nil
}
