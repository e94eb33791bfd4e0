package replica

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// meterCanister spins a loop whose cost is known: $spin costs 10
// instructions per iteration (see replica/internal/instrument's tests). Its
// updates also bump a global, a heap word and a stable word, so that a
// rollback can be seen.
const meterCanister = `(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "performance_counter" (func $perf (param i32) (result i64)))
  (import "ic0" "stable64_grow" (func $sgrow (param i64) (result i64)))
  (import "ic0" "stable64_write" (func $swrite (param i64 i64 i64)))
  (import "ic0" "stable64_read" (func $sread (param i64 i64 i64)))
  (import "ic0" "global_timer_set" (func $timer (param i64) (result i64)))
  (memory 1)
  (global $g (mut i64) (i64.const 0))
  (func $n (result i64)
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 8))
    (i64.load (i32.const 0)))
  (func $spin (param $n i64)
    (block $done
      (loop $l
        (br_if $done (i64.eqz (local.get $n)))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $l))))
  (func $touch
    (global.set $g (i64.add (global.get $g) (i64.const 1)))
    (i64.store (i32.const 1024) (i64.add (i64.load (i32.const 1024)) (i64.const 1)))
    (call $sread (i64.const 2048) (i64.const 0) (i64.const 8))
    (i64.store (i32.const 2048) (i64.add (i64.load (i32.const 2048)) (i64.const 1)))
    (call $swrite (i64.const 0) (i64.const 2048) (i64.const 8)))
  (func $reply64 (param i64)
    (i64.store (i32.const 16) (local.get 0))
    (call $append (i32.const 16) (i32.const 8))
    (call $reply))
  (func (export "canister_init")
    (drop (call $sgrow (i64.const 1)))
    (if (i32.ge_u (call $arg_size) (i32.const 8)) (then (call $spin (call $n)))))
  (func (export "canister_update spin")
    (call $touch)
    (call $spin (call $n))
    (call $reply64 (call $perf (i32.const 0))))
  (func (export "canister_update arm_timer")
    (drop (call $timer (i64.const 4000000000000000000)))
    (call $reply64 (i64.const 0)))
  (func (export "canister_query qspin")
    (call $spin (call $n))
    (call $reply64 (call $perf (i32.const 0))))
  (func (export "canister_update big_reply")
    (call $append (i32.const 4096) (i32.wrap_i64 (call $n)))
    (call $reply))
  (func (export "canister_update dirty")
    (call $swrite (i64.const 0) (i64.const 4096) (call $n))
    (call $reply))
  (func (export "canister_query state")
    (call $sread (i64.const 2048) (i64.const 0) (i64.const 8))
    (i64.store (i32.const 16) (global.get $g))
    (i64.store (i32.const 24) (i64.load (i32.const 1024)))
    (i64.store (i32.const 32) (i64.load (i32.const 2048)))
    (call $append (i32.const 16) (i32.const 24))
    (call $reply)))`

func meterState3(t testing.TB, r *Replica, id CanisterID) [3]uint64 {
	t.Helper()
	v := u64s(reply(t)(r.Query(id, "state", nil)))
	return [3]uint64{v[0], v[1], v[2]}
}

func lastInstructions(t testing.TB, r *Replica, id CanisterID) uint64 {
	t.Helper()
	n, err := r.LastInstructions(id)
	require.NoError(t, err)
	return n
}

func TestMeteringGrowsWithWork(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, meterCanister)
	costs := map[uint64]uint64{}
	for _, n := range []uint64{0, 1000, 2000, 100_000} {
		perf := u64s(reply(t)(r.Update(id, "spin", le64(n))))[0]
		costs[n] = lastInstructions(t, r, id)
		require.Greater(t, perf, 10*n, "performance_counter(0) counts the loop")
		require.LessOrEqual(t, perf, costs[n], "performance_counter(0) is at most the total")
	}
	// The loop costs exactly 10 instructions per iteration; everything
	// else is the same for every n.
	require.Equal(t, uint64(10_000), costs[2000]-costs[1000])
	require.Equal(t, uint64(1_000_000), costs[100_000]-costs[0])
	require.Less(t, costs[0], uint64(2000), "a trivial update (with a dirtied stable page: 1000)")

	// Queries are metered too.
	q1 := u64s(reply(t)(r.Query(id, "qspin", le64(10))))[0]
	q2 := u64s(reply(t)(r.Query(id, "qspin", le64(1010))))[0]
	require.Equal(t, uint64(10_000), q2-q1)

	// Install counts (start) and canister_init together.
	id2 := installWat(t, r, meterCanister)
	small := lastInstructions(t, r, id2)
	id3, err := r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, r.Install(id3, wat(t, meterCanister), le64(5000)))
	require.InDelta(t, 50_000, lastInstructions(t, r, id3)-small, 100)
}

