package replica

import (
	"context"
	"fmt"

	"github.com/icgo/icgo/replica/internal/instrument"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// heap is the Wasm memory of a canister instance, with the undo log that
// lets the replica roll back what a message wrote (IC interface
// specification, section "Execution of a message": a trap, and any query,
// leaves the canister's state as it was).
//
// Memory. The heap reserves the module's maximum memory once (reserve: an
// anonymous mapping where the platform has one, so that pages the canister
// never touches hold no host memory) and hands wazero views of it
// (experimental.MemoryAllocator): memory.grow never copies, and a module
// declaring a large initial memory costs only what it touches. Bytes past
// the current size are always zero.
//
// Dirty pages. The instrumentation (replica/internal/instrument, dirty.go)
// reports every 4 KiB chunk before a store first writes it, and so do the
// host functions that write guest memory (execution.write, stable reads).
// The first report of a chunk since the last mark saves it in the undo
// log (instrument.ChunkSaveSize bytes: the chunk and what a store starting
// in it can reach past its end), or records that it was zero if it lies at
// or past the size the memory had at the mark. Undoing applies the log
// backwards, so that the earliest copy of every byte wins. A message then
// costs what it writes, not the heap's size, and host memory stays the
// heap plus the chunks written.
type heap struct {
	buf     []byte // the reservation; len(buf) is the memory's maximum
	size    uint64 // the current size in bytes (wazero's view)
	release func() // frees buf
	users   int    // instances whose memory it is

	tracking bool     // false during install: nothing to roll back to
	zeroFrom uint64   // size at the last mark: later chunks were zero
	bits     []uint64 // chunks reported since the last mark, a bit each
	reported []uint32 // the same chunks, whose table entries are set
	log      []undoEntry
	arena    []byte // saved chunks
}

type undoEntry struct {
	chunk uint32
	at    int // offset of the saved bytes in arena; -1: the chunk was zero
}

// maxKeptArena bounds the undo arena kept between messages for reuse.
const maxKeptArena = 16 << 20

// heapMemory is the experimental.LinearMemory wazero gets for a heap.
// Free does nothing: the heap outlives instances (rollback reuses it), and
// the replica frees it when its last instance is closed (closeInstance).
type heapMemory struct{ h *heap }

func (m heapMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.h.buf)) {
		return nil
	}
	m.h.size = size
	return m.h.buf[:size:size]
}

func (heapMemory) Free() {}

// allocator returns the allocator that makes h the memory of the next
// instance; a new heap reserves the module's maximum.
func (h *heap) allocator() experimental.MemoryAllocator {
	return experimental.MemoryAllocatorFunc(func(_, max uint64) experimental.LinearMemory {
		if h.buf == nil {
			buf, release, err := reserve(max)
			if err != nil {
				return nil // wazero fails the instantiation
			}
			h.buf, h.release = buf, release
			h.bits = make([]uint64, (uint64(len(buf))>>instrument.ChunkShift+63)/64)
		}
		return heapMemory{h}
	})
}

func (h *heap) free() {
	if h.release != nil {
		h.release()
	}
	*h = heap{}
}

// report records that chunk is about to be written.
func (h *heap) report(chunk uint32) {
	w, bit := chunk/64, uint64(1)<<(chunk%64)
	if int(w) >= len(h.bits) { // a masked address past the memory: the store traps
		return
	}
	if h.bits[w]&bit != 0 {
		return
	}
	h.bits[w] |= bit
	h.reported = append(h.reported, chunk)
	if !h.tracking {
		return
	}
	off := uint64(chunk) << instrument.ChunkShift
	if off >= h.zeroFrom {
		h.log = append(h.log, undoEntry{chunk: chunk, at: -1})
		return
	}
	end := min(off+instrument.ChunkSaveSize, uint64(len(h.buf)))
	h.log = append(h.log, undoEntry{chunk: chunk, at: len(h.arena)})
	h.arena = append(h.arena, h.buf[off:end]...)
}

