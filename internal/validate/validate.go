// Package validate checks a WebAssembly module against the rules the
// Internet Computer applies when canister code is installed, so that icgo
// can refuse a module locally with a clear message instead of letting
// install_code fail.
//
// The rules are those of the IC interface specification
// (https://internetcomputer.org/docs/references/ic-interface-spec), sections
// "Canister module format" and "WebAssembly module requirements", made
// precise by what DFINITY's replica enforces (dfinity/ic
// rs/embedders/src/wasm_utils/validation.rs). Numbers in the comments of
// this package name these groups of rules:
//
//   - 1, the System API ("Overview of imports"): the import table, kept in
//     IC0 for the replica to share;
//   - 2.1 format: raw wasm or gzip, at most 100 MiB uncompressed;
//   - 2.2 imports: ic0 functions with exact signatures, env.table,
//     env.memory, no globals or tags, at most one memory;
//   - 2.3 exports: the canister_ entry points, method names, reserved
//     names;
//   - 2.4 structural limits: functions, globals, exported methods, code
//     size, instructions and complexity per function, data segment offsets;
//   - 2.5 custom sections under the icp: prefix;
//   - 2.6 memory: a wasm32 memory is at most 4 GiB;
//   - 2.7 wasm features: table.grow/set/fill/copy/init, tail calls, relaxed
//     SIMD and multiple memories are rejected; memory64 is reported;
//   - 2.8 the start function.
//
// It also checks the parts of ordinary wasm validity that the codec in
// internal/wasm does not (index ranges, the start function's type), since a
// module that breaks them would fail on the IC anyway. It does not type-check
// instruction sequences; wazero or the replica does that when compiling.
package validate

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/icgo/icgo/internal/wasm"
)

// Rule names used in Violation.Rule.
const (
	RuleFormat    = "format"      // size and encoding of the module file (2.1)
	RuleImport    = "import"      // import section (2.2)
	RuleMemory    = "memory"      // number of memories (2.2, 2.7)
	RuleExport    = "export"      // export section (2.3)
	RuleLimit     = "limit"       // structural limits (2.4)
	RuleData      = "data"        // data segment offsets (2.4)
	RuleCustom    = "custom"      // icp: custom sections (2.5)
	RuleFeature   = "instruction" // instructions the IC rejects (2.7)
	RuleStart     = "start"       // start function (2.8)
	RuleStructure = "structure"   // wasm validity the codec does not check
)

// Limits applied by the IC (spec "Canister module format"; spec "WebAssembly module requirements").
const (
	MaxModuleSize           = 100 << 20 // uncompressed module bytes
	MaxFunctions            = 50_000    // defined functions
	MaxGlobals              = 1_000
	MaxMethods              = 1_000  // canister_update/query/composite_query exports
	MaxMethodNameBytes      = 20_000 // sum of their <name> lengths
	MaxCodeSectionSize      = 10 * 1024 * 1024
	MaxFunctionInstructions = 1_000_000
	MaxFunctionComplexity   = 1_000_000
	// MaxBrTableTargets is the most targets one br_table may have. The IC
	// decodes modules with wasmparser, which refuses a longer br_table
	// ("br_table size is out of bounds"; its MAX_WASM_BR_TABLE_SIZE).
	MaxBrTableTargets  = 128 * 1024
	MaxICPSections     = 16
	MaxICPSectionsSize = 1 << 20 // names + contents of icp: sections
	// MaxWasm32Pages is the most a 32-bit memory can declare, initial or
	// maximum: 65,536 pages of 64 KiB, 4 GiB (WebAssembly core
	// specification, "Memory types": limits within 2^16; IC interface
	// specification, section "Resource limits": the wasm32 heap is 4 GiB).
	MaxWasm32Pages = 1 << 16
)

// ErrTooLarge is wrapped by Bytes when a gzip'd module decompresses to more
// than MaxModuleSize bytes.
var ErrTooLarge = errors.New("module is larger than 100 MiB uncompressed, the IC's limit")

// Violation is one broken rule: which rule, what, and where.
type Violation struct {
	Rule  string // one of the Rule constants
	Where string // e.g. "import 3 (ic0.msg_reply)", "function 12 (main.f) at body offset 40"
	Msg   string // what is wrong and, where obvious, what to do
}

func (v Violation) String() string { return v.Where + ": " + v.Msg }

