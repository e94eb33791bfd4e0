package replica

import (
	"fmt"

	"github.com/icgo/icgo/replica/internal/stablemem"
	"github.com/tetratelabs/wazero/api"
)

// Query calls and composite queries (spec "Entry points"; spec "Unspecified constants and limits").
//
// A composite query's calls run synchronously, inside the Query call: after
// the method (context CQ) returns, the calls it performed run one by one in
// call_perform order, each callee evaluated at once (a query method in
// context NRQ, a composite query in CQ, recursively), each followed by its
// callback (CRy or CRt, and CC if that traps), whose own calls join the end
// of the list. The evaluation stops when the context responds or no call is
// left. Changes made during the evaluation are visible to the later
// executions of the same evaluation and discarded at its end, for every
// canister it touched. A canister reached again while its own evaluation is
// in progress runs on a separate copy of its state from before the query.
//
// The whole evaluation shares one instruction budget, the query limit
// (spec "Unspecified constants and limits": 5 B for the call graph), from which every execution
// takes what it uses and every call takes compositeQueryCallCost; each
// execution's own limit is what is left. Result.Instructions is the sum
// of the instructions the executions used (not the per-call charges).
// Each callback (CRy/CRt, CC) runs in its own stable memory transaction,
// nested in the frame's, that is merged only if the callback does not
// trap: a trapped callback leaves neither heap nor stable memory changes.

// maxQueryDepth is the depth limit of a composite query's call graph
// (spec "Unspecified constants and limits"): the top-level query is depth 1.
const maxQueryDepth = 6

// compositeQueryCallCost is what each call of a composite query takes from
// the call graph's instruction budget (spec "Unspecified constants and limits": 50 M per call).
const compositeQueryCallCost = 50_000_000

type queryEval struct {
	touched map[*canister]bool
	trapped map[*canister]bool // its instance trapped: replace it at the end
	order   []*canister

	remaining    uint64 // of the call graph's instruction budget
	instructions uint64 // used by the evaluation's executions so far
}

func (r *Replica) newQueryEval() *queryEval {
	return &queryEval{touched: map[*canister]bool{}, trapped: map[*canister]bool{}, remaining: r.meter.limits.Query}
}

// spend takes what an execution used from the budget.
func (qe *queryEval) spend(e *execution) {
	used := e.instructionsUsed()
	qe.instructions += used
	qe.remaining -= min(used, qe.remaining)
}

// qframe is one canister's evaluation within a query.
type qframe struct {
	c       *canister
	inst    api.Module
	globals []api.Global
	stable  *stablemem.Txn
	tmp     bool // inst is a private copy, closed at the end
}

