package validate

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/wasm"
)

var (
	unitT = wasm.FuncType{}
	i32T  = wasm.FuncType{Params: []wasm.ValType{wasm.I32}}
)

func u32p(v uint32) *uint32 { return &v }

func i32Const(v int64) []byte { return append(wasm.AppendSLEB([]byte{wasm.OpI32Const}, v), wasm.OpEnd) }
func i64Const(v int64) []byte { return append(wasm.AppendSLEB([]byte{wasm.OpI64Const}, v), wasm.OpEnd) }

// canister returns a minimal valid canister module: it imports
// ic0.msg_reply (function 0), defines function 1 (calls msg_reply) exported
// as a query and as canister_init, has one memory with one data segment and
// a public metadata section.
func canister() *wasm.Module {
	return &wasm.Module{
		Types:    []wasm.FuncType{unitT},
		Imports:  []wasm.Import{{Module: "ic0", Name: "msg_reply", Kind: wasm.KindFunc, TypeIndex: 0}},
		Funcs:    []uint32{0},
		Memories: []wasm.Limits{{Min: 1}},
		Exports: []wasm.Export{
			{Name: "canister_query greet", Kind: wasm.KindFunc, Index: 1},
			{Name: "canister_init", Kind: wasm.KindFunc, Index: 1},
			{Name: "memory", Kind: wasm.KindMemory, Index: 0},
		},
		Code:    []wasm.Code{{Body: []byte{wasm.OpCall, 0, wasm.OpEnd}}},
		Data:    []wasm.Data{{Offset: i32Const(16), Init: []byte("hi")}},
		Customs: []wasm.Custom{{Name: "icp:public candid:service", Data: []byte("service : {}"), After: wasm.SectionData}},
	}
}

// canister64 is canister with a 64-bit memory.
func canister64() *wasm.Module {
	m := canister()
	m.Memories[0].Is64 = true
	m.Data[0].Offset = i64Const(16)
	return m
}

// addFunc adds a defined function of type ft with the given body (end is
// appended) and returns its function index.
func addFunc(m *wasm.Module, ft wasm.FuncType, body ...byte) uint32 {
	m.Funcs = append(m.Funcs, m.TypeIndex(ft))
	m.Code = append(m.Code, wasm.Code{Body: append(body, wasm.OpEnd)})
	return uint32(m.NumImported(wasm.KindFunc) + len(m.Funcs) - 1)
}

// withTable gives the module a funcref table and a passive element segment.
func withTable(m *wasm.Module) {
	m.Tables = []wasm.TableType{{Elem: wasm.FuncRef, Limits: wasm.Limits{Min: 1}}}
	m.Elements = []wasm.Element{{Mode: wasm.Passive, Type: wasm.FuncRef, Funcs: []uint32{1}}}
}

// run encodes m and checks the bytes, so that every case also goes through
// the codec.
func run(t *testing.T, m *wasm.Module) *Report {
	t.Helper()
	r, err := Bytes(m.Encode())
	require.NoError(t, err)
	return r
}

func TestValidCanister(t *testing.T) {
	r := run(t, canister())
	require.NoError(t, r.Err())
	require.True(t, r.OK())
	require.Empty(t, r.Warnings)
	require.False(t, r.Wasm64)
	require.False(t, r.Gzipped)
	require.Equal(t, 1, r.Funcs)
	require.Equal(t, 1, r.DataSegments)
	require.Equal(t, []string{"canister_query greet"}, r.Methods)
	require.Equal(t, []string{"canister_init"}, r.System)
	require.Equal(t, []string{"msg_reply"}, r.Imports)
	require.Equal(t, []string{"icp:public candid:service"}, r.Metadata)
	require.Positive(t, r.CodeSize)
	require.Equal(t, 2, r.MaxInstructions)
	require.EqualValues(t, 51, r.MaxComplexity) // call 50 + end 1
}

