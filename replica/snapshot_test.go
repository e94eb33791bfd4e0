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
		"delete_canister_snapshot": "delete_canister_snapshot_args", "list_canister_snapshots": "canister_id_args",
		"read_canister_snapshot_metadata": "read_canister_snapshot_metadata_args", "read_canister_snapshot_data": "read_canister_snapshot_data_args"}[method]
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
	reject(t, res, err, CanisterError, ErrCodeCanisterInvalidController, "snapshot_visibility")

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

// A snapshot's metadata and data can be read back (as icp canister
// snapshot download does), by whom snapshot_visibility allows.
func TestReadSnapshot(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, counter)
	for range 3 {
		reply(t)(r.Update(id, "inc", nil))
	}
	snapID := snapshotID(t, reply(t)(snapshotCall(r, id, "take_canister_snapshot", nil)))
	sid := cvField("snapshot_id", cvBlob(snapID))
	md := decodeOne(t, reply(t)(snapshotCall(r, id, "read_canister_snapshot_metadata", nil, sid)), "read_canister_snapshot_metadata_response")
	require.Equal(t, uint64(wasmPageSize), fieldOf(md, "wasm_memory_size").Int.Uint64())
	require.Equal(t, uint64(1<<16), fieldOf(md, "stable_memory_size").Int.Uint64())
	require.Equal(t, uint64(len(wat(t, counter))), fieldOf(md, "wasm_module_size").Int.Uint64())
	require.Equal(t, []byte{3, 0, 0, 0, 0, 0, 0, 0}, fieldOf(md, "certified_data").Bytes)
	globals := fieldOf(md, "globals").Elems
	require.NotEmpty(t, globals)

	read := func(kind string, off, size uint64) (*Result, error) {
		k := cvVariant(kind, cvRecord(cvField("offset", cvNat64(off)), cvField("size", cvNat64(size))))
		return snapshotCall(r, id, "read_canister_snapshot_data", nil, sid, cvField("kind", k))
	}
	chunk := func(res *Result, err error) []byte {
		return fieldOf(decodeOne(t, reply(t)(res, err), "read_canister_snapshot_data_response"), "chunk").Bytes
	}
	require.Equal(t, []byte{3, 0, 0, 0, 0, 0, 0, 0}, chunk(read("wasm_memory", 0, 8)), "the heap's count")
	require.Equal(t, []byte{3, 0, 0, 0, 0, 0, 0, 0}, chunk(read("stable_memory", 0, 8)), "stable memory's count")
	require.Equal(t, make([]byte, 5000), chunk(read("stable_memory", 4000, 5000)), "across chunks, zeros")
	require.Equal(t, wat(t, counter)[:4], chunk(read("wasm_module", 0, 4)))
	res, err := read("wasm_memory", wasmPageSize-4, 8)
	reject(t, res, err, CanisterReject, ErrCodeInvalidManagementPayload, "of wasm_memory")
	res, err = read("stable_memory", 0, maxSnapshotRead+1)
	reject(t, res, err, CanisterReject, ErrCodeInvalidManagementPayload, "at most")

	// Others may read only when snapshot_visibility allows it.
	other := principal.FromBytes([]byte{9, 9, 9})
	res, err = snapshotCall(r, id, "read_canister_snapshot_metadata", []CallOption{WithCaller(other)}, sid)
	reject(t, res, err, CanisterError, ErrCodeCanisterInvalidController, "snapshot_visibility")
	settings := encodeMgmt(cvRecord(cvField("canister_id", cvPrincipal(id.Bytes())), cvField("settings", cvRecord(
		cvField("snapshot_visibility", cvOpt(ptr(cvVariant("public", cvNull()))))))), "update_settings_args")
	reply(t)(r.Update(ManagementCanister, "update_settings", settings))
	reply(t)(snapshotCall(r, id, "read_canister_snapshot_metadata", []CallOption{WithCaller(other)}, sid))
	reply(t)(snapshotCall(r, id, "list_canister_snapshots", []CallOption{WithCaller(other)}))
}