// query evaluates a query call of c within qe; depth is 1 for a top-level
// (user) query, which also ends the evaluation (rolling back every
// canister it touched). It returns the reply or the reject.
func (r *Replica) query(qe *queryEval, c *canister, method string, arg, caller []byte, depth int) (reply []byte, rej *Reject, err error) {
	if rej := r.callRejectFor(c); rej != nil {
		return nil, rej, nil
	}
	if c.code == nil {
		return nil, emptyCanister(c.id).Reject, nil
	}
	kind, ok := c.code.methods[method]
	if !ok || kind == MethodUpdate {
		return nil, noMethod(c.id, "query", method).Reject, nil
	}
	if depth == 1 {
		defer func() {
			for _, t := range qe.order {
				if rerr := r.rollback(t, qe.trapped[t]); rerr != nil && err == nil {
					err = rerr
				}
			}
		}()
	}
	f := &qframe{c: c, inst: c.inst, globals: c.globals, stable: c.stable.Begin()}
	if qe.touched[c] {
		inst, globals, err := r.committedCopy(c)
		if err != nil {
			return nil, nil, err
		}
		f.inst, f.globals, f.tmp = inst, globals, true
		defer func() { r.closeInstance(f.inst) }()
	} else {
		qe.touched[c] = true
		qe.order = append(qe.order, c)
		if err := r.takeSnapshot(&c.snap, c.inst, c.globals); err != nil {
			return nil, nil, err
		}
	}

	ctx := ctxNRQ
	if kind == MethodCompositeQuery {
		ctx = ctxCQ
	}
	export := kind.exportPrefix() + method
	cc := &callContext{c: c, caller: caller, needsResponse: true}
	e := r.queryExecution(qe, f, ctx, export, arg, caller)
	// Only the query a user called has a data certificate; the queries
	// of a composite query's call graph do not (spec "Certified data").
	e.noDataCert = depth > 1
	e.needsResponse = true
	e.calls = execCalls{cc: cc}
	trap := e.run(export)
	qe.spend(e)
	if trap != nil {
		if !f.tmp {
			qe.trapped[c] = true
		}
		return nil, rejectOf(trap), nil
	}
	if e.responded {
		return e.reply, e.reject, nil
	}
	pending := e.calls.performed
	for len(pending) > 0 {
		oc := pending[0]
		pending = pending[1:]
		var creply []byte
		var crej *Reject
		switch {
		case depth+1 > maxQueryDepth:
			crej = &Reject{Code: CanisterError, Message: fmt.Sprintf("the composite query call graph exceeds the maximum depth of %d", maxQueryDepth)}
		case qe.remaining < compositeQueryCallCost: // the callback runs with what is left
			crej = &Reject{Code: CanisterError, ErrorCode: ErrCodeInstructionLimitExceeded,
				Message: fmt.Sprintf("the composite query call graph exceeds its instruction limit of %d (each call takes %d)", r.meter.limits.Query, compositeQueryCallCost)}
		default:
			qe.remaining -= compositeQueryCallCost
			if creply, crej, err = r.queryCallee(qe, oc, c, depth+1); err != nil {
				return nil, nil, err
			}
		}
		ctx, fun, env, entry := ctxCRy, oc.replyFun, oc.replyEnv, "the reply callback"
		ce := r.queryExecution(qe, f, ctx, entry, creply, caller)
		if crej != nil {
			ctx, fun, env, entry = ctxCRt, oc.rejectFun, oc.rejectEnv, "the reject callback"
			ce = r.queryExecution(qe, f, ctx, entry, nil, caller)
			ce.calls.rejectCode, ce.calls.rejectMsg = crej.Code, crej.Message
		}
		ce.needsResponse = true
		ce.calls.cc = cc
		var before heapSnapshot
		if err := r.takeSnapshot(&before, f.inst, f.globals); err != nil {
			return nil, nil, err
		}
		trap = r.runQueryCallback(ce, f, fun, env)
		qe.spend(ce)
		if trap != nil { // its stable transaction is dropped
			if err := r.recoverFrame(f, &before); err != nil {
				return nil, nil, err
			}
			if oc.hasCleanup {
				ec := r.queryExecution(qe, f, ctxCC, "the cleanup callback", nil, caller)
				ec.calls.cc, ec.calls.rejectCode = cc, ce.calls.rejectCode
				if err := r.takeSnapshot(&before, f.inst, f.globals); err != nil {
					return nil, nil, err
				}
				ctrap := r.runQueryCallback(ec, f, oc.cleanupFun, oc.cleanupEnv)
				qe.spend(ec)
				if ctrap != nil {
					if err := r.recoverFrame(f, &before); err != nil {
						return nil, nil, err
					}
				} else {
					ec.stable.Commit()
				}
			}
			continue
		}
		ce.stable.Commit() // into the frame's transaction
		if ce.responded {
			return ce.reply, ce.reject, nil
		}
		pending = append(pending, ce.calls.performed...)
	}
	if trap != nil {
		return nil, rejectOf(trap), nil
	}
	return nil, &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterDidNotReply, Message: "canister did not reply to the call"}, nil
}

