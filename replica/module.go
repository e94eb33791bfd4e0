package replica

import (
	"context"
	"crypto/sha256"
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

// Method kinds (reference 2.3, 3.1).
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
	globals  []string // export names of the mutable globals
	hasStart bool
	methods  map[string]MethodKind
	exports  map[string]bool            // every export name of the original module
	rawSize  int                        // bytes of the uncompressed module (canister_status memory)
	metadata map[string]metadataSection // icp:public / icp:private custom sections (certified.go)
	src      []byte                     // the module as first installed (raw or gzip), for SaveState
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
	return &Reject{Code: CanisterError, ErrorCode: "IC0505", Message: "invalid canister module: " + fmt.Sprintf(format, args...)}
}

// decompress accepts a raw module (\0asm) or a gzip-compressed one
// (1f 8b 08), as the IC does (reference 2.1; validate.Decompress).
func decompress(b []byte) ([]byte, *Reject) {
	raw, err := validate.Decompress(b)
	if err != nil {
		return nil, invalidWasm("%s", strings.TrimPrefix(err.Error(), "validate: "))
	}
	return raw, nil
}

// loadModule turns install bytes into compiled code, from the replica's
// cache when the same module was loaded before.
func (r *Replica) loadModule(b []byte, maxMemoryBytes uint64) (*codeModule, *Reject) {
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
		return cm, nil
	}
	m, err := wasm.Decode(raw)
	if err != nil {
		return nil, invalidWasm("%v", err)
	}
	if err := validateModule(m); err != nil {
		return nil, invalidWasm("%v", err)
	}
	cm := &codeModule{key: key, methods: map[string]MethodKind{}, exports: map[string]bool{}, rawSize: len(raw),
		metadata: metadataOf(m), src: b}
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
	res, err := instrument.Module(m, instrument.Options{MaxMemoryPages: key.maxPages, Meter: key.metered})
	if err != nil {
		return nil, invalidWasm("%v", err)
	}
	if addCallbackTrampoline(m) { // instrument.Module instruments m in place (callcontext_table.go)
		res.Module = m.Encode()
	}
	compiled, err := r.rt.CompileModule(context.Background(), res.Module)
	if err != nil {
		return nil, invalidWasm("%v", err)
	}
	for _, g := range res.Globals {
		cm.globals = append(cm.globals, instrument.GlobalExportName(g))
	}
	cm.hasStart = res.HasStart
	cm.compiled = compiled
	r.modules[key] = cm
	r.park(cm) // unused until an install commits it (useModule)
	return cm, nil
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
		old.compiled.Close(context.Background())
	}
}

func (r *Replica) unpark(cm *codeModule) {
	if i := slices.Index(r.unused, cm); i >= 0 {
		r.unused = slices.Delete(r.unused, i, i+1)
	}
}

// validateModule applies the IC's module rules (reference section 2:
// imports only from ic0 with exact signatures, export names, structural
// limits, custom sections, Wasm features) to the decoded, uncompressed
// module before instrumentation; an error makes the install fail with
// IC0505 CanisterInvalidWasm and lists every rule broken.
func validateModule(m *wasm.Module) error {
	return validate.Module(m).Err()
}

// Decompress returns the wasm module in b, which may be raw (\0asm) or
// gzip-compressed (1f 8b 08), as the IC accepts it (reference 2.1).
func Decompress(b []byte) ([]byte, error) {
	raw, rej := decompress(b)
	if rej != nil {
		return nil, rej
	}
	return raw, nil
}