func TestMeteringSystemAPICosts(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, meterCanister)
	reply(t)(r.Update(id, "big_reply", le64(0)))
	none := lastInstructions(t, r, id)
	res := reply(t)(r.Update(id, "big_reply", le64(1000)))
	require.Len(t, res, 1000)
	// 50 instructions per byte of reply (spec "Performance counter"), plus 1 per byte
	// of the argument copy, which is the same 8 bytes in both.
	require.Equal(t, uint64(50*1000), lastInstructions(t, r, id)-none)

	// Stable memory: 1 per byte written plus 1000 per newly dirtied 4 KiB page.
	reply(t)(r.Update(id, "dirty", le64(1)))
	one := lastInstructions(t, r, id)
	reply(t)(r.Update(id, "dirty", le64(4096*3)))
	three := lastInstructions(t, r, id)
	require.Equal(t, uint64(4096*3-1+2*dirtyPageCost), three-one)
}

func TestInstructionLimits(t *testing.T) {
	limits := InstructionLimits{Update: 1_000_000, Query: 500_000, Install: 2_000_000}
	r := newReplica(t, WithInstructionLimits(limits))
	id := installWat(t, r, meterCanister)
	reply(t)(r.Update(id, "spin", le64(10)))
	reply(t)(r.Update(id, "arm_timer", nil))
	before := meterState3(t, r, id)
	timer := r.canisters[id].timer
	require.NotZero(t, timer)

	for _, tc := range []struct {
		name   string
		call   func() (*Result, error)
		kind   string
		limit  uint64
		update bool
	}{
		{"update", func() (*Result, error) { return r.Update(id, "spin", le64(1_000_000)) }, "update", limits.Update, true},
		{"query", func() (*Result, error) { return r.Query(id, "qspin", le64(1_000_000)) }, "query", limits.Query, false},
		{"replicated query", func() (*Result, error) { return r.Update(id, "qspin", le64(1_000_000)) }, "query", limits.Query, false},
		{"endless loop", func() (*Result, error) { return r.Update(id, "spin", le64(1<<62)) }, "update", limits.Update, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.call()
			rej := reject(t, res, err, CanisterError, ErrCodeInstructionLimitExceeded, "canister trapped: instruction limit exceeded: ")
			require.Contains(t, rej.Message, "instructions (limit for "+tc.kind+": ")
			used := lastInstructions(t, r, id)
			require.Greater(t, used, tc.limit)
			require.Less(t, used, tc.limit+100, "stopped within a few instructions of the limit")
			// Rolled back, and the canister still works.
			require.Equal(t, before, meterState3(t, r, id))
			require.Equal(t, timer, r.canisters[id].timer)
		})
	}
	reply(t)(r.Update(id, "spin", le64(10)))
	require.Equal(t, before[0]+1, meterState3(t, r, id)[0])

	// Install: (start) and canister_init share the install limit; the
	// canister stays empty.
	id2, err := r.CreateCanister()
	require.NoError(t, err)
	err = r.Install(id2, wat(t, meterCanister), le64(1_000_000))
	var rej *Reject
	require.True(t, errors.As(err, &rej), "%v", err)
	require.Equal(t, ErrCodeInstructionLimitExceeded, rej.ErrorCode)
	require.Contains(t, rej.Message, "(limit for install_code: 2000000)")
	res, err := r.Query(id2, "state", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterWasmModuleNotFound, "no Wasm module")
	require.NoError(t, r.Install(id2, wat(t, meterCanister), le64(1000)))
}

func TestInstructionLimitDefaults(t *testing.T) {
	l := InstructionLimits{}.withDefaults()
	for _, tc := range []struct {
		ctx   execContext
		limit uint64
		kind  string
	}{
		{ctxU, 40_000_000_000, "update"},
		{ctxT, 40_000_000_000, "system task"},
		{ctxRy, 40_000_000_000, "response callback"},
		{ctxNRQ, 5_000_000_000, "query"},
		{ctxCQ, 5_000_000_000, "query"},
		{ctxI, 300_000_000_000, "install_code"},
		{ctxG, 300_000_000_000, "install_code"},
		{ctxS, 300_000_000_000, "install_code"},
		{ctxF, 200_000_000, "inspect_message"},
	} {
		limit, kind := l.limitFor(tc.ctx)
		require.Equal(t, tc.limit, limit, tc.ctx.String())
		require.Equal(t, tc.kind, kind, tc.ctx.String())
	}
}
