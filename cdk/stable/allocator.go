package stable

import "encoding/binary"

// allocator is ic-stable-structures' BTreeMap allocator: fixed-size chunks
// with a free list, its header at addr.
//
//	"BTA" | version 1 | 4 bytes 0 | allocation size u64 | allocated chunks u64 | free list head u64 | 16 bytes 0
//
// Each chunk starts with a 16-byte header, then allocation size bytes:
//
//	"CHK" | version 1 | allocated (0/1) | 3 bytes 0 | next free chunk u64
type allocator struct {
	mem  Memory
	addr uint64
	size uint64 // allocation size, without the chunk header
	num  uint64
	free uint64
}

const (
	allocHeaderSize = 48
	chunkHeaderSize = 16
)

func newAllocator(mem Memory, addr, size uint64) allocator {
	a := allocator{mem: mem, addr: addr, size: size}
	a.clear()
	return a
}

func (a *allocator) clear() {
	a.free = a.addr + allocHeaderSize
	writeNullChunk(a.mem, a.free)
	a.num = 0
	a.save()
}

func writeNullChunk(m Memory, addr uint64) {
	write(m, addr, []byte{'C', 'H', 'K', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
}

func loadAllocator(mem Memory, addr uint64) (allocator, error) {
	if !inBounds(mem, addr, allocHeaderSize) {
		return allocator{}, corrupt("BTreeMap allocator header at " + u(addr) + " is outside the memory")
	}
	var b [allocHeaderSize]byte
	mem.Read(addr, b[:])
	if string(b[:3]) != "BTA" || b[3] != 1 {
		return allocator{}, corrupt("bad BTreeMap allocator header " + q(b[:4]) + " at " + u(addr) + " (want \"BTA\" version 1)")
	}
	a := allocator{
		mem:  mem,
		addr: addr,
		size: binary.LittleEndian.Uint64(b[8:]),
		num:  binary.LittleEndian.Uint64(b[16:]),
		free: binary.LittleEndian.Uint64(b[24:]),
	}
	return a, nil
}

func (a *allocator) save() {
	var b [allocHeaderSize]byte
	copy(b[:], "BTA\x01")
	binary.LittleEndian.PutUint64(b[8:], a.size)
	binary.LittleEndian.PutUint64(b[16:], a.num)
	binary.LittleEndian.PutUint64(b[24:], a.free)
	write(a.mem, a.addr, b[:])
}

func (a *allocator) chunk(addr uint64) [chunkHeaderSize]byte {
	var h [chunkHeaderSize]byte
	if addr < a.addr+allocHeaderSize || !inBounds(a.mem, addr, chunkHeaderSize) {
		panic(corrupt("BTreeMap chunk at " + u(addr) + " is outside the memory"))
	}
	a.mem.Read(addr, h[:])
	if string(h[:3]) != "CHK" || h[3] != 1 {
		panic(corrupt("bad BTreeMap chunk header " + q(h[:4]) + " at " + u(addr)))
	}
	return h
}

// allocate returns the address of a free chunk's data.
func (a *allocator) allocate() uint64 {
	addr := a.free
	h := a.chunk(addr)
	if h[4] != 0 {
		panic(corrupt("BTreeMap free list points to an allocated chunk at " + u(addr)))
	}
	h[4] = 1
	write(a.mem, addr, h[:])
	if next := binary.LittleEndian.Uint64(h[8:]); next != 0 {
		a.free = next
	} else {
		a.free += a.size + chunkHeaderSize
		writeNullChunk(a.mem, a.free)
	}
	a.num++
	a.save()
	return addr + chunkHeaderSize
}

// deallocate puts the chunk whose data is at addr on the free list.
func (a *allocator) deallocate(addr uint64) {
	chunk := addr - chunkHeaderSize
	h := a.chunk(chunk)
	if h[4] != 1 {
		panic(corrupt("BTreeMap frees a chunk at " + u(chunk) + " that is not allocated"))
	}
	h[4] = 0
	binary.LittleEndian.PutUint64(h[8:], a.free)
	write(a.mem, chunk, h[:])
	a.free = chunk
	a.num--
	a.save()
}
