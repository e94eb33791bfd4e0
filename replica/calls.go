package replica

import (
	"fmt"

	"github.com/icgo/icgo/principal"
)

// CallOption configures one Install, Update or Query.
type CallOption func(*callConfig)

type callConfig struct {
	caller         []byte
	cycles         uint64
	skipPreUpgrade bool // lifecycle.go, SkipPreUpgrade
}

// WithCallCycles attaches n cycles to an update call
// (ic0.msg_cycles_available); what the canister does not accept comes back
// in Result.Refunded. On the IC a user's ingress message carries no
// cycles: users send cycles through a canister (a wallet, the cycles
// ledger). This option stands in for that step, for tests of methods that
// take cycles; queries refuse it.
func WithCallCycles(n uint64) CallOption {
	return func(c *callConfig) { c.cycles = n }
}

// WithCaller sets the sender of the message (ic0.msg_caller_*); the
// default is the anonymous principal.
func WithCaller(p principal.Principal) CallOption {
	return func(c *callConfig) { c.caller = p.Bytes() }
}

// maxIngressPayload is the ingress message limit: 2 MiB (spec "Unspecified constants and limits").
const maxIngressPayload = 2 << 20

func checkPayload(arg []byte) error {
	if len(arg) > maxIngressPayload {
		return fmt.Errorf("replica: argument of %d bytes exceeds the ingress limit of %d bytes", len(arg), maxIngressPayload)
	}
	return nil
}

func callConfigOf(opts []CallOption) (callConfig, error) {
	cfg := callConfig{caller: principal.Anonymous.Bytes()}
	for _, o := range opts {
		o(&cfg)
	}
	if len(cfg.caller) > maxPrincipalLen {
		return cfg, fmt.Errorf("replica: caller of %d bytes is not a principal", len(cfg.caller))
	}
	return cfg, nil
}

// Install installs a module in an empty canister (install_code with mode
// install, spec "IC method install_code"): it accepts a raw or gzip-compressed module,
// instantiates it, runs its (start) function (context s) and then
// canister_init (context I) with arg as the argument, as one atomic
// execution. If anything traps, the canister stays empty and the trap is
// returned as a *Reject (spec "Entry points"). A module the replica refuses is a
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
	mode := ModeInstall
	if replace {
		mode = ModeReinstall
	}
	return r.installCall(id, opts, func(c *canister, cfg callConfig) error { // lifecycle.go
		return r.installCode(c, mode, wasmModule, arg, cfg.caller, false)
	})
}

// Update sends an ingress update call and returns its response
// (spec "Entry points"): it submits the message (SubmitUpdate), then runs rounds
// (Tick) until the call context responds, at most WithMaxRounds rounds;
// after that the error wraps ErrPending and AwaitUpdate can keep waiting.
//
// The canister's canister_inspect_message runs at submission if it
// exports one (context F) and must accept the message. In a round,
// canister_update <method> runs (context U) and its changes are kept
// unless it traps; the response may also come from a later callback of
// the same call context. A canister_query <method> is run in replicated
// mode (context RQ) and its changes are discarded. A composite query
// cannot be called as an update (IC0527). id may be ManagementCanister,
// for the methods the spec lets users call (management.go).
//
// Traps, rejects and missing replies are a Result with Reject; the error is
// only for misuse (an unknown canister, a closed replica) and ErrPending.
func (r *Replica) Update(id CanisterID, method string, arg []byte, opts ...CallOption) (*Result, error) {
	im, err := r.submit(id, method, arg, opts)
	if err != nil {
		return nil, err
	}
	return r.await(im)
}

// SubmitUpdate submits an ingress update call without running it: it runs
// in the next round (Tick). AwaitUpdate or IngressStatus give its result.
func (r *Replica) SubmitUpdate(id CanisterID, method string, arg []byte, opts ...CallOption) (MessageID, error) {
	im, err := r.submit(id, method, arg, opts)
	if err != nil {
		return 0, err
	}
	return im.id, nil
}

