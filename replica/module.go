package replica

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/icgo/icgo/internal/validate"
	"github.com/icgo/icgo/internal/wasm"
	"github.com/icgo/icgo/replica/internal/instrument"
	"github.com/tetratelabs/wazero"
)

const (
	wasmPageSize = 1 << 16
)

// MethodKind is the kind of an exported method.
type MethodKind int

// Method kinds (spec "WebAssembly module requirements"; spec "Entry points").
const (
	MethodUpdate MethodKind = iota
	MethodQuery
	MethodCompositeQuery
)

func (k MethodKind) String() string {
	switch k {
	case MethodUpdate:
		return "update"
	case MethodQuery:
		return "query"
	case MethodCompositeQuery:
		return "composite_query"
	}
	return fmt.Sprintf("MethodKind(%d)", int(k))
}

func (k MethodKind) exportPrefix() string { return "canister_" + k.String() + " " }

// Method is an exported method of a canister.
type Method struct {
	Name string
	Kind MethodKind
}

// moduleKey identifies compiled code: the uncompressed module's hash and
// the memory cap the instrumentation applied.
type moduleKey struct {
	hash     [32]byte
	maxPages uint64
	metered  bool
}

// codeModule is a validated, instrumented and compiled module, shared by
// every canister that installs the same bytes with the same memory limit.
//
// The replica counts the canisters whose code it is (refs; useModule and
// releaseModule). A module no canister uses is kept in a small LRU list
// (r.unused, at most maxUnusedModules), so that installing the same module
// again, or reinstalling a module after trying another, does not compile
// it again; beyond that the least recently used one is closed and
// forgotten. The process-wide compilation cache (or the on-disk one,
// WithCompilationCacheDir) still makes a later recompilation cheap.
type codeModule struct {
	refs     int // canisters whose code it is
	key      moduleKey
	compiled wazero.CompiledModule
	memory   wazero.CompiledModule // provides the memory that compiled imports; nil without one
	globals  []string              // export names of the mutable globals
	hasStart bool
	methods  map[string]MethodKind
	exports  map[string]bool            // every export name of the original module
	rawSize  int                        // bytes of the uncompressed module (canister_status memory)
	service  string                     // its candid:service metadata, "" if none (upgrade checks)
	metadata map[string]metadataSection // icp:public / icp:private custom sections (certified.go)
	src      []byte                     // the module as first installed (raw or gzip), for SaveState
	invalid  *Reject                    // the module was refused (then nothing else is set)
	// [dataLo, dataHi) covers the active data segments: what an
	// instantiation writes into memory (reinstantiate).
	dataLo, dataHi uint64
}

