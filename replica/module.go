package replica

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/icgo/icgo/internal/validate"
	"github.com/icgo/icgo/internal/wasm"
	"github.com/icgo/icgo/replica/internal/instrument"
	"github.com/tetratelabs/wazero"
)

const (
	wasmPageSize = 1 << 16
	// maxModuleSize is the limit on an uncompressed module: 100 MiB
	// (reference 2.1, IC-EMB WASM_MAX_SIZE).
	maxModuleSize = 100 << 20
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
type codeModule struct {
	key      moduleKey
	compiled wazero.CompiledModule
	globals  []string // export names of the mutable globals
	hasStart bool
	methods  map[string]MethodKind
	exports  map[string]bool // every export name of the original module
	rawSize  int             // bytes of the uncompressed module (canister_status memory)
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
// (1f 8b 08), as the IC does (reference 2.1).
func decompress(b []byte) ([]byte, *Reject) {
	switch {
	case bytes.HasPrefix(b, wasm.Magic):
		if len(b) > maxModuleSize {
			return nil, invalidWasm("module of %d bytes exceeds the limit of %d bytes", len(b), maxModuleSize)
		}
		return b, nil
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b, 0x08}):
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, invalidWasm("bad gzip data: %v", err)
		}
		raw, err := io.ReadAll(io.LimitReader(zr, maxModuleSize+1))
		if err != nil {
			return nil, invalidWasm("bad gzip data: %v", err)
		}
		if len(raw) > maxModuleSize {
			return nil, invalidWasm("decompressed module exceeds the limit of %d bytes", maxModuleSize)
		}
		if !bytes.HasPrefix(raw, wasm.Magic) {
			return nil, invalidWasm("the gzip data does not contain a wasm module (missing \\0asm magic)")
		}
		return raw, nil
	}
	n := min(len(b), 4)
	return nil, invalidWasm("neither a wasm module (\\0asm) nor gzip (1f 8b 08): starts with % x", b[:n])
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
		return cm, nil
	}
	m, err := wasm.Decode(raw)
	if err != nil {
		return nil, invalidWasm("%v", err)
	}
	if err := validateModule(m); err != nil {
		return nil, invalidWasm("%v", err)
	}
	cm := &codeModule{key: key, methods: map[string]MethodKind{}, exports: map[string]bool{}, rawSize: len(raw)}
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
	return cm, nil
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
