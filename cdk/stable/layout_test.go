package stable

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/icgo/icgo/principal"
	"github.com/stretchr/testify/require"
)

// Byte-level test vectors for ic-stable-structures compatibility.
//
// The MemoryManager vectors are the SHA-256 digests of the golden files of
// ic-stable-structures' own test (src/memory_manager.rs, test
// "stability"; files src/memory_manager/stability_write.golden and
// stability_read.golden at commit b5d1650), which Rust produced; the test
// below repeats that test's operations in Go. The other vectors were
// derived by hand from the Rust source (the layouts and the order of its
// writes), since a Rust build was not available: they check the layout,
// not a Rust run.

// hexBytes parses hex with spaces and newlines.
func hexBytes(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	require.NoError(t, err)
	return b
}

func TestMemoryManagerGolden(t *testing.T) {
	mem := NewVectorMemory()
	mm, err := NewMemoryManagerBuckets(mem, 1) // very small buckets, as in the Rust test
	require.NoError(t, err)
	data := make([]byte, 2*PageSize+901)
	for i := range data {
		data[i] = byte(i)
	}
	const memories = 3
	id := 0
	next := func() Memory {
		id = (id + 1) % memories
		return mm.Memory(uint8(id))
	}
	for range memories * 5 {
		for _, off := range []uint64{0, PageSize / 2, PageSize - 1, PageSize + 1, 2*PageSize + PageSize/2} {
			m := next()
			require.NoError(t, ensure(m, off, uint64(len(data))))
			m.Write(off, data)
		}
	}
	sum := sha256.Sum256(mem.Bytes())
	require.Equal(t, 1048576, len(mem.Bytes()))
	require.Equal(t, "6148266c2faaa5ba6b6b583dd9465a4e28d67aa2da68454557e196337cf32755", hex.EncodeToString(sum[:]))

	read := make([]byte, 4*PageSize)
	for range memories * 4 {
		next().Read(0, read[:PageSize/2])
		next().Read(PageSize/2-150, read[PageSize/2:PageSize])
		next().Read(PageSize-473, read[PageSize:2*PageSize])
		next().Read(2*PageSize, read[2*PageSize:])
	}
	sum = sha256.Sum256(read)
	require.Equal(t, "d68b2a7f47a035bf038ef2772b9159a013d81253572075ee2aead48652462958", hex.EncodeToString(sum[:]))

	// Reopening finds the same memories.
	mm2, err := NewMemoryManagerBuckets(mem, 128)
	require.NoError(t, err)
	require.Equal(t, uint16(1), mm2.bucketSize)
	for i := range uint8(3) {
		require.Equal(t, mm.Memory(i).Size(), mm2.Memory(i).Size())
		a, b := make([]byte, 1000), make([]byte, 1000)
		mm.Memory(i).Read(PageSize-500, a)
		mm2.Memory(i).Read(PageSize-500, b)
		require.Equal(t, a, b)
	}
}

// MemoryManager::init, then memory 0 grows by 1 page and memory 1 by 2
// (src/memory_manager.rs: new, grow, save_header, bucket_allocations_address).
func TestMemoryManagerLayout(t *testing.T) {
	mem := NewVectorMemory()
	mm, err := NewMemoryManager(mem)
	require.NoError(t, err)
	require.Equal(t, uint64(1), mem.Size())
	require.Equal(t, int64(0), mm.Memory(0).Grow(1))
	mm.Memory(0).Write(0, []byte{1, 2, 3})
	require.Equal(t, int64(0), mm.Memory(1).Grow(2))
	mm.Memory(1).Write(0, []byte{4, 5, 6})

	b := mem.Bytes()
	require.Equal(t, uint64(1+2*128), mem.Size())
	require.Equal(t, hexBytes(t, "4d475201 0200 8000"), b[:8]) // "MGR" v1, 2 buckets, 128 pages
	require.Equal(t, make([]byte, 32), b[8:40])
	require.Equal(t, hexBytes(t, "0100000000000000 0200000000000000"), b[40:56]) // sizes of memories 0 and 1
	require.Equal(t, make([]byte, 2080-56), b[56:2080])
	require.Equal(t, []byte{0, 1}, b[2080:2082])                              // bucket owners
	require.Equal(t, bytes.Repeat([]byte{0xFF}, 32768-2), b[2082:2080+32768]) // unallocated
	require.Equal(t, []byte{1, 2, 3}, b[PageSize:PageSize+3])                 // bucket 0 at page 1
	require.Equal(t, []byte{4, 5, 6}, b[129*PageSize:129*PageSize+3])         // bucket 1 at page 129
}

// Cell::init(memory, 42u64), then set("hello") as a String cell.
func TestCellLayout(t *testing.T) {
	mem := NewVectorMemory()
	_, err := NewCell[uint64](mem, 42)
	require.NoError(t, err)
	require.Equal(t, uint64(1), mem.Size())
	require.Equal(t, hexBytes(t, "53434c01 08000000 000000000000002a"), mem.Bytes()[:16])

	mem = NewVectorMemory()
	c, err := NewCell(mem, "")
	require.NoError(t, err)
	require.NoError(t, c.Set("hello"))
	require.Equal(t, hexBytes(t, "53434c01 05000000 68656c6c6f"), mem.Bytes()[:13])
	c2, err := NewCell(mem, "default")
	require.NoError(t, err)
	require.Equal(t, "hello", c2.Get())
}

