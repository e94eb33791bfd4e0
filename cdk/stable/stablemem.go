package stable

import (
	"unsafe"

	"github.com/icgo/icgo/cdk/ic0"
)

// StableMemory is the canister's stable memory, over the System API's
// stable64_* functions (IC interface specification, section "System API >
// Stable memory"). It is a zero-size value; all StableMemory values are the
// same memory. Outside a canister its methods panic (package ic0's host
// fallback): use a VectorMemory in host tests.
type StableMemory struct{}

// Stable returns the canister's stable memory.
func Stable() Memory { return StableMemory{} }

// Size implements Memory (ic0.stable64_size).
func (StableMemory) Size() uint64 { return uint64(ic0.Stable64Size()) }

// Grow implements Memory (ic0.stable64_grow).
func (StableMemory) Grow(pages uint64) int64 {
	if pages > 1<<48 {
		return -1
	}
	return ic0.Stable64Grow(int64(pages))
}

// Read implements Memory (ic0.stable64_read); it traps outside the memory.
func (StableMemory) Read(offset uint64, dst []byte) {
	if len(dst) == 0 {
		return
	}
	ic0.Stable64Read(int64(uintptr(unsafe.Pointer(&dst[0]))), int64(offset), int64(len(dst)))
}

// Write implements Memory (ic0.stable64_write); it traps outside the memory.
func (StableMemory) Write(offset uint64, src []byte) {
	if len(src) == 0 {
		return
	}
	ic0.Stable64Write(int64(offset), int64(uintptr(unsafe.Pointer(&src[0]))), int64(len(src)))
}
