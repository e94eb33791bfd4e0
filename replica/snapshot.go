package replica

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/internal/validate"
	"github.com/icgo/icgo/replica/internal/stablemem"
	"github.com/tetratelabs/wazero/api"
)

// Canister snapshots (IC interface specification, "IC method
// take_canister_snapshot", "load_canister_snapshot",
// "list_canister_snapshots", "delete_canister_snapshot"): a snapshot holds
// the canister's Wasm module, memory and mutable globals, stable memory,
// certified data, global timer, low-memory hook state and chunk store.

// maxSnapshots is the number of snapshots a canister may have.
const maxSnapshots = 10

// maxSnapshotBytes bounds the memory the replica's snapshots take, all
// canisters together: each holds a copy of a heap (up to 4 GiB) and of
// stable memory, in the host's memory. The IC charges snapshots as the
// canister's memory instead.
const maxSnapshotBytes = 8 << 30

// ErrCodeCanisterSnapshotNotFound is DFINITY's error code for a snapshot
// id that names no snapshot of the canister (reject code 3).
const ErrCodeCanisterSnapshotNotFound = "IC0305"

// ErrCodeCanisterSnapshotImmutable is DFINITY's error code for data
// uploaded to a snapshot that was taken, not uploaded (reject code 4).
const ErrCodeCanisterSnapshotImmutable = "IC0409"

type canisterSnapshot struct {
	id          []byte // the local index (8 bytes, big-endian), then the canister id
	taken       uint64 // ns
	version     uint64 // the canister's version when it was taken
	code        *codeModule
	pages       uint32
	heap        []byte
	globals     []uint64
	globalTypes []api.ValueType
	stablePages uint64
	stable      map[uint64][]byte
	certified   []byte
	timer       uint64
	lowMemory   lowMemoryStatus
	chunks      map[[32]byte][]byte

	// A snapshot made by upload_canister_snapshot_metadata (and filled by
	// upload_canister_snapshot_data) has its module's bytes, not compiled
	// code, until it is loaded; its timer and low-memory state may be
	// absent (then a load keeps the canister's).
	uploaded               bool
	module                 []byte
	timerSet, lowMemorySet bool
}

// moduleBytes is the snapshot's Wasm module.
func (s *canisterSnapshot) moduleBytes() []byte {
	if s.code != nil {
		return s.code.src
	}
	return s.module
}

func (s *canisterSnapshot) size() uint64 {
	n := uint64(len(s.heap)) + uint64(len(s.stable))*stablemem.ChunkSize + uint64(len(s.moduleBytes())) + uint64(len(s.certified))
	for _, c := range s.chunks {
		n += uint64(len(c))
	}
	return n
}

func (s *canisterSnapshot) value() candidtext.Value {
	return cvRecord(cvField("id", cvBlob(s.id)), cvField("taken_at_timestamp", cvNat64(s.taken)), cvField("total_size", cvNat64(s.size())))
}

