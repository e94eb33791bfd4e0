package stable

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// PageSize is the size of a stable memory page: 64 KiB (IC interface
// specification, section "System API > Stable memory").
const PageSize = 65536

// Memory is a growable, page-sized byte space: the canister's stable memory
// (StableMemory), a virtual memory of a MemoryManager, or a VectorMemory
// on the heap for tests.
//
// Read and Write panic when the range is outside the memory, as the IC's
// stable64_read and stable64_write trap; the collections of this package
// grow a memory before they write to it.
type Memory interface {
	// Size returns the size of the memory in pages.
	Size() uint64
	// Grow adds pages to the memory and returns its previous size in pages,
	// or -1 when the memory cannot grow that much (it is then unchanged).
	Grow(pages uint64) int64
	// Read copies len(dst) bytes from offset.
	Read(offset uint64, dst []byte)
	// Write copies src to offset.
	Write(offset uint64, src []byte)
}

// ErrGrowFailed is returned (wrapped) when a memory cannot grow to hold a
// write: the canister's stable memory or a MemoryManager is full.
var ErrGrowFailed = errors.New("stable: memory cannot grow")

// ensure grows m, if needed, so that [offset, offset+n) is inside it.
func ensure(m Memory, offset, n uint64) error {
	end := offset + n
	if end < offset {
		return errors.New("stable: address overflow")
	}
	size := m.Size()
	if end <= size*PageSize {
		return nil
	}
	need := (end - size*PageSize + PageSize - 1) / PageSize
	if m.Grow(need) < 0 {
		return growError(size, need)
	}
	return nil
}

func growError(size, delta uint64) error {
	return &growErr{size, delta}
}

type growErr struct{ size, delta uint64 }

func (e *growErr) Error() string {
	return "stable: memory cannot grow from " + strconv.FormatUint(e.size, 10) + " pages by " +
		strconv.FormatUint(e.delta, 10) + " pages (stable memory full, or the MemoryManager's 32768 buckets are used up)"
}

func (e *growErr) Unwrap() error { return ErrGrowFailed }

// write grows m as needed and writes src at offset; it panics if m cannot
// grow, which traps the message in a canister (and rolls it back).
func write(m Memory, offset uint64, src []byte) {
	if err := ensure(m, offset, uint64(len(src))); err != nil {
		panic(err)
	}
	m.Write(offset, src)
}

func writeU64(m Memory, offset, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	write(m, offset, b[:])
}

func writeU32(m Memory, offset uint64, v uint32) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	write(m, offset, b[:])
}

func readU64(m Memory, offset uint64) uint64 {
	var b [8]byte
	m.Read(offset, b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// inBounds reports whether [offset, offset+n) is inside m.
func inBounds(m Memory, offset, n uint64) bool {
	end := offset + n
	return end >= offset && end <= m.Size()*PageSize
}

// VectorMemory is a Memory on the Go heap. It lets the data code of a
// canister run in ordinary host tests, and it is what the tests of this
// package use. The zero value is an empty memory that grows up to
// DefaultVectorMaxPages.
type VectorMemory struct {
	buf []byte
	// MaxPages bounds Grow; 0 means DefaultVectorMaxPages.
	MaxPages uint64
}

// DefaultVectorMaxPages is the default bound of a VectorMemory: 4 GiB.
const DefaultVectorMaxPages = 65536

// NewVectorMemory returns an empty VectorMemory.
func NewVectorMemory() *VectorMemory { return &VectorMemory{} }

// Size implements Memory.
func (v *VectorMemory) Size() uint64 { return uint64(len(v.buf)) / PageSize }

// Grow implements Memory.
func (v *VectorMemory) Grow(pages uint64) int64 {
	old := v.Size()
	limit := v.MaxPages
	if limit == 0 {
		limit = DefaultVectorMaxPages
	}
	if pages > limit || old+pages > limit {
		return -1
	}
	v.buf = append(v.buf, make([]byte, pages*PageSize)...)
	return int64(old)
}

// Read implements Memory.
func (v *VectorMemory) Read(offset uint64, dst []byte) {
	if !inBounds(v, offset, uint64(len(dst))) {
		panic(oob("read", offset, len(dst), v.Size()))
	}
	copy(dst, v.buf[offset:])
}

// Write implements Memory.
func (v *VectorMemory) Write(offset uint64, src []byte) {
	if !inBounds(v, offset, uint64(len(src))) {
		panic(oob("write", offset, len(src), v.Size()))
	}
	copy(v.buf[offset:], src)
}

// Bytes returns the memory's contents (not a copy).
func (v *VectorMemory) Bytes() []byte { return v.buf }

func oob(op string, offset uint64, n int, pages uint64) error {
	return errors.New("stable: " + op + " of " + strconv.Itoa(n) + " bytes at " + strconv.FormatUint(offset, 10) +
		" is outside the memory of " + strconv.FormatUint(pages, 10) + " pages")
}

// Must returns v, or panics with err: for package-level variables of a
// canister, where an error (the memory holds something else) cannot be
// handled and trapping is the right answer.
//
//	var users = stable.Must(stable.NewBTreeMap[principal.Principal, User](mm.Memory(0)))
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
