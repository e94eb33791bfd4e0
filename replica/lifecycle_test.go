package replica

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/icgo/icgo/principal"
	"github.com/stretchr/testify/require"
)

// upgradeCanister keeps a counter in a global, one in the heap and one in
// stable memory (bumped by "touch"). canister_pre_upgrade saves the global
// to stable memory at 8 and bumps the heap counter (so that a failed
// upgrade must put the heap back); canister_post_upgrade restores the
// global from there. EXTRA is replaced by variants: a different method
// set, a (start) function, traps.
const upgradeCanisterTmpl = `(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "stable64_grow" (func $sgrow (param i64) (result i64)))
  (import "ic0" "stable64_size" (func $ssize (result i64)))
  (import "ic0" "stable64_write" (func $swrite (param i64 i64 i64)))
  (import "ic0" "stable64_read" (func $sread (param i64 i64 i64)))
  (import "ic0" "global_timer_set" (func $timer (param i64) (result i64)))
  (import "ic0" "canister_status" (func $status (result i32)))
  (import "ic0" "canister_version" (func $version (result i64)))
  (import "ic0" "is_controller" (func $is_controller (param i32 i32) (result i32)))
  (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
  (import "ic0" "msg_caller_copy" (func $caller_copy (param i32 i32 i32)))
  (memory 1)
  (global $g (mut i64) (i64.const 0))
  (func $stable_ready
    (if (i64.eqz (call $ssize)) (then (drop (call $sgrow (i64.const 1))))))
  (func (export "canister_init") (call $stable_ready))
  (func (export "canister_update touch")
    (global.set $g (i64.add (global.get $g) (i64.const 1)))
    (i64.store (i32.const 1024) (i64.add (i64.load (i32.const 1024)) (i64.const 1)))
    (call $sread (i64.const 2048) (i64.const 0) (i64.const 8))
    (i64.store (i32.const 2048) (i64.add (i64.load (i32.const 2048)) (i64.const 1)))
    (call $swrite (i64.const 0) (i64.const 2048) (i64.const 8))
    (call $reply))
  (func (export "canister_update arm_timer")
    (drop (call $timer (i64.const 4000000000000000000)))
    (call $reply))
  (func (export "canister_update set_trap_flag")
    (i32.store (i32.const 4000) (i32.const 1))
    (call $reply))
  (func (export "canister_query state")
    (call $sread (i64.const 2048) (i64.const 0) (i64.const 8))
    (i64.store (i32.const 16) (global.get $g))
    (i64.store (i32.const 24) (i64.load (i32.const 1024)))
    (i64.store (i32.const 32) (i64.load (i32.const 2048)))
    (i64.store (i32.const 40) (i64.extend_i32_u (call $status)))
    (i64.store (i32.const 48) (call $version))
    (call $append (i32.const 16) (i32.const 40))
    (call $reply))
  (func (export "canister_query is_controller_caller")
    (call $caller_copy (i32.const 100) (i32.const 0) (call $caller_size))
    (i64.store (i32.const 16) (i64.extend_i32_u (call $is_controller (i32.const 100) (call $caller_size))))
    (call $append (i32.const 16) (i32.const 8))
    (call $reply))
  EXTRA)`

const upgradeHooks = `
  (func (export "canister_pre_upgrade")
    (i64.store (i32.const 1024) (i64.add (i64.load (i32.const 1024)) (i64.const 100)))
    (i64.store (i32.const 3000) (global.get $g))
    (call $swrite (i64.const 8) (i64.const 3000) (i64.const 8))
    (if (i32.load (i32.const 4000)) (then unreachable)))
  (func (export "canister_post_upgrade")
    (call $stable_ready)
    (call $sread (i64.const 3000) (i64.const 8) (i64.const 8))
    (global.set $g (i64.load (i32.const 3000))))`

func upgradeCanister(t testing.TB, extra string) []byte { return wat(t, upgradeSrc(extra)) }

func upgradeSrc(extra string) string { return strings.Replace(upgradeCanisterTmpl, "EXTRA", extra, 1) }

// lcState is (global, heap counter, stable counter, canister_status, canister_version).
func lcState(t testing.TB, r *Replica, id CanisterID) [5]uint64 {
	t.Helper()
	v := u64s(reply(t)(r.Query(id, "state", nil)))
	return [5]uint64{v[0], v[1], v[2], v[3], v[4]}
}