// submit is SubmitUpdate; Update keeps the message itself, so that its
// result never depends on the ingress history.
func (r *Replica) submit(id CanisterID, method string, arg []byte, opts []CallOption) (*ingressMessage, error) {
	cfg, err := callConfigOf(opts)
	if err != nil {
		return nil, err
	}
	if err := checkPayload(arg); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	im := &ingressMessage{id: MessageID(r.sched.next()), to: id, method: method, sched: &r.sched}
	if id.IsZero() {
		if rej := managementIngressCheck(method); rej != nil {
			im.finish(nil, rej)
		}
	} else {
		c, err := r.lookup(id)
		if err != nil {
			return nil, err
		}
		rej, err := r.ingressCheck(c, method, arg, cfg.caller)
		if err != nil {
			return nil, err
		}
		if rej != nil {
			im.finish(nil, rej)
		}
	}
	r.sched.ingress[im.id] = im
	if !im.done {
		r.sched.queue = append(r.sched.queue, &message{from: cfg.caller, to: id, method: method, arg: arg, ingress: im, cycles: u128{lo: cfg.cycles}})
	}
	return im, nil
}

// ingressCheck is what the replica checks before it accepts an ingress
// message: the canister has code, accepts the message in
// canister_inspect_message, and the method is not a composite query.
func (r *Replica) ingressCheck(c *canister, method string, arg, caller []byte) (*Reject, error) {
	if c.code == nil {
		return emptyCanister(c.id).Reject, nil
	}
	if c.code.exports["canister_inspect_message"] {
		if rej, err := r.inspect(c, method, arg, caller); err != nil || rej != nil {
			return rej, err
		}
	}
	if c.code.methods[method] == MethodCompositeQuery {
		return &Reject{Code: CanisterError, ErrorCode: ErrCodeCompositeQueryReplicated,
			Message: fmt.Sprintf("composite query %q of canister %s cannot be called in replicated mode", method, c.id)}, nil
	}
	return nil, nil
}

// AwaitUpdate runs rounds until the submitted call has a response, at most
// WithMaxRounds rounds (then the error wraps ErrPending), and returns it.
// Other callers may run rounds in between: the replica's lock is released
// between rounds, and while a module compiles (Tick).
func (r *Replica) AwaitUpdate(mid MessageID) (*Result, error) {
	r.mu.Lock()
	im, ok := r.sched.ingress[mid]
	r.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("replica: unknown message id %d", mid)
	}
	return r.await(im)
}

func (r *Replica) await(im *ingressMessage) (*Result, error) {
	for i := 0; ; i++ {
		r.mu.Lock()
		done, closed := im.done, r.closed
		if done {
			delete(r.sched.ingress, im.id)
		}
		job := r.sched.idleCompiling()
		r.mu.Unlock()
		if job != nil && !done && !closed {
			<-job.done // without the lock; no round is spent waiting
			i--
			continue
		}
		switch {
		case done:
			return im.result, nil
		case closed:
			return nil, ErrClosed
		case i == r.sched.cfg.maxRounds:
			return nil, fmt.Errorf("%w: update %q of %s has no response after %d rounds", ErrPending, im.method, principalText([]byte(im.to.raw)), i)
		}
		if err := r.Tick(); err != nil {
			return nil, err
		}
	}
}

// IngressStatus returns the result of a submitted call without running any
// round: done is false while the call is pending. A done status can be read
// any number of times until the replica forgets it: once AwaitUpdate has
// returned it, or once it finished more than 5 minutes ago in replica time
// (ingressHistoryAge); then IngressStatus returns an "unknown message id"
// error.
func (r *Replica) IngressStatus(mid MessageID) (res *Result, done bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	im, ok := r.sched.ingress[mid]
	if !ok {
		return nil, false, fmt.Errorf("replica: unknown message id %d (or its result was already returned by AwaitUpdate, or it finished more than %v ago)", mid, ingressHistoryAge)
	}
	return im.result, im.done, nil
}

// Query sends a non-replicated query call (spec "Entry points"): canister_query
// <method> (context NRQ) or canister_composite_query <method> (context CQ),
// run at once, outside rounds. Every change it makes is discarded, whether
// it traps or not. A composite query's calls run synchronously within it
// (callcontext_query.go). Its debug_print output is streamed to
// WithLogOutput but not kept in the canister log (non-replicated mode).
func (r *Replica) Query(id CanisterID, method string, arg []byte, opts ...CallOption) (*Result, error) {
	cfg, err := callConfigOf(opts)
	if err != nil {
		return nil, err
	}
	if cfg.cycles != 0 {
		return nil, fmt.Errorf("replica: a query carries no cycles (WithCallCycles is for updates)")
	}
	if err := checkPayload(arg); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if id.IsZero() {
		reply, rej := r.managementQuery(method, arg, cfg.caller)
		return resultOf(reply, rej), nil
	}
	c, err := r.lookup(id)
	if err != nil {
		return nil, err
	}
	qe := r.newQueryEval()
	reply, rej, err := r.query(qe, c, method, arg, cfg.caller, 1)
	if err != nil {
		return nil, err
	}
	res := resultOf(reply, rej)
	res.Instructions = qe.instructions // every execution of the evaluation
	return res, nil
}