// A downloaded snapshot uploaded to another canister and loaded there
// brings the same state (icp canister snapshot download, then upload).
func TestUploadSnapshot(t *testing.T) {
	r := newReplica(t)
	a := installWat(t, r, counter)
	for range 3 {
		reply(t)(r.Update(a, "inc", nil))
	}
	snap := snapshotID(t, reply(t)(snapshotCall(r, a, "take_canister_snapshot", nil)))
	sid := cvField("snapshot_id", cvBlob(snap))
	md := decodeOne(t, reply(t)(snapshotCall(r, a, "read_canister_snapshot_metadata", nil, sid)), "read_canister_snapshot_metadata_response")
	read := func(kind string, size uint64) []byte {
		k := cvVariant(kind, cvRecord(cvField("offset", cvNat64(0)), cvField("size", cvNat64(size))))
		res, err := snapshotCall(r, a, "read_canister_snapshot_data", nil, sid, cvField("kind", k))
		return fieldOf(decodeOne(t, reply(t)(res, err), "read_canister_snapshot_data_response"), "chunk").Bytes
	}
	size := func(f string) uint64 { return fieldOf(md, f).Int.Uint64() }
	module, heap, stable := read("wasm_module", size("wasm_module_size")), read("wasm_memory", size("wasm_memory_size")), read("stable_memory", size("stable_memory_size"))

	b, err := r.CreateCanister()
	require.NoError(t, err)
	meta := []candidtext.FieldValue{cvField("canister_id", cvPrincipal(b.Bytes()))}
	for _, f := range []string{"wasm_module_size", "globals", "wasm_memory_size", "stable_memory_size", "certified_data", "global_timer", "on_low_wasm_memory_hook_status"} {
		meta = append(meta, cvField(f, *fieldOf(md, f)))
	}
	up := decodeOne(t, reply(t)(r.Update(ManagementCanister, "upload_canister_snapshot_metadata", encodeMgmt(cvRecord(meta...), "upload_canister_snapshot_metadata_args"))), "upload_canister_snapshot_metadata_response")
	bsnap, err := blobOf(fieldOf(up, "snapshot_id"), "snapshot_id")
	require.NoError(t, err)
	upload := func(kind string, off uint64, data []byte) (*Result, error) {
		k := cvVariant(kind, cvRecord(cvField("offset", cvNat64(off))))
		arg := cvRecord(cvField("canister_id", cvPrincipal(b.Bytes())), cvField("snapshot_id", cvBlob(bsnap)), cvField("kind", k), cvField("chunk", cvBlob(data)))
		return r.Update(ManagementCanister, "upload_canister_snapshot_data", encodeMgmt(arg, "upload_canister_snapshot_data_args"))
	}
	for _, part := range []struct {
		kind string
		data []byte
	}{{"wasm_module", module}, {"wasm_memory", heap}, {"stable_memory", stable}} {
		for off := 0; off < len(part.data); off += 40_000 { // in pieces, across stable chunks
			reply(t)(upload(part.kind, uint64(off), part.data[off:min(off+40_000, len(part.data))]))
		}
	}
	res, err := upload("wasm_memory", uint64(len(heap)), []byte{1})
	reject(t, res, err, CanisterReject, ErrCodeInvalidManagementPayload, "is outside wasm_memory")
	k := cvVariant("wasm_memory", cvRecord(cvField("offset", cvNat64(0))))
	arg := cvRecord(cvField("canister_id", cvPrincipal(a.Bytes())), cvField("snapshot_id", cvBlob(snap)), cvField("kind", k), cvField("chunk", cvBlob([]byte{1})))
	res, err = r.Update(ManagementCanister, "upload_canister_snapshot_data", encodeMgmt(arg, "upload_canister_snapshot_data_args"))
	reject(t, res, err, CanisterReject, ErrCodeCanisterSnapshotImmutable, "taken from the canister")

	reply(t)(snapshotCall(r, b, "load_canister_snapshot", nil, cvField("snapshot_id", cvBlob(bsnap))))
	require.Equal(t, []uint64{3, 3, 3}, u64s(reply(t)(r.Query(b, "get", nil))))
	md2 := decodeOne(t, reply(t)(snapshotCall(r, b, "read_canister_snapshot_metadata", nil, cvField("snapshot_id", cvBlob(bsnap)))), "read_canister_snapshot_metadata_response")
	require.Equal(t, "metadata_upload", fieldOf(md2, "source").Fields[0].Name)

	// Sizes are checked before anything is allocated.
	meta[3] = cvField("wasm_memory_size", cvNat64(1<<40))
	res, err = r.Update(ManagementCanister, "upload_canister_snapshot_metadata", encodeMgmt(cvRecord(meta...), "upload_canister_snapshot_metadata_args"))
	reject(t, res, err, CanisterReject, ErrCodeInvalidManagementPayload, "a multiple of 64 KiB, at most")
}