func copyChunks[K comparable](m map[K][]byte) map[K][]byte {
	out := make(map[K][]byte, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

// mgmtTakeSnapshot is take_canister_snapshot.
func (r *Replica) mgmtTakeSnapshot(call *mgmtCall) ([]byte, error) {
	c, v, err := r.mgmtControlled(call, "take_canister_snapshot_args")
	if err != nil {
		return nil, err
	}
	if c.code == nil {
		return nil, &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterWasmModuleNotFound,
			Message: fmt.Sprintf("canister %s has no Wasm module: there is nothing to snapshot", c.id)}
	}
	replace, err := r.snapshotSlot(c, v, uint64(memoryPages(memoryOf(c.inst)))*wasmPageSize+c.stable.Size()*stablemem.PageSize)
	if err != nil {
		return nil, err
	}
	s := &canisterSnapshot{taken: r.now, version: c.version, code: c.code, certified: slices.Clone(c.certifiedData), timer: c.timer,
		lowMemory: c.lowMemory, chunks: copyChunks(r.sched.mgmt.chunks[c.id]), timerSet: true, lowMemorySet: true}
	s.pages, s.heap, s.globals = instanceState(c.inst, c.globals)
	for _, g := range c.globals {
		s.globalTypes = append(s.globalTypes, g.Type())
	}
	pages, stable := c.stable.Export()
	s.stablePages, s.stable = pages, copyChunks(stable)
	r.useModule(c.code)
	r.addSnapshot(c, s, replace)
	if u := optOf(fieldOf(v, "uninstall_code")); u != nil && u.Kind == candidtext.KindBool && u.Bool {
		if err := r.uninstall(c, call.caller); err != nil {
			return nil, err
		}
	}
	return encodeMgmt(s.value(), "snapshot"), nil
}

// mgmtLoadSnapshot is load_canister_snapshot: the caller must control the
// canister and the one the snapshot was taken of.
func (r *Replica) mgmtLoadSnapshot(call *mgmtCall) ([]byte, error) {
	c, v, err := r.mgmtControlled(call, "load_canister_snapshot_args")
	if err != nil {
		return nil, err
	}
	id, err := blobOf(fieldOf(v, "snapshot_id"), "snapshot_id")
	if err != nil {
		return nil, err
	}
	s := r.findSnapshot(id)
	if s == nil {
		return nil, snapshotNotFound(c, id)
	}
	if src := r.canisters[CanisterID{string(id[8:])}]; src != c {
		if rej := checkController(src, call.caller); rej != nil {
			return nil, rej
		}
	}
	code := s.code
	if code == nil { // an uploaded snapshot
		if code, err = r.loadModuleNow(s.module, MaxWasmMemory); err != nil {
			return nil, err
		}
	}
	inst, globals, err := r.instantiate(code, nil)
	if err != nil {
		return nil, fmt.Errorf("replica: loading snapshot %x: %w", id, err)
	}
	if err := restoreInstanceState(inst, globals, s.pages, s.heap, s.globals); err != nil {
		r.closeInstance(inst)
		return nil, &Reject{Code: CanisterReject, ErrorCode: ErrCodeInvalidManagementPayload, Message: fmt.Sprintf("snapshot %x does not fit its module: %v", id, err)}
	}
	if err := r.commitHeap(inst); err != nil {
		r.closeInstance(inst)
		return nil, err
	}
	stable, err := stablemem.Import(s.stablePages, copyChunks(s.stable))
	if err != nil {
		r.closeInstance(inst)
		return nil, err
	}
	if c.inst != nil {
		r.closeInstance(c.inst)
	}
	r.useModule(code)
	r.releaseModule(c.code)
	c.code, c.inst, c.globals, c.stable, c.snap = code, inst, globals, stable, heapSnapshot{}
	c.certifiedData = slices.Clone(s.certified)
	if s.timerSet {
		c.timer = s.timer
	}
	if s.lowMemorySet {
		c.lowMemory = s.lowMemory
	}
	r.sched.mgmt.chunks[c.id] = copyChunks(s.chunks)
	c.version++
	r.recordChange(c, call.caller, loadSnapshotChange(s, CanisterID{string(id[8:])}, c.id))
	return emptyReply, nil
}

// mgmtListSnapshots is list_canister_snapshots, for whom the canister's
// snapshot_visibility allows.
func (r *Replica) mgmtListSnapshots(call *mgmtCall) ([]byte, error) {
	c, _, err := r.snapshotViewer(call, "canister_id_args")
	if err != nil {
		return nil, err
	}
	var vs []candidtext.Value
	for _, s := range c.snapshots {
		vs = append(vs, s.value())
	}
	return encodeMgmt(cvVec(vs...), "list_canister_snapshots_result"), nil
}

// snapshotViewer decodes a request about a canister's snapshots and checks
// the caller against the canister's snapshot_visibility (spec "IC method
// read_canister_snapshot_metadata").
func (r *Replica) snapshotViewer(call *mgmtCall, argType string) (*canister, *candidtext.Value, error) {
	v, err := decodeMgmt(call.arg, argType)
	if err != nil {
		return nil, nil, err
	}
	c, err := r.mgmtTarget(v, "canister_id")
	if err != nil {
		return nil, nil, err
	}
	if !mayView(c, call.caller, r.sched.mgmt.settingsOf(c.id).snapshotVisibility) {
		return nil, nil, &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterInvalidController,
			Message: fmt.Sprintf("caller %s may not see the snapshots of canister %s (its snapshot_visibility)", principalText(call.caller), c.id)}
	}
	return c, v, nil
}

// maxSnapshotRead is the largest chunk read_canister_snapshot_data gives.
const maxSnapshotRead = 2_000_000

// snapshotOf finds the snapshot a request names among c's.
func snapshotOf(c *canister, v *candidtext.Value) (*canisterSnapshot, error) {
	id, err := blobOf(fieldOf(v, "snapshot_id"), "snapshot_id")
	if err != nil {
		return nil, err
	}
	i := c.snapshotIndex(id)
	if i < 0 {
		return nil, snapshotNotFound(c, id)
	}
	return c.snapshots[i], nil
}

