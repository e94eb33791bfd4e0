package stable

import (
	"encoding/binary"
	"errors"
)

// The MemoryManager layout of ic-stable-structures (src/memory_manager.rs,
// "V1 layout"), in the first page of the underlying memory:
//
//	0     "MGR" | version 1 | allocated buckets u16 | bucket size in pages u16 | 32 bytes reserved
//	40    size in pages of memory 0 .. 254: 255 times u64
//	2080  owner of bucket 0 .. 32767: one byte each, 255 = unallocated
//
// Bucket i occupies pages 1 + i*N ... 1 + (i+1)*N - 1 (N = bucket size).
const (
	mgrMaxMemories   = 255
	mgrMaxBuckets    = 32768
	mgrBucketPages   = 128
	mgrUnallocated   = 255
	mgrHeaderSize    = 40 + 8*mgrMaxMemories
	mgrBucketsOffset = PageSize
)

// MemoryManager divides one Memory into up to 255 virtual memories, each
// growing independently, in buckets of 128 pages (8 MiB) by default. Its
// layout is ic-stable-structures' MemoryManager, so the virtual memories
// of a Rust canister are the same virtual memories in Go.
//
// As in ic-stable-structures, buckets are never freed: a virtual memory
// keeps the buckets it grew into.
type MemoryManager struct {
	mem        Memory
	buckets    uint16 // allocated
	bucketSize uint16 // pages
	sizes      [mgrMaxMemories]uint64
	owned      [mgrMaxMemories][]uint16
}

// NewMemoryManager opens the MemoryManager in m, or creates one with
// 128-page buckets when m is empty (size 0, or an all-zero first page
// header). It fails when m holds something else (ic-stable-structures
// would overwrite it).
func NewMemoryManager(m Memory) (*MemoryManager, error) {
	return NewMemoryManagerBuckets(m, mgrBucketPages)
}

// NewMemoryManagerBuckets is NewMemoryManager with the bucket size (in
// pages) of a new manager; an existing manager keeps its own.
func NewMemoryManagerBuckets(m Memory, bucketPages uint16) (*MemoryManager, error) {
	if bucketPages == 0 {
		return nil, errors.New("stable: a MemoryManager bucket must have at least one page")
	}
	mm := &MemoryManager{mem: m, bucketSize: bucketPages}
	if m.Size() == 0 {
		mm.create()
		return mm, nil
	}
	var h [mgrHeaderSize]byte
	m.Read(0, h[:])
	if string(h[:3]) != "MGR" {
		if h == [mgrHeaderSize]byte{} {
			mm.create()
			return mm, nil
		}
		return nil, errors.New("stable: the memory does not hold a MemoryManager (it starts with " + q(h[:4]) +
			", not \"MGR\"); was it written by stable.Save or another library?")
	}
	if h[3] != 1 {
		return nil, errors.New("stable: unsupported MemoryManager layout version " + u(uint64(h[3])))
	}
	mm.buckets = binary.LittleEndian.Uint16(h[4:])
	mm.bucketSize = binary.LittleEndian.Uint16(h[6:])
	if mm.bucketSize == 0 || mm.buckets > mgrMaxBuckets {
		return nil, corrupt("MemoryManager header: bucket size " + u(uint64(mm.bucketSize)) + ", " + u(uint64(mm.buckets)) + " buckets")
	}
	for i := range mm.sizes {
		mm.sizes[i] = binary.LittleEndian.Uint64(h[40+8*i:])
	}
	owners := make([]byte, mgrMaxBuckets)
	m.Read(mgrHeaderSize, owners)
	for b, id := range owners {
		if id != mgrUnallocated {
			mm.owned[id] = append(mm.owned[id], uint16(b))
		}
	}
	for id, size := range mm.sizes {
		if mm.bucketsFor(size) > uint64(len(mm.owned[id])) {
			return nil, corrupt("MemoryManager: memory " + u(uint64(id)) + " has " + u(size) + " pages but only " +
				u(uint64(len(mm.owned[id]))) + " buckets")
		}
	}
	return mm, nil
}

func (mm *MemoryManager) create() {
	mm.saveHeader()
	owners := make([]byte, mgrMaxBuckets)
	for i := range owners {
		owners[i] = mgrUnallocated
	}
	write(mm.mem, mgrHeaderSize, owners)
}

