package replica

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A debug_print or trap with a huge or bad range costs only the bytes the
// replica keeps, so debug_print never traps (spec "Overview of imports") and trap traps
// with the canister's own error, not with the instruction limit.
func TestDebugPrintAndTrapBadRangeCost(t *testing.T) {
	const src = `(module
	  (import "ic0" "debug_print" (func $print (param i32 i32)))
	  (import "ic0" "trap" (func $trap (param i32 i32)))
	  (import "ic0" "msg_reply" (func $reply))
	  (memory 1)
	  (func (export "canister_update print_huge") (call $print (i32.const 0) (i32.const -1)) (call $reply))
	  (func (export "canister_update print_big") (call $print (i32.const 0) (i32.const 65536)) (call $reply))
	  (func (export "canister_update trap_huge") (call $trap (i32.const 0) (i32.const -1))))`
	r := newReplica(t)
	id := installWat(t, r, src)
	res, err := r.Update(id, "print_huge", nil)
	replyOf(t, res, err)
	require.Less(t, res.Instructions, uint64(2_000_000), "charged for the claimed 4 GiB")
	res, err = r.Update(id, "print_big", nil) // in bounds, longer than what is kept
	replyOf(t, res, err)
	require.LessOrEqual(t, res.Instructions, uint64(100+(maxTrapMessageBytes)*52+1000))
	require.GreaterOrEqual(t, res.Instructions, uint64(maxTrapMessageBytes*52))
	res, err = r.Update(id, "trap_huge", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterCalledTrap, "out of memory bounds")
}

// fanCanister's composite query "fan" (arg: n, u32; which, u32) calls its
// own query "q" (which = 0) or "q0" (which = 1) n times; the callbacks count replies and rejects and, after the
// last, reply replies (u32) ++ rejects (u32) ++ the last reject code (u32).
// q spins about 50 M instructions. "stable_trap" calls q0 twice: the first
// reply callback writes stable byte 0 and traps, the second replies with
// stable byte 0.
const fanCanister = `(module
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reject_code" (func $reject_code (result i32)))
  (import "ic0" "canister_self_size" (func $self_size (result i32)))
  (import "ic0" "canister_self_copy" (func $self_copy (param i32 i32 i32)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))
  (import "ic0" "stable64_grow" (func $sgrow (param i64) (result i64)))
  (import "ic0" "stable64_write" (func $swrite (param i64 i64 i64)))
  (import "ic0" "stable64_read" (func $sread (param i64 i64 i64)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (memory 1)
  (table 3 funcref)
  (elem (i32.const 0) $on_reply $on_reject $st_cb)
  (data (i32.const 512) "qq0")
  (func $call (param $method i32) (param $len i32) (param $reply_fun i32) (param $env i32)
    (call $self_copy (i32.const 256) (i32.const 0) (call $self_size))
    (call $call_new (i32.const 256) (call $self_size) (local.get $method) (local.get $len)
                    (local.get $reply_fun) (local.get $env) (i32.const 1) (local.get $env))
    (drop (call $call_perform)))
  (func $done
    (if (i32.eq (i32.add (i32.load (i32.const 8)) (i32.load (i32.const 12))) (i32.load (i32.const 0)))
      (then (call $append (i32.const 8) (i32.const 12)) (call $reply))))
  (func $on_reply (param i32)
    (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 1)))
    (call $done))
  (func $on_reject (param i32)
    (i32.store (i32.const 12) (i32.add (i32.load (i32.const 12)) (i32.const 1)))
    (i32.store (i32.const 16) (call $reject_code))
    (call $done))
  (func $st_cb (param $env i32)
    (if (i32.eqz (local.get $env)) (then
      (i32.store8 (i32.const 32) (i32.const 1))
      (call $swrite (i64.const 0) (i64.const 32) (i64.const 1))
      (call $trap (i32.const 0) (i32.const 0))))
    (call $sread (i64.const 40) (i64.const 0) (i64.const 1))
    (call $append (i32.const 40) (i32.const 1))
    (call $reply))
  (func (export "canister_composite_query fan")
    (local $i i32)
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 8))
    (block $out (loop $l
      (br_if $out (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
      (call $call (i32.add (i32.const 512) (i32.load (i32.const 4))) (i32.add (i32.const 1) (i32.load (i32.const 4)))
                  (i32.const 0) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))
  (func (export "canister_composite_query stable_trap")
    (drop (call $sgrow (i64.const 1)))
    (call $call (i32.const 513) (i32.const 2) (i32.const 2) (i32.const 0))
    (call $call (i32.const 513) (i32.const 2) (i32.const 2) (i32.const 1)))
  (func (export "canister_query q")
    (local $n i64)
    (local.set $n (i64.const 5000000))
    (block $done (loop $l
      (br_if $done (i64.eqz (local.get $n)))
      (local.set $n (i64.sub (local.get $n) (i64.const 1)))
      (br $l)))
    (call $reply))
  (func (export "canister_query q0") (call $reply)))`

func fanArg(n, which uint32) []byte {
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, n), which)
}