func TestValidVariants(t *testing.T) {
	for _, tc := range []struct {
		name   string
		module func() *wasm.Module
	}{
		{"wasm64 with i64 pointers", func() *wasm.Module {
			m := canister64()
			m.Imports = append(m.Imports[:0], wasm.Import{Module: "ic0", Name: "msg_arg_data_size", Kind: wasm.KindFunc,
				TypeIndex: m.TypeIndex(wasm.FuncType{Results: []wasm.ValType{wasm.I64}})})
			m.Code[0].Body = []byte{wasm.OpCall, 0, wasm.OpDrop, wasm.OpEnd}
			return m
		}},
		{"stable64 takes i64 in wasm32", func() *wasm.Module {
			m := canister()
			m.Imports[0] = wasm.Import{Module: "ic0", Name: "stable64_read", Kind: wasm.KindFunc,
				TypeIndex: m.TypeIndex(wasm.FuncType{Params: []wasm.ValType{wasm.I64, wasm.I64, wasm.I64}})}
			m.Code[0].Body = []byte{wasm.OpEnd}
			return m
		}},
		{"legacy 32-bit import in wasm32", func() *wasm.Module {
			m := canister()
			m.Imports[0] = wasm.Import{Module: "ic0", Name: "stable_size", Kind: wasm.KindFunc,
				TypeIndex: m.TypeIndex(wasm.FuncType{Results: []wasm.ValType{wasm.I32}})}
			m.Code[0].Body = []byte{wasm.OpEnd}
			return m
		}},
		{"no memory", func() *wasm.Module {
			m := canister()
			m.Memories, m.Data, m.Exports = nil, nil, m.Exports[:2]
			return m
		}},
		{"imported env.memory and env.table", func() *wasm.Module {
			m := canister()
			m.Memories = nil
			m.Imports = append(m.Imports,
				wasm.Import{Module: "env", Name: "memory", Kind: wasm.KindMemory, Memory: wasm.Limits{Min: 1}},
				wasm.Import{Module: "env", Name: "table", Kind: wasm.KindTable, Table: wasm.TableType{Elem: wasm.FuncRef}})
			return m
		}},
		{"all system entry points, passive data, other sections", func() *wasm.Module {
			m := canister()
			for name := range systemExports {
				if name != "canister_init" {
					m.Exports = append(m.Exports, wasm.Export{Name: name, Kind: wasm.KindFunc, Index: 1})
				}
			}
			m.Exports = append(m.Exports,
				wasm.Export{Name: "canister_update set", Kind: wasm.KindFunc, Index: 1},
				wasm.Export{Name: "canister_composite_query get", Kind: wasm.KindFunc, Index: 1},
				wasm.Export{Name: "_start", Kind: wasm.KindFunc, Index: 1})
			m.Data = append(m.Data, wasm.Data{Mode: wasm.Passive, Init: []byte("x")})
			m.Customs = append(m.Customs, wasm.Custom{Name: "icp:private secret", Data: []byte("s"), After: wasm.SectionData},
				wasm.Custom{Name: "name", Data: []byte{}, After: wasm.SectionData},
				wasm.Custom{Name: "icpx", Data: []byte{}, After: wasm.SectionData})
			m.Start = u32p(1)
			return m
		}},
		{"reference types without the rejected table instructions", func() *wasm.Module {
			m := canister()
			withTable(m)
			// table.get 0, ref.is_null, drop, table.size 0, drop, ref.func 1, drop, elem.drop 0
			addFunc(m, unitT, 0xd2, 1, wasm.OpDrop, 0x41, 0, wasm.OpTableGet, 0, wasm.OpRefIsNull, wasm.OpDrop,
				wasm.OpPrefixFC, wasm.FCTableSize, 0, wasm.OpDrop, wasm.OpPrefixFC, wasm.FCElemDrop, 0)
			return m
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.module())
			require.NoError(t, r.Err())
		})
	}
}

