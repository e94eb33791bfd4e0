package replica

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/icgo/icgo/replica/internal/instrument"
	"github.com/icgo/icgo/replica/internal/stablemem"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
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
	lowMemory     lowMemoryStatus // the low Wasm memory hook (lowmemory.go)

	// Execution state: empty (code == nil) or an instance of code.
	code    *codeModule
	inst    api.Module
	globals []api.Global
	stable  *stablemem.Memory
	snap    heapSnapshot

	snapshots []*canisterSnapshot // take_canister_snapshot (snapshot.go)

	history      []canisterChange // the most recent changes (history.go)
	totalChanges uint64

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
	limit   uint64 // the log_memory_limit setting (0: defaultLogMemoryLimit)
}

// defaultLogMemoryLimit is the default log_memory_limit setting (4 KiB);
// the replica honours at most maxLogMemoryLimit (1 MiB).
const (
	defaultLogMemoryLimit = 4096
	maxLogMemoryLimit     = 1 << 20
)

// setting is the log_memory_limit setting.
func (l *canisterLog) setting() uint64 {
	if l.limit == 0 {
		return defaultLogMemoryLimit
	}
	return l.limit
}

// capacity is the number of message bytes the log keeps.
func (l *canisterLog) capacity() int {
	if l.limit == 0 {
		return defaultLogMemoryLimit
	}
	return int(min(l.limit, maxLogMemoryLimit))
}