func fan(t *testing.T, r *Replica, id CanisterID, n, which uint32) (replies, rejects, code uint32, res *Result) {
	t.Helper()
	res, err := r.Query(id, "fan", fanArg(n, which))
	b := replyOf(t, res, err)
	require.Len(t, b, 12)
	return binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[8:]), res
}

// The whole composite query call graph shares one budget, with 50 M
// charged per call (spec "Unspecified constants and limits").
func TestCompositeQuerySharedBudget(t *testing.T) {
	// Default limit: three calls of about 100 M each fit in 5 B.
	r := newReplica(t)
	id := installWat(t, r, fanCanister)
	replies, rejects, _, _ := fan(t, r, id, 3, 0)
	require.Equal(t, [2]uint32{3, 0}, [2]uint32{replies, rejects})

	// 120 M: two calls of q0 take 2 x 50 M; the third cannot be made (its
	// reject callback runs with what is left).
	r = newReplica(t, WithInstructionLimits(InstructionLimits{Query: 120_000_000}))
	id = installWat(t, r, fanCanister)
	replies, rejects, code, _ := fan(t, r, id, 3, 1)
	require.Equal(t, [3]uint32{2, 1, uint32(CanisterError)}, [3]uint32{replies, rejects, code})
	// 150 M: the first call of q takes 50 M + ~50 M (q spins 50 M); the
	// second call cannot be made.
	r = newReplica(t, WithInstructionLimits(InstructionLimits{Query: 150_000_000}))
	id = installWat(t, r, fanCanister)
	replies, rejects, code, _ = fan(t, r, id, 2, 0)
	require.Equal(t, [3]uint32{1, 1, uint32(CanisterError)}, [3]uint32{replies, rejects, code})
	// 175 M: the second call is made, but its q starts with only ~25 M and
	// runs out, leaving nothing for the callbacks.
	r = newReplica(t, WithInstructionLimits(InstructionLimits{Query: 175_000_000}))
	id = installWat(t, r, fanCanister)
	res, err := r.Query(id, "fan", fanArg(2, 0))
	reject(t, res, err, CanisterError, ErrCodeInstructionLimitExceeded, "call graph")
	// A single query still gets the whole limit.
	reply(t)(r.Query(id, "q", nil))
}

// Result.Instructions of a composite query adds up every execution.
func TestCompositeQueryInstructionsSum(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, fanCanister)
	one, err := r.Query(id, "q", nil)
	replyOf(t, one, err)
	require.Greater(t, one.Instructions, uint64(10_000_000))
	_, _, _, res := fan(t, r, id, 3, 0)
	require.GreaterOrEqual(t, res.Instructions, 3*one.Instructions)
	require.Less(t, res.Instructions, 3*one.Instructions+100_000)
}

// A trapped composite query callback leaves no stable memory writes.
func TestCompositeQueryTrappedCallbackStable(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, fanCanister)
	got := reply(t)(r.Query(id, "stable_trap", nil))
	require.Equal(t, []byte{0}, got, "the trapped callback's stable write survived")
}

// Ingress results are kept for IngressStatus (any number of reads) for
// ingressHistoryAge of replica time after they finish, however many
// messages finish meanwhile.
func TestIngressHistoryByAge(t *testing.T) {
	r := newReplica(t)
	empty, err := r.CreateCanister() // no code: every submission finishes at once
	require.NoError(t, err)
	submit := func(n int) []MessageID {
		var ids []MessageID
		for range n {
			mid, err := r.SubmitUpdate(empty, "m", nil)
			require.NoError(t, err)
			ids = append(ids, mid)
		}
		return ids
	}
	old := submit(10)
	recent := submit(3000) // far more than a count-bounded history kept
	for _, mid := range append(old[:1], recent[0]) {
		for range 2 { // readable more than once
			res, done, err := r.IngressStatus(mid)
			require.NoError(t, err)
			require.True(t, done)
			require.NotNil(t, res.Reject)
		}
	}
	require.NoError(t, r.AdvanceTime(ingressHistoryAge+time.Second))
	submit(1)
	for _, mid := range append(old, recent...) {
		_, _, err := r.IngressStatus(mid)
		require.ErrorContains(t, err, "unknown message id")
	}
	require.Len(t, r.sched.ingressDone, 1)

	// Pending messages are never dropped; AwaitUpdate still forgets what it returns.
	id := installWat(t, r, fanCanister)
	mid, err := r.SubmitUpdate(id, "q0", nil)
	require.NoError(t, err)
	require.NoError(t, r.AdvanceTime(2*ingressHistoryAge))
	submit(1)
	_, done, err := r.IngressStatus(mid)
	require.NoError(t, err)
	require.False(t, done)
	reply(t)(r.AwaitUpdate(mid))
	_, _, err = r.IngressStatus(mid)
	require.Error(t, err)
}

