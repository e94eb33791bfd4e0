// Package instrument rewrites a canister module before the replica compiles
// it, so that wazero can run it with IC semantics:
//
//   - every defined mutable global is exported as GlobalExportPrefix+N
//     (N = its global index), because wazero only gives the host access to
//     exported globals and a trap must roll back all of them (IC interface
//     spec, "Execution of a message": a trap discards all state changes);
//   - the (start) function is removed from the start section and exported as
//     StartExport, as the IC does with canister_start (spec "WebAssembly module requirements"): the
//     replica runs it itself, in context s, once per install, and wazero
//     must not run it again when the replica re-instantiates a module to
//     restore a snapshot;
//   - the memory maximum is capped at the canister's wasm_memory_limit, so
//     that memory.grow past the limit fails as on the IC (spec "WebAssembly module requirements");
//   - an imported env.memory or env.table (the only memory and table
//     imports the IC accepts, spec "WebAssembly module requirements") becomes a defined one, since
//     the IC provides them rather than another module (with
//     Options.ImportMemory, the memory is then imported from the replica);
//   - with Options.Meter, instruction metering (metering.go);
//   - with Options.DirtyPages, dirty-page tracking (dirty.go).
//
// Section names quoted as spec "..." are those of the IC interface
// specification, https://internetcomputer.org/docs/references/ic-interface-spec.
package instrument

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/icgo/icgo/internal/wasm"
)

// Reserved export names. A module that exports a name with ReservedPrefix is
// refused.
const (
	ReservedPrefix     = "__icgo_"
	GlobalExportPrefix = ReservedPrefix + "global_"
	StartExport        = ReservedPrefix + "start"
	// MemoryModule and MemoryName are the import of the memory, with
	// Options.ImportMemory.
	MemoryModule = ReservedPrefix + "memory"
	MemoryName   = "memory"
)

// WasmPageSize is the size of a wasm memory page.
const WasmPageSize = 1 << 16

// Options configure Module.
type Options struct {
	// MaxMemoryPages caps the memory's maximum (the canister's
	// wasm_memory_limit in pages). 0 means 65536 (4 GiB).
	MaxMemoryPages uint64
	// Meter adds instruction metering (metering.go): the counter global
	// CounterExport and calls of MeterModule.OutOfInstructionsFunc.
	Meter bool
	// DirtyPages adds dirty-page tracking (dirty.go) to a module with a
	// memory: calls of MeterModule.DirtyChunkFunc and DirtyRangeFunc before
	// every write, and the exports DirtyClearExport and DirtyResetExport.
	DirtyPages bool
	// ImportMemory makes the module's memory an import, MemoryModule.
	// MemoryName, with the same limits (Result.Memory), which the replica
	// provides (a workaround for wazero 1.12's compiler: see replica/doc.go,
	// "A 4 GiB heap").
	ImportMemory bool
}

// Result describes an instrumented module.
type Result struct {
	Module []byte
	// Globals lists the indices of the exported mutable globals, in the
	// order of their GlobalExportPrefix exports.
	Globals []uint32
	// HasStart reports whether StartExport exists.
	HasStart bool
	// HasMemory reports whether the module has a memory.
	HasMemory bool
	// Metered reports whether the module was metered (Options.Meter).
	Metered bool
	// Memory is the memory's type after instrumentation (HasMemory).
	Memory wasm.Limits
	// DirtyChunks is the number of chunks (ChunkSize bytes) that dirty-page
	// tracking covers, or 0 if the module is not tracked.
	DirtyChunks uint32
}

// GlobalExportName returns the export name of mutable global idx.
func GlobalExportName(idx uint32) string {
	return GlobalExportPrefix + strconv.FormatUint(uint64(idx), 10)
}

