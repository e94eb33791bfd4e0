package replica

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/replica/internal/stablemem"
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

type canisterSnapshot struct {
	id          []byte // the local index (8 bytes, big-endian), then the canister id
	taken       uint64 // ns
	version     uint64 // the canister's version when it was taken
	code        *codeModule
	pages       uint32
	heap        []byte
	globals     []uint64
	stablePages uint64
	stable      map[uint64][]byte
	certified   []byte
	timer       uint64
	lowMemory   lowMemoryStatus
	chunks      map[[32]byte][]byte
}

func (s *canisterSnapshot) size() uint64 {
	n := uint64(len(s.heap)) + uint64(len(s.stable))*stablemem.ChunkSize + uint64(len(s.code.src)) + uint64(len(s.certified))
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
	v, err := decodeMgmt(call.arg, "take_canister_snapshot_args")
	if err != nil {
		return nil, err
	}
	c, err := r.mgmtTarget(v, "canister_id")
	if err != nil {
		return nil, err
	}
	if rej := checkController(c, call.caller); rej != nil {
		return nil, rej
	}
	if c.code == nil {
		return nil, &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterWasmModuleNotFound,
			Message: fmt.Sprintf("canister %s has no Wasm module: there is nothing to snapshot", c.id)}
	}
	replace := -1
	if f := optOf(fieldOf(v, "replace_snapshot")); f != nil {
		id, err := blobOf(f, "replace_snapshot")
		if err != nil {
			return nil, err
		}
		if replace = c.snapshotIndex(id); replace < 0 {
			return nil, snapshotNotFound(c, id)
		}
	}
	if replace < 0 && len(c.snapshots) >= maxSnapshots {
		return nil, &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage,
			Message: fmt.Sprintf("canister %s has %d snapshots, the most it may have: replace or delete one", c.id, maxSnapshots)}
	}
	s := &canisterSnapshot{taken: r.now, version: c.version, code: c.code, certified: slices.Clone(c.certifiedData), timer: c.timer,
		lowMemory: c.lowMemory, chunks: copyChunks(r.sched.mgmt.chunks[c.id])}
	s.id = binary.BigEndian.AppendUint64(nil, r.nextSnapshot)
	s.id = append(s.id, c.id.Bytes()...)
	r.nextSnapshot++
	if need := r.snapshotBytes() + uint64(memoryPages(memoryOf(c.inst)))*wasmPageSize + c.stable.Size()*stablemem.PageSize; need > maxSnapshotBytes {
		return nil, &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage,
			Message: fmt.Sprintf("the icgo replica keeps at most %d bytes of snapshots, and this one would bring them to %d: delete some", uint64(maxSnapshotBytes), need)}
	}
	s.pages, s.heap, s.globals = instanceState(c.inst, c.globals)
	pages, stable := c.stable.Export()
	s.stablePages, s.stable = pages, copyChunks(stable)
	r.useModule(c.code)
	if replace >= 0 {
		r.releaseModule(c.snapshots[replace].code)
		c.snapshots = slices.Delete(c.snapshots, replace, replace+1)
	}
	c.snapshots = append(c.snapshots, s)
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
	v, err := decodeMgmt(call.arg, "load_canister_snapshot_args")
	if err != nil {
		return nil, err
	}
	c, err := r.mgmtTarget(v, "canister_id")
	if err != nil {
		return nil, err
	}
	if rej := checkController(c, call.caller); rej != nil {
		return nil, rej
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
	inst, globals, err := r.instantiate(s.code, nil)
	if err != nil {
		return nil, fmt.Errorf("replica: loading snapshot %x: %w", id, err)
	}
	if err := restoreInstanceState(inst, globals, s.pages, s.heap, s.globals); err != nil {
		r.closeInstance(inst)
		return nil, fmt.Errorf("replica: loading snapshot %x: %w", id, err)
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
	r.useModule(s.code)
	r.releaseModule(c.code)
	c.code, c.inst, c.globals, c.stable, c.snap = s.code, inst, globals, stable, heapSnapshot{}
	c.certifiedData, c.timer, c.lowMemory = slices.Clone(s.certified), s.timer, s.lowMemory
	r.sched.mgmt.chunks[c.id] = copyChunks(s.chunks)
	c.version++
	r.recordChange(c, call.caller, loadSnapshotChange(s, CanisterID{string(id[8:])}, c.id))
	return emptyReply, nil
}

// mgmtListSnapshots is list_canister_snapshots (for controllers).
func (r *Replica) mgmtListSnapshots(call *mgmtCall) ([]byte, error) {
	return r.mgmtOnCanister(call, "canister_id_args", func(c *canister) ([]byte, error) {
		var vs []candidtext.Value
		for _, s := range c.snapshots {
			vs = append(vs, s.value())
		}
		return encodeMgmt(cvVec(vs...), "list_canister_snapshots_result"), nil
	})
}

// mgmtDeleteSnapshot is delete_canister_snapshot.
func (r *Replica) mgmtDeleteSnapshot(call *mgmtCall) ([]byte, error) {
	v, err := decodeMgmt(call.arg, "delete_canister_snapshot_args")
	if err != nil {
		return nil, err
	}
	return r.mgmtOnCanister(call, "delete_canister_snapshot_args", func(c *canister) ([]byte, error) {
		id, err := blobOf(fieldOf(v, "snapshot_id"), "snapshot_id")
		if err != nil {
			return nil, err
		}
		i := c.snapshotIndex(id)
		if i < 0 {
			return nil, snapshotNotFound(c, id)
		}
		r.releaseModule(c.snapshots[i].code)
		c.snapshots = slices.Delete(c.snapshots, i, i+1)
		return emptyReply, nil
	})
}

// dropSnapshots deletes a canister's snapshots (when it is deleted).
func (r *Replica) dropSnapshots(c *canister) {
	for _, s := range c.snapshots {
		r.releaseModule(s.code)
	}
	c.snapshots = nil
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