func (l *canisterLog) add(t uint64, msg string) LogEntry {
	limit := l.capacity()
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

// instantiate creates an instance of cm whose memory is h, or a new heap
// if h is nil. wazero runs no start function: the module's own (start) was
// turned into an export by the instrumentation and runs only on install.
// The active data segments are written into the memory, as in any
// instantiation (reinstantiate puts back what they cover).
func (r *Replica) instantiate(cm *codeModule, h *heap) (api.Module, []api.Global, error) {
	r.instanceNo++
	if h == nil {
		h = &heap{}
	}
	ctx := context.Background()
	var mem api.Module
	if cm.memory != nil {
		mcfg := wazero.NewModuleConfig().WithName(fmt.Sprintf("canister-memory-%d", r.instanceNo))
		var err error
		if mem, err = r.rt.InstantiateModule(experimental.WithMemoryAllocator(ctx, h.allocator()), cm.memory, mcfg); err != nil {
			if h.users == 0 {
				h.free()
			}
			return nil, nil, err
		}
		ctx = experimental.WithImportResolver(ctx, func(name string) api.Module {
			if name == instrument.MemoryModule {
				return mem
			}
			return nil
		})
	}
	cfg := wazero.NewModuleConfig().WithName(fmt.Sprintf("canister-instance-%d", r.instanceNo)).WithStartFunctions()
	inst, err := r.rt.InstantiateModule(ctx, cm.compiled, cfg)
	if err != nil {
		if mem != nil {
			mem.Close(context.Background())
		}
		if h.users == 0 {
			h.free()
		}
		return nil, nil, err
	}
	if mem != nil {
		h.users++
		r.heaps[inst] = instanceMemory{h, mem}
	}
	globals := make([]api.Global, len(cm.globals))
	for i, name := range cm.globals {
		globals[i] = inst.ExportedGlobal(name)
		if _, ok := globals[i].(api.MutableGlobal); !ok {
			r.closeInstance(inst)
			return nil, nil, fmt.Errorf("instrumented global %s is not mutable", name)
		}
	}
	return inst, globals, nil
}

// instanceMemory is an instance's heap and the module instance that
// provides its memory (instrument.Options.ImportMemory).
type instanceMemory struct {
	h        *heap
	provider api.Module
}

// exportedFunction returns inst's export name, or nil. The function is kept
// for the instance's lifetime: wazero gives each api.Function its own call
// stack, which a new one allocates and grows again on every call.
func (r *Replica) exportedFunction(inst api.Module, name string) api.Function {
	fns := r.funcs[inst]
	if fn, ok := fns[name]; ok {
		return fn
	}
	fn := inst.ExportedFunction(name)
	if fn == nil {
		return nil
	}
	if fns == nil {
		fns = map[string]api.Function{}
		r.funcs[inst] = fns
	}
	fns[name] = fn
	return fn
}

// closeInstance closes inst and frees its memory unless another instance
// uses it.
func (r *Replica) closeInstance(inst api.Module) {
	inst.Close(context.Background())
	delete(r.funcs, inst)
	if r.reporter.inst == inst {
		r.reporter.inst, r.reporter.h = nil, nil
	}
	if im, ok := r.heaps[inst]; ok {
		delete(r.heaps, inst)
		im.provider.Close(context.Background())
		im.h.users--
		if im.h.users == 0 {
			im.h.free()
		}
	}
}

// heapOf returns inst's heap, or nil if it has no memory.
func (r *Replica) heapOf(inst api.Module) *heap { return r.heaps[inst].h }

// reinstantiate replaces an instance of cm whose memory is h (already
// rolled back to the state to keep, pages long) by a new one with the same
// memory. wazero does not reuse an instance after a trap, nor shrink a
// memory; the heap stays, and only the bytes the data segments cover are
// saved and put back, so this costs the module's data, not the heap.
func (r *Replica) reinstantiate(cm *codeModule, h *heap, pages uint32) (api.Module, []api.Global, error) {
	n := uint64(pages) * wasmPageSize
	var saved []byte
	lo, hi := min(cm.dataLo, n), min(cm.dataHi, n)
	if h != nil && lo < hi {
		saved = append(saved, h.buf[lo:hi]...)
	}
	inst, globals, err := r.instantiate(cm, h)
	if err != nil {
		if h != nil {
			copy(h.buf[lo:hi], saved) // the old instance keeps its memory
		}
		return nil, nil, err
	}
	if h == nil {
		return inst, globals, nil
	}
	copy(h.buf[lo:hi], saved)
	mem := memoryOf(inst)
	if cur := memoryPages(mem); cur < pages {
		if _, ok := mem.Grow(pages - cur); !ok {
			r.closeInstance(inst)
			return nil, nil, fmt.Errorf("replica: cannot grow memory to %d pages to restore a snapshot", pages)
		}
	}
	return inst, globals, nil
}

// heapSnapshot is where an execution started: the memory size, the mutable
// globals and the position in the heap's undo log (heap.go). Restoring it
// undoes what the instance wrote since, copying only those chunks.
type heapSnapshot struct {
	pages   uint32
	globals []uint64
	mark    int
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

// take marks the start of an execution on inst.
func (r *Replica) takeSnapshot(s *heapSnapshot, inst api.Module, globals []api.Global) error {
	s.pages = memoryPages(memoryOf(inst))
	s.globals = s.globals[:0]
	for _, g := range globals {
		s.globals = append(s.globals, g.Get())
	}
	s.mark = 0
	if h := r.heapOf(inst); h != nil {
		var err error
		if s.mark, err = h.mark(r, inst); err != nil {
			return fmt.Errorf("replica: starting an execution: %w", err)
		}
	}
	return nil
}

// restoreSnapshot puts inst back as it was at s. The instance is replaced
// by a new one (returned) when it can no longer be trusted or reused:
// after a trap (wazero documents its runtime errors as leaving the instance
// unrecoverable), when the time guard closed it, or when memory grew (Wasm
// memory cannot shrink, and memory.size must read as before).
func (r *Replica) restoreSnapshot(s *heapSnapshot, cm *codeModule, inst api.Module, globals []api.Global, trapped bool) (api.Module, []api.Global, error) {
	h := r.heapOf(inst)
	if h != nil {
		grown := h.size > uint64(s.pages)*wasmPageSize
		h.undoTo(s.mark)
		if grown {
			h.decommitFrom(uint64(s.pages) * wasmPageSize)
		}
	}
	if trapped || inst.IsClosed() || memoryPages(memoryOf(inst)) != s.pages {
		ninst, nglobals, err := r.reinstantiate(cm, h, s.pages)
		if err != nil {
			return nil, nil, fmt.Errorf("re-instantiating to roll back: %w", err)
		}
		r.closeInstance(inst)
		inst, globals = ninst, nglobals
	}
	for i, g := range globals {
		g.(api.MutableGlobal).Set(s.globals[i])
	}
	return inst, globals, nil
}

// rollback returns the canister's instance to its snapshot (c.snap, taken
// when the execution started) and starts tracking afresh.
func (r *Replica) rollback(c *canister, trapped bool) error {
	inst, globals, err := r.restoreSnapshot(&c.snap, c.code, c.inst, c.globals, trapped)
	if err != nil {
		return fmt.Errorf("replica: re-instantiating canister %s: %w", c.id, err)
	}
	c.inst, c.globals = inst, globals
	return r.commitHeap(c.inst)
}

// commitHeap keeps what inst's memory holds: the undo log is dropped.
func (r *Replica) commitHeap(inst api.Module) error {
	if h := r.heapOf(inst); h != nil {
		if err := h.reset(r, inst); err != nil {
			return fmt.Errorf("replica: committing the heap: %w", err)
		}
	}
	return nil
}