func (cm *codeModule) sortedMethods() []Method {
	out := make([]Method, 0, len(cm.methods))
	for n, k := range cm.methods {
		out = append(out, Method{n, k})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// invalidWasm is the reject for a module the replica refuses (IC0505
// CanisterInvalidWasm, reject code 5).
func invalidWasm(format string, args ...any) *Reject {
	return &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterInvalidWasm, Message: "invalid canister module: " + fmt.Sprintf(format, args...)}
}

// decompress accepts a raw module (\0asm) or a gzip-compressed one
// (1f 8b 08), as the IC does (spec "Canister module format"; validate.Decompress).
func decompress(b []byte) ([]byte, *Reject) {
	raw, err := validate.Decompress(b)
	if err != nil {
		return nil, invalidWasm("%s", strings.TrimPrefix(err.Error(), "validate: "))
	}
	return raw, nil
}

// Compiling a module can take long: wazero's compile time grows with the
// square of the branch targets that lead to one block, and a module within
// the IC's limits can take seconds. The replica therefore never compiles
// with r.mu held: loadModule starts a compileJob and returns a
// *compilingError; the caller releases the lock, waits for the job
// (Tick waits for the jobs of deferred management messages, the Go
// lifecycle methods for their own) and tries again, when the module is in
// the cache.

// compileJob is a module being decoded, validated, instrumented and
// compiled without the replica's lock.
type compileJob struct {
	key  moduleKey
	done chan struct{}
}

// compilingError says that the module of an install is being compiled:
// wait for job.done without holding r.mu, then retry.
type compilingError struct{ job *compileJob }

func (e *compilingError) Error() string {
	return "replica: the module is being compiled; retry when it is done"
}

// loadModule returns the compiled code of install bytes from the
// replica's cache, or a *compilingError (as the error) after starting
// its compilation. The caller holds r.mu.
func (r *Replica) loadModule(b []byte, maxMemoryBytes uint64) (*codeModule, error) {
	raw, rej := decompress(b)
	if rej != nil {
		return nil, rej
	}
	key := moduleKey{sha256.Sum256(raw), maxMemoryBytes / wasmPageSize, !r.meter.off}
	if cm, ok := r.modules[key]; ok {
		if cm.refs == 0 { // most recently used now
			r.unpark(cm)
			r.park(cm)
		}
		if cm.invalid != nil {
			return nil, cm.invalid
		}
		return cm, nil
	}
	job, ok := r.compiling[key]
	if !ok {
		job = &compileJob{key: key, done: make(chan struct{})}
		r.compiling[key] = job
		go r.compile(job, raw, b)
	}
	return nil, &compilingError{job}
}

// loadModuleNow is loadModule that compiles at once, with r.mu held: for
// LoadState, which runs before the replica is shared, so that nothing
// waits for the lock meanwhile.
func (r *Replica) loadModuleNow(b []byte, maxMemoryBytes uint64) (*codeModule, error) {
	raw, rej := decompress(b)
	if rej != nil {
		return nil, rej
	}
	key := moduleKey{sha256.Sum256(raw), maxMemoryBytes / wasmPageSize, !r.meter.off}
	if cm, ok := r.modules[key]; ok {
		if cm.invalid != nil {
			return nil, cm.invalid
		}
		return cm, nil
	}
	cm, rej := r.buildModule(raw, b, key)
	if rej != nil {
		return nil, rej
	}
	r.modules[key] = cm
	r.park(cm) // unused until the canister takes it (useModule)
	return cm, nil
}

// compile runs a compileJob, without r.mu, and caches its outcome (a
// refused module too, so that a retry does not compile it again).
func (r *Replica) compile(job *compileJob, raw, src []byte) {
	if testCompileHook != nil {
		testCompileHook()
	}
	cm, rej := r.buildModule(raw, src, job.key)
	if rej != nil {
		cm = &codeModule{key: job.key, invalid: rej}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	defer close(job.done)
	delete(r.compiling, job.key)
	if r.closed {
		if cm.compiled != nil {
			cm.compiled.Close(context.Background())
		}
		return
	}
	r.modules[job.key] = cm
	r.park(cm) // unused until an install commits it (useModule)
}

// testCompileHook, if set by a test, runs at the start of every
// compilation, without r.mu.
var testCompileHook func()

// waitCompiling waits, without r.mu, for the compilation err names, if
// err is a *compilingError; it reports whether it waited.
func waitCompiling(err error) bool {
	var ce *compilingError
	if !errors.As(err, &ce) {
		return false
	}
	<-ce.job.done
	return true
}

// buildModule decodes, validates, instruments and compiles a module (raw;
// src is what was installed, raw or gzip). It does not touch the replica's
// state and runs without r.mu.
func (r *Replica) buildModule(raw, src []byte, key moduleKey) (*codeModule, *Reject) {
	m, err := wasm.Decode(raw)
	if err != nil {
		return nil, invalidWasm("%v", err)
	}
	if err := validateModule(m); err != nil {
		return nil, invalidWasm("%v", err)
	}
	cm := &codeModule{key: key, methods: map[string]MethodKind{}, exports: map[string]bool{}, rawSize: len(raw),
		metadata: metadataOf(m), src: src}
	for _, name := range []string{"icp:public candid:service", "icp:private candid:service"} {
		if b, ok := m.Custom(name); ok {
			cm.service = string(b)
		}
	}
	for _, e := range m.Exports {
		cm.exports[e.Name] = true
		if e.Kind != wasm.KindFunc {
			continue
		}
		for _, k := range []MethodKind{MethodUpdate, MethodQuery, MethodCompositeQuery} {
			if name, ok := strings.CutPrefix(e.Name, k.exportPrefix()); ok {
				if _, dup := cm.methods[name]; dup {
					return nil, invalidWasm("method %q is exported more than once", name)
				}
				cm.methods[name] = k
			}
		}
	}
	cm.dataLo, cm.dataHi = dataRange(m)
	res, err := instrument.Module(m, instrument.Options{MaxMemoryPages: key.maxPages, Meter: key.metered, DirtyPages: true, ImportMemory: true})
	if err != nil {
		return nil, invalidWasm("%v", err)
	}
	if addCallbackTrampoline(m) { // instrument.Module instruments m in place (callcontext_table.go)
		res.Module = m.Encode()
	}
	compiled, err := r.rt.CompileModule(r.compileContext(), res.Module)
	if err != nil {
		return nil, invalidWasm("%v", err)
	}
	if res.HasMemory {
		mm := &wasm.Module{Memories: []wasm.Limits{res.Memory}, Exports: []wasm.Export{{Name: instrument.MemoryName, Kind: wasm.KindMemory}}}
		if cm.memory, err = r.rt.CompileModule(context.Background(), mm.Encode()); err != nil {
			compiled.Close(context.Background())
			return nil, invalidWasm("%v", err)
		}
	}
	for _, g := range res.Globals {
		cm.globals = append(cm.globals, instrument.GlobalExportName(g))
	}
	cm.hasStart = res.HasStart
	cm.compiled = compiled
	return cm, nil
}

// dataRange returns a range of memory that covers every active data
// segment of m (their offsets are i32.const: the IC has no global imports
// a segment offset could use; anything else gives the whole 4 GiB).
func dataRange(m *wasm.Module) (lo, hi uint64) {
	lo = MaxWasmMemory
	for _, d := range m.Data {
		if d.Mode != wasm.Active {
			continue
		}
		var off uint64
		ok := false
		if err := wasm.Walk(d.Offset, func(in *wasm.Instr) error {
			if in.Op == wasm.OpI32Const && !ok && in.Pos == 0 {
				off, ok = uint64(uint32(in.Const)), true
			} else if in.Op != wasm.OpEnd {
				ok = false
			}
			return nil
		}); err != nil || !ok {
			return 0, MaxWasmMemory
		}
		lo, hi = min(lo, off), max(hi, off+uint64(len(d.Init)))
	}
	if hi == 0 {
		return 0, 0
	}
	return lo, hi
}

// maxUnusedModules is how many compiled modules that no canister uses the
// replica keeps (see codeModule).
const maxUnusedModules = 8

// useModule records that a canister's code is now cm.
func (r *Replica) useModule(cm *codeModule) {
	if cm.refs == 0 {
		r.unpark(cm)
	}
	cm.refs++
}

// releaseModule records that a canister's code is no longer cm (nil: it had
// none). The last user parks it in the unused list.
func (r *Replica) releaseModule(cm *codeModule) {
	if cm == nil {
		return
	}
	cm.refs--
	if cm.refs == 0 {
		r.park(cm)
	}
}

// park appends an unused module to the LRU list, closing the least
// recently used ones beyond maxUnusedModules.
func (r *Replica) park(cm *codeModule) {
	r.unused = append(r.unused, cm)
	for len(r.unused) > maxUnusedModules {
		old := r.unused[0]
		r.unused[0] = nil
		r.unused = r.unused[1:]
		delete(r.modules, old.key)
		if old.compiled != nil {
			old.compiled.Close(context.Background())
		}
		if old.memory != nil {
			old.memory.Close(context.Background())
		}
	}
}

func (r *Replica) unpark(cm *codeModule) {
	if i := slices.Index(r.unused, cm); i >= 0 {
		r.unused = slices.Delete(r.unused, i, i+1)
	}
}

// validateModule applies the IC's module rules (spec "WebAssembly module requirements":
// imports only from ic0 with exact signatures, export names, structural
// limits, custom sections, Wasm features) to the decoded, uncompressed
// module before instrumentation; an error makes the install fail with
// IC0505 CanisterInvalidWasm and lists every rule broken.
//
// Beyond the IC's rules, it refuses a module whose BrTableCost (the sum
// over functions of the square of their br_table targets) exceeds
// maxBrTableCost: wazero links every br_table target to its block in time
// that grows with the square of the block's predecessors, so that one
// br_table of 131,072 targets (the IC's limit) takes minutes to compile. A
// deviation (replica/doc.go); Go canisters have at most about a thousand
// targets per function.
func validateModule(m *wasm.Module) error {
	rep := validate.Module(m)
	if err := rep.Err(); err != nil {
		return err
	}
	if rep.BrTableCost > maxBrTableCost {
		return fmt.Errorf("the module's br_table targets would take the icgo replica too long to compile "+
			"(sum over functions of targets squared %d, at most %d: e.g. %d targets in one function); "+
			"the IC accepts up to %d targets per br_table, but this replica does not: dispatch in steps",
			rep.BrTableCost, int64(maxBrTableCost), maxBrTableTargetsAlone, validate.MaxBrTableTargets)
	}
	return nil
}

// maxBrTableTargetsAlone is the most br_table targets one function may
// have in the replica; maxBrTableCost is its square (validateModule).
const (
	maxBrTableTargetsAlone = 32 * 1024
	maxBrTableCost         = maxBrTableTargetsAlone * maxBrTableTargetsAlone
)

// Decompress returns the wasm module in b, which may be raw (\0asm) or
// gzip-compressed (1f 8b 08), as the IC accepts it (spec "Canister module format").
func Decompress(b []byte) ([]byte, error) {
	raw, rej := decompress(b)
	if rej != nil {
		return nil, rej
	}
	return raw, nil
}
