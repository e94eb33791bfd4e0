// Package stablemem is a canister's stable memory (IC interface spec,
// "Stable memory"): a byte array of 64 KiB pages that survives upgrades and
// is read and written by ic0.stable64_* and the legacy ic0.stable_*.
//
// Every execution works on a Txn, a copy-on-write overlay of the committed
// Memory: only the 4 KiB chunks it writes are copied (the IC also tracks
// dirty stable memory in 4 KiB OS pages). Commit applies the overlay
// (a successful update); dropping the Txn discards it (a trap, or any
// query). The cost of a message is therefore proportional to what it
// writes, not to the size of stable memory, and the dirty chunk count is
// available for metering (DFINITY's replica: : 1,000 instructions per newly dirtied page).
//
// Section names quoted as spec "..." are those of the IC interface
// specification, https://internetcomputer.org/docs/references/ic-interface-spec.
package stablemem

import "fmt"

// PageSize is the size of a stable memory page (64 KiB).
const PageSize = 1 << 16

// chunkSize is the copy-on-write granularity.
const chunkSize = ChunkSize

// ChunkSize is the granularity of dirty stable memory: 4 KiB, as the IC's
// OS pages.
const ChunkSize = 4096

// MaxPages is the stable memory limit: 500 GiB (spec "WebAssembly module requirements", DOCS-LIM).
const MaxPages = 500 << 30 / PageSize

// Memory is committed stable memory. Chunks never written are zero and not
// stored. The zero value is an empty memory.
type Memory struct {
	chunks map[uint64][]byte // by chunk index
	size   uint64            // in pages
}

// Size returns the size in pages.
func (m *Memory) Size() uint64 { return m.size }

// Begin starts a transaction on m. Transactions must not overlap; Commit or
// drop one before beginning the next.
func (m *Memory) Begin() *Txn {
	return &Txn{base: m, size: m.size}
}

// Txn is a copy-on-write view of a Memory for one execution.
type Txn struct {
	base   *Memory
	parent *Txn // a nested transaction's (Begin); nil for Memory.Begin's
	dirty  map[uint64][]byte
	size   uint64
}

// Begin starts a transaction nested in t: it sees t's writes, Commit
// applies its own writes to t (not to the Memory), and dropping it
// discards them. t must not be written while the nested one is in use.
func (t *Txn) Begin() *Txn {
	return &Txn{base: t.base, parent: t, size: t.size}
}

// Size returns the size in pages.
func (t *Txn) Size() uint64 { return t.size }

// DirtyChunks returns how many 4 KiB chunks this transaction has written.
func (t *Txn) DirtyChunks() int { return len(t.dirty) }

// NewChunks returns how many chunks a write of n bytes at off would dirty
// that t has not written yet. Its work is proportional to n.
func (t *Txn) NewChunks(off, n uint64) uint64 {
	if n == 0 {
		return 0
	}
	var c uint64
	for p := off / chunkSize; p <= (off+n-1)/chunkSize; p++ {
		if _, ok := t.dirty[p]; !ok {
			c++
		}
	}
	return c
}

// Grow adds n pages and returns the previous size, or -1 (leaving the size
// unchanged) if the result would exceed limit pages.
func (t *Txn) Grow(n, limit uint64) int64 {
	old := t.size
	if n > limit || old > limit-n {
		return -1
	}
	t.size += n
	return int64(old)
}

// InBounds reports whether [off, off+n) lies within the memory.
func (t *Txn) InBounds(off, n uint64) bool {
	end := off + n
	return end >= off && end <= t.size*PageSize
}

// Read copies len(dst) bytes at off into dst. The caller checks InBounds.
func (t *Txn) Read(dst []byte, off uint64) {
	for len(dst) > 0 {
		p, in := off/chunkSize, off%chunkSize
		n := min(len(dst), int(chunkSize-in))
		if pg := t.page(p); pg != nil {
			copy(dst[:n], pg[in:])
		} else {
			clear(dst[:n])
		}
		dst, off = dst[n:], off+uint64(n)
	}
}

// Write copies src into the memory at off. The caller checks InBounds.
func (t *Txn) Write(off uint64, src []byte) {
	for len(src) > 0 {
		p, in := off/chunkSize, off%chunkSize
		n := copy(t.writable(p)[in:], src)
		src, off = src[n:], off+uint64(n)
	}
}

func (t *Txn) page(p uint64) []byte {
	if pg, ok := t.dirty[p]; ok {
		return pg
	}
	if t.parent != nil {
		return t.parent.page(p)
	}
	return t.base.chunks[p]
}

func (t *Txn) writable(p uint64) []byte {
	if pg, ok := t.dirty[p]; ok {
		return pg
	}
	pg := make([]byte, chunkSize)
	if t.parent != nil {
		copy(pg, t.parent.page(p))
	} else {
		copy(pg, t.base.chunks[p])
	}
	if t.dirty == nil {
		t.dirty = map[uint64][]byte{}
	}
	t.dirty[p] = pg
	return pg
}

// Commit applies the transaction to its Memory, or to its parent
// transaction if it is nested (Txn.Begin). The Txn must not be used
// afterwards.
func (t *Txn) Commit() {
	if pt := t.parent; pt != nil {
		if len(t.dirty) > 0 && pt.dirty == nil {
			pt.dirty = map[uint64][]byte{}
		}
		for p, pg := range t.dirty {
			pt.dirty[p] = pg
		}
		pt.size = t.size
		t.dirty = nil
		return
	}
	m := t.base
	if len(t.dirty) > 0 && m.chunks == nil {
		m.chunks = map[uint64][]byte{}
	}
	for p, pg := range t.dirty {
		m.chunks[p] = pg
	}
	m.size = t.size
	t.dirty = nil
}

// Export returns the size in pages and the stored (non-zero) chunks, by
// index, for saving. The chunks are m's own: do not modify them.
func (m *Memory) Export() (pages uint64, chunks map[uint64][]byte) { return m.size, m.chunks }

// Import returns a Memory of the given size and chunks (as Export gave
// them). It checks the size and the chunks' bounds.
func Import(pages uint64, chunks map[uint64][]byte) (*Memory, error) {
	if pages > MaxPages {
		return nil, fmt.Errorf("stablemem: %d pages exceed the maximum %d", pages, MaxPages)
	}
	for i, c := range chunks {
		if len(c) != chunkSize || i >= pages*PageSize/chunkSize {
			return nil, fmt.Errorf("stablemem: chunk %d (%d bytes) is outside a %d-page memory", i, len(c), pages)
		}
	}
	return &Memory{chunks: chunks, size: pages}, nil
}