// Update returns its own result whatever other goroutines do meanwhile
// (with a history bounded by count, some of 8 concurrent callers lost
// theirs: "unknown message id").
func TestConcurrentUpdatesGetTheirResults(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, calleeCanister)
	const goroutines, calls = 8, 500
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				arg := fmt.Appendf(nil, "%d/%d", g, i)
				res, err := r.Update(id, "echo", arg)
				if err == nil && !bytes.Equal(res.Reply, arg) {
					err = fmt.Errorf("echo %q: got %+v", arg, res)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Compiled modules no canister uses are closed beyond a small LRU, and a
// recently unused one is reused without compiling again.
func TestModuleCacheEviction(t *testing.T) {
	r := newReplica(t)
	module := func(i int) []byte {
		return wat(t, fmt.Sprintf(`(module (import "ic0" "msg_reply" (func $reply)) (memory 1) (data (i32.const 0) "v%d")
		  (func (export "canister_query v") (call $reply)))`, i))
	}
	keep := installWat(t, r, `(module (func (export "canister_query k") nop))`)
	id, err := r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, r.Install(id, module(0), nil))
	first := r.canisters[id].code
	for i := 1; i <= 3*maxUnusedModules; i++ {
		require.NoError(t, r.Upgrade(id, module(i), nil))
	}
	require.Equal(t, 1, r.canisters[id].code.refs)
	require.Equal(t, 2+maxUnusedModules, len(r.modules), "in use: 2, unused: the LRU")
	require.Len(t, r.unused, maxUnusedModules)
	require.NotContains(t, r.modules, first.key)
	require.Contains(t, r.modules, r.canisters[keep].code.key)

	// The last module used is still compiled: installing it again is a hit.
	last := r.canisters[id].code
	require.NoError(t, r.Uninstall(id))
	require.Equal(t, 0, last.refs)
	require.NoError(t, r.Install(id, module(3*maxUnusedModules), nil))
	require.Same(t, last, r.canisters[id].code)
	require.Equal(t, 1, last.refs)
	reply(t)(r.Query(id, "v", nil))

	// Failed installs leave at most the LRU's worth of unused modules.
	trapping := func(i int) []byte {
		return wat(t, fmt.Sprintf(`(module (data "t%d") (memory 1) (func (export "canister_init") unreachable))`, i))
	}
	c, err := r.CreateCanister()
	require.NoError(t, err)
	for i := range 2 * maxUnusedModules {
		require.Error(t, r.Install(c, trapping(i), nil))
	}
	require.Len(t, r.unused, maxUnusedModules)
	require.Equal(t, 2+maxUnusedModules, len(r.modules))
}

// An internal error while running an outcall's transform (the canister
// cannot be re-instantiated after the transform trapped) fails the round,
// as it does for any other message, instead of becoming a reject.
func TestHTTPTransformInternalErrorPropagates(t *testing.T) {
	r := newReplica(t)
	r.MockHTTP(func(req *HTTPRequest, node int) (*HTTPResponse, error) {
		return &HTTPResponse{Status: 200, Body: []byte("x")}, nil
	})
	// The transform traps when the management canister calls it.
	src := strings.Replace(callerCanister, `(if (call $caller_size) (then (call $trap`, `(if (i32.eqz (call $caller_size)) (then (call $trap`, 1)
	require.NotEqual(t, callerCanister, src)
	caller := installWat(t, r, src)
	// Make re-instantiation fail: close the canister's compiled module.
	require.NoError(t, r.canisters[caller].code.compiled.Close(context.Background()))
	arg := outcall{url: "https://example.com/", method: "get", transform: caller.Bytes()}.arg()
	res, err := r.Update(caller, "call", callSpec{cycles: outcallCycles, timeout: -1, method: "http_request", payload: arg}.arg())
	require.Error(t, err, "result %+v", res)
	require.Contains(t, err.Error(), "re-instantiating canister")
}

// The replica is safe for concurrent use (run with -race).
func TestConcurrentUse(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, meterCanister)
	fanID := installWat(t, r, fanCanister)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	run := func(n int, f func(i int) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				if err := f(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	const n = 20
	for range 3 {
		run(n, func(int) error {
			res, err := r.Update(id, "spin", le64(100))
			if err == nil && res.Reject != nil {
				err = res.Reject
			}
			return err
		})
		run(n, func(int) error {
			res, err := r.Query(id, "state", nil)
			if err == nil && res.Reject != nil {
				err = res.Reject
			}
			return err
		})
	}
	run(n, func(int) error {
		res, err := r.Query(fanID, "stable_trap", nil)
		if err == nil && res.Reject != nil {
			err = res.Reject
		}
		return err
	})
	run(n, func(int) error { return r.Tick() })
	run(n, func(int) error { return r.AdvanceTime(time.Millisecond) })
	run(n, func(int) error {
		mid, err := r.SubmitUpdate(id, "spin", le64(1))
		if err != nil {
			return err
		}
		_, _, err = r.IngressStatus(mid)
		return err
	})
	run(n, func(int) error { _, err := r.Logs(id); return err })
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Every update ran once (3 goroutines x n), plus the submitted ones
	// that the Ticks and Updates ran.
	require.GreaterOrEqual(t, meterState3(t, r, id)[0], uint64(3*n))
}