// Vec<u64>: push(7), push(0x0102); Vec<Principal> (bounded 29, a 1-byte
// size prefix, 30-byte slots): push of principal bytes 01 02 03
// (src/base_vec.rs).
func TestVecLayout(t *testing.T) {
	mem := NewVectorMemory()
	v, err := NewVec[uint64](mem)
	require.NoError(t, err)
	require.NoError(t, v.Push(7))
	require.NoError(t, v.Push(0x0102))
	b := mem.Bytes()
	require.Equal(t, hexBytes(t, "53564301 0200000000000000 08000000 01"), b[:17])
	require.Equal(t, make([]byte, 47), b[17:64])
	require.Equal(t, hexBytes(t, "0000000000000007 0000000000000102"), b[64:80])

	mem = NewVectorMemory()
	pv, err := NewVec[principal.Principal](mem)
	require.NoError(t, err)
	require.NoError(t, pv.Push(principal.FromBytes([]byte{1, 2, 3})))
	require.NoError(t, pv.Push(principal.FromBytes([]byte{9})))
	b = mem.Bytes()
	require.Equal(t, hexBytes(t, "53564301 0200000000000000 1d000000 00"), b[:17])
	require.Equal(t, hexBytes(t, "03010203"), b[64:68])
	require.Equal(t, hexBytes(t, "0109"), b[94:96])
}

// Log<String>: append("ab"), append("cde") (src/log.rs).
func TestLogLayout(t *testing.T) {
	idx, data := NewVectorMemory(), NewVectorMemory()
	l, err := NewLog[string](idx, data)
	require.NoError(t, err)
	_, err = l.Append("ab")
	require.NoError(t, err)
	_, err = l.Append("cde")
	require.NoError(t, err)
	require.Equal(t, hexBytes(t, "474c4901"), idx.Bytes()[:4])
	require.Equal(t, make([]byte, 28), idx.Bytes()[4:32])
	require.Equal(t, hexBytes(t, "0200000000000000 0200000000000000 0500000000000000"), idx.Bytes()[32:56])
	require.Equal(t, hexBytes(t, "474c4401"), data.Bytes()[:4])
	require.Equal(t, []byte("abcde"), data.Bytes()[32:37])
}

// BTreeMap<u64, u64>::new (page size 7+11*24+12*8 = 367, times 3/4 = 275),
// then insert(1, 2): the allocator hands out the chunk at 100 (node at
// 116) and writes a new free chunk at 100+16+275 = 391 (src/btreemap.rs,
// allocator.rs, node/v2.rs).
func TestBTreeMapLayout(t *testing.T) {
	mem := NewVectorMemory()
	m, err := NewBTreeMap[uint64, uint64](mem)
	require.NoError(t, err)
	m.Insert(1, 2)
	b := mem.Bytes()
	require.Equal(t, uint64(1), mem.Size())
	require.Equal(t, hexBytes(t, `425452 02 13010000 ffffffff 7400000000000000 0100000000000000`), b[:28])
	require.Equal(t, make([]byte, 24), b[28:52])
	require.Equal(t, hexBytes(t, `42544101 00000000 1301000000000000 0100000000000000 8701000000000000
		00000000000000000000000000000000`), b[52:100])
	require.Equal(t, hexBytes(t, "43484b01 01 000000 0000000000000000"), b[100:116])
	require.Equal(t, hexBytes(t, `42544e 02 00 0100 0000000000000000 0000000000000001 08000000 0000000000000002`), b[116:151])
	require.Equal(t, hexBytes(t, "43484b01 00 000000 0000000000000000"), b[391:407])
	require.Equal(t, make([]byte, PageSize-407), b[407:])
}

// BTreeMap<u64, Vec<u8>> (unbounded: page size 1024): a 1100-byte value
// overflows the node into one overflow page (1013 data bytes a page); then
// removing it frees the overflow page, then the node.
func TestBTreeMapOverflowLayout(t *testing.T) {
	mem := NewVectorMemory()
	m, err := NewBTreeMap[uint64, []byte](mem)
	require.NoError(t, err)
	val := bytes.Repeat([]byte{0xAB}, 1100)
	m.Insert(1, val)
	b := mem.Bytes()
	le := func(off int) uint64 { return binary.LittleEndian.Uint64(b[off:]) }
	require.Equal(t, hexBytes(t, "42544101 00000000 0004000000000000 0200000000000000 8408000000000000"), b[52:84])
	require.Equal(t, hexBytes(t, `42544e 02 00 0100 8404000000000000 0000000000000001 4c040000`), b[116:143])
	require.Equal(t, bytes.Repeat([]byte{0xAB}, 997), b[143:1140])
	require.Equal(t, hexBytes(t, "43484b01 01 000000 0000000000000000"), b[1140:1156])
	require.Equal(t, hexBytes(t, "4e4f46 0000000000000000"), b[1156:1167])
	require.Equal(t, bytes.Repeat([]byte{0xAB}, 103), b[1167:1270])
	require.Equal(t, make([]byte, 2180-1270), b[1270:2180])
	require.Equal(t, hexBytes(t, "43484b01 00 000000 0000000000000000"), b[2180:2196])
	got, ok := m.Get(1)
	require.True(t, ok)
	require.Equal(t, val, got)

	m.Remove(1)
	require.Equal(t, uint64(0), le(12), "root")
	require.Equal(t, uint64(0), le(20), "length")
	require.Equal(t, hexBytes(t, "0000000000000000 6400000000000000"), b[68:84]) // 0 chunks, free list at 100
	require.Equal(t, hexBytes(t, "43484b01 00 000000 7404000000000000"), b[100:116])
	require.Equal(t, hexBytes(t, "43484b01 00 000000 8408000000000000"), b[1140:1156])
}