func TestViolations(t *testing.T) {
	bigName := strings.Repeat("n", MaxMethodNameBytes+1)
	for _, tc := range []struct {
		name   string
		mutate func(m *wasm.Module)
		rule   string
		msg    string
		where  string // optional substring of Where
	}{
		// 1. Imports.
		{"wasi import", func(m *wasm.Module) {
			m.Imports[0] = wasm.Import{Module: "wasi_snapshot_preview1", Name: "fd_write", Kind: wasm.KindFunc,
				TypeIndex: m.TypeIndex(wasm.FuncType{Params: []wasm.ValType{wasm.I32, wasm.I32, wasm.I32, wasm.I32}, Results: []wasm.ValType{wasm.I32}})}
			m.Code[0].Body = []byte{wasm.OpEnd}
		}, RuleImport, "only ic0 functions may be imported; run the module through icgo build, which replaces WASI", "import 0 (wasi_snapshot_preview1.fd_write)"},
		{"env function import", func(m *wasm.Module) {
			m.Imports[0].Module = "env"
		}, RuleImport, "only ic0 functions may be imported", ""},
		{"unknown ic0 function", func(m *wasm.Module) {
			m.Imports[0].Name = "msg_replyy"
		}, RuleImport, `ic0 has no function "msg_replyy"`, ""},
		{"wrong signature", func(m *wasm.Module) {
			m.Imports[0].TypeIndex = m.TypeIndex(i32T)
		}, RuleImport, "signature (i32) -> () does not match ic0.msg_reply : () -> ()", "import 0 (ic0.msg_reply)"},
		{"wasm32 signature in wasm64 module", func(m *wasm.Module) {
			m.Memories[0].Is64 = true
			m.Data[0].Offset = i64Const(16)
			m.Imports[0] = wasm.Import{Module: "ic0", Name: "msg_arg_data_size", Kind: wasm.KindFunc,
				TypeIndex: m.TypeIndex(wasm.FuncType{Results: []wasm.ValType{wasm.I32}})}
			m.Code[0].Body = []byte{wasm.OpEnd}
		}, RuleImport, "does not match ic0.msg_arg_data_size : () -> (i64) (that is the form for the other pointer width; this module's memory is 64-bit)", ""},
		{"wasm64 signature in wasm32 module", func(m *wasm.Module) {
			m.Imports[0] = wasm.Import{Module: "ic0", Name: "debug_print", Kind: wasm.KindFunc,
				TypeIndex: m.TypeIndex(wasm.FuncType{Params: []wasm.ValType{wasm.I64, wasm.I64}})}
			m.Code[0].Body = []byte{wasm.OpEnd}
		}, RuleImport, "does not match ic0.debug_print : (i32, i32) -> ()", ""},
		{"legacy import in wasm64", func(m *wasm.Module) {
			m.Memories[0].Is64 = true
			m.Data[0].Offset = i64Const(16)
			m.Imports[0] = wasm.Import{Module: "ic0", Name: "stable_size", Kind: wasm.KindFunc,
				TypeIndex: m.TypeIndex(wasm.FuncType{Results: []wasm.ValType{wasm.I32}})}
			m.Code[0].Body = []byte{wasm.OpEnd}
		}, RuleImport, "legacy function available only to modules with a 32-bit memory; use ic0.stable64_size", ""},
		{"table import not env.table", func(m *wasm.Module) {
			m.Imports = append(m.Imports, wasm.Import{Module: "env", Name: "__indirect_function_table", Kind: wasm.KindTable, Table: wasm.TableType{Elem: wasm.FuncRef}})
		}, RuleImport, "a table may only be imported as env.table", "import 1 (env.__indirect_function_table)"},
		{"memory import not env.memory", func(m *wasm.Module) {
			m.Memories = nil
			m.Imports = append(m.Imports, wasm.Import{Module: "js", Name: "mem", Kind: wasm.KindMemory, Memory: wasm.Limits{Min: 1}})
		}, RuleImport, "a memory may only be imported as env.memory", ""},
		{"global import", func(m *wasm.Module) {
			m.Imports = append(m.Imports, wasm.Import{Module: "env", Name: "g", Kind: wasm.KindGlobal, Global: wasm.GlobalType{Type: wasm.I32}})
		}, RuleImport, "global imports are not allowed", ""},
		{"tag import", func(m *wasm.Module) {
			m.Imports = append(m.Imports, wasm.Import{Module: "env", Name: "exn", Kind: wasm.KindTag, TypeIndex: 0})
		}, RuleImport, "tag (exception) imports are not allowed", ""},
		{"two memories", func(m *wasm.Module) {
			m.Memories = append(m.Memories, wasm.Limits{Min: 1})
		}, RuleMemory, "declares 2 memories", ""},
		{"memory maximum above 4 GiB", func(m *wasm.Module) {
			m.Memories[0].HasMax, m.Memories[0].Max = true, MaxWasm32Pages+1
		}, RuleMemory, "declares a maximum of 65537 pages; a 32-bit memory has at most 65536 pages (4 GiB)", "memory 0"},
		{"initial memory above 4 GiB", func(m *wasm.Module) {
			m.Memories[0].Min = MaxWasm32Pages + 1
		}, RuleMemory, "declares 65537 initial pages", "memory 0"},
		{"imported memory maximum above 4 GiB", func(m *wasm.Module) {
			m.Memories = nil
			m.Imports = append(m.Imports, wasm.Import{Module: "env", Name: "memory", Kind: wasm.KindMemory, Memory: wasm.Limits{Min: 1, HasMax: true, Max: 1 << 20}})
		}, RuleMemory, "declares a maximum of 1048576 pages", "memory 0"},
		{"imported and defined memory", func(m *wasm.Module) {
			m.Imports = append(m.Imports, wasm.Import{Module: "env", Name: "memory", Kind: wasm.KindMemory, Memory: wasm.Limits{Min: 1}})
		}, RuleMemory, "the IC allows at most one", ""},

		// 2. Exports.
		{"method with parameters", func(m *wasm.Module) {
			f := addFunc(m, i32T)
			m.Exports = append(m.Exports, wasm.Export{Name: "canister_update set", Kind: wasm.KindFunc, Index: f})
		}, RuleExport, "entry points must have type () -> (), function 2 has (i32) -> ()", "export 3 (canister_update set)"},
		{"system export with results", func(m *wasm.Module) {
			f := addFunc(m, wasm.FuncType{Results: []wasm.ValType{wasm.I32}}, wasm.OpI32Const, 0)
			m.Exports = append(m.Exports, wasm.Export{Name: "canister_heartbeat", Kind: wasm.KindFunc, Index: f})
		}, RuleExport, "entry points must have type () -> ()", ""},
		{"unknown canister_ export", func(m *wasm.Module) {
			m.Exports = append(m.Exports, wasm.Export{Name: "canister_foo", Kind: wasm.KindFunc, Index: 1})
		}, RuleExport, "the canister_ prefix is reserved", "canister_foo"},
		{"method without space", func(m *wasm.Module) {
			m.Exports = append(m.Exports, wasm.Export{Name: "canister_querygreet2", Kind: wasm.KindFunc, Index: 1})
		}, RuleExport, "exactly one ASCII space", ""},
		{"method with a tab", func(m *wasm.Module) {
			m.Exports = append(m.Exports, wasm.Export{Name: "canister_update\tset", Kind: wasm.KindFunc, Index: 1})
		}, RuleExport, `must be "canister_update" followed by exactly one ASCII space`, ""},
		{"method prefix alone", func(m *wasm.Module) {
			m.Exports = append(m.Exports, wasm.Export{Name: "canister_composite_query", Kind: wasm.KindFunc, Index: 1})
		}, RuleExport, "exactly one ASCII space", ""},
		{"same name as update and query", func(m *wasm.Module) {
			m.Exports = append(m.Exports, wasm.Export{Name: "canister_update greet", Kind: wasm.KindFunc, Index: 1})
		}, RuleExport, `already exported as "canister_query greet"`, ""},
		{"canister_start reserved", func(m *wasm.Module) {
			m.Exports = append(m.Exports, wasm.Export{Name: "canister_start", Kind: wasm.KindFunc, Index: 1})
		}, RuleExport, `"canister_start" is reserved`, ""},
		{"instruction counter reserved", func(m *wasm.Module) {
			m.Globals = []wasm.Global{{Type: wasm.GlobalType{Type: wasm.I64, Mutable: true}, Init: i64Const(0)}}
			m.Exports = append(m.Exports, wasm.Export{Name: "canister counter_instructions", Kind: wasm.KindGlobal, Index: 0})
		}, RuleExport, "is reserved", ""},
		{"stable_memory reserved", func(m *wasm.Module) {
			m.Exports[2].Name = "stable_memory"
		}, RuleExport, `"stable_memory" is reserved`, ""},
		{"canister_ export that is not a function", func(m *wasm.Module) {
			m.Exports[2].Name = "canister_heartbeat"
		}, RuleExport, "must be functions of type () -> (), this is a memory", ""},
		{"too many methods", func(m *wasm.Module) {
			for i := range MaxMethods {
				m.Exports = append(m.Exports, wasm.Export{Name: fmt.Sprintf("canister_update m%d", i), Kind: wasm.KindFunc, Index: 1})
			}
		}, RuleExport, "1001 update/query/composite query methods exported; the IC allows at most 1000", ""},
		{"method names too long", func(m *wasm.Module) {
			m.Exports = append(m.Exports, wasm.Export{Name: "canister_update " + bigName, Kind: wasm.KindFunc, Index: 1})
		}, RuleExport, "the method names add up to 20006 bytes", ""},

		// 3. Limits.
		{"too many functions", func(m *wasm.Module) {
			for range MaxFunctions {
				addFunc(m, unitT)
			}
		}, RuleLimit, "50001 functions defined", ""},
		{"too many globals", func(m *wasm.Module) {
			for range MaxGlobals + 1 {
				m.Globals = append(m.Globals, wasm.Global{Type: wasm.GlobalType{Type: wasm.I32}, Init: i32Const(0)})
			}
		}, RuleLimit, "1001 globals defined", ""},
		{"funcref global", func(m *wasm.Module) {
			m.Globals = []wasm.Global{{Type: wasm.GlobalType{Type: wasm.FuncRef}, Init: []byte{wasm.OpRefNull, byte(wasm.FuncRef), wasm.OpEnd}}}
		}, RuleLimit, "globals of type funcref are not allowed", "global 0"},
		{"code section over 10 MiB", func(m *wasm.Module) {
			// 10 MiB of nops: also over the per-function instruction limit
			// (same rule), which is fine here.
			addFunc(m, unitT, bytes.Repeat([]byte{0x01}, MaxCodeSectionSize)...)
		}, RuleLimit, "the IC allows at most 10485760 (10 MiB)", "code section"},
		{"too many instructions", func(m *wasm.Module) {
			addFunc(m, unitT, bytes.Repeat([]byte{0x01}, MaxFunctionInstructions)...)
		}, RuleLimit, "1000001 instructions; the IC allows at most 1000000 per function", "function 2"},
		{"too complex", func(m *wasm.Module) {
			// 20,001 calls weigh 50 each: 1,000,050 + 1 for end.
			addFunc(m, unitT, bytes.Repeat([]byte{wasm.OpCall, 0}, 20_001)...)
		}, RuleLimit, "complexity 1000051", "function 2"},
		{"data offset from a global", func(m *wasm.Module) {
			m.Globals = []wasm.Global{{Type: wasm.GlobalType{Type: wasm.I32}, Init: i32Const(0)}}
			m.Data[0].Offset = []byte{wasm.OpGlobalGet, 0, wasm.OpEnd}
		}, RuleData, `the offset must be a single i32.const followed by end, it is "global.get 0 end"`, "data segment 0"},
		{"data offset computed", func(m *wasm.Module) {
			m.Data[0].Offset = []byte{wasm.OpI32Const, 1, wasm.OpI32Const, 2, wasm.OpI32Add, wasm.OpEnd}
		}, RuleData, "single i32.const", ""},
		{"i32 data offset in wasm64", func(m *wasm.Module) {
			m.Memories[0].Is64 = true
		}, RuleData, "the offset must be a single i64.const", ""},

		// 4. Custom sections.
		{"icp:public without space", func(m *wasm.Module) {
			m.Customs = append(m.Customs, wasm.Custom{Name: "icp:public", Data: []byte("x"), After: wasm.SectionData})
		}, RuleCustom, "needs a space and a name", "custom section 1 (icp:public)"},
		{"icp: section with other visibility", func(m *wasm.Module) {
			m.Customs = append(m.Customs, wasm.Custom{Name: "icp:protected x", After: wasm.SectionData})
		}, RuleCustom, `only "icp:public <name>" and "icp:private <name>"`, ""},
		{"public and private with the same name", func(m *wasm.Module) {
			m.Customs = append(m.Customs, wasm.Custom{Name: "icp:private candid:service", After: wasm.SectionData})
		}, RuleCustom, `"candid:service" is already used by section "icp:public candid:service"`, ""},
		{"same section twice", func(m *wasm.Module) {
			m.Customs = append(m.Customs, m.Customs[0])
		}, RuleCustom, "already used", ""},
		{"too many icp sections", func(m *wasm.Module) {
			for i := range MaxICPSections {
				m.Customs = append(m.Customs, wasm.Custom{Name: fmt.Sprintf("icp:private s%d", i), After: wasm.SectionData})
			}
		}, RuleCustom, "17 icp: sections; the IC allows at most 16", ""},
		{"icp sections too big", func(m *wasm.Module) {
			m.Customs = append(m.Customs, wasm.Custom{Name: "icp:private big", Data: make([]byte, MaxICPSectionsSize), After: wasm.SectionData})
		}, RuleCustom, "add up to 1048605 bytes", ""},

		// 5. Rejected instructions.
		{"table.grow", func(m *wasm.Module) {
			withTable(m)
			addFunc(m, unitT, wasm.OpRefNull, byte(wasm.FuncRef), wasm.OpI32Const, 1, wasm.OpPrefixFC, wasm.FCTableGrow, 0, wasm.OpDrop)
		}, RuleFeature, "table.grow is not allowed on the IC", "function 2 at body offset 4"},
		{"table.set", func(m *wasm.Module) {
			withTable(m)
			addFunc(m, unitT, wasm.OpI32Const, 0, wasm.OpRefNull, byte(wasm.FuncRef), wasm.OpTableSet, 0,
				wasm.OpI32Const, 0, wasm.OpRefNull, byte(wasm.FuncRef), wasm.OpTableSet, 0)
		}, RuleFeature, "table.set is not allowed on the IC (2 times in this function)", "function 2 at body offset 4"},
		{"table.fill", func(m *wasm.Module) {
			withTable(m)
			addFunc(m, unitT, wasm.OpI32Const, 0, wasm.OpRefNull, byte(wasm.FuncRef), wasm.OpI32Const, 1, wasm.OpPrefixFC, wasm.FCTableFill, 0)
		}, RuleFeature, "table.fill is not allowed", "body offset 6"},
		{"table.copy", func(m *wasm.Module) {
			withTable(m)
			addFunc(m, unitT, wasm.OpI32Const, 0, wasm.OpI32Const, 0, wasm.OpI32Const, 1, wasm.OpPrefixFC, wasm.FCTableCopy, 0, 0)
		}, RuleFeature, "table.copy is not allowed", ""},
		{"table.init", func(m *wasm.Module) {
			withTable(m)
			addFunc(m, unitT, wasm.OpI32Const, 0, wasm.OpI32Const, 0, wasm.OpI32Const, 1, wasm.OpPrefixFC, wasm.FCTableInit, 0, 0)
		}, RuleFeature, "table.init is not allowed", ""},
		{"return_call", func(m *wasm.Module) {
			addFunc(m, unitT, wasm.OpReturnCall, 0)
		}, RuleFeature, "return_call (tail calls are off on the IC) is not allowed", ""},
		{"relaxed SIMD", func(m *wasm.Module) {
			// i32x4.relaxed_laneselect is 0xfd 0x10b; use v128.const then the op with
			// three operands: only the opcode matters here.
			body := []byte{wasm.OpPrefixSIMD, 12}
			body = append(body, make([]byte, 16)...)
			body = append(body, wasm.OpPrefixSIMD, 0x8b, 0x02, wasm.OpDrop) // 0x10b
			addFunc(m, unitT, body...)
		}, RuleFeature, "relaxed SIMD", ""},

		// 6. Structural validity.
		{"function type index out of range", func(m *wasm.Module) {
			m.Funcs = append(m.Funcs, 9)
			m.Code = append(m.Code, wasm.Code{Body: []byte{wasm.OpEnd}})
		}, RuleStructure, "type index 9 is out of range", "function 2"},
		{"import type index out of range", func(m *wasm.Module) {
			m.Imports[0].TypeIndex = 7
		}, RuleStructure, "type index 7 is out of range", "import 0"},
		{"call out of range", func(m *wasm.Module) {
			m.Code[0].Body = []byte{wasm.OpCall, 5, wasm.OpEnd}
		}, RuleStructure, "call refers to function 5, but the module has only 2 functions", "function 1 at body offset 0"},
		{"call_indirect type out of range", func(m *wasm.Module) {
			withTable(m)
			m.Code[0].Body = []byte{wasm.OpI32Const, 0, wasm.OpCallIndirect, 3, 0, wasm.OpEnd}
		}, RuleStructure, "call_indirect type index 3 is out of range", ""},
		{"call_indirect without table", func(m *wasm.Module) {
			m.Code[0].Body = []byte{wasm.OpI32Const, 0, wasm.OpCallIndirect, 0, 0, wasm.OpEnd}
		}, RuleStructure, "call_indirect table 0 is out of range", ""},
		{"export index out of range", func(m *wasm.Module) {
			m.Exports = append(m.Exports, wasm.Export{Name: "helper", Kind: wasm.KindFunc, Index: 40})
		}, RuleStructure, "function index 40 is out of range", "export 3 (helper)"},
		{"duplicate export name", func(m *wasm.Module) {
			m.Exports = append(m.Exports, wasm.Export{Name: "memory", Kind: wasm.KindFunc, Index: 1})
		}, RuleStructure, "already used by export 2", ""},
		{"start out of range", func(m *wasm.Module) {
			m.Start = u32p(3)
		}, RuleStructure, "start function 3 is out of range", ""},
		{"start with parameters", func(m *wasm.Module) {
			m.Start = u32p(addFunc(m, i32T))
		}, RuleStart, "must have type () -> (), it has (i32) -> ()", ""},
		{"element function out of range", func(m *wasm.Module) {
			withTable(m)
			m.Elements[0].Funcs = []uint32{8}
		}, RuleStructure, "refers to function 8", "element segment 0"},
		{"ref.func out of range", func(m *wasm.Module) {
			addFunc(m, unitT, wasm.OpRefFunc, 9, wasm.OpDrop)
		}, RuleStructure, "ref.func refers to function 9", ""},
		{"global.get out of range", func(m *wasm.Module) {
			addFunc(m, unitT, wasm.OpGlobalGet, 0, wasm.OpDrop)
		}, RuleStructure, "global 0 is out of range", ""},
		{"data segment in missing memory", func(m *wasm.Module) {
			m.Data[0].Memory = 1
		}, RuleStructure, "memory 1 is out of range", "data segment 0"},
		{"memory.init of missing segment", func(m *wasm.Module) {
			addFunc(m, unitT, wasm.OpI32Const, 0, wasm.OpI32Const, 0, wasm.OpI32Const, 0, wasm.OpPrefixFC, wasm.FCMemoryInit, 4, 0)
			m.DataCount = u32p(1)
		}, RuleStructure, "data segment 4 is out of range", ""},
		{"undecodable body", func(m *wasm.Module) {
			addFunc(m, unitT, 0xff)
		}, RuleStructure, "body cannot be decoded", "function 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := canister()
			tc.mutate(m)
			r := run(t, m)
			require.Error(t, r.Err())
			found := false
			for _, v := range r.Violations {
				require.Equal(t, tc.rule, v.Rule, "unexpected violation %v", v)
				if strings.Contains(v.Msg, tc.msg) && strings.Contains(v.Where, tc.where) {
					found = true
				}
			}
			require.True(t, found, "no %s violation with %q (where %q) in:\n%v", tc.rule, tc.msg, tc.where, r.Err())
		})
	}
}