// mgmtReadSnapshotMetadata is read_canister_snapshot_metadata.
func (r *Replica) mgmtReadSnapshotMetadata(call *mgmtCall) ([]byte, error) {
	c, v, err := r.snapshotViewer(call, "read_canister_snapshot_metadata_args")
	if err != nil {
		return nil, err
	}
	s, err := snapshotOf(c, v)
	if err != nil {
		return nil, err
	}
	var globals []candidtext.Value
	for i, g := range s.globals {
		switch s.globalTypes[i] {
		case api.ValueTypeI32:
			globals = append(globals, cvVariant("i32", candidtext.Value{Kind: candidtext.KindInt32, Int: big.NewInt(int64(int32(g)))}))
		case api.ValueTypeI64:
			globals = append(globals, cvVariant("i64", candidtext.Value{Kind: candidtext.KindInt64, Int: big.NewInt(int64(g))}))
		case api.ValueTypeF32:
			globals = append(globals, cvVariant("f32", candidtext.Value{Kind: candidtext.KindFloat32, Float: float64(math.Float32frombits(uint32(g)))}))
		default:
			globals = append(globals, cvVariant("f64", candidtext.Value{Kind: candidtext.KindFloat64, Float: math.Float64frombits(g)}))
		}
	}
	var hashes []candidtext.Value
	for _, h := range slices.SortedFunc(maps.Keys(s.chunks), func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) }) {
		hashes = append(hashes, cvRecord(cvField("hash", cvBlob(h[:]))))
	}
	var timer, hook *candidtext.Value
	if s.timerSet {
		t := cvVariant("inactive", cvNull())
		if s.timer != 0 {
			t = cvVariant("active", cvNat64(s.timer))
		}
		timer = &t
	}
	if s.lowMemorySet {
		h := cvVariant("condition_not_satisfied", cvNull())
		if s.lowMemory == lowMemoryExecuted {
			h = cvVariant("executed", cvNull())
		}
		hook = &h
	}
	source := "taken_from_canister"
	if s.uploaded {
		source = "metadata_upload"
	}
	return encodeMgmt(cvRecord(
		cvField("source", cvVariant(source, candidtext.Value{Kind: candidtext.KindReserved})),
		cvField("taken_at_timestamp", cvNat64(s.taken)),
		cvField("wasm_module_size", cvNat64(uint64(len(s.moduleBytes())))),
		cvField("globals", cvVec(globals...)),
		cvField("wasm_memory_size", cvNat64(uint64(len(s.heap)))),
		cvField("stable_memory_size", cvNat64(s.stablePages*stablemem.PageSize)),
		cvField("wasm_chunk_store", cvVec(hashes...)),
		cvField("canister_version", cvNat64(s.version)),
		cvField("certified_data", cvBlob(s.certified)),
		cvField("global_timer", cvOpt(timer)),
		cvField("on_low_wasm_memory_hook_status", cvOpt(hook)),
	), "read_canister_snapshot_metadata_response"), nil
}

