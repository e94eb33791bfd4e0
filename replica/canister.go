package replica

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/icgo/icgo/replica/internal/stablemem"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

type envVar struct{ name, value string }

// canister is one canister's state. Fields are guarded by Replica.mu.
type canister struct {
	id CanisterID

	// Settings.
	controllers     [][]byte
	wasmMemoryLimit uint64
	envVars         []envVar

	// System state.
	cycles        u128
	version       uint64
	certifiedData []byte
	timer         uint64 // global timer deadline, ns; 0 = disarmed
	logs          canisterLog

	// Execution state: empty (code == nil) or an instance of code.
	code    *codeModule
	inst    api.Module
	globals []api.Global
	stable  *stablemem.Memory
	snap    heapSnapshot

	// Lifecycle (lifecycle.go) and metering (metering.go).
	status           CanisterStatus // 0 means StatusRunning
	lastInstructions uint64         // of the last finished entry point's execution
	lastProfile      *profileRun    // of the last execution, WithProfiling (profile.go)
}

// LogEntry is one canister log record (as fetch_canister_logs gives them).
type LogEntry struct {
	Index   uint64
	Time    time.Time // the ic0.time of the execution that logged it
	Message string
}

// The canister log keeps the most recent messages up to the canister's
// log_memory_limit setting (default 4 KiB, counted in message bytes),
// dropping the oldest first (IC interface specification, "IC method
// fetch_canister_logs"). Everything is still streamed to WithLogOutput.

type canisterLog struct {
	entries []LogEntry
	bytes   int
	next    uint64
}

func (l *canisterLog) add(t uint64, msg string, limit int) LogEntry {
	e := LogEntry{Index: l.next, Time: time.Unix(0, int64(t)), Message: msg}
	l.next++
	l.entries = append(l.entries, e)
	l.bytes += len(msg)
	for l.bytes > limit && len(l.entries) > 0 {
		l.bytes -= len(l.entries[0].Message)
		l.entries[0] = LogEntry{}
		l.entries = l.entries[1:]
	}
	return e
}

// purgeBefore drops the entries with an index below idx (reinstall and
// uninstall purge the log; indices keep increasing).
func (l *canisterLog) purgeBefore(idx uint64) {
	for len(l.entries) > 0 && l.entries[0].Index < idx {
		l.bytes -= len(l.entries[0].Message)
		l.entries[0] = LogEntry{}
		l.entries = l.entries[1:]
	}
}

// instantiate creates a fresh instance of cm. wazero runs no start
// function: the module's own (start) was turned into an export by the
// instrumentation and runs only on install.
func (r *Replica) instantiate(cm *codeModule) (api.Module, []api.Global, error) {
	r.instanceNo++
	cfg := wazero.NewModuleConfig().WithName(fmt.Sprintf("canister-instance-%d", r.instanceNo)).WithStartFunctions()
	inst, err := r.rt.InstantiateModule(context.Background(), cm.compiled, cfg)
	if err != nil {
		return nil, nil, err
	}
	globals := make([]api.Global, len(cm.globals))
	for i, name := range cm.globals {
		globals[i] = inst.ExportedGlobal(name)
		if _, ok := globals[i].(api.MutableGlobal); !ok {
			inst.Close(context.Background())
			return nil, nil, fmt.Errorf("instrumented global %s is not mutable", name)
		}
	}
	return inst, globals, nil
}

// heapSnapshot is a copy of an instance's Wasm memory and mutable globals,
// taken before an execution so that a trap, or a query, can be undone
// (reference 3.2).
//
// Cost: this version copies the whole memory before every execution (a
// memcpy, about 1 ms per 10 MiB) and keeps the buffer for reuse, so a
// canister's heap is held twice. The interface (take before, restore on
// rollback) is what copy-on-write or dirty-page tracking will implement
// later: only the pages an execution writes need copying.
type heapSnapshot struct {
	mem     []byte
	pages   uint32
	globals []uint64
}

// memoryOf returns the instance's memory, or nil if it has none. (wazero
// returns a typed nil *MemoryInstance in an api.Memory for a module without
// memory, so a plain nil check is not enough.)
func memoryOf(m api.Module) api.Memory {
	mem := m.Memory()
	if mem == nil || reflect.ValueOf(mem).IsNil() {
		return nil
	}
	return mem
}

func memoryPages(m api.Memory) uint32 {
	if m == nil {
		return 0
	}
	p, _ := m.Grow(0)
	return p
}

// memoryChunks calls fn for consecutive views of the first n bytes of m.
// (api.Memory takes uint32 lengths; a 4 GiB memory does not fit one.)
func memoryChunks(m api.Memory, n uint64, fn func(off uint64, view []byte)) {
	const chunk = 1 << 30
	for off := uint64(0); off < n; off += chunk {
		size := min(chunk, n-off)
		view, ok := m.Read(uint32(off), uint32(size))
		if !ok {
			panic("replica: memory view out of range")
		}
		fn(off, view)
	}
}

func (s *heapSnapshot) take(inst api.Module, globals []api.Global) {
	mem := memoryOf(inst)
	s.pages = memoryPages(mem)
	n := uint64(s.pages) * wasmPageSize
	if uint64(cap(s.mem)) < n {
		s.mem = make([]byte, n)
	}
	s.mem = s.mem[:n]
	memoryChunks(mem, n, func(off uint64, view []byte) { copy(s.mem[off:], view) })
	s.globals = s.globals[:0]
	for _, g := range globals {
		s.globals = append(s.globals, g.Get())
	}
}

// restore writes the snapshot back into inst, whose memory must not be
// larger than the snapshot's (it may be smaller: a fresh instance).
func (s *heapSnapshot) restore(inst api.Module, globals []api.Global) error {
	mem := memoryOf(inst)
	cur := memoryPages(mem)
	if cur > s.pages {
		return fmt.Errorf("replica: cannot restore a %d-page snapshot into a %d-page memory", s.pages, cur)
	}
	if cur < s.pages {
		if _, ok := mem.Grow(s.pages - cur); !ok {
			return fmt.Errorf("replica: cannot grow memory to %d pages to restore a snapshot", s.pages)
		}
	}
	if mem != nil {
		memoryChunks(mem, uint64(s.pages)*wasmPageSize, func(off uint64, view []byte) { copy(view, s.mem[off:]) })
	}
	for i, g := range globals {
		g.(api.MutableGlobal).Set(s.globals[i])
	}
	return nil
}

// rollback returns the canister's instance to the last snapshot. The
// instance is replaced by a fresh one when it can no longer be trusted or
// reused: after a trap (wazero documents its runtime errors as leaving the
// instance unrecoverable), when the time guard closed it, or when memory
// grew (Wasm memory cannot shrink, and memory.size must read as before).
func (r *Replica) rollback(c *canister, trapped bool) error {
	if trapped || c.inst.IsClosed() || memoryPages(memoryOf(c.inst)) != c.snap.pages {
		inst, globals, err := r.instantiate(c.code)
		if err != nil {
			return fmt.Errorf("replica: re-instantiating canister %s to roll back: %w", c.id, err)
		}
		c.inst.Close(context.Background())
		c.inst, c.globals = inst, globals
	}
	return c.snap.restore(c.inst, c.globals)
}