func TestAllViolationsReported(t *testing.T) {
	m := canister()
	m.Imports[0].Module = "wasi_snapshot_preview1"
	m.Exports = append(m.Exports, wasm.Export{Name: "canister_foo", Kind: wasm.KindFunc, Index: 1})
	m.Customs = append(m.Customs, wasm.Custom{Name: "icp:public", After: wasm.SectionData})
	r := run(t, m)
	require.Len(t, r.Violations, 3)
	err := r.Err()
	var verr *Error
	require.ErrorAs(t, err, &verr)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 4)
	require.Equal(t, "wasm module breaks 3 IC rules:", lines[0])
	require.Equal(t, "  import 0 (wasi_snapshot_preview1.msg_reply): only ic0 functions may be imported; run the module through icgo build, which replaces WASI", lines[1])
	require.Contains(t, lines[2], "export 3 (canister_foo): ")
	require.Contains(t, lines[3], "custom section 1 (icp:public): ")
}

func TestWarnings(t *testing.T) {
	m := canister()
	m.Exports = append(m.Exports, wasm.Export{Name: "canister_update  spaced", Kind: wasm.KindFunc, Index: 1})
	m.Customs = append(m.Customs, wasm.Custom{Name: "icp:public  meta", After: wasm.SectionData})
	m.Imports[0] = wasm.Import{Module: "ic0", Name: "mint_cycles", Kind: wasm.KindFunc,
		TypeIndex: m.TypeIndex(wasm.FuncType{Params: []wasm.ValType{wasm.I64}, Results: []wasm.ValType{wasm.I64}})}
	m.Code[0].Body = []byte{wasm.OpEnd}
	r := run(t, m)
	require.NoError(t, r.Err()) // the IC accepts these
	require.Len(t, r.Warnings, 3)
	msgs := fmt.Sprint(r.Warnings)
	require.Contains(t, msgs, `method name " spaced" starts with a space`)
	require.Contains(t, msgs, `metadata name " meta" starts with a space`)
	require.Contains(t, msgs, "not described in the interface spec")
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, err := w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func TestGzip(t *testing.T) {
	raw := canister().Encode()
	r, err := Bytes(gz(t, raw))
	require.NoError(t, err)
	require.NoError(t, r.Err())
	require.True(t, r.Gzipped)
	require.Equal(t, len(raw), r.Size)
}

func TestDecodeErrors(t *testing.T) {
	raw := canister().Encode()
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "not a wasm module"},
		{"truncated", raw[:len(raw)-3], "runs past the end of the module"},
		{"bad gzip", []byte{0x1f, 0x8b, 0x08, 0, 0}, "validate: gzip"},
		{"gzip of garbage", gz(t, []byte("hello")), "not a wasm module"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Bytes(tc.in)
			require.Nil(t, r)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestGzipBomb(t *testing.T) {
	// 101 MiB of zeros compress to about 100 KiB.
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	require.NoError(t, err)
	zeros := make([]byte, 1<<20)
	for range 101 {
		_, err := w.Write(zeros)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	r, err := Bytes(buf.Bytes())
	require.Nil(t, r)
	require.ErrorIs(t, err, ErrTooLarge)
}

// endless is an io.Reader of a gzip stream that never ends; it counts how
// many compressed bytes were read.
type endless struct {
	pr *io.PipeReader
	n  int
}

func (e *endless) Read(p []byte) (int, error) {
	n, err := e.pr.Read(p)
	e.n += n
	return n, err
}

func TestDecompressStopsAtLimit(t *testing.T) {
	pr, pw := io.Pipe()
	go func() {
		w := gzip.NewWriter(pw)
		zeros := make([]byte, 1<<20)
		for {
			if _, err := w.Write(zeros); err != nil {
				return // the reader closed the pipe
			}
		}
	}()
	src := &endless{pr: pr}
	_, err := decompress(src)
	pr.Close()
	require.ErrorIs(t, err, ErrTooLarge)
	require.Positive(t, src.n)
}

func TestSizeLimit(t *testing.T) {
	m := canister()
	m.SectionSizes = map[wasm.SectionID]int{wasm.SectionData: MaxModuleSize}
	r := Module(m)
	require.Len(t, r.Violations, 1)
	require.Equal(t, RuleFormat, r.Violations[0].Rule)
	require.Contains(t, r.Violations[0].Msg, "over the IC's limit of 100 MiB")
}

func TestModuleWithoutSectionSizes(t *testing.T) {
	m := canister()
	r := Module(m)
	require.NoError(t, r.Err())
	require.Zero(t, r.Size)
	dm, err := wasm.Decode(m.Encode())
	require.NoError(t, err)
	require.Equal(t, dm.SectionSizes[wasm.SectionCode], r.CodeSize, "computed code size matches the encoding")
}

func TestFunctionNames(t *testing.T) {
	m := canister()
	// name section: subsection 1 (function names), one entry: 1 -> "main.greet".
	names := []byte{1, 0}
	entry := append([]byte{1, 1, 10}, "main.greet"...)
	names[1] = byte(len(entry))
	names = append(names, entry...)
	m.Customs = append(m.Customs, wasm.Custom{Name: "name", Data: names, After: wasm.SectionData})
	m.Code[0].Body = []byte{wasm.OpCall, 7, wasm.OpEnd}
	r := run(t, m)
	require.Len(t, r.Violations, 1)
	require.Equal(t, "function 1 (main.greet) at body offset 0", r.Violations[0].Where)
}

func TestIC0Table(t *testing.T) {
	require.Len(t, IC0, 77) // 65 (section 1.3) + 9 legacy (1.4) + 3 not in the spec (1.5)
	for name, s := range IC0 {
		for _, v := range append(append([]wasm.ValType{}, s.Params...), s.Results...) {
			require.Contains(t, []wasm.ValType{wasm.I32, wasm.I64, Ptr}, v, name)
		}
		if strings.HasPrefix(name, "stable64_") {
			require.Equal(t, s.FuncType(false), s.FuncType(true), name)
		}
		if s.Wasm32Only {
			require.NotContains(t, s.Params, Ptr, name)
			_, ok := IC0[modernName(name)]
			require.True(t, ok, "replacement for %s", name)
		}
	}
	require.Equal(t, "(i32, i32, i32) -> ()", IC0["msg_arg_data_copy"].FuncType(false).String())
	require.Equal(t, "(i64, i64, i64) -> ()", IC0["msg_arg_data_copy"].FuncType(true).String())
	require.Equal(t, "(i64, i64, i64) -> ()", IC0["msg_cycles_accept128"].FuncType(true).String())
	require.Equal(t, "(i64, i64, i32) -> ()", IC0["msg_cycles_accept128"].FuncType(false).String())
	require.Len(t, IC0["call_new"].Params, 8)
}

// TestGoModule checks what a plain Go wasip1 module breaks: it imports WASI
// and exports nothing the IC knows.
func TestGoModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go module")
	}
	dir := t.TempDir()
	src := "package main\n\n//go:wasmexport hello\nfunc hello() {}\n\nfunc main() {}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module g\n\ngo 1.26\n"), 0o644))
	out := filepath.Join(dir, "g.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, string(b))
	w, err := os.ReadFile(out)
	require.NoError(t, err)
	r, err := Bytes(w)
	require.NoError(t, err)
	require.Error(t, r.Err())
	for _, v := range r.Violations {
		require.Equal(t, RuleImport, v.Rule, v.String())
		require.Contains(t, v.Msg, "which replaces WASI")
		require.Contains(t, v.Where, "(wasi_snapshot_preview1.")
	}
	require.Positive(t, r.Funcs)
	require.Positive(t, r.MaxComplexity)
	require.LessOrEqual(t, r.MaxComplexity, int64(MaxFunctionComplexity))
	require.False(t, errors.Is(r.Err(), ErrTooLarge))
}