// mgmtReadSnapshotData is read_canister_snapshot_data: a slice of the
// module, the Wasm memory or stable memory (at most maxSnapshotRead
// bytes), or a chunk of the chunk store.
func (r *Replica) mgmtReadSnapshotData(call *mgmtCall) ([]byte, error) {
	c, v, err := r.snapshotViewer(call, "read_canister_snapshot_data_args")
	if err != nil {
		return nil, err
	}
	s, err := snapshotOf(c, v)
	if err != nil {
		return nil, err
	}
	kind, payload, err := variantOf(fieldOf(v, "kind"), "kind", "wasm_module", "wasm_memory", "stable_memory", "wasm_chunk")
	if err != nil {
		return nil, err
	}
	var chunk []byte
	if kind == "wasm_chunk" {
		h, err := blobOf(fieldOf(payload, "hash"), "hash")
		if err != nil {
			return nil, err
		}
		var ok bool
		if len(h) == 32 {
			chunk, ok = s.chunks[[32]byte(h)]
		}
		if !ok {
			return nil, &Reject{Code: CanisterReject, ErrorCode: ErrCodeInvalidManagementPayload, Message: fmt.Sprintf("snapshot %x has no chunk %x", s.id, h)}
		}
		return encodeMgmt(cvRecord(cvField("chunk", cvBlob(chunk))), "read_canister_snapshot_data_response"), nil
	}
	off, err1 := u64Field(payload, "offset")
	size, err2 := u64Field(payload, "size")
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	total := map[string]uint64{"wasm_module": uint64(len(s.moduleBytes())), "wasm_memory": uint64(len(s.heap)), "stable_memory": s.stablePages * stablemem.PageSize}[kind]
	if size > maxSnapshotRead || off > total || size > total-off {
		return nil, &Reject{Code: CanisterReject, ErrorCode: ErrCodeInvalidManagementPayload,
			Message: fmt.Sprintf("read_canister_snapshot_data: [%d, +%d) of %s (%d bytes; at most %d a read)", off, size, kind, total, maxSnapshotRead)}
	}
	switch kind {
	case "wasm_module":
		chunk = s.moduleBytes()[off : off+size]
	case "wasm_memory":
		chunk = s.heap[off : off+size]
	default:
		chunk = make([]byte, size)
		for i := uint64(0); i < size; {
			at := off + i
			n := min(stablemem.ChunkSize-at%stablemem.ChunkSize, size-i)
			if c, ok := s.stable[at/stablemem.ChunkSize]; ok {
				copy(chunk[i:i+n], c[at%stablemem.ChunkSize:])
			}
			i += n
		}
	}
	return encodeMgmt(cvRecord(cvField("chunk", cvBlob(chunk))), "read_canister_snapshot_data_response"), nil
}

// u64Field is a nat64 field of a record.
func u64Field(v *candidtext.Value, name string) (uint64, error) {
	f := fieldOf(v, name)
	if f == nil || f.Int == nil || !f.Int.IsUint64() {
		return 0, &argErr{fmt.Sprintf("field %s: expected a nat64", name)}
	}
	return f.Int.Uint64(), nil
}

// mgmtDeleteSnapshot is delete_canister_snapshot.
func (r *Replica) mgmtDeleteSnapshot(call *mgmtCall) ([]byte, error) {
	c, v, err := r.mgmtControlled(call, "delete_canister_snapshot_args")
	if err != nil {
		return nil, err
	}
	s, err := snapshotOf(c, v)
	if err != nil {
		return nil, err
	}
	r.releaseModule(s.code)
	c.snapshots = slices.DeleteFunc(c.snapshots, func(x *canisterSnapshot) bool { return x == s })
	return emptyReply, nil
}

// dropSnapshots deletes a canister's snapshots (when it is deleted).
func (r *Replica) dropSnapshots(c *canister) {
	for _, s := range c.snapshots {
		r.releaseModule(s.code)
	}
	c.snapshots = nil
}

// snapshotSlot checks that c may have one more snapshot, of size bytes:
// the one that v's replace_snapshot names, if any, makes room (its index
// is returned, -1 for none); else c must have fewer than maxSnapshots; and
// all snapshots together stay within maxSnapshotBytes.
func (r *Replica) snapshotSlot(c *canister, v *candidtext.Value, size uint64) (int, error) {
	replace := -1
	if f := optOf(fieldOf(v, "replace_snapshot")); f != nil {
		id, err := blobOf(f, "replace_snapshot")
		if err != nil {
			return 0, err
		}
		if replace = c.snapshotIndex(id); replace < 0 {
			return 0, snapshotNotFound(c, id)
		}
	}
	if replace < 0 && len(c.snapshots) >= maxSnapshots {
		return 0, &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage,
			Message: fmt.Sprintf("canister %s has %d snapshots, the most it may have: replace or delete one", c.id, maxSnapshots)}
	}
	if need := r.snapshotBytes() + size; need > maxSnapshotBytes {
		return 0, &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage,
			Message: fmt.Sprintf("the icgo replica keeps at most %d bytes of snapshots, and this one would bring them to %d: delete some", uint64(maxSnapshotBytes), need)}
	}
	return replace, nil
}

// addSnapshot gives s its id (the next local index, then the canister id,
// as the IC's) and adds it to c, deleting the snapshot it replaces.
func (r *Replica) addSnapshot(c *canister, s *canisterSnapshot, replace int) {
	s.id = binary.BigEndian.AppendUint64(nil, r.nextSnapshot)
	s.id = append(s.id, c.id.Bytes()...)
	r.nextSnapshot++
	if replace >= 0 {
		r.releaseModule(c.snapshots[replace].code)
		c.snapshots = slices.Delete(c.snapshots, replace, replace+1)
	}
	c.snapshots = append(c.snapshots, s)
}

