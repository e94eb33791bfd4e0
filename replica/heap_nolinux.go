//go:build !linux

package replica

// decommit does nothing where MADV_DONTNEED does not guarantee zeroed
// pages: the bytes are zero already, and stay resident.
func decommit([]byte) {}