func TestUpgradeKeepsStableReplacesHeap(t *testing.T) {
	r := newReplica(t)
	v1 := upgradeCanister(t, upgradeHooks)
	v2 := upgradeCanister(t, upgradeHooks+`(func (export "canister_query v2") (call $reply))`)
	id, err := r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, r.Install(id, v1, nil))
	for range 3 {
		reply(t)(r.Update(id, "touch", nil))
	}
	reply(t)(r.Update(id, "arm_timer", nil))
	require.NotZero(t, r.canisters[id].timer)
	require.Equal(t, [5]uint64{3, 3, 3, 1, 5}, lcState(t, r, id))

	require.NoError(t, r.Upgrade(id, v2, nil))
	// The global came through stable memory (pre_upgrade -> post_upgrade),
	// the heap is fresh, stable memory is kept, the timer is disarmed.
	require.Equal(t, [5]uint64{3, 0, 3, 1, 6}, lcState(t, r, id))
	require.Zero(t, r.canisters[id].timer)
	reply(t)(r.Query(id, "v2", nil))
	ins, err := r.LastInstructions(id)
	require.NoError(t, err)
	require.Greater(t, ins, uint64(0))

	// skip_pre_upgrade: the global saved at offset 8 is the old one (3),
	// not the current one (4).
	reply(t)(r.Update(id, "touch", nil))
	require.NoError(t, r.Upgrade(id, v1, nil, SkipPreUpgrade()))
	require.Equal(t, [5]uint64{3, 0, 4, 1, 8}, lcState(t, r, id))
	res, err := r.Query(id, "v2", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterMethodNotFound, "v2")

	// Upgrade of an empty canister.
	empty, err := r.CreateCanister()
	require.NoError(t, err)
	err = r.Upgrade(empty, v1, nil)
	var rej *Reject
	require.True(t, errors.As(err, &rej))
	require.Equal(t, ErrCodeCanisterWasmModuleNotFound, rej.ErrorCode)
}

func TestUpgradeAtomic(t *testing.T) {
	v1 := upgradeCanister(t, upgradeHooks)
	for _, tc := range []struct {
		name    string
		arm     bool   // set the old code's pre_upgrade to trap
		newCode string // EXTRA of the new module
		step    string
	}{
		{"pre_upgrade traps", true, upgradeHooks, "canister_pre_upgrade"},
		{"start traps", false, upgradeHooks + `
  (func $start (call $swrite (i64.const 0) (i64.const 5000) (i64.const 8)) unreachable)
  (start $start)`, "the (start) function"},
		{"post_upgrade traps", false, `
  (func (export "canister_post_upgrade")
    (call $swrite (i64.const 0) (i64.const 5000) (i64.const 8))
    (drop (call $timer (i64.const 1)))
    unreachable)`, "canister_post_upgrade"},
		{"post_upgrade runs out of instructions", false, `
  (func (export "canister_post_upgrade")
    (call $swrite (i64.const 0) (i64.const 5000) (i64.const 8))
    (loop $l (br $l)))`, "canister_post_upgrade"},
		{"invalid module", false, `(func (export "canister_bogus"))`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReplica(t, WithInstructionLimits(InstructionLimits{Install: 10_000_000}))
			id, err := r.CreateCanister()
			require.NoError(t, err)
			require.NoError(t, r.Install(id, v1, nil))
			reply(t)(r.Update(id, "touch", nil))
			reply(t)(r.Update(id, "arm_timer", nil))
			if tc.arm {
				reply(t)(r.Update(id, "set_trap_flag", nil))
			}
			before := lcState(t, r, id)
			info, err := r.Status(id)
			require.NoError(t, err)
			timer := r.canisters[id].timer

			err = r.Upgrade(id, upgradeCanister(t, tc.newCode), nil)
			var rej *Reject
			require.True(t, errors.As(err, &rej), "%v", err)
			if tc.step != "" {
				require.Contains(t, rej.Message, "failed in "+tc.step)
			} else {
				require.Equal(t, "IC0505", rej.ErrorCode)
			}

			require.Equal(t, before, lcState(t, r, id), "global, heap, stable, status, version")
			after, err := r.Status(id)
			require.NoError(t, err)
			require.Equal(t, info, after)
			require.Equal(t, timer, r.canisters[id].timer)
			// The old code still runs, with its state.
			reply(t)(r.Update(id, "touch", nil))
			require.Equal(t, before[0]+1, lcState(t, r, id)[0])
		})
	}
}

