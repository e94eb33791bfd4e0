package postproc

import (
	"fmt"
	"sort"

	"github.com/icgo/icgo/internal/wasm"
)

// layoutData checks the memory and the data segments against the region,
// merges the active segments and packs the largest table of mostly zeros
// (sparse.go). It runs before the entry points are made, which unpack
// that table.
func (p *proc) layoutData() error {
	m := p.m
	p.stats.DataSegmentsBefore = len(m.Data)
	for _, d := range m.Data {
		p.stats.DataBytesBefore += len(d.Init)
	}
	if len(m.Memories) != 1 {
		return fmt.Errorf("the module defines %d memories, want 1", len(m.Memories))
	}
	if m.Memories[0].Is64 {
		return fmt.Errorf("64-bit memories are not supported")
	}
	if m.Memories[0].Min*65536 < RegionEnd {
		return fmt.Errorf("the memory's initial size (%d pages) does not cover the reserved region [%d, %d)", m.Memories[0].Min, RegionStart, RegionEnd)
	}
	for i, d := range m.Data {
		if d.Mode != wasm.Active {
			p.passiveData = true
			continue
		}
		if d.Memory != 0 {
			return fmt.Errorf("data segment %d targets memory %d", i, d.Memory)
		}
		off, ok := evalConstI32(d.Offset)
		if !ok {
			return fmt.Errorf("data segment %d: the offset is not a single i32.const", i)
		}
		// The whole region is checked, used or not: data there means the
		// linker's layout changed and the Go runtime may use it too.
		if end := uint64(off) + uint64(len(d.Init)); len(d.Init) > 0 && end > RegionStart && off < RegionEnd {
			return fmt.Errorf("data segment %d [%d, %d) overlaps the region [%d, %d) that the WASI replacements use (did the Go linker change wasmMinDataAddr?)", i, off, end, RegionStart, RegionEnd)
		}
	}
	gap := p.opt.MergeDataGap
	if gap == 0 {
		gap = DefaultMergeDataGap
	}
	if gap > 0 && !p.passiveData { // passive segments are numbered: merging would renumber them
		p.mergeData(gap)
		var err error
		if p.table, err = p.packTable(); err != nil {
			return err
		}
	}
	return nil
}

// data adds the segment that holds the stubs' strings, once the stubs and
// entry points have placed them.
func (p *proc) data() error {
	m := p.m
	used := uint32(stringsStart + len(p.strs))
	if used > stringsEnd {
		return fmt.Errorf("the stubs' strings and the embedded environment need %d bytes but the reserved region [%d, %d) has %d for them: embed fewer or shorter environment variables",
			len(p.strs), stringsStart, RegionEnd, stringsEnd-stringsStart)
	}
	p.stats.RegionUsed = [2]uint32{RegionStart, used}
	if len(p.strs) > 0 {
		// Keep the output sorted by offset: the region comes before Go's data.
		seg := wasm.Data{Mode: wasm.Active, Offset: constI32(stringsStart), Init: p.strs}
		at := len(m.Data)
		if !p.passiveData {
			at = 0
		}
		m.Data = append(m.Data[:at], append([]wasm.Data{seg}, m.Data[at:]...)...)
	}
	if m.DataCount != nil {
		n := uint32(len(m.Data))
		m.DataCount = &n
	}
	p.stats.DataSegmentsAfter = len(m.Data)
	for _, d := range m.Data {
		p.stats.DataBytesAfter += len(d.Init)
	}
	return nil
}

// mergeData merges active segments whose ranges are at most gap bytes
// apart. Overlapping segments are applied in their original order, as
// instantiation does.
func (p *proc) mergeData(gap int) {
	m := p.m
	type seg struct {
		i        int
		off, end uint64
	}
	segs := make([]seg, 0, len(m.Data))
	for i, d := range m.Data {
		off, _ := evalConstI32(d.Offset)
		if len(d.Init) == 0 {
			continue
		}
		segs = append(segs, seg{i, uint64(off), uint64(off) + uint64(len(d.Init))})
	}
	sort.SliceStable(segs, func(a, b int) bool { return segs[a].off < segs[b].off })
	var out []wasm.Data
	for start := 0; start < len(segs); {
		end := segs[start].end
		stop := start + 1
		for stop < len(segs) && segs[stop].off <= end+uint64(gap) {
			end = max(end, segs[stop].end)
			stop++
		}
		group := segs[start:stop]
		base := group[0].off
		buf := make([]byte, end-base)
		sort.Slice(group, func(a, b int) bool { return group[a].i < group[b].i })
		for _, s := range group {
			copy(buf[s.off-base:], m.Data[s.i].Init)
		}
		out = append(out, wasm.Data{Mode: wasm.Active, Offset: constI32(uint32(base)), Init: buf})
		start = stop
	}
	m.Data = out
}
