package postproc

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/icgo/icgo/internal/wasm"
)

// The Go linker's findfunctab (runtime.findfuncbucket: a uint32 index and
// 16 bytes of sub-bucket deltas per 4096 bytes of PC) is mostly zeros on
// wasm: a PC is a function index times 65536 plus a resume point, so each
// function covers 16 buckets that hold the same index and no deltas. It
// is a tenth to a fifth of a Go module's raw size (0.7 MB of a 3.7 MB
// hello canister), although gzip shrinks it to about 8 KB.
//
// packTable stores such a table of records (a uint32 value, then zeros to
// the next record) as runs of (value, count) at the table's own address,
// and unpackCode, called first by canister_init and canister_post_upgrade
// (whenever the data segments have just been written to a fresh memory),
// writes the records back before any Go code runs. The unpacking goes from
// the last run to the first, so that it never overwrites a run it has not
// read (see packTable), and leaves the memory exactly as the data segments
// did before: Process checks that by running the same steps in Go.

const (
	tableStride     = 20       // bytes per record: runtime.findfuncbucket
	minPackedTable  = 64 << 10 // smaller tables are not worth a function
	tableValueBytes = 4
	runBytes        = 8 // a run: value and count, uint32 little-endian each
)

// packedTable is a table found in a data segment and its runs.
type packedTable struct {
	addr  uint32 // address of the first record
	n     uint32 // records
	runs  []byte // runs of (value, count)
	nRuns uint32
}

// findTable finds the longest table of tableStride records, each zero
// after its first tableValueBytes bytes, in the active segment d at
// address off; nil if there is none of at least minPackedTable bytes.
func findTable(d []byte, off uint32) *packedTable {
	if len(d) < minPackedTable {
		return nil
	}
	var zero [tableStride - tableValueBytes]byte
	bestStart, bestN := 0, 0
	for phase := range tableStride {
		start, n := phase, 0
		for i := phase; i+tableStride <= len(d); i += tableStride {
			if bytes.Equal(d[i+tableValueBytes:i+tableStride], zero[:]) {
				n++
				continue
			}
			if n > bestN {
				bestStart, bestN = start, n
			}
			start, n = i+tableStride, 0
		}
		if n > bestN {
			bestStart, bestN = start, n
		}
	}
	if bestN*tableStride < minPackedTable {
		return nil
	}
	t := &packedTable{addr: off + uint32(bestStart), n: uint32(bestN)}
	rec := d[bestStart : bestStart+bestN*tableStride]
	for i := 0; i < bestN; {
		v := binary.LittleEndian.Uint32(rec[i*tableStride:])
		j := i + 1
		for j < bestN && binary.LittleEndian.Uint32(rec[j*tableStride:]) == v {
			j++
		}
		t.runs = binary.LittleEndian.AppendUint32(t.runs, v)
		t.runs = binary.LittleEndian.AppendUint32(t.runs, uint32(j-i))
		t.nRuns++
		i = j
	}
	return t
}

// unpack does in mem (the table's bytes, from t.addr, runs written at its
// start and zeros after) what unpackCode does.
func (t *packedTable) unpack(mem []byte) {
	e := t.n * tableStride
	for p := int(t.nRuns-1) * runBytes; p >= 0; p -= runBytes {
		v := binary.LittleEndian.Uint32(mem[p:])
		s := e - binary.LittleEndian.Uint32(mem[p+4:])*tableStride
		binary.LittleEndian.PutUint64(mem[p:], 0)
		for e > s {
			e -= tableStride
			binary.LittleEndian.PutUint32(mem[e:], v)
		}
	}
}

// unroll is how many records the inner loop of unpackCode writes per turn.
const unroll = 16