// Report is the result of checking a module.
type Report struct {
	// Violations are the rules the module breaks; the IC would refuse it.
	Violations []Violation
	// Warnings are things the IC accepts but that are probably mistakes.
	Warnings []Violation

	Size         int  // module bytes (uncompressed); 0 when not known
	Gzipped      bool // the input was gzip'd
	Wasm64       bool // the memory is 64-bit (memory64); allowed
	Funcs        int  // defined functions
	Globals      int  // defined globals
	DataSegments int
	CodeSize     int // bytes in the code section

	// MaxInstructions and MaxComplexity are the largest per-function
	// instruction count and complexity (limits: 1,000,000 each).
	MaxInstructions int
	MaxComplexity   int64
	// BrTableCost is the sum over functions of the square of the function's
	// br_table targets: what a compiler that links every target to its
	// block spends (the replica bounds it; its wazero compiler's time grows
	// with it).
	BrTableCost int64

	Methods  []string // "canister_update <name>", "canister_query <name>", ... exports
	System   []string // canister_init, canister_heartbeat, ... exports
	Imports  []string // imported ic0 function names
	Metadata []string // icp: custom section names, e.g. "icp:public candid:service"
}

// OK reports whether the module breaks no rule.
func (r *Report) OK() bool { return len(r.Violations) == 0 }

// Err returns nil when the module breaks no rule, else an *Error listing
// every violation, one per line.
func (r *Report) Err() error {
	if len(r.Violations) == 0 {
		return nil
	}
	return &Error{Violations: r.Violations}
}

// Error is the error returned by Report.Err.
type Error struct{ Violations []Violation }

func (e *Error) Error() string {
	var b strings.Builder
	n := len(e.Violations)
	if n == 1 {
		b.WriteString("wasm module breaks 1 IC rule:")
	} else {
		fmt.Fprintf(&b, "wasm module breaks %d IC rules:", n)
	}
	for _, v := range e.Violations {
		b.WriteString("\n  ")
		b.WriteString(v.String())
	}
	return b.String()
}

// Bytes checks a module given as raw wasm or as gzip (starting 1f 8b 08),
// which it decompresses first. It returns an error only when the input
// cannot be decoded at all: bad gzip, more than 100 MiB once decompressed
// (ErrTooLarge; it stops reading past the limit), or malformed wasm (the
// codec's message). Rule violations are in the report.
func Bytes(b []byte) (*Report, error) {
	gz := len(b) >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 0x08
	raw := b
	if gz {
		var err error
		if raw, err = decompress(bytes.NewReader(b)); err != nil {
			return nil, err
		}
	}
	m, err := wasm.Decode(raw)
	if err != nil {
		return nil, err
	}
	r := check(m, len(raw))
	r.Gzipped = gz
	return r, nil
}

