package replica

import (
	"bytes"
	"cmp"
	"slices"
	"testing"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/principal"
	"github.com/stretchr/testify/require"
)

// counter keeps a count in its heap, in a mutable global and in stable
// memory, and its certified data; get returns the three counts.
const counter = `(module
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "stable64_grow" (func $grow (param i64) (result i64)))
  (import "ic0" "stable64_read" (func $sread (param i64 i64 i64)))
  (import "ic0" "stable64_write" (func $swrite (param i64 i64 i64)))
  (import "ic0" "certified_data_set" (func $certify (param i32 i32)))
  (memory (export "memory") 1)
  (global $g (mut i64) (i64.const 0))
  (func (export "canister_init") (drop (call $grow (i64.const 1))))
  (func (export "canister_update inc")
    (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (i64.const 1)))
    (global.set $g (i64.add (global.get $g) (i64.const 1)))
    (call $sread (i64.const 8) (i64.const 0) (i64.const 8))
    (i64.store (i32.const 8) (i64.add (i64.load (i32.const 8)) (i64.const 1)))
    (call $swrite (i64.const 0) (i64.const 8) (i64.const 8))
    (call $certify (i32.const 0) (i32.const 8))
    (call $reply))
  (func (export "canister_query get")
    (i64.store (i32.const 16) (global.get $g))
    (call $sread (i64.const 24) (i64.const 0) (i64.const 8))
    (i64.store (i32.const 8) (i64.load (i32.const 0)))
    (call $append (i32.const 8) (i32.const 8))
    (call $append (i32.const 16) (i32.const 16))
    (call $reply)))`

// snapshotCall calls a snapshot method of the management canister on id
// with the given extra fields.
func snapshotCall(r *Replica, id CanisterID, method string, opts []CallOption, fields ...candidtext.FieldValue) (*Result, error) {
	argType := map[string]string{"take_canister_snapshot": "take_canister_snapshot_args", "load_canister_snapshot": "load_canister_snapshot_args",
		"delete_canister_snapshot": "delete_canister_snapshot_args", "list_canister_snapshots": "canister_id_args"}[method]
	fs := append([]candidtext.FieldValue{cvField("canister_id", cvPrincipal(id.Bytes()))}, fields...)
	slices.SortFunc(fs, func(a, b candidtext.FieldValue) int { return cmp.Compare(a.ID, b.ID) })
	return r.Update(ManagementCanister, method, encodeMgmt(cvRecord(fs...), argType), opts...)
}

func snapshotID(t *testing.T, b []byte) []byte {
	t.Helper()
	id, err := blobOf(fieldOf(decodeOne(t, b, "snapshot"), "id"), "id")
	require.NoError(t, err)
	return id
}

// A snapshot brings back the heap, globals, stable memory and certified
// data; snapshots are listed, replaced, limited, deleted, and kept only
// for controllers.
func TestCanisterSnapshots(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, counter)
	mgmt := func(method string, fields ...candidtext.FieldValue) (*Result, error) {
		return snapshotCall(r, id, method, nil, fields...)
	}
	get := func() []uint64 { return u64s(reply(t)(r.Query(id, "get", nil))) }
	inc := func() { reply(t)(r.Update(id, "inc", nil)) }
	list := func() []candidtext.Value {
		return decodeOne(t, reply(t)(mgmt("list_canister_snapshots")), "list_canister_snapshots_result").Elems
	}
	blob := func(b []byte) candidtext.Value { return cvBlob(b) }

	inc()
	snapID := snapshotID(t, reply(t)(mgmt("take_canister_snapshot")))
	require.Equal(t, id.Bytes(), snapID[8:])
	inc()
	inc()
	require.Equal(t, []uint64{3, 3, 3}, get())
	reply(t)(mgmt("load_canister_snapshot", cvField("snapshot_id", blob(snapID))))
	require.Equal(t, []uint64{1, 1, 1}, get(), "heap, global and stable memory are the snapshot's")
	cs, err := r.CertifiedState()
	require.NoError(t, err)
	require.Equal(t, []byte{1, 0, 0, 0, 0, 0, 0, 0}, cs[0].CertifiedData)
	inc()
	require.Equal(t, []uint64{2, 2, 2}, get(), "the loaded canister runs on")
	require.Len(t, list(), 1)

	// The limit, and replace_snapshot.
	for range maxSnapshots - 1 {
		reply(t)(mgmt("take_canister_snapshot"))
	}
	res, err := mgmt("take_canister_snapshot")
	reject(t, res, err, CanisterReject, ErrCodeCanisterRejectedMessage, "the most it may have")
	reply(t)(mgmt("take_canister_snapshot", cvField("replace_snapshot", cvOpt(&[]candidtext.Value{blob(snapID)}[0]))))
	res, err = mgmt("load_canister_snapshot", cvField("snapshot_id", blob(snapID)))
	reject(t, res, err, DestinationInvalid, ErrCodeCanisterSnapshotNotFound, "has no snapshot")

	// delete; not found; only controllers.
	require.Len(t, list(), maxSnapshots)
	first, err := blobOf(fieldOf(&list()[0], "id"), "id")
	require.NoError(t, err)
	reply(t)(mgmt("delete_canister_snapshot", cvField("snapshot_id", blob(first))))
	res, err = mgmt("delete_canister_snapshot", cvField("snapshot_id", blob(first)))
	reject(t, res, err, DestinationInvalid, ErrCodeCanisterSnapshotNotFound, "has no snapshot")
	other := principal.FromBytes([]byte{9, 9, 9})
	res, err = snapshotCall(r, id, "list_canister_snapshots", []CallOption{WithCaller(other)})
	reject(t, res, err, CanisterError, ErrCodeCanisterInvalidController, "only the controllers")

	// uninstall_code after the snapshot; loading it brings the code back.
	last := snapshotID(t, reply(t)(mgmt("take_canister_snapshot", cvField("uninstall_code", cvOpt(&[]candidtext.Value{cvBool(true)}[0])))))
	res, err = r.Query(id, "get", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterWasmModuleNotFound, "")
	reply(t)(mgmt("load_canister_snapshot", cvField("snapshot_id", blob(last))))
	require.Equal(t, []uint64{2, 2, 2}, get())

	// Snapshots survive SaveState and LoadState.
	inc()
	var buf bytes.Buffer
	require.NoError(t, r.SaveState(&buf))
	r2 := newReplica(t)
	require.NoError(t, r2.LoadState(&buf))
	reply(t)(snapshotCall(r2, id, "load_canister_snapshot", nil, cvField("snapshot_id", blob(last))))
	require.Equal(t, []uint64{2, 2, 2}, u64s(reply(t)(r2.Query(id, "get", nil))))
	res, err = snapshotCall(r2, id, "take_canister_snapshot", nil, cvField("replace_snapshot", cvOpt(&[]candidtext.Value{blob(last)}[0])))
	require.NotEqual(t, last, snapshotID(t, reply(t)(res, err)), "ids are not reused")

	// Deleting the canister deletes its snapshots.
	require.NoError(t, r.Stop(id))
	require.NoError(t, r.Delete(id))
	require.Nil(t, r.findSnapshot(last))
}