// unpackCode is the body of the function that unpacks t in memory.
func (t *packedTable) unpackCode() wasm.Code {
	const p, e, s, v = 0, 1, 2, 3 // locals
	const (
		opI32LtU = wasm.OpI32LtU
		opI32Ne  = wasm.OpI32Ne
	)
	a := &asm{}
	a.i32(int32(t.addr + (t.nRuns-1)*runBytes)).set(p)
	a.i32(int32(t.addr + t.n*tableStride)).set(e)
	a.loop()
	{
		a.get(p).mem(opI32Load, 2, 0).set(v)
		a.get(e).get(p).mem(opI32Load, 2, 4).i32(tableStride).op(wasm.OpI32Mul).op(wasm.OpI32Sub).set(s)
		a.get(p).i64(0).mem(opI64Store, 3, 0)
		// unroll records at a time, then one at a time.
		a.block().loop()
		a.get(e).get(s).op(wasm.OpI32Sub).i32(unroll * tableStride).op(opI32LtU).brIf(1)
		a.get(e).i32(unroll * tableStride).op(wasm.OpI32Sub).tee(e)
		a.get(v).mem(opI32Store, 2, 0)
		for k := uint32(1); k < unroll; k++ {
			a.get(e).get(v).mem(opI32Store, 2, k*tableStride)
		}
		a.br(0).end().end()
		a.block().loop()
		a.get(e).get(s).op(wasm.OpI32LeU).brIf(1)
		a.get(e).i32(tableStride).op(wasm.OpI32Sub).tee(e).get(v).mem(opI32Store, 2, 0)
		a.br(0).end().end()
		// The next run, down to the first.
		a.get(p).i32(int32(t.addr)).op(opI32Ne).if_()
		a.get(p).i32(runBytes).op(wasm.OpI32Sub).set(p).br(1)
		a.end()
	}
	a.end()
	return a.code(i32Locals(4))
}

// packTable replaces the largest table of the active data segments by its
// runs and returns it, or nil if no segment holds one. The segments must
// be merged (sorted, not overlapping). It checks that unpacking gives back
// the table's bytes.
func (p *proc) packTable() (*packedTable, error) {
	m := p.m
	if m.Start != nil { // the start function would run before the unpacking
		return nil, nil
	}
	var best *packedTable
	seg := -1
	for i, d := range m.Data {
		if d.Mode != wasm.Active {
			return nil, nil // numbered passive segments: leave the layout alone
		}
		off, _ := evalConstI32(d.Offset)
		if t := findTable(d.Init, off); t != nil && (best == nil || t.n > best.n) {
			best, seg = t, i
		}
	}
	if best == nil {
		return nil, nil
	}
	d := m.Data[seg]
	off, _ := evalConstI32(d.Offset)
	start := best.addr - off
	end := start + best.n*tableStride
	orig := d.Init[start:end]
	mem := make([]byte, len(orig))
	copy(mem, best.runs)
	best.unpack(mem)
	if !bytes.Equal(mem, orig) {
		return nil, fmt.Errorf("packing the table at %d (%d records) does not give back its bytes (a bug in icgo)", best.addr, best.n)
	}
	head := append(append([]byte{}, d.Init[:start]...), best.runs...)
	tail := bytes.TrimLeft(d.Init[end:], "\x00")
	out := append([]wasm.Data{}, m.Data[:seg]...)
	out = append(out, wasm.Data{Mode: wasm.Active, Offset: constI32(off), Init: head})
	if len(tail) > 0 {
		tailOff := off + uint32(len(d.Init)-len(tail))
		out = append(out, wasm.Data{Mode: wasm.Active, Offset: constI32(tailOff), Init: tail})
	}
	m.Data = append(out, m.Data[seg+1:]...)
	p.stats.PackedTable = [2]uint32{best.addr, best.n * tableStride}
	return best, nil
}

// unpackFunc adds the function that unpacks the packed table and returns
// its index, or nil if no table was packed.
func (p *proc) unpackFunc() *uint32 {
	if p.table == nil {
		return nil
	}
	f := p.addFunc("icgo:unpack_data", typeVoid, p.table.unpackCode())
	return &f
}
