package replica

import (
	"context"
	"fmt"

	"github.com/icgo/icgo/replica/internal/stablemem"
	"github.com/tetratelabs/wazero/api"
)

// Query calls and composite queries (reference 3.1, 3.4).
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

// maxQueryDepth is the depth limit of a composite query's call graph
// (reference 3.4): the top-level query is depth 1.
const maxQueryDepth = 6

type queryEval struct {
	touched map[*canister]bool
	trapped map[*canister]bool // its instance trapped: replace it at the end
	order   []*canister
}

// qframe is one canister's evaluation within a query.
type qframe struct {
	c       *canister
	inst    api.Module
	globals []api.Global
	stable  *stablemem.Txn
	tmp     bool // inst is a private copy, closed at the end
}

// query evaluates a query call of c; qe is nil for a top-level (user)
// query. It returns the reply or the reject.
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
	if qe == nil {
		qe = &queryEval{touched: map[*canister]bool{}, trapped: map[*canister]bool{}}
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
		inst, globals, err := r.instantiate(c.code)
		if err != nil {
			return nil, nil, fmt.Errorf("replica: instantiating canister %s for a nested query: %w", c.id, err)
		}
		f.inst, f.globals, f.tmp = inst, globals, true
		defer func() { f.inst.Close(context.Background()) }()
		if err := c.snap.restore(inst, globals); err != nil {
			return nil, nil, err
		}
	} else {
		qe.touched[c] = true
		qe.order = append(qe.order, c)
		c.snap.take(c.inst, c.globals)
	}

	ctx := ctxNRQ
	if kind == MethodCompositeQuery {
		ctx = ctxCQ
	}
	export := kind.exportPrefix() + method
	cc := &callContext{c: c, caller: caller, needsResponse: true}
	e := r.queryExecution(f, ctx, export, arg, caller)
	e.needsResponse = true
	e.calls = execCalls{cc: cc}
	trap := e.run(export)
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
		if depth+1 > maxQueryDepth {
			crej = &Reject{Code: CanisterError, Message: fmt.Sprintf("the composite query call graph exceeds the maximum depth of %d", maxQueryDepth)}
		} else if creply, crej, err = r.queryCallee(qe, oc, c, depth+1); err != nil {
			return nil, nil, err
		}
		ctx, fun, env, entry := ctxCRy, oc.replyFun, oc.replyEnv, "the reply callback"
		ce := r.queryExecution(f, ctx, entry, creply, caller)
		if crej != nil {
			ctx, fun, env, entry = ctxCRt, oc.rejectFun, oc.rejectEnv, "the reject callback"
			ce = r.queryExecution(f, ctx, entry, nil, caller)
			ce.calls.rejectCode, ce.calls.rejectMsg = crej.Code, crej.Message
		}
		ce.needsResponse = true
		ce.calls.cc = cc
		var before heapSnapshot
		before.take(f.inst, f.globals)
		trap = r.runQueryCallback(ce, f, fun, env)
		if trap != nil {
			if err := r.recoverFrame(f, &before); err != nil {
				return nil, nil, err
			}
			if oc.hasCleanup {
				ec := r.queryExecution(f, ctxCC, "the cleanup callback", nil, caller)
				ec.calls.cc, ec.calls.rejectCode = cc, ce.calls.rejectCode
				before.take(f.inst, f.globals)
				if r.runQueryCallback(ec, f, oc.cleanupFun, oc.cleanupEnv) != nil {
					if err := r.recoverFrame(f, &before); err != nil {
						return nil, nil, err
					}
				}
			}
			continue
		}
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
		reply, rej := r.managementQuery(oc.method, oc.arg, []byte(from.id.raw))
		return reply, rej, nil
	}
	c, ok := r.canisters[callee]
	if !ok {
		return nil, &Reject{Code: DestinationInvalid, ErrorCode: "IC0301", Message: fmt.Sprintf("canister %s not found", callee)}, nil
	}
	if rej := r.callRejectFor(c); rej != nil {
		return nil, rej, nil
	}
	if c.code != nil && c.code.methods[oc.method] == MethodUpdate {
		return nil, &Reject{Code: CanisterError, ErrorCode: "IC0527",
			Message: fmt.Sprintf("composite query cannot call update method %q of canister %s", oc.method, c.id)}, nil
	}
	return r.query(qe, c, oc.method, oc.arg, []byte(from.id.raw), depth)
}

func (r *Replica) queryExecution(f *qframe, ctx execContext, entry string, arg, caller []byte) *execution {
	c := f.c
	return &execution{
		r: r, c: c, inst: f.inst, ctx: ctx, entry: entry, time: r.tick(), caller: caller, arg: arg,
		stable: f.stable, cycles: c.cycles, certifiedData: c.certifiedData, timer: c.timer,
		maxReply: maxReplySizeNonReplicated,
	}
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
	inst, globals, err := r.instantiate(f.c.code)
	if err != nil {
		return fmt.Errorf("replica: re-instantiating canister %s in a query: %w", f.c.id, err)
	}
	if err := snap.restore(inst, globals); err != nil {
		return err
	}
	f.inst.Close(context.Background())
	f.inst, f.globals = inst, globals
	if !f.tmp {
		f.c.inst, f.c.globals = inst, globals
	}
	return nil
}