// Module instruments m in place and encodes it. It fails for modules it
// cannot run with correct semantics (these are limitations of the replica,
// said as such, or IC rules that the instrumentation depends on).
func Module(m *wasm.Module, opt Options) (*Result, error) {
	maxPages := opt.MaxMemoryPages
	if maxPages == 0 || maxPages > 65536 {
		maxPages = 65536
	}
	for _, e := range m.Exports {
		if strings.HasPrefix(e.Name, ReservedPrefix) {
			return nil, fmt.Errorf("export %q uses the prefix %q, which the icgo replica reserves", e.Name, ReservedPrefix)
		}
	}

	// Imported memory and table become defined ones (index 0 either way:
	// the IC allows at most one memory, and only env.table as a table import).
	var imports []wasm.Import
	var memImports, tableImports []wasm.Import
	for _, im := range m.Imports {
		switch im.Kind {
		case wasm.KindMemory:
			if im.Module != "env" || im.Name != "memory" {
				return nil, fmt.Errorf("memory import %s.%s: the IC only accepts env.memory", im.Module, im.Name)
			}
			memImports = append(memImports, im)
		case wasm.KindTable:
			if im.Module != "env" || im.Name != "table" {
				return nil, fmt.Errorf("table import %s.%s: the IC only accepts env.table", im.Module, im.Name)
			}
			tableImports = append(tableImports, im)
		case wasm.KindGlobal:
			return nil, fmt.Errorf("global import %s.%s: the IC does not accept global imports", im.Module, im.Name)
		default:
			imports = append(imports, im)
		}
	}
	if len(tableImports) > 1 {
		return nil, fmt.Errorf("module imports %d tables; the IC accepts only env.table", len(tableImports))
	}
	for _, im := range tableImports {
		m.Tables = append([]wasm.TableType{im.Table}, m.Tables...)
	}
	for _, im := range memImports {
		m.Memories = append([]wasm.Limits{im.Memory}, m.Memories...)
	}
	m.Imports = imports

	res := &Result{}
	switch len(m.Memories) {
	case 0:
	case 1:
		mem := &m.Memories[0]
		if mem.Is64 {
			return nil, fmt.Errorf("64-bit memory (wasm64) is not supported yet by the icgo replica")
		}
		if mem.Shared {
			return nil, fmt.Errorf("shared memory is not supported by the IC")
		}
		if mem.Min > maxPages {
			return nil, fmt.Errorf("the module's initial memory (%d pages, %d bytes) exceeds the canister's wasm_memory_limit (%d bytes)", mem.Min, mem.Min*WasmPageSize, maxPages*WasmPageSize)
		}
		if !mem.HasMax || mem.Max > maxPages {
			mem.Max, mem.HasMax = maxPages, true
		}
		res.HasMemory = true
	default:
		return nil, fmt.Errorf("module declares %d memories; the IC allows at most one", len(m.Memories))
	}

	if m.Start != nil {
		m.Exports = append(m.Exports, wasm.Export{Name: StartExport, Kind: wasm.KindFunc, Index: *m.Start})
		m.Start = nil
		res.HasStart = true
	}

	nImported := uint32(m.NumImported(wasm.KindGlobal)) // 0: rejected above
	for i, g := range m.Globals {
		if !g.Type.Mutable {
			continue
		}
		idx := nImported + uint32(i)
		if g.Type.Type != wasm.I32 && g.Type.Type != wasm.I64 && g.Type.Type != wasm.F32 && g.Type.Type != wasm.F64 {
			return nil, fmt.Errorf("mutable global %d has type %s; the icgo replica cannot yet snapshot it (only i32, i64, f32, f64)", idx, g.Type.Type)
		}
		m.Exports = append(m.Exports, wasm.Export{Name: GlobalExportName(idx), Kind: wasm.KindGlobal, Index: idx})
		res.Globals = append(res.Globals, idx)
	}
	var dirty *dirtyTracking
	if opt.DirtyPages && res.HasMemory {
		dirty = newDirtyTracking(m.Memories[0].Max)
		res.DirtyChunks = dirty.chunks
	}
	sizeViaGrow := opt.ImportMemory && res.HasMemory && m.Memories[0].Max == 65536
	if err := rewrite(m, opt.Meter, dirty, sizeViaGrow); err != nil {
		return nil, err
	}
	res.Metered = opt.Meter
	if res.HasMemory {
		res.Memory = m.Memories[0]
		if opt.ImportMemory {
			m.Imports = append(m.Imports, wasm.Import{Module: MemoryModule, Name: MemoryName, Kind: wasm.KindMemory, Memory: res.Memory})
			m.Memories = nil
		}
	}
	res.Module = m.Encode()
	return res, nil
}
