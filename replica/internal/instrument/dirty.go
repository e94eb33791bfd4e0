package instrument

import (
	"fmt"

	"github.com/icgo/icgo/internal/wasm"
)

// Dirty-page tracking (Options.DirtyPages). The replica undoes a message's
// writes to the Wasm memory (a trap, or any query: IC interface
// specification, section "Execution of a message") and must not copy the
// whole memory to do so. It keeps an undo log of the 4 KiB chunks a message
// writes: before a chunk is first written, the replica copies it. For that
// the instrumentation makes every write to memory tell the replica first:
//
//   - A table of externref, one entry per 4 KiB chunk of the memory's
//     maximum, is the Wasm side's record of the chunks already reported in
//     this message (non-null: reported). It is not visible to the canister.
//   - Every store (t.store*, v128.store*) first computes the chunk of its
//     effective address, reads that entry, and only if it is null calls
//     the import DirtyChunkFunc (chunk) -> externref, which logs the chunk
//     and returns the non-null value stored in the entry. A store that
//     straddles two chunks is covered because the replica saves each chunk
//     with the bytes of the next one that a store starting in it can reach.
//     An effective address that wraps 32 bits traps in the store anyway, so
//     the address arithmetic is 32-bit.
//   - memory.fill, memory.copy and memory.init call DirtyRangeFunc (dst, n)
//     before they run.
//   - After a message the replica empties the entries it logged, through
//     DirtyClearExport (DirtyClearArity chunks per call), or all of them
//     through DirtyResetExport.
//
// None of these instructions is counted by metering: they are emitted
// besides the instructions that metering counts, and add no segment.
const (
	DirtyChunkFunc    = "dirty_chunk"
	DirtyRangeFunc    = "dirty_range"
	DirtyClearExport  = ReservedPrefix + "dirty_clear"
	DirtyResetExport  = ReservedPrefix + "dirty_reset"
	DirtyClearArity   = 32
	ChunkShift        = 12
	ChunkSize         = 1 << ChunkShift
	maxChunks         = 1 << (32 - ChunkShift) // of a 4 GiB memory
	storeReachesBytes = 16                     // the widest store: v128
)

// ChunkSaveSize is how many bytes the replica saves for a chunk: the chunk
// and what a store starting in it can write past its end.
const ChunkSaveSize = ChunkSize + storeReachesBytes - 1

type dirtyTracking struct {
	chunks    uint32 // table size, a power of two
	table     uint32 // table index
	chunkFunc uint32
	rangeFunc uint32
}

func newDirtyTracking(maxPages uint64) *dirtyTracking {
	n := uint64(1)
	for n < maxPages*(WasmPageSize/ChunkSize) && n < maxChunks {
		n <<= 1
	}
	return &dirtyTracking{chunks: uint32(n)}
}

func (d *dirtyTracking) addTable(m *wasm.Module) {
	d.table = uint32(m.NumImported(wasm.KindTable) + len(m.Tables))
	n := uint64(d.chunks)
	m.Tables = append(m.Tables, wasm.TableType{Elem: wasm.ExternRef, Limits: wasm.Limits{Min: n, Max: n, HasMax: true}})
}

// addExports adds DirtyClearExport and DirtyResetExport.
func (d *dirtyTracking) addExports(m *wasm.Module) {
	params := make([]wasm.ValType, DirtyClearArity)
	for i := range params {
		params[i] = wasm.I32
	}
	var clear []byte
	for i := range DirtyClearArity {
		clear = append(clear, wasm.OpLocalGet, byte(i), wasm.OpRefNull, byte(wasm.ExternRef), wasm.OpTableSet)
		clear = wasm.AppendULEB(clear, uint64(d.table))
	}
	clear = append(clear, wasm.OpEnd)
	reset := []byte{wasm.OpI32Const, 0, wasm.OpRefNull, byte(wasm.ExternRef), wasm.OpI32Const}
	reset = wasm.AppendSLEB(reset, int64(d.chunks))
	reset = append(reset, wasm.OpPrefixFC, wasm.FCTableFill)
	reset = wasm.AppendULEB(reset, uint64(d.table))
	reset = append(reset, wasm.OpEnd)
	for _, f := range []struct {
		name string
		ft   wasm.FuncType
		body []byte
	}{{DirtyClearExport, wasm.FuncType{Params: params}, clear}, {DirtyResetExport, wasm.FuncType{}, reset}} {
		idx := uint32(m.NumImported(wasm.KindFunc) + len(m.Funcs))
		m.Funcs = append(m.Funcs, m.TypeIndex(f.ft))
		m.Code = append(m.Code, wasm.Code{Body: f.body})
		m.Exports = append(m.Exports, wasm.Export{Name: f.name, Kind: wasm.KindFunc, Index: idx})
	}
}