func TestStopStartDelete(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, upgradeSrc(""))
	st := lcState(t, r, id)
	require.Equal(t, uint64(1), st[3], "canister_status: running")

	require.NoError(t, r.Stop(id))
	info, err := r.Status(id)
	require.NoError(t, err)
	require.Equal(t, StatusStopped, info.Status)
	res, err := r.Update(id, "touch", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterStopped, "is stopped")
	res, err = r.Query(id, "state", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterStopped, "is stopped")
	require.NoError(t, r.Stop(id), "stopping a stopped canister")

	require.NoError(t, r.Start(id))
	require.Equal(t, uint64(1), lcState(t, r, id)[3])
	reply(t)(r.Update(id, "touch", nil))

	err = r.Delete(id)
	var rej *Reject
	require.True(t, errors.As(err, &rej))
	require.Equal(t, ErrCodeCanisterNotStopped, rej.ErrorCode)

	require.NoError(t, r.Stop(id))
	require.NoError(t, r.Delete(id))
	_, err = r.Status(id)
	require.ErrorIs(t, err, ErrCanisterNotFound)
	_, err = r.Update(id, "touch", nil)
	require.ErrorIs(t, err, ErrCanisterNotFound)
}

func TestControllers(t *testing.T) {
	r := newReplica(t)
	alice, bob := principal.FromBytes([]byte{1, 2, 3}), principal.FromBytes([]byte{4, 5})
	id := installWat(t, r, upgradeSrc(upgradeHooks))
	isCtl := func(p principal.Principal) uint64 {
		return u64s(reply(t)(r.Query(id, "is_controller_caller", nil, WithCaller(p))))[0]
	}
	require.Equal(t, uint64(1), isCtl(AnonymousPrincipal))
	require.Equal(t, uint64(0), isCtl(alice))

	v := lcState(t, r, id)[4]
	require.NoError(t, r.SetControllers(id, []principal.Principal{alice, bob}))
	require.Equal(t, v+1, lcState(t, r, id)[4], "update_settings bumps the version")
	require.Equal(t, uint64(0), isCtl(AnonymousPrincipal))
	require.Equal(t, uint64(1), isCtl(alice))
	require.Equal(t, uint64(1), isCtl(bob))
	info, err := r.Status(id)
	require.NoError(t, err)
	require.Equal(t, []principal.Principal{alice, bob}, info.Controllers)

	// Only controllers manage the canister.
	mod := upgradeCanister(t, upgradeHooks)
	for _, op := range []func(...CallOption) error{
		func(o ...CallOption) error { return r.Upgrade(id, mod, nil, o...) },
		func(o ...CallOption) error { return r.Stop(id, o...) },
		func(o ...CallOption) error { return r.SetControllers(id, nil, o...) },
		func(o ...CallOption) error { return r.Uninstall(id, o...) },
	} {
		err := op()
		var rej *Reject
		require.True(t, errors.As(err, &rej), "%v", err)
		require.Equal(t, ErrCodeCanisterInvalidController, rej.ErrorCode)
	}
	require.NoError(t, r.Upgrade(id, mod, nil, WithCaller(bob)))
	require.Error(t, r.SetControllers(id, make([]principal.Principal, 11), WithCaller(alice)))
}

func TestStatusAndUninstall(t *testing.T) {
	r := newReplica(t)
	raw := upgradeCanister(t, upgradeHooks)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()

	id, err := r.CreateCanister()
	require.NoError(t, err)
	info, err := r.Status(id)
	require.NoError(t, err)
	require.Nil(t, info.ModuleHash)
	require.Equal(t, StatusRunning, info.Status)
	require.Equal(t, uint64(0), info.Version)

	require.NoError(t, r.Install(id, gz.Bytes(), nil))
	info, err = r.Status(id)
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	require.Equal(t, sum[:], info.ModuleHash, "hash of the uncompressed module")
	require.Equal(t, uint64(1), info.Version)
	require.Equal(t, uint64(DefaultCycles), info.Cycles)
	require.Equal(t, uint64(2*wasmPageSize+len(raw)), info.MemorySize, "heap + stable + module")

	reply(t)(r.Update(id, "touch", nil))
	reply(t)(r.Update(id, "arm_timer", nil))
	require.NoError(t, r.Uninstall(id))
	info, err = r.Status(id)
	require.NoError(t, err)
	require.Nil(t, info.ModuleHash)
	require.Equal(t, uint64(4), info.Version)
	require.Zero(t, info.MemorySize)
	require.Zero(t, r.canisters[id].timer)
	res, err := r.Query(id, "state", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterWasmModuleNotFound, "no Wasm module")

	// A fresh install after uninstall starts from empty stable memory.
	require.NoError(t, r.Install(id, raw, nil))
	require.Equal(t, [5]uint64{0, 0, 0, 1, 5}, lcState(t, r, id))
}