// snapshotBytes is the memory all canisters' snapshots take.
func (r *Replica) snapshotBytes() uint64 {
	var n uint64
	for _, c := range r.canisters {
		n += c.snapshotsSize()
	}
	return n
}

// snapshotsSize is the memory the canister's snapshots take.
func (c *canister) snapshotsSize() uint64 {
	var n uint64
	for _, s := range c.snapshots {
		n += s.size()
	}
	return n
}

func (c *canister) snapshotIndex(id []byte) int {
	return slices.IndexFunc(c.snapshots, func(s *canisterSnapshot) bool { return bytes.Equal(s.id, id) })
}

func (r *Replica) findSnapshot(id []byte) *canisterSnapshot {
	if len(id) < 8 {
		return nil
	}
	src := r.canisters[CanisterID{string(id[8:])}]
	if src == nil {
		return nil
	}
	if i := src.snapshotIndex(id); i >= 0 {
		return src.snapshots[i]
	}
	return nil
}

func snapshotNotFound(c *canister, id []byte) *Reject {
	return &Reject{Code: DestinationInvalid, ErrorCode: ErrCodeCanisterSnapshotNotFound,
		Message: fmt.Sprintf("canister %s has no snapshot with id %x", c.id, id)}
}

// mgmtUploadSnapshotMetadata is upload_canister_snapshot_metadata: a new
// snapshot of the given sizes (filled by upload_canister_snapshot_data),
// replacing replace_snapshot if given.
func (r *Replica) mgmtUploadSnapshotMetadata(call *mgmtCall) ([]byte, error) {
	c, v, err := r.mgmtControlled(call, "upload_canister_snapshot_metadata_args")
	if err != nil {
		return nil, err
	}
	var sizes [3]uint64
	for i, f := range []string{"wasm_module_size", "wasm_memory_size", "stable_memory_size"} {
		if sizes[i], err = u64Field(v, f); err != nil {
			return nil, err
		}
	}
	bad := func(format string, args ...any) error {
		return &Reject{Code: CanisterReject, ErrorCode: ErrCodeInvalidManagementPayload, Message: "upload_canister_snapshot_metadata: " + fmt.Sprintf(format, args...)}
	}
	switch {
	case sizes[0] > validate.MaxModuleSize:
		return nil, bad("a module of %d bytes; at most %d", sizes[0], validate.MaxModuleSize)
	case sizes[1]%wasmPageSize != 0 || sizes[1] > MaxWasmMemory:
		return nil, bad("a Wasm memory of %d bytes: a multiple of 64 KiB, at most %d", sizes[1], uint64(MaxWasmMemory))
	case sizes[2]%stablemem.PageSize != 0 || sizes[2] > stablemem.MaxPages*stablemem.PageSize:
		return nil, bad("a stable memory of %d bytes: a multiple of 64 KiB, at most %d", sizes[2], uint64(stablemem.MaxPages*stablemem.PageSize))
	}
	replace, err := r.snapshotSlot(c, v, sizes[0]+sizes[1]+sizes[2])
	if err != nil {
		return nil, err
	}
	certified, err := blobOf(fieldOf(v, "certified_data"), "certified_data")
	if err != nil {
		return nil, err
	}
	if len(certified) > 32 {
		return nil, bad("certified_data of %d bytes; at most 32", len(certified))
	}
	s := &canisterSnapshot{taken: r.now, version: c.version, uploaded: true, module: make([]byte, sizes[0]),
		pages: uint32(sizes[1] / wasmPageSize), heap: make([]byte, sizes[1]), stablePages: sizes[2] / stablemem.PageSize,
		stable: map[uint64][]byte{}, certified: slices.Clone(certified), chunks: map[[32]byte][]byte{}}
	if err := s.uploadGlobals(fieldOf(v, "globals")); err != nil {
		return nil, err
	}
	if t := optOf(fieldOf(v, "global_timer")); t != nil {
		name, at, err := variantOf(t, "global_timer", "inactive", "active")
		if err != nil {
			return nil, err
		}
		s.timerSet = true
		if name == "active" && at != nil && at.Int != nil && at.Int.IsUint64() {
			s.timer = at.Int.Uint64()
		}
	}
	if h := optOf(fieldOf(v, "on_low_wasm_memory_hook_status")); h != nil {
		name, _, err := variantOf(h, "on_low_wasm_memory_hook_status", "condition_not_satisfied", "ready", "executed")
		if err != nil {
			return nil, err
		}
		s.lowMemorySet = true
		if name == "executed" {
			s.lowMemory = lowMemoryExecuted
		}
	}
	r.addSnapshot(c, s, replace)
	return encodeMgmt(cvRecord(cvField("snapshot_id", cvBlob(s.id))), "upload_canister_snapshot_metadata_response"), nil
}