func resultOf(reply []byte, rej *Reject) *Result {
	if rej != nil {
		return &Result{Reject: rej}
	}
	if reply == nil {
		reply = []byte{}
	}
	return &Result{Reply: reply}
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

// newExecution prepares an execution of export on c's current instance,
// with working copies of its system state and a fresh timestamp.
func (r *Replica) newExecution(c *canister, ctx execContext, entry string, arg, caller []byte) *execution {
	e := &execution{
		r: r, c: c, inst: c.inst, ctx: ctx, entry: entry, time: r.tick(), caller: caller, arg: arg,
		stable: c.stable.Begin(), cycles: c.cycles, certifiedData: c.certifiedData, timer: c.timer,
		maxReply: maxReplySizeReplicated,
	}
	if !ctx.replicated() {
		e.maxReply = maxReplySizeNonReplicated
	}
	return e
}

// execute runs e on c's instance. With keep, an execution that does not
// trap is committed: stable memory, cycles, certified data, timer, the
// canister version, the context's cycles and the calls it performed.
// Otherwise (a trap, or a query) the instance is rolled back.
func (r *Replica) execute(c *canister, e *execution, keep bool, export string, params ...uint64) (*trapError, error) {
	if err := r.takeSnapshot(&c.snap, c.inst, c.globals); err != nil {
		return nil, err
	}
	trap := e.run(export, params...)
	if trap != nil || !keep {
		if err := r.rollback(c, trap != nil); err != nil {
			return trap, err
		}
		return trap, nil
	}
	if err := r.commitHeap(c.inst); err != nil {
		return nil, err
	}
	e.dropBuilding()
	e.stable.Commit()
	c.cycles, c.certifiedData, c.timer = e.cycles, e.certifiedData, e.timer
	c.version++
	r.bookCalls(e)
	return nil, nil
}

// deliverRequest runs a request (ingress or from a canister) in a round.
func (r *Replica) deliverRequest(m *message) error {
	if m.cb != nil {
		if m.cb.responseQueued { // a bounded-wait call that timed out before delivery
			return nil
		}
		m.cb.delivered = true
	}
	if m.to.IsZero() {
		return r.manage(m)
	}
	if h, ok := r.native[m.to]; ok && m.ingress == nil {
		r.deliverNative(m, h)
		return nil
	}
	c, ok := r.canisters[m.to]
	if !ok {
		r.replyToRequest(m, nil, &Reject{Code: DestinationInvalid, ErrorCode: ErrCodeCanisterNotFound,
			Message: fmt.Sprintf("canister %s not found", m.to)}, m.cycles)
		return nil
	}
	if rej := r.callRejectFor(c); rej != nil {
		r.replyToRequest(m, nil, rej, m.cycles)
		return nil
	}
	if c.code == nil {
		r.replyToRequest(m, nil, emptyCanister(c.id).Reject, m.cycles)
		return nil
	}
	kind, ok := c.code.methods[m.method]
	switch {
	case !ok:
		r.replyToRequest(m, nil, noMethod(c.id, "update", m.method).Reject, m.cycles)
		return nil
	case kind == MethodCompositeQuery:
		r.replyToRequest(m, nil, &Reject{Code: CanisterError, ErrorCode: ErrCodeCompositeQueryReplicated,
			Message: fmt.Sprintf("composite query %q of canister %s cannot be called in replicated mode", m.method, c.id)}, m.cycles)
		return nil
	}
	ctx := ctxU
	if kind == MethodQuery {
		ctx = ctxRQ
	}
	origin := originCanister
	if m.ingress != nil {
		origin = originIngress
	}
	cc := r.sched.newContext(c, origin, m.from)
	cc.ingress, cc.callerCB, cc.deadline, cc.available = m.ingress, m.cb, m.deadline, m.cycles
	export := kind.exportPrefix() + m.method
	e := r.newExecution(c, ctx, export, m.arg, m.from)
	e.needsResponse = true
	e.calls = execCalls{cc: cc, available: cc.available, deadline: cc.deadline}
	trap, err := r.execute(c, e, ctx == ctxU, export)
	if err != nil {
		return err
	}
	cc.instructions += e.instructionsUsed()
	if ctx == ctxRQ && trap == nil {
		// A replicated query keeps only its "transient" effects: the
		// cycles it accepted and the version bump (spec "Entry points").
		c.cycles = addU128(c.cycles, e.calls.accepted)
		cc.available = e.calls.available
		c.version++
	}
	if trap == nil && e.responded {
		r.respond(cc, e.reply, e.reject)
	}
	r.afterExecution(cc, trap)
	return nil
}

// deliverResponse runs the reply or reject callback of a call, and its
// cleanup callback if that traps (spec "Inter-canister method calls").
func (r *Replica) deliverResponse(m *message) error {
	cb := m.cb
	delete(r.sched.callbacks, cb.id)
	c := cb.c
	if r.canisters[c.id] != c {
		return nil // the caller was deleted
	}
	c.cycles = addU128(c.cycles, m.refund) // credited even if the callback traps
	cc := cb.cc
	if cc == nil || c.code == nil {
		return nil // the context was rejected when the code was removed
	}
	cc.outstanding--
	ctx, fun, env, entry := ctxRy, cb.replyFun, cb.replyEnv, "the reply callback"
	var arg []byte
	var code RejectCode
	var msg string
	if m.reject != nil {
		ctx, fun, env, entry = ctxRt, cb.rejectFun, cb.rejectEnv, "the reject callback"
		code, msg = m.reject.Code, m.reject.Message
	} else {
		arg = m.reply
	}
	e := r.newExecution(c, ctx, entry, arg, cc.caller)
	e.needsResponse = cc.needsResponse && !cc.responded
	e.calls = execCalls{cc: cc, cb: cb, available: cc.available, refunded: m.refund,
		rejectCode: code, rejectMsg: msg, deadline: cb.deadline}
	e.meter.callContextBefore = cc.instructions
	trap, err := r.runCallback(c, e, fun, env)
	if err != nil {
		return err
	}
	cc.instructions += e.instructionsUsed()
	if trap == nil && e.responded {
		r.respond(cc, e.reply, e.reject)
	}
	if trap != nil && cb.hasCleanup {
		ec := r.newExecution(c, ctxC, "the cleanup callback", nil, cc.caller)
		ec.calls = execCalls{cc: cc, cb: cb, available: cc.available, rejectCode: code, rejectMsg: msg, deadline: cb.deadline}
		ec.meter.callContextBefore = cc.instructions
		if _, err := r.runCallback(c, ec, cb.cleanupFun, cb.cleanupEnv); err != nil {
			return err
		}
		cc.instructions += ec.instructionsUsed()
	}
	r.afterExecution(cc, trap)
	return nil
}

// runCallback runs table entry fun with env through the callback
// trampoline (callcontext_table.go) and commits it unless it traps.
func (r *Replica) runCallback(c *canister, e *execution, fun, env uint32) (*trapError, error) {
	if c.inst.ExportedFunction(callbackExport) == nil {
		t := &trapError{desc: fmt.Sprintf("%s: table index %d is out of bounds (the module has no function table)", e.entryName(), fun), errorCode: ErrCodeCanisterTrapped}
		e.log("[TRAP]: " + t.desc)
		return t, nil
	}
	return r.execute(c, e, true, callbackExport, uint64(fun), uint64(env))
}

// inspect runs canister_inspect_message (context F). A nil reject means the
// message was accepted.
func (r *Replica) inspect(c *canister, method string, arg, caller []byte) (*Reject, error) {
	e := &execution{
		r: r, c: c, inst: c.inst, ctx: ctxF, entry: "canister_inspect_message", time: r.tick(), caller: caller, arg: arg,
		methodName: []byte(method), stable: c.stable.Begin(), cycles: c.cycles, certifiedData: c.certifiedData, timer: c.timer,
	}
	if err := r.takeSnapshot(&c.snap, c.inst, c.globals); err != nil {
		return nil, err
	}
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