// reportRange records that [off, off+n) is about to be written. A range
// past the memory is not written (the instruction or host call traps).
func (h *heap) reportRange(off, n uint64) {
	if n == 0 || off+n > h.size {
		return
	}
	for c := off >> instrument.ChunkShift; c <= (off+n-1)>>instrument.ChunkShift; c++ {
		h.report(uint32(c))
	}
}

// undoTo applies the log backwards down to position mark, which puts the
// memory's bytes back as they were at that mark, and keeps the entries
// (an earlier mark's undo still needs them).
func (h *heap) undoTo(mark int) {
	for i := len(h.log) - 1; i >= mark; i-- {
		e := h.log[i]
		off := uint64(e.chunk) << instrument.ChunkShift
		end := min(off+instrument.ChunkSaveSize, uint64(len(h.buf)))
		if e.at < 0 {
			clear(h.buf[off:end])
		} else {
			copy(h.buf[off:end], h.arena[e.at:])
		}
	}
}

// clearTable empties the table entries of the chunks reported since the
// last mark, in inst (whose memory h is), and forgets them.
func (h *heap) clearTable(r *Replica, inst api.Module) error {
	if len(h.reported) == 0 {
		return nil
	}
	defer func() {
		for _, c := range h.reported {
			h.bits[c/64] = 0
		}
		h.reported = h.reported[:0]
	}()
	if inst.IsClosed() { // its table goes with it
		return nil
	}
	ctx := context.Background()
	if len(h.reported) > len(h.bits) { // many: cheaper to reset all
		fn := r.exportedFunction(inst, instrument.DirtyResetExport)
		if fn == nil {
			return fmt.Errorf("replica: instance has no %s export", instrument.DirtyResetExport)
		}
		_, err := fn.Call(ctx)
		return err
	}
	fn := r.exportedFunction(inst, instrument.DirtyClearExport)
	if fn == nil {
		return fmt.Errorf("replica: instance has no %s export", instrument.DirtyClearExport)
	}
	var stack [instrument.DirtyClearArity]uint64
	for i := 0; i < len(h.reported); i += len(stack) {
		for j := range stack {
			stack[j] = uint64(h.reported[min(i+j, len(h.reported)-1)])
		}
		if err := fn.CallWithStack(ctx, stack[:]); err != nil {
			return err
		}
	}
	return nil
}

// mark starts a new undo level in inst's memory h: every chunk written
// from now on is saved again. It returns the log position to undo to.
func (h *heap) mark(r *Replica, inst api.Module) (int, error) {
	err := h.clearTable(r, inst)
	h.zeroFrom = h.size
	return len(h.log), err
}

// reset forgets the log (after a commit, or a complete undo) and starts
// tracking from the current state.
func (h *heap) reset(r *Replica, inst api.Module) error {
	err := h.clearTable(r, inst)
	h.log = h.log[:0]
	if cap(h.arena) > maxKeptArena {
		h.arena = nil
	}
	h.arena = h.arena[:0]
	h.tracking = true
	h.zeroFrom = h.size
	return err
}

// decommitFrom gives the host memory of buf[off:] back (it reads as zero
// afterwards); off must be a multiple of the Wasm page size.
func (h *heap) decommitFrom(off uint64) {
	if off < uint64(len(h.buf)) {
		decommit(h.buf[off:])
	}
}

// copyCommitted makes dst (a new instance's heap, grown to pages) hold
// the memory as it was at h's first mark, without changing h.
func (h *heap) copyCommitted(dst *heap, n uint64) {
	copy(dst.buf[:n], h.buf[:n])
	for i := len(h.log) - 1; i >= 0; i-- {
		e := h.log[i]
		off := uint64(e.chunk) << instrument.ChunkShift
		if off >= n {
			continue
		}
		end := min(off+instrument.ChunkSaveSize, n)
		if e.at < 0 {
			clear(dst.buf[off:end])
		} else {
			copy(dst.buf[off:end], h.arena[e.at:])
		}
	}
}