// uploadGlobals reads the uploaded values of the module's globals.
func (s *canisterSnapshot) uploadGlobals(v *candidtext.Value) error {
	if v == nil || v.Kind != candidtext.KindVec {
		return &argErr{"field globals: expected a vec"}
	}
	for i := range v.Elems {
		name, g, err := variantOf(&v.Elems[i], "globals", "i32", "i64", "f32", "f64", "v128")
		if err != nil {
			return err
		}
		var bits uint64
		var typ api.ValueType
		switch name {
		case "i32":
			typ, bits = api.ValueTypeI32, uint64(uint32(g.Int.Int64()))
		case "i64":
			typ, bits = api.ValueTypeI64, uint64(g.Int.Int64())
		case "f32":
			typ, bits = api.ValueTypeF32, uint64(math.Float32bits(float32(g.Float)))
		case "f64":
			typ, bits = api.ValueTypeF64, math.Float64bits(g.Float)
		default:
			return &Reject{Code: CanisterReject, ErrorCode: ErrCodeInvalidManagementPayload, Message: "upload_canister_snapshot_metadata: v128 globals are not supported (Go and the IC's canisters have none)"}
		}
		s.globals, s.globalTypes = append(s.globals, bits), append(s.globalTypes, typ)
	}
	return nil
}

// mgmtUploadSnapshotData is upload_canister_snapshot_data: bytes of the
// module, the Wasm memory or stable memory at an offset, or a chunk of the
// chunk store, into a snapshot made by upload_canister_snapshot_metadata.
func (r *Replica) mgmtUploadSnapshotData(call *mgmtCall) ([]byte, error) {
	c, v, err := r.mgmtControlled(call, "upload_canister_snapshot_data_args")
	if err != nil {
		return nil, err
	}
	s, err := snapshotOf(c, v)
	if err != nil {
		return nil, err
	}
	if !s.uploaded {
		return nil, &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterSnapshotImmutable,
			Message: fmt.Sprintf("snapshot %x was taken from the canister: only an uploaded snapshot takes data", s.id)}
	}
	data, err := blobOf(fieldOf(v, "chunk"), "chunk")
	if err != nil {
		return nil, err
	}
	kind, payload, err := variantOf(fieldOf(v, "kind"), "kind", "wasm_module", "wasm_memory", "stable_memory", "wasm_chunk")
	if err != nil {
		return nil, err
	}
	if kind == "wasm_chunk" {
		if len(data) > 1<<20 || len(s.chunks) >= maxStoreChunks {
			return nil, &Reject{Code: CanisterReject, ErrorCode: ErrCodeInvalidManagementPayload,
				Message: fmt.Sprintf("upload_canister_snapshot_data: chunks have at most 1 MiB and a store at most %d", maxStoreChunks)}
		}
		s.chunks[sha256.Sum256(data)] = slices.Clone(data)
		return emptyReply, nil
	}
	off, err := u64Field(payload, "offset")
	if err != nil {
		return nil, err
	}
	total := map[string]uint64{"wasm_module": uint64(len(s.module)), "wasm_memory": uint64(len(s.heap)), "stable_memory": s.stablePages * stablemem.PageSize}[kind]
	if off > total || uint64(len(data)) > total-off {
		return nil, &Reject{Code: CanisterReject, ErrorCode: ErrCodeInvalidManagementPayload,
			Message: fmt.Sprintf("upload_canister_snapshot_data: [%d, +%d) is outside %s (%d bytes)", off, len(data), kind, total)}
	}
	switch kind {
	case "wasm_module":
		copy(s.module[off:], data)
	case "wasm_memory":
		copy(s.heap[off:], data)
	default:
		for i := uint64(0); i < uint64(len(data)); {
			at := off + i
			n := min(stablemem.ChunkSize-at%stablemem.ChunkSize, uint64(len(data))-i)
			ch := s.stable[at/stablemem.ChunkSize]
			if ch == nil {
				ch = make([]byte, stablemem.ChunkSize)
				s.stable[at/stablemem.ChunkSize] = ch
			}
			copy(ch[at%stablemem.ChunkSize:], data[i:i+n])
			i += n
		}
	}
	return emptyReply, nil
}
