//go:build linux || darwin || freebsd

package replica

import (
	"fmt"
	"syscall"
)

// reserve maps n bytes of zeroed, private memory that the system commits
// only as it is touched (MAP_NORESERVE: a 4 GiB reservation costs no
// swap or RAM up front).
func reserve(n uint64) ([]byte, func(), error) {
	if n == 0 {
		return []byte{}, func() {}, nil
	}
	b, err := syscall.Mmap(-1, 0, int(n), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return nil, nil, fmt.Errorf("replica: reserving %d bytes of Wasm memory: %w", n, err)
	}
	return b, func() { _ = syscall.Munmap(b) }, nil
}