// queryCallee evaluates one call made by a composite query.
func (r *Replica) queryCallee(qe *queryEval, oc *outCall, from *canister, depth int) ([]byte, *Reject, error) {
	callee := CanisterID{string(oc.callee)}
	if callee.IsZero() {
		if oc.method == "fetch_canister_logs" {
			return nil, logsOnlyByQuery(), nil
		}
		reply, rej := r.managementQuery(oc.method, oc.arg, []byte(from.id.raw))
		return reply, rej, nil
	}
	c, ok := r.canisters[callee]
	if !ok {
		return nil, &Reject{Code: DestinationInvalid, ErrorCode: ErrCodeCanisterNotFound, Message: fmt.Sprintf("canister %s not found", callee)}, nil
	}
	if rej := r.callRejectFor(c); rej != nil {
		return nil, rej, nil
	}
	if c.code != nil && c.code.methods[oc.method] == MethodUpdate {
		return nil, &Reject{Code: CanisterError, ErrorCode: ErrCodeCompositeQueryReplicated,
			Message: fmt.Sprintf("composite query cannot call update method %q of canister %s", oc.method, c.id)}, nil
	}
	return r.query(qe, c, oc.method, oc.arg, []byte(from.id.raw), depth)
}

// queryExecution makes an execution in frame f whose instruction limit is
// what is left of the evaluation's budget. The method's own execution
// (NRQ, CQ) works on the frame's stable memory transaction; a callback
// (CRy, CRt, CC) on a nested one, which the caller commits into the
// frame's only if the callback does not trap.
func (r *Replica) queryExecution(qe *queryEval, f *qframe, ctx execContext, entry string, arg, caller []byte) *execution {
	c := f.c
	stable := f.stable
	if ctx == ctxCRy || ctx == ctxCRt || ctx == ctxCC {
		stable = f.stable.Begin()
	}
	e := &execution{
		r: r, c: c, inst: f.inst, ctx: ctx, entry: entry, time: r.tick(), caller: caller, arg: arg,
		stable: stable, cycles: c.cycles, certifiedData: c.certifiedData, timer: c.timer,
		maxReply: maxReplySizeNonReplicated,
	}
	e.meter.limit, e.meter.kind = qe.remaining, "query"
	if qe.remaining < r.meter.limits.Query {
		e.meter.kind = "composite query (what is left of the call graph's budget)"
	}
	return e
}

func (r *Replica) runQueryCallback(e *execution, f *qframe, fun, env uint32) *trapError {
	if f.inst.ExportedFunction(callbackExport) == nil {
		t := &trapError{desc: fmt.Sprintf("%s: table index %d is out of bounds (the module has no function table)", e.entryName(), fun), errorCode: ErrCodeCanisterTrapped}
		e.log("[TRAP]: " + t.desc)
		return t
	}
	return e.run(callbackExport, uint64(fun), uint64(env))
}

// recoverFrame replaces a frame's instance after a trap (wazero instances
// are not reused after a trap) and restores snap into it.
func (r *Replica) recoverFrame(f *qframe, snap *heapSnapshot) error {
	inst, globals, err := r.restoreSnapshot(snap, f.c.code, f.inst, f.globals, true)
	if err != nil {
		return fmt.Errorf("replica: re-instantiating canister %s in a query: %w", f.c.id, err)
	}
	f.inst, f.globals = inst, globals
	if !f.tmp {
		f.c.inst, f.c.globals = inst, globals
	}
	return nil
}

// committedCopy makes a private instance of c holding its committed
// state, for a composite query that calls back into a canister already in
// its call graph (whose own instance is in use). Unlike every other
// execution, this copies the whole heap.
func (r *Replica) committedCopy(c *canister) (api.Module, []api.Global, error) {
	inst, globals, err := r.instantiate(c.code, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("replica: instantiating canister %s for a nested query: %w", c.id, err)
	}
	if src, dst := r.heapOf(c.inst), r.heapOf(inst); src != nil && dst != nil {
		mem := memoryOf(inst)
		if cur := memoryPages(mem); cur < c.snap.pages {
			if _, ok := mem.Grow(c.snap.pages - cur); !ok {
				r.closeInstance(inst)
				return nil, nil, fmt.Errorf("replica: canister %s: cannot grow a nested query's memory to %d pages", c.id, c.snap.pages)
			}
		}
		src.copyCommitted(dst, uint64(c.snap.pages)*wasmPageSize)
		if err := dst.reset(r, inst); err != nil {
			r.closeInstance(inst)
			return nil, nil, err
		}
	}
	for i, g := range globals {
		g.(api.MutableGlobal).Set(c.snap.globals[i])
	}
	return inst, globals, nil
}