// decompress reads a gzip stream, refusing more than MaxModuleSize bytes of
// output without reading further.
func decompress(r io.Reader) ([]byte, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("validate: gzip: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(zr, MaxModuleSize+1))
	if err != nil {
		return nil, fmt.Errorf("validate: gzip: %w", err)
	}
	if len(b) > MaxModuleSize {
		return nil, fmt.Errorf("validate: %w; stopped decompressing at %d bytes", ErrTooLarge, MaxModuleSize)
	}
	return b, nil
}

// Module checks a decoded module. The total-size rule uses the section sizes
// recorded by wasm.Decode; use Bytes to check the exact file size.
func Module(m *wasm.Module) *Report {
	size := 0
	if len(m.SectionSizes) > 0 {
		size = len(wasm.Magic) + len(wasm.Version)
		for _, n := range m.SectionSizes {
			size += n
		}
	}
	r := check(m, size)
	if len(m.SectionSizes) == 0 {
		r.Size = 0 // not known
	}
	return r
}

type checker struct {
	m      *wasm.Module
	r      *Report
	wasm64 bool

	funcTypes []uint32 // type index of each function index (imports first)
	nTables   int
	nMems     int
	nGlobals  int
	names     map[uint32]string // function names from the name section
}

func (c *checker) add(rule, where, format string, args ...any) {
	c.r.Violations = append(c.r.Violations, Violation{Rule: rule, Where: where, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) warn(rule, where, format string, args ...any) {
	c.r.Warnings = append(c.r.Warnings, Violation{Rule: rule, Where: where, Msg: fmt.Sprintf(format, args...)})
}

func check(m *wasm.Module, size int) *Report {
	c := &checker{m: m, r: &Report{
		Size:         size,
		Funcs:        len(m.Funcs),
		Globals:      len(m.Globals),
		DataSegments: len(m.Data),
		CodeSize:     codeSectionSize(m),
	}}
	if size > MaxModuleSize {
		c.add(RuleFormat, "module", "%d bytes uncompressed is over the IC's limit of 100 MiB (%d bytes); shrink the module (strip debug sections, drop unused packages)", size, MaxModuleSize)
	}
	c.index()
	c.imports()
	c.memories()
	c.exports()
	c.start()
	c.limits()
	c.elements()
	c.data()
	c.code()
	c.customs()
	return c.r
}

// index builds the index spaces and finds the memory's width.
func (c *checker) index() {
	m := c.m
	mem64 := []bool{}
	for _, im := range m.Imports {
		switch im.Kind {
		case wasm.KindFunc:
			c.funcTypes = append(c.funcTypes, im.TypeIndex)
		case wasm.KindTable:
			c.nTables++
		case wasm.KindMemory:
			mem64 = append(mem64, im.Memory.Is64)
		case wasm.KindGlobal:
			c.nGlobals++
		}
	}
	c.funcTypes = append(c.funcTypes, m.Funcs...)
	c.nTables += len(m.Tables)
	for _, l := range m.Memories {
		mem64 = append(mem64, l.Is64)
	}
	c.nMems = len(mem64)
	c.wasm64 = len(mem64) > 0 && mem64[0]
	c.r.Wasm64 = c.wasm64
	c.nGlobals += len(m.Globals)
	c.names = funcNames(m)
}

func (c *checker) funcWhere(fn uint32) string {
	if n, ok := c.names[fn]; ok {
		return fmt.Sprintf("function %d (%s)", fn, n)
	}
	return fmt.Sprintf("function %d", fn)
}

// funcType returns the signature of function fn, or false when fn or its
// type index is out of range (reported elsewhere).
func (c *checker) funcType(fn uint32) (wasm.FuncType, bool) {
	if int(fn) >= len(c.funcTypes) {
		return wasm.FuncType{}, false
	}
	t := c.funcTypes[fn]
	if int(t) >= len(c.m.Types) {
		return wasm.FuncType{}, false
	}
	return c.m.Types[t], true
}

func (c *checker) checkFunc(where string, fn uint32, what string) {
	if int(fn) >= len(c.funcTypes) {
		c.add(RuleStructure, where, "%s refers to function %d, but the module has only %d functions", what, fn, len(c.funcTypes))
	}
}

func (c *checker) imports() {
	m := c.m
	width := "32-bit"
	if c.wasm64 {
		width = "64-bit"
	}
	for i, im := range m.Imports {
		where := fmt.Sprintf("import %d (%s.%s)", i, im.Module, im.Name)
		switch im.Kind {
		case wasm.KindFunc:
			if int(im.TypeIndex) >= len(m.Types) {
				c.add(RuleStructure, where, "type index %d is out of range (the module has %d types)", im.TypeIndex, len(m.Types))
				continue
			}
			if im.Module != "ic0" {
				c.add(RuleImport, where, "only ic0 functions may be imported%s", importHint(im.Module))
				continue
			}
			s, ok := IC0[im.Name]
			if !ok {
				c.add(RuleImport, where, "ic0 has no function %q; check the name against the System API (ic0 list in the interface spec)", im.Name)
				continue
			}
			if s.Wasm32Only && c.wasm64 {
				c.add(RuleImport, where, "ic0.%s is a legacy function available only to modules with a 32-bit memory; use ic0.%s", im.Name, modernName(im.Name))
				continue
			}
			got, want := m.Types[im.TypeIndex], s.FuncType(c.wasm64)
			if !got.Equal(want) {
				msg := fmt.Sprintf("signature %s does not match ic0.%s : %s", got, im.Name, want)
				if got.Equal(s.FuncType(!c.wasm64)) {
					msg += fmt.Sprintf(" (that is the form for the other pointer width; this module's memory is %s)", width)
				}
				c.add(RuleImport, where, "%s", msg)
				continue
			}
			if s.NotInSpec {
				c.warn(RuleImport, where, "ic0.%s is linked by the replica but not described in the interface spec; it may change or be restricted", im.Name)
			}
			c.r.Imports = append(c.r.Imports, im.Name)
		case wasm.KindTable:
			if im.Module != "env" || im.Name != "table" {
				c.add(RuleImport, where, "a table may only be imported as env.table")
			}
		case wasm.KindMemory:
			if im.Module != "env" || im.Name != "memory" {
				c.add(RuleImport, where, "a memory may only be imported as env.memory")
			}
		case wasm.KindGlobal:
			c.add(RuleImport, where, "global imports are not allowed on the IC; define the global in the module")
		case wasm.KindTag:
			c.add(RuleImport, where, "tag (exception) imports are not allowed on the IC")
		default:
			c.add(RuleImport, where, "unknown import kind %d", byte(im.Kind))
		}
	}
}

func importHint(module string) string {
	switch {
	case strings.HasPrefix(module, "wasi"):
		return "; run the module through icgo build, which replaces WASI"
	case module == "gojs":
		return "; build with GOOS=wasip1 GOARCH=wasm and run icgo build (js/wasm modules cannot run on the IC)"
	}
	return "; the IC provides no other host functions, so remove the import or implement it inside the module"
}

// modernName is the replacement for a legacy 32-bit-only ic0 function.
func modernName(name string) string {
	if rest, ok := strings.CutPrefix(name, "stable_"); ok {
		return "stable64_" + rest
	}
	return name + "128"
}

func (c *checker) memories() {
	if c.nMems > 1 {
		c.add(RuleMemory, "module", "declares %d memories (imported and defined); the IC allows at most one", c.nMems)
	}
	mems := slices.Clone(c.m.Memories)
	for _, im := range c.m.Imports {
		if im.Kind == wasm.KindMemory {
			mems = append(mems, im.Memory)
		}
	}
	for i, l := range mems {
		where := fmt.Sprintf("memory %d", i)
		if !l.Is64 && l.Min > MaxWasm32Pages {
			c.add(RuleMemory, where, "declares %d initial pages; a 32-bit memory has at most %d pages (4 GiB)", l.Min, MaxWasm32Pages)
		}
		if !l.Is64 && l.HasMax && l.Max > MaxWasm32Pages {
			c.add(RuleMemory, where, "declares a maximum of %d pages; a 32-bit memory has at most %d pages (4 GiB)", l.Max, MaxWasm32Pages)
		}
	}
	for i, l := range c.m.Memories {
		if l.Shared {
			c.warn(RuleMemory, fmt.Sprintf("memory %d", i), "shared memory needs the threads proposal, which the IC may reject")
		}
	}
}

// Entry points other than methods (spec "WebAssembly module requirements").
var systemExports = map[string]bool{
	"canister_init":               true,
	"canister_pre_upgrade":        true,
	"canister_post_upgrade":       true,
	"canister_inspect_message":    true,
	"canister_heartbeat":          true,
	"canister_global_timer":       true,
	"canister_on_low_wasm_memory": true,
}

var methodPrefixes = []string{"canister_update", "canister_query", "canister_composite_query"}

// reservedExports are names the replica's instrumentation adds, which a
// canister may not export (dfinity/ic validation.rs RESERVED_SYMBOLS; the
// four instrumentation constants read from wasm_utils/instrumentation.rs and
// wasmtime_embedder.rs). All six are covered.
var reservedExports = map[string]bool{
	"canister counter_instructions":   true,
	"canister_start":                  true,
	"canister counter_dirty_pages":    true,
	"canister counter_accessed_pages": true,
	"stable_memory":                   true,
	"stable_bytemap_memory":           true,
}

// splitMethod splits "canister_query greet" into its prefix and name.
func splitMethod(export string) (prefix, name string, ok bool) {
	for _, p := range methodPrefixes {
		if rest, found := strings.CutPrefix(export, p+" "); found {
			return p, rest, true
		}
	}
	return "", "", false
}

func (c *checker) exports() {
	m := c.m
	seen := map[string]int{}
	methods := map[string]string{} // <name> -> first export name using it
	nameBytes := 0
	for i, e := range m.Exports {
		where := fmt.Sprintf("export %d (%s)", i, e.Name)
		if j, dup := seen[e.Name]; dup {
			c.add(RuleStructure, where, "export name is already used by export %d; export names must be unique", j)
		} else {
			seen[e.Name] = i
		}
		c.exportIndex(where, e)
		if reservedExports[e.Name] {
			c.add(RuleExport, where, "the name %q is reserved for the replica's instrumentation; rename the export", e.Name)
			continue
		}
		if !strings.HasPrefix(e.Name, "canister_") {
			continue
		}
		if e.Kind != wasm.KindFunc {
			c.add(RuleExport, where, "exports whose names start with canister_ must be functions of type () -> (), this is a %s", e.Kind)
			continue
		}
		if prefix, name, ok := splitMethod(e.Name); ok {
			c.r.Methods = append(c.r.Methods, e.Name)
			nameBytes += len(name)
			if first, dup := methods[name]; dup {
				c.add(RuleExport, where, "method name %q is already exported as %q; a name may be used once across update, query and composite query methods (DuplicateExport)", name, first)
			} else {
				methods[name] = e.Name
			}
			if strings.HasPrefix(name, " ") {
				c.warn(RuleExport, where, "method name %q starts with a space: exactly one space should follow %s", name, prefix)
			}
			c.entryType(where, e.Index)
			continue
		}
		if systemExports[e.Name] {
			c.r.System = append(c.r.System, e.Name)
			c.entryType(where, e.Index)
			continue
		}
		msg := "the canister_ prefix is reserved for the IC's entry points (canister_init, canister_pre_upgrade, canister_post_upgrade, canister_inspect_message, canister_heartbeat, canister_global_timer, canister_on_low_wasm_memory, and canister_update/canister_query/canister_composite_query <name>); rename the export"
		for _, p := range methodPrefixes {
			if strings.HasPrefix(e.Name, p) && !strings.HasPrefix(e.Name, p+"_") {
				msg = fmt.Sprintf("a method export must be %q followed by exactly one ASCII space and the method name, e.g. %q", p, p+" greet")
				break
			}
		}
		c.add(RuleExport, where, "%s", msg)
	}
	if n := len(c.r.Methods); n > MaxMethods {
		c.add(RuleExport, "export section", "%d update/query/composite query methods exported; the IC allows at most %d", n, MaxMethods)
	}
	if nameBytes > MaxMethodNameBytes {
		c.add(RuleExport, "export section", "the method names add up to %d bytes; the IC allows at most %d", nameBytes, MaxMethodNameBytes)
	}
}

func (c *checker) exportIndex(where string, e wasm.Export) {
	var n int
	switch e.Kind {
	case wasm.KindFunc:
		n = len(c.funcTypes)
	case wasm.KindTable:
		n = c.nTables
	case wasm.KindMemory:
		n = c.nMems
	case wasm.KindGlobal:
		n = c.nGlobals
	case wasm.KindTag:
		n = c.m.NumImported(wasm.KindTag) + len(c.m.Tags)
	default:
		c.add(RuleStructure, where, "unknown export kind %d", byte(e.Kind))
		return
	}
	if int(e.Index) >= n {
		c.add(RuleStructure, where, "%s index %d is out of range (the module has %d)", e.Kind, e.Index, n)
	}
}

var unit = wasm.FuncType{}

func (c *checker) entryType(where string, fn uint32) {
	t, ok := c.funcType(fn)
	if ok && !t.Equal(unit) {
		c.add(RuleExport, where, "entry points must have type () -> (), %s has %s; take arguments with ic0.msg_arg_data_copy and reply with ic0.msg_reply", c.funcWhere(fn), t)
	}
}

func (c *checker) start() {
	if c.m.Start == nil {
		return
	}
	fn := *c.m.Start
	if int(fn) >= len(c.funcTypes) {
		c.add(RuleStructure, "start section", "start function %d is out of range (the module has %d functions)", fn, len(c.funcTypes))
		return
	}
	if t, ok := c.funcType(fn); ok && !t.Equal(unit) {
		c.add(RuleStart, "start section", "the start function, %s, must have type () -> (), it has %s", c.funcWhere(fn), t)
	}
}

func (c *checker) limits() {
	m := c.m
	for i, ti := range m.Funcs {
		if int(ti) >= len(m.Types) {
			fn := uint32(len(c.funcTypes) - len(m.Funcs) + i)
			c.add(RuleStructure, c.funcWhere(fn), "type index %d is out of range (the module has %d types)", ti, len(m.Types))
		}
	}
	for i, t := range m.Tags {
		if int(t) >= len(m.Types) {
			c.add(RuleStructure, fmt.Sprintf("tag %d", i), "type index %d is out of range (the module has %d types)", t, len(m.Types))
		}
	}
	if n := len(m.Funcs); n > MaxFunctions {
		c.add(RuleLimit, "function section", "%d functions defined; the IC allows at most %d", n, MaxFunctions)
	}
	if n := len(m.Globals); n > MaxGlobals {
		c.add(RuleLimit, "global section", "%d globals defined; the IC allows at most %d", n, MaxGlobals)
	}
	g0 := m.NumImported(wasm.KindGlobal)
	for i, g := range m.Globals {
		where := fmt.Sprintf("global %d", g0+i)
		switch g.Type.Type {
		case wasm.I32, wasm.I64, wasm.F32, wasm.F64, wasm.V128:
		default:
			c.add(RuleLimit, where, "globals of type %s are not allowed on the IC (only i32, i64, f32, f64, v128)", g.Type.Type)
		}
		c.constExpr(where, g.Init)
	}
	if c.r.CodeSize > MaxCodeSectionSize {
		c.add(RuleLimit, "code section", "%d bytes; the IC allows at most %d (10 MiB)", c.r.CodeSize, MaxCodeSectionSize)
	}
}

// constExpr checks the indices in a constant expression.
func (c *checker) constExpr(where string, expr []byte) {
	err := wasm.Walk(expr, func(in *wasm.Instr) error {
		switch in.Op {
		case wasm.OpRefFunc:
			c.checkFunc(where, in.Index, "ref.func")
		case wasm.OpGlobalGet:
			if int(in.Index) >= c.nGlobals {
				c.add(RuleStructure, where, "global.get %d is out of range (the module has %d globals)", in.Index, c.nGlobals)
			}
		}
		return nil
	})
	if err != nil {
		c.add(RuleStructure, where, "constant expression cannot be decoded: %v", err)
	}
}

func (c *checker) elements() {
	for i, e := range c.m.Elements {
		where := fmt.Sprintf("element segment %d", i)
		if e.Mode == wasm.Active {
			if int(e.Table) >= c.nTables {
				c.add(RuleStructure, where, "table %d is out of range (the module has %d tables)", e.Table, c.nTables)
			}
			c.constExpr(where, e.Offset)
		}
		for _, f := range e.Funcs {
			c.checkFunc(where, f, "the segment")
		}
		for _, x := range e.Exprs {
			c.constExpr(where, x)
		}
	}
}

func (c *checker) data() {
	want, wantName := byte(wasm.OpI32Const), "i32.const"
	if c.wasm64 {
		want, wantName = wasm.OpI64Const, "i64.const"
	}
	m := c.m
	if m.DataCount != nil && int(*m.DataCount) != len(m.Data) {
		c.add(RuleStructure, "datacount section", "says %d data segments, the data section has %d", *m.DataCount, len(m.Data))
	}
	for i, d := range m.Data {
		if d.Mode != wasm.Active {
			continue
		}
		where := fmt.Sprintf("data segment %d", i)
		if int(d.Memory) >= c.nMems {
			c.add(RuleStructure, where, "memory %d is out of range (the module has %d memories)", d.Memory, c.nMems)
		}
		var ops []string
		var first byte
		n := 0
		err := wasm.Walk(d.Offset, func(in *wasm.Instr) error {
			if n == 0 {
				first = in.Op
			}
			n++
			ops = append(ops, opName(in))
			return nil
		})
		if err != nil {
			c.add(RuleStructure, where, "offset expression cannot be decoded: %v", err)
			continue
		}
		if n != 2 || first != want {
			c.add(RuleData, where, "the offset must be a single %s followed by end, it is %q; the IC rejects computed offsets, so place segments at constant addresses", wantName, strings.Join(ops, " "))
		}
	}
}

// rejected names the instructions the IC rejects (spec "WebAssembly module requirements"): the table
// instructions it forbids although reference types are on, tail calls, and
// relaxed SIMD.
func rejected(in *wasm.Instr) (string, bool) {
	switch in.Op {
	case wasm.OpTableSet:
		return "table.set", true
	case wasm.OpReturnCall:
		return "return_call (tail calls are off on the IC)", true
	case wasm.OpReturnCallIndirect:
		return "return_call_indirect (tail calls are off on the IC)", true
	case wasm.OpPrefixFC:
		switch in.Sub {
		case wasm.FCTableGrow:
			return "table.grow", true
		case wasm.FCTableFill:
			return "table.fill", true
		case wasm.FCTableCopy:
			return "table.copy", true
		case wasm.FCTableInit:
			return "table.init", true
		}
	case wasm.OpPrefixSIMD:
		if in.Sub >= 0x100 {
			return fmt.Sprintf("relaxed SIMD instruction 0xfd %d (relaxed SIMD is off on the IC)", in.Sub), true
		}
	}
	return "", false
}

type hit struct {
	first, count int
}

func (c *checker) code() {
	m := c.m
	base := len(c.funcTypes) - len(m.Funcs)
	nData := len(m.Data)
	nElem := len(m.Elements)
	for i, body := range m.Code {
		fn := uint32(base + i)
		fwhere := c.funcWhere(fn)
		at := func(pos int) string { return fmt.Sprintf("%s at body offset %d", fwhere, pos) }
		n := 0
		var cx, targets int64
		bad := map[string]*hit{}
		var badOrder []string
		err := wasm.Walk(body.Body, func(in *wasm.Instr) error {
			n++
			cx += complexity(in)
			if name, ok := rejected(in); ok {
				h := bad[name]
				if h == nil {
					h = &hit{first: in.Pos}
					bad[name] = h
					badOrder = append(badOrder, name)
				}
				h.count++
			}
			switch in.Op {
			case wasm.OpBrTable:
				nt := len(in.Labels) - 1 // without the default
				targets += int64(nt)
				if nt > MaxBrTableTargets {
					c.add(RuleLimit, at(in.Pos), "br_table with %d targets; the IC's decoder allows at most %d, so dispatch in steps", nt, MaxBrTableTargets)
				}
			case wasm.OpCall, wasm.OpReturnCall:
				c.checkFunc(at(in.Pos), in.Index, "call")
			case wasm.OpRefFunc:
				c.checkFunc(at(in.Pos), in.Index, "ref.func")
			case wasm.OpCallIndirect, wasm.OpReturnCallIndirect:
				if int(in.Index) >= len(m.Types) {
					c.add(RuleStructure, at(in.Pos), "call_indirect type index %d is out of range (the module has %d types)", in.Index, len(m.Types))
				}
				if int(in.Index2) >= c.nTables {
					c.add(RuleStructure, at(in.Pos), "call_indirect table %d is out of range (the module has %d tables)", in.Index2, c.nTables)
				}
			case wasm.OpGlobalGet, wasm.OpGlobalSet:
				if int(in.Index) >= c.nGlobals {
					c.add(RuleStructure, at(in.Pos), "global %d is out of range (the module has %d globals)", in.Index, c.nGlobals)
				}
			case wasm.OpTableGet, wasm.OpTableSet:
				if int(in.Index) >= c.nTables {
					c.add(RuleStructure, at(in.Pos), "table %d is out of range (the module has %d tables)", in.Index, c.nTables)
				}
			case wasm.OpMemorySize, wasm.OpMemoryGrow:
				c.memIndex(at(in.Pos), in.Index)
			case wasm.OpPrefixFC:
				switch in.Sub {
				case wasm.FCMemoryInit:
					c.segIndex(at(in.Pos), "data segment", in.Index, nData)
					c.memIndex(at(in.Pos), in.Index2)
				case wasm.FCDataDrop:
					c.segIndex(at(in.Pos), "data segment", in.Index, nData)
				case wasm.FCElemDrop, wasm.FCTableInit:
					c.segIndex(at(in.Pos), "element segment", in.Index, nElem)
				case wasm.FCMemoryCopy:
					c.memIndex(at(in.Pos), in.Index)
					c.memIndex(at(in.Pos), in.Index2)
				case wasm.FCMemoryFill:
					c.memIndex(at(in.Pos), in.Index)
				}
			default:
				if in.Op >= 0x28 && in.Op <= 0x3e && in.Align&0x40 != 0 {
					c.memIndex(at(in.Pos), in.Index)
				}
			}
			return nil
		})
		if err != nil {
			c.add(RuleStructure, fwhere, "body cannot be decoded: %v", err)
		}
		for _, name := range badOrder {
			h := bad[name]
			times := ""
			if h.count > 1 {
				times = fmt.Sprintf(" (%d times in this function)", h.count)
			}
			c.add(RuleFeature, at(h.first), "%s is not allowed on the IC%s", name, times)
		}
		if n > c.r.MaxInstructions {
			c.r.MaxInstructions = n
		}
		if cx > c.r.MaxComplexity {
			c.r.MaxComplexity = cx
		}
		c.r.BrTableCost += targets * targets
		if n > MaxFunctionInstructions {
			c.add(RuleLimit, fwhere, "%d instructions; the IC allows at most %d per function, so split the function", n, MaxFunctionInstructions)
		}
		if cx > MaxFunctionComplexity {
			c.add(RuleLimit, fwhere, "complexity %d (instructions weighted by cost); the IC allows at most %d per function, so split the function", cx, MaxFunctionComplexity)
		}
	}
}

func (c *checker) memIndex(where string, idx uint32) {
	if idx != 0 || c.nMems == 0 {
		c.add(RuleStructure, where, "memory %d is out of range (the module has %d memories; the IC allows one)", idx, c.nMems)
	}
}

func (c *checker) segIndex(where, what string, idx uint32, n int) {
	if int(idx) >= n {
		c.add(RuleStructure, where, "%s %d is out of range (the module has %d)", what, idx, n)
	}
}

func (c *checker) customs() {
	seen := map[string]string{}
	count, total := 0, 0
	for i, cs := range c.m.Customs {
		if !strings.HasPrefix(cs.Name, "icp:") {
			continue
		}
		where := fmt.Sprintf("custom section %d (%s)", i, cs.Name)
		var name string
		switch {
		case strings.HasPrefix(cs.Name, "icp:public "):
			name = cs.Name[len("icp:public "):]
		case strings.HasPrefix(cs.Name, "icp:private "):
			name = cs.Name[len("icp:private "):]
		case cs.Name == "icp:public" || cs.Name == "icp:private":
			c.add(RuleCustom, where, "an icp: section name needs a space and a name after the visibility, e.g. %q", cs.Name+" candid:service")
			continue
		default:
			c.add(RuleCustom, where, "under the icp: prefix only \"icp:public <name>\" and \"icp:private <name>\" are allowed")
			continue
		}
		if first, dup := seen[name]; dup {
			c.add(RuleCustom, where, "metadata name %q is already used by section %q; each name may appear once, either public or private", name, first)
			continue
		}
		seen[name] = cs.Name
		if strings.HasPrefix(name, " ") {
			c.warn(RuleCustom, where, "metadata name %q starts with a space: exactly one space should follow the visibility", name)
		}
		c.r.Metadata = append(c.r.Metadata, cs.Name)
		count++
		total += len(name) + len(cs.Data)
	}
	if count > MaxICPSections {
		c.add(RuleCustom, "custom sections", "%d icp: sections; the IC allows at most %d", count, MaxICPSections)
	}
	if total > MaxICPSectionsSize {
		c.add(RuleCustom, "custom sections", "icp: section names and contents add up to %d bytes; the IC allows at most %d (1 MiB)", total, MaxICPSectionsSize)
	}
}

// codeSectionSize returns the code section's size as decoded, or as it
// would be encoded when the module was not decoded.
func codeSectionSize(m *wasm.Module) int {
	if n, ok := m.SectionSizes[wasm.SectionCode]; ok {
		return n
	}
	if len(m.Code) == 0 {
		return 0
	}
	n := len(wasm.AppendULEB(nil, uint64(len(m.Code))))
	for _, c := range m.Code {
		body := len(wasm.AppendULEB(nil, uint64(len(c.Locals)))) + len(c.Body)
		for _, l := range c.Locals {
			body += len(wasm.AppendULEB(nil, uint64(l.Count))) + 1
		}
		n += len(wasm.AppendULEB(nil, uint64(body))) + body
	}
	return n
}

func opName(in *wasm.Instr) string {
	switch in.Op {
	case wasm.OpI32Const:
		return fmt.Sprintf("i32.const %d", in.Const)
	case wasm.OpI64Const:
		return fmt.Sprintf("i64.const %d", in.Const)
	case wasm.OpGlobalGet:
		return fmt.Sprintf("global.get %d", in.Index)
	case wasm.OpRefFunc:
		return fmt.Sprintf("ref.func %d", in.Index)
	case wasm.OpEnd:
		return "end"
	case wasm.OpI32Add:
		return "i32.add"
	case wasm.OpI64Add:
		return "i64.add"
	}
	if in.Op >= wasm.OpPrefixFC {
		return fmt.Sprintf("0x%02x %d", in.Op, in.Sub)
	}
	return fmt.Sprintf("0x%02x", in.Op)
}

// funcNames reads function names from the "name" custom section, best
// effort: a malformed section gives no names.
func funcNames(m *wasm.Module) map[uint32]string {
	names, _ := m.FunctionNames()
	return names
}