// dirtyLocals are the scratch locals of one function body, added on first
// use.
type dirtyLocals struct {
	newLocal        func(wasm.ValType) uint32
	have            map[wasm.ValType]uint32 // value of a store, by type
	addr, chunk     uint32
	dst, src, n     uint32
	haveAddr, haveN bool
}

func (dl *dirtyLocals) value(t wasm.ValType) uint32 {
	if dl.have == nil {
		dl.have = map[wasm.ValType]uint32{}
	}
	if l, ok := dl.have[t]; ok {
		return l
	}
	l := dl.newLocal(t)
	dl.have[t] = l
	return l
}

// storeType returns the type of the value a store writes, or false if in
// does not write memory through a memory argument.
func storeType(in *wasm.Instr) (wasm.ValType, bool, error) {
	switch in.Op {
	case 0x36, 0x3a, 0x3b:
		return wasm.I32, true, nil
	case 0x37, 0x3c, 0x3d, 0x3e:
		return wasm.I64, true, nil
	case 0x38:
		return wasm.F32, true, nil
	case 0x39:
		return wasm.F64, true, nil
	case wasm.OpPrefixSIMD:
		if in.Sub == 11 || (in.Sub >= 88 && in.Sub <= 91) { // v128.store, v128.storeN_lane
			return wasm.V128, true, nil
		}
	case wasm.OpPrefixAtomic:
		if in.Sub != 3 { // atomic.fence
			return 0, false, fmt.Errorf("atomic memory instruction 0xfe %d: the threads proposal is not supported by the IC", in.Sub)
		}
	}
	return 0, false, nil
}

func appendLocal(b []byte, op byte, l uint32) []byte {
	return wasm.AppendULEB(append(b, op), uint64(l))
}

// store emits the chunk check before in if it is a store; the store's
// operands (address, value) are on the stack and are put back.
func (d *dirtyTracking) store(b []byte, in *wasm.Instr, dl *dirtyLocals) ([]byte, error) {
	t, ok, err := storeType(in)
	if err != nil || !ok {
		return b, err
	}
	if in.Offset > 0xffffffff {
		return b, fmt.Errorf("store offset %d does not fit a 32-bit memory", in.Offset)
	}
	if !dl.haveAddr {
		dl.addr, dl.chunk, dl.haveAddr = dl.newLocal(wasm.I32), dl.newLocal(wasm.I32), true
	}
	v := dl.value(t)
	b = appendLocal(b, wasm.OpLocalSet, v)
	b = appendLocal(b, wasm.OpLocalTee, dl.addr)
	if in.Offset != 0 {
		b = wasm.AppendSLEB(append(b, wasm.OpI32Const), int64(int32(uint32(in.Offset))))
		b = append(b, wasm.OpI32Add)
	}
	b = append(b, wasm.OpI32Const, ChunkShift, wasm.OpI32ShrU)
	if d.chunks < maxChunks { // beyond the table: the store traps anyway
		b = wasm.AppendSLEB(append(b, wasm.OpI32Const), int64(d.chunks-1))
		b = append(b, wasm.OpI32And)
	}
	b = appendLocal(b, wasm.OpLocalTee, dl.chunk)
	b = appendLocal(b, wasm.OpTableGet, d.table)
	b = append(b, wasm.OpRefIsNull, wasm.OpIf, blockNil)
	b = appendLocal(b, wasm.OpLocalGet, dl.chunk)
	b = appendLocal(b, wasm.OpLocalGet, dl.chunk)
	b = appendLocal(b, wasm.OpCall, d.chunkFunc)
	b = appendLocal(b, wasm.OpTableSet, d.table)
	b = append(b, wasm.OpEnd)
	b = appendLocal(b, wasm.OpLocalGet, dl.addr)
	return appendLocal(b, wasm.OpLocalGet, v), nil
}

// bulk emits the DirtyRangeFunc call before memory.fill, memory.copy or
// memory.init, whose operands are (dst, value or src, n), all i32.
func (d *dirtyTracking) bulk(b []byte, dl *dirtyLocals) []byte {
	if !dl.haveN {
		dl.dst, dl.src, dl.n, dl.haveN = dl.newLocal(wasm.I32), dl.newLocal(wasm.I32), dl.newLocal(wasm.I32), true
	}
	b = appendLocal(b, wasm.OpLocalSet, dl.n)
	b = appendLocal(b, wasm.OpLocalSet, dl.src)
	b = appendLocal(b, wasm.OpLocalTee, dl.dst)
	b = appendLocal(b, wasm.OpLocalGet, dl.n)
	b = appendLocal(b, wasm.OpCall, d.rangeFunc)
	b = appendLocal(b, wasm.OpLocalGet, dl.dst)
	b = appendLocal(b, wasm.OpLocalGet, dl.src)
	return appendLocal(b, wasm.OpLocalGet, dl.n)
}