func (mm *MemoryManager) saveHeader() {
	h := make([]byte, mgrHeaderSize)
	copy(h, "MGR\x01")
	binary.LittleEndian.PutUint16(h[4:], mm.buckets)
	binary.LittleEndian.PutUint16(h[6:], mm.bucketSize)
	for i, s := range mm.sizes {
		binary.LittleEndian.PutUint64(h[40+8*i:], s)
	}
	write(mm.mem, 0, h)
}

func (mm *MemoryManager) bucketsFor(pages uint64) uint64 {
	return (pages + uint64(mm.bucketSize) - 1) / uint64(mm.bucketSize)
}

// Memory returns virtual memory id (0 to 254). It panics on id 255, which
// the layout reserves to mark unallocated buckets.
func (mm *MemoryManager) Memory(id uint8) Memory {
	if id == mgrUnallocated {
		panic("stable: MemoryManager memory ids are 0 to 254; 255 marks unallocated buckets")
	}
	return &VirtualMemory{mm: mm, id: id}
}

// VirtualMemory is one of the memories of a MemoryManager.
type VirtualMemory struct {
	mm *MemoryManager
	id uint8
}

// Size implements Memory.
func (v *VirtualMemory) Size() uint64 { return v.mm.sizes[v.id] }

// Grow implements Memory: it allocates buckets as needed and grows the
// underlying memory to hold them.
func (v *VirtualMemory) Grow(pages uint64) int64 {
	mm := v.mm
	old := mm.sizes[v.id]
	if pages > mgrMaxBuckets*uint64(mm.bucketSize) {
		return -1
	}
	newSize := old + pages
	more := mm.bucketsFor(newSize) - mm.bucketsFor(old)
	if more+uint64(mm.buckets) > mgrMaxBuckets {
		return -1
	}
	needPages := 1 + uint64(mm.bucketSize)*(uint64(mm.buckets)+more)
	if s := mm.mem.Size(); needPages > s && mm.mem.Grow(needPages-s) < 0 {
		return -1
	}
	for range more {
		b := mm.buckets
		mm.owned[v.id] = append(mm.owned[v.id], b)
		write(mm.mem, mgrHeaderSize+uint64(b), []byte{v.id})
		mm.buckets++
	}
	mm.sizes[v.id] = newSize
	mm.saveHeader()
	return int64(old)
}

// Read implements Memory.
func (v *VirtualMemory) Read(offset uint64, dst []byte) {
	if addr, ok := v.direct(offset, uint64(len(dst))); ok {
		v.mm.mem.Read(addr, dst)
		return
	}
	v.each(offset, uint64(len(dst)), "read", func(addr uint64, lo, hi uint64) { v.mm.mem.Read(addr, dst[lo:hi]) })
}

// Write implements Memory.
func (v *VirtualMemory) Write(offset uint64, src []byte) {
	if addr, ok := v.direct(offset, uint64(len(src))); ok {
		v.mm.mem.Write(addr, src)
		return
	}
	v.each(offset, uint64(len(src)), "write", func(addr uint64, lo, hi uint64) { v.mm.mem.Write(addr, src[lo:hi]) })
}

// direct maps [offset, offset+n) when it is inside the memory and one
// bucket (the common case, without a closure).
func (v *VirtualMemory) direct(offset, n uint64) (uint64, bool) {
	bs := uint64(v.mm.bucketSize) * PageSize
	b, in := offset/bs, offset%bs
	if n == 0 || in+n > bs || offset+n > v.mm.sizes[v.id]*PageSize || offset+n < offset {
		return 0, false
	}
	return mgrBucketsOffset + uint64(v.mm.owned[v.id][b])*bs + in, true
}

// each maps [offset, offset+n) to segments of the underlying memory.
func (v *VirtualMemory) each(offset, n uint64, op string, f func(addr, lo, hi uint64)) {
	if n == 0 {
		return
	}
	if !inBounds(v, offset, n) {
		panic(oob(op+" in virtual memory "+u(uint64(v.id)), offset, int(n), v.Size()))
	}
	bs := uint64(v.mm.bucketSize) * PageSize
	buckets := v.mm.owned[v.id]
	var done uint64
	for done < n {
		pos := offset + done
		b, in := pos/bs, pos%bs
		seg := min(bs-in, n-done)
		f(mgrBucketsOffset+uint64(buckets[b])*bs+in, done, done+seg)
		done += seg
	}
}
