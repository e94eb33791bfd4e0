package replica

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A canister whose hook counts its runs, and that grows its memory by one
// page per call to grow.
const lowMemoryWat = `(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (memory 1)
  (global $runs (mut i32) (i32.const 0))
  (func (export "canister_on_low_wasm_memory")
    (global.set $runs (i32.add (global.get $runs) (i32.const 1))))
  (func (export "canister_update grow")
    (drop (memory.grow (i32.const 1))) (call $reply))
  (func (export "canister_query runs")
    (i32.store (i32.const 0) (global.get $runs))
    (call $append (i32.const 0) (i32.const 4)) (call $reply)))`

func TestLowWasmMemoryHook(t *testing.T) {
	r := newReplica(t)
	id, err := r.CreateCanister(WithWasmMemoryLimit(4 << 16)) // 4 pages
	require.NoError(t, err)
	require.NoError(t, r.Install(id, wat(t, lowMemoryWat), nil))
	runs := func() uint32 {
		b := reply(t)(r.Query(id, "runs", nil))
		return uint32(b[0]) | uint32(b[1])<<8
	}
	// No threshold: the hook never runs.
	require.NoError(t, r.TickN(2))
	require.Zero(t, runs())

	// Threshold 2.5 pages: free memory (3 pages) is above it.
	arg := encodeMgmt(cvRecord(cvField("canister_id", cvPrincipal(id.Bytes())), cvField("settings", cvRecord(
		cvField("wasm_memory_threshold", cvOpt(ptr(cvNat(5<<15))))))), "update_settings_args")
	res, err := r.Update(ManagementCanister, "update_settings", arg)
	require.NoError(t, err)
	require.Nil(t, res.Reject)
	require.NoError(t, r.TickN(2))
	require.Zero(t, runs())

	// One more page: 2 pages free, below the threshold: the hook runs once,
	// in the round after the crossing, and not again while it holds.
	reply(t)(r.Update(id, "grow", nil))
	require.NoError(t, r.TickN(3))
	require.Equal(t, uint32(1), runs())
	reply(t)(r.Update(id, "grow", nil))
	require.NoError(t, r.TickN(2))
	require.Equal(t, uint32(1), runs())

	// A larger limit lifts the condition; a smaller one brings it back, and
	// the hook runs again.
	for _, limit := range []uint64{64 << 16, 4 << 16} {
		arg = encodeMgmt(cvRecord(cvField("canister_id", cvPrincipal(id.Bytes())), cvField("settings", cvRecord(
			cvField("wasm_memory_limit", cvOpt(ptr(cvNat(limit))))))), "update_settings_args")
		res, err = r.Update(ManagementCanister, "update_settings", arg)
		require.NoError(t, err)
		require.Nil(t, res.Reject)
		require.NoError(t, r.TickN(2))
	}
	require.Equal(t, uint32(2), runs())
}
