package replica

import "syscall"

// decommit gives b's pages back to the system (MADV_DONTNEED: a private
// anonymous mapping reads as zero afterwards). b must be page-aligned,
// which Wasm page boundaries are. Only an optimization: the bytes are
// zero already.
func decommit(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }
