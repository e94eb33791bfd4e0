package postproc

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/abi"
)

// table returns n records of tableStride bytes whose values come in runs
// of the given lengths (cycled), as the Go linker's findfunctab does.
func table(n int, runs ...int) []byte {
	b := make([]byte, n*tableStride)
	v, left, k := uint32(7), runs[0], 0
	for i := range n {
		if left == 0 {
			k++
			left = runs[k%len(runs)]
			v += uint32(k % 3) // sometimes the same value again, sometimes 0 apart
		}
		binary.LittleEndian.PutUint32(b[i*tableStride:], v)
		left--
	}
	return b
}

func TestPackTable(t *testing.T) {
	tab := table(5000, 16, 1, 17, 3, 16, 40)
	for _, c := range []struct {
		name           string
		before, after  string
		wantPacked     bool
		gap            int
		tableAt, segAt int
	}{
		{"inside a segment", "head data", "tail data", true, 0, 20009, 20000},
		{"at a segment's start", "", "tail", true, 0, 20000, 20000},
		{"at a segment's end", "head!", "", true, 0, 20005, 20000},
		{"merging off", "head", "tail", false, -1, 20004, 20000},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newBuilder()
			b.m.Memories[0].Min = 4
			b.export(abi.ExportInitialize, b.fn(tVoid, &asm{}))
			b.data(16000, "before")
			seg := c.before + string(tab) + c.after
			segAt := uint32(c.segAt)
			b.data(segAt, seg)
			b.data(segAt+uint32(len(seg))+10, "after")
			out, st, _ := process(t, b.bytes(), Options{MergeDataGap: c.gap})
			if !c.wantPacked {
				require.Zero(t, st.PackedTable)
				return
			}
			// The records may be found at a shifted phase when the bytes
			// around the values are zero; either packing is exact.
			at, size := st.PackedTable[0], st.PackedTable[1]
			require.InDelta(t, c.tableAt, at, 3)
			require.InDelta(t, len(tab), size, tableStride)
			require.Less(t, st.DataBytesAfter, st.DataBytesBefore-len(tab)+len(tab)/10)

			ic := &fakeIC0{}
			mod := ic.instantiate(t, out)
			require.NotEqual(t, tab, mem(t, mod, uint32(c.tableAt), uint32(len(tab))), "the table should be packed in the data segments")
			mustCall(t, mod, "canister_init")
			require.Equal(t, "before", string(mem(t, mod, 16000, 6)))
			require.Equal(t, seg, string(mem(t, mod, segAt, uint32(len(seg)))))
			require.Equal(t, "after", string(mem(t, mod, segAt+uint32(len(seg))+10, 5)))
			// canister_post_upgrade runs on a fresh memory too.
			mod = ic.instantiate(t, out)
			mustCall(t, mod, "canister_post_upgrade")
			require.Equal(t, seg, string(mem(t, mod, segAt, uint32(len(seg)))))
		})
	}
}

func TestFindTable(t *testing.T) {
	// Too small, or broken by a non-zero byte after a value.
	require.Nil(t, findTable(table(100, 16), 0))
	tab := table(8000, 16)
	tab[3000*tableStride+5] = 1
	found := findTable(tab, 1000)
	require.NotNil(t, found)
	require.Equal(t, uint32(1000+3001*tableStride), found.addr)
	require.Equal(t, uint32(8000-3001), found.n)
	// Unpacking restores the records.
	mem := make([]byte, found.n*tableStride)
	copy(mem, found.runs)
	found.unpack(mem)
	require.Equal(t, tab[3001*tableStride:], mem)
}
