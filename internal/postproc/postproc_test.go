package postproc

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/abi"
	"github.com/icgo/icgo/internal/wasm"
)

// renumberModule has imports interleaved (WASI, ic0, duplicate ic0, icgo),
// and function references in every place they can be.
func renumberModule() *builder {
	b := newBuilder()
	b.imp(modWASI, "fd_write", ft("iiii", "i"))                                                         // 0 -> stub
	b.imp("ic0", "msg_reply", tVoid)                                                                    // 1 -> 0
	b.imp(modWASI, "proc_exit", tI32)                                                                   // 2 -> stub
	b.imp("ic0", "msg_reply", tVoid)                                                                    // 3 -> 0 (duplicate)
	b.imp(abi.PseudoModule, "stdout_flush", tVoid)                                                      // 4 -> stub
	b.imp("ic0", "debug_print", tI32x2)                                                                 // 5 -> 1
	b.imp(modWASI, "fd_write", ft("iiii", "i"))                                                         // 6 -> same stub as 0
	init := b.fn(tVoid, (&asm{}).call(8).call(1).call(3).call(4).op(wasm.OpRefFunc, 9).op(wasm.OpDrop)) // 7
	b.fn(tVoid, (&asm{}).i32(0).i32(0).i32(0).i32(0).call(0).op(wasm.OpDrop).
		i32(0).i32(0).i32(0).i32(0).call(6).op(wasm.OpDrop), i32Locals(2)) // 8
	inc := b.fn(tVoid, (&asm{}).call(1)) // 9: calls ic0.msg_reply
	start := b.fn(tVoid, &asm{})         // 10
	b.m.Start = &start
	b.m.Tables = []wasm.TableType{{Elem: wasm.FuncRef, Limits: wasm.Limits{Min: 3}}}
	b.m.Elements = []wasm.Element{
		{Mode: wasm.Active, Offset: constI32(0), Type: wasm.FuncRef, Funcs: []uint32{8, 9}},
		{Mode: wasm.Active, Offset: constI32(2), Type: wasm.FuncRef, Exprs: [][]byte{{wasm.OpRefFunc, 7, wasm.OpEnd}}},
	}
	b.m.Globals = []wasm.Global{{Type: wasm.GlobalType{Type: wasm.FuncRef}, Init: []byte{wasm.OpRefFunc, 10, wasm.OpEnd}}}
	b.export(abi.ExportInitialize, init)
	b.export("canister_update.inc", inc)
	b.m.Exports = append(b.m.Exports, wasm.Export{Name: "memory", Kind: wasm.KindMemory})

	// Name section: module name, function names (imports included), local
	// names of function 8.
	fnames := []wasm.NameEntry{{Index: 0, Name: "wasi.fd_write"}, {Index: 1, Name: "ic0.msg_reply"}, {Index: 2, Name: "wasi.proc_exit"}, {Index: 3, Name: "ic0.msg_reply#2"}, {Index: 4, Name: "icgo.flush"},
		{Index: 5, Name: "ic0.debug_print"}, {Index: 6, Name: "wasi.fd_write#2"}, {Index: 7, Name: "init"}, {Index: 8, Name: "writer"}, {Index: 9, Name: "inc"}, {Index: 10, Name: "start"}}
	var ns []byte
	sub := func(id byte, body []byte) {
		ns = append(wasm.AppendULEB(append(ns, id), uint64(len(body))), body...)
	}
	sub(wasm.NameModule, []byte("\x04test"))
	sub(wasm.NameFunction, wasm.AppendNameMap(nil, fnames))
	sub(wasm.NameLocal, wasm.AppendNameMap(wasm.AppendULEB(wasm.AppendULEB(nil, 1), 8), []wasm.NameEntry{{Index: 0, Name: "a"}, {Index: 1, Name: "b"}}))
	sub(wasm.NameData, wasm.AppendNameMap(nil, []wasm.NameEntry{{Index: 0, Name: "d"}}))
	b.m.Customs = []wasm.Custom{{Name: "go:buildid", Data: []byte("x"), After: wasm.SectionCustom}, {Name: "name", Data: ns, After: wasm.SectionData}}
	b.data(20000, "d")
	return b
}

func TestRenumber(t *testing.T) {
	_, st, m := process(t, renumberModule().bytes(), Options{})

	// Imports: the kept ic0 ones in order (deduplicated), then the added ones.
	var imps []string
	for _, im := range m.Imports {
		imps = append(imps, im.Module+"."+im.Name)
	}
	require.Equal(t, []string{"ic0.msg_reply", "ic0.debug_print", "ic0.trap", "ic0.time"}, imps)
	require.Equal(t, []string{"wasi_snapshot_preview1.fd_write", "wasi_snapshot_preview1.proc_exit", "icgo.stdout_flush"}, st.Replaced)
	require.Equal(t, []string{"ic0.trap", "ic0.time"}, st.AddedImports)
	require.Equal(t, 7, st.ImportsBefore)
	require.Equal(t, 4, st.ImportsAfter)

	// Old defined 7..10 -> 4..7; flush 8; stubs fd_write 9, proc_exit 10, stdout_flush 11.
	const init, writer, inc, start, flush, fdWrite, stdoutFlush = 4, 5, 6, 7, 8, 9, 11
	require.Equal(t, []string{"call 5", "call 0", "call 0", "call 11", "ref.func 6"}, calls(t, body(t, m, init)))
	require.Equal(t, []string{"call 9", "call 9"}, calls(t, body(t, m, writer)))
	require.Equal(t, []string{"call 0"}, calls(t, body(t, m, inc)))
	require.Equal(t, uint32(start), *m.Start)
	require.Equal(t, []uint32{writer, inc}, m.Elements[0].Funcs)
	require.Equal(t, []string{"ref.func 4"}, calls(t, m.Elements[1].Exprs[0]))
	require.Equal(t, []string{"ref.func 7"}, calls(t, m.Globals[0].Init))
	require.Equal(t, []string{"call 8"}, calls(t, body(t, m, stdoutFlush)))

	// Exports: synthesized entry points, renamed method, memory.
	require.Equal(t, []string{"canister_init", "canister_post_upgrade", "canister_update inc", "memory"}, exportNames(m))
	require.Equal(t, []string{"call 4", "call 8"}, calls(t, body(t, m, funcIndex(t, m, "canister_init"))))
	require.Equal(t, []string{"call 4", "call 8"}, calls(t, body(t, m, funcIndex(t, m, "canister_post_upgrade"))))
	require.Equal(t, []string{"call 6", "call 8"}, calls(t, body(t, m, funcIndex(t, m, "canister_update inc"))))

	// Names: remapped, sorted, new functions named, data names dropped.
	data, ok := m.Custom("name")
	require.True(t, ok)
	ns, err := wasm.DecodeNames(data)
	require.NoError(t, err)
	require.Equal(t, []byte{wasm.NameModule, wasm.NameFunction, wasm.NameLocal}, ns.Order)
	got := map[uint32]string{}
	for i, e := range ns.Funcs {
		if i > 0 {
			require.Less(t, ns.Funcs[i-1].Index, e.Index)
		}
		got[e.Index] = e.Name
	}
	require.Equal(t, "ic0.msg_reply", got[0])
	require.Equal(t, "ic0.debug_print", got[1])
	require.Equal(t, "init", got[init])
	require.Equal(t, "writer", got[writer])
	require.Equal(t, "inc", got[inc])
	require.Equal(t, "start", got[start])
	require.Equal(t, "icgo:stdout_flush", got[flush])
	require.Equal(t, "icgo:wasi_snapshot_preview1.fd_write", got[fdWrite])
	require.Equal(t, "icgo:canister_init", got[funcIndex(t, m, "canister_init")])
	require.Len(t, ns.Indirect[wasm.NameLocal], 1)
	require.Equal(t, uint32(writer), ns.Indirect[wasm.NameLocal][0].Index)
	_, ok = m.Custom("go:buildid")
	require.False(t, ok)

	// It runs.
	ic := &fakeIC0{}
	mod := ic.instantiate(t, mustProcess(t, renumberModule().bytes(), Options{}))
	mustCall(t, mod, "canister_init")
	mustCall(t, mod, "canister_update inc")
}

func mustProcess(t *testing.T, raw []byte, opt Options) []byte {
	t.Helper()
	out, _, err := Process(raw, opt)
	require.NoError(t, err)
	return out
}

func TestReturnCallRemap(t *testing.T) {
	// Tail calls are not validated here (the IC rejects them); only the
	// renumbering is checked.
	b := newBuilder()
	b.imp(modWASI, "sched_yield", tRetI32)
	b.imp("ic0", "time", ft("", "I"))
	f := b.fn(tRetI32, (&asm{}).u32(wasm.OpReturnCall, 0))
	b.export(abi.ExportInitialize, b.fn(tVoid, &asm{}))
	out, _, err := Process(b.bytes(), Options{})
	require.NoError(t, err)
	m, err := wasm.Decode(out)
	require.NoError(t, err)
	// ic0.time stays 0; debug_print 1, trap 2; f 3, init 4, flush 5, sched_yield 6.
	require.Equal(t, "ic0.time", m.Imports[0].Module+"."+m.Imports[0].Name)
	require.Equal(t, []string{"return_call 6"}, calls(t, body(t, m, f+1)))
}

func TestNamesDropped(t *testing.T) {
	_, _, m := process(t, renumberModule().bytes(), Options{DropNames: true})
	_, ok := m.Custom("name")
	require.False(t, ok)
}

func TestExports(t *testing.T) {
	b := newBuilder()
	b.imp("ic0", "debug_print", tI32x2)
	const labels = "_initialize|init|post|heartbeat|timer|direct|0123456789"
	b.data(20000, labels)
	logf := func(s string) *asm {
		i := strings.Index(labels, s)
		return (&asm{}).i32(int32(20000 + i)).i32(int32(len(s))).call(0)
	}
	b.export(abi.ExportInitialize, b.fn(tVoid, logf("_initialize")))
	b.export(abi.ExportInit, b.fn(tVoid, logf("init")))
	b.export(abi.ExportPostUpgrade, b.fn(tVoid, logf("post")))
	b.export(abi.ExportHeartbeat, b.fn(tVoid, logf("heartbeat")))
	b.export(abi.ExportGlobalTimer, b.fn(tVoid, logf("timer")))
	b.export(abi.ExportMethod, b.fn(tI32, (&asm{}).i32(int32(20000+strings.Index(labels, "0"))).get(0).call(0))) // prints Index digits
	b.export(abi.ExportDescribe, b.fn(tVoid, &asm{}))
	b.export("canister_query.direct", b.fn(tVoid, logf("direct")))
	b.export("helper", b.fn(tVoid, &asm{}))
	b.m.Exports = append(b.m.Exports, wasm.Export{Name: "memory", Kind: wasm.KindMemory})
	raw := b.bytes()
	opt := Options{
		Methods: []Method{{abi.KindQuery, 3, "greet"}, {abi.KindUpdate, 5, "set"}, {abi.KindCompositeQuery, 1, "cq"}},
		Hooks:   []string{"heartbeat", "init", "global_timer"},
	}
	_, _, m := process(t, raw, opt)
	require.Equal(t, []string{
		"canister_composite_query cq", "canister_global_timer", "canister_heartbeat", "canister_init",
		"canister_post_upgrade", "canister_query direct", "canister_query greet", "canister_update set", "memory",
	}, exportNames(m))

	ic := &fakeIC0{}
	mod := ic.instantiate(t, mustProcess(t, raw, opt))
	for _, c := range []struct {
		export string
		want   []string
	}{
		{"canister_init", []string{"_initialize", "init"}},
		{"canister_query greet", []string{"012"}},
		{"canister_update set", []string{"01234"}},
		{"canister_composite_query cq", []string{"0"}},
		{"canister_heartbeat", []string{"heartbeat"}},
		{"canister_global_timer", []string{"timer"}},
		{"canister_query direct", []string{"direct"}},
		{"canister_post_upgrade", []string{"_initialize", "post"}},
	} {
		ic.prints = nil
		mustCall(t, mod, c.export)
		require.Equal(t, c.want, ic.prints, c.export)
	}

	// KeepExports keeps plain exports; icgo_* and _initialize still go.
	_, _, m = process(t, raw, Options{KeepExports: true})
	require.Equal(t, []string{"canister_init", "canister_post_upgrade", "canister_query direct", "helper", "memory"}, exportNames(m))

	// A module without the cdk: canister_init only runs _initialize, a
	// //go:wasmexport canister_init runs after it.
	b = newBuilder()
	b.imp("ic0", "debug_print", tI32x2)
	b.data(20000, "_initializeuser")
	b.export(abi.ExportInitialize, b.fn(tVoid, (&asm{}).i32(20000).i32(11).call(0)))
	b.export("canister_init", b.fn(tVoid, (&asm{}).i32(20011).i32(4).call(0)))
	ic = &fakeIC0{}
	mod = ic.instantiate(t, mustProcess(t, b.bytes(), Options{}))
	mustCall(t, mod, "canister_init")
	require.Equal(t, []string{"_initialize", "user"}, ic.prints)
	ic.prints = nil
	mustCall(t, mod, "canister_post_upgrade")
	require.Equal(t, []string{"_initialize"}, ic.prints)
}

func TestCustomSections(t *testing.T) {
	_, _, m := process(t, renumberModule().bytes(), Options{CandidService: "service : {}", CandidArgs: "(text)"})
	s, ok := m.Custom("icp:public candid:service")
	require.True(t, ok)
	require.Equal(t, "service : {}", string(s))
	s, ok = m.Custom("icp:public candid:args")
	require.True(t, ok)
	require.Equal(t, "(text)", string(s))
	_, _, m = process(t, renumberModule().bytes(), Options{})
	_, ok = m.Custom("icp:public candid:service")
	require.False(t, ok)
}

func TestDataMerge(t *testing.T) {
	mk := func() *builder {
		b := newBuilder()
		b.export(abi.ExportInitialize, b.fn(tVoid, &asm{}))
		b.data(20004, "cd")
		b.data(20000, "ab")
		b.data(30000, "x")
		b.data(40002, "bb")   // overlapped by the next one, applied first
		b.data(40000, "aaaa") // wins
		b.data(50000, "aaaa")
		b.data(50002, "bb") // wins
		b.data(60000, "")
		return b
	}
	for _, c := range []struct {
		gap  int
		segs int
	}{{-1, 8}, {4, 4}, {0, 4}, {10000, 1}} {
		out, st, m := process(t, mk().bytes(), Options{MergeDataGap: c.gap})
		require.Equal(t, c.segs, len(m.Data), "gap %d", c.gap)
		require.Equal(t, 8, st.DataSegmentsBefore)
		require.Equal(t, c.segs, st.DataSegmentsAfter)
		for _, d := range m.Data {
			_, ok := evalConstI32(d.Offset)
			require.True(t, ok)
		}
		mod := (&fakeIC0{}).instantiate(t, out)
		require.Equal(t, "ab\x00\x00cd", string(mem(t, mod, 20000, 6)))
		require.Equal(t, "x", string(mem(t, mod, 30000, 1)))
		require.Equal(t, "aaaa", string(mem(t, mod, 40000, 4)))
		require.Equal(t, "aabb", string(mem(t, mod, 50000, 4)))
	}
}

func TestErrors(t *testing.T) {
	base := func() *builder {
		b := newBuilder()
		return b
	}
	withInit := func(b *builder) *builder {
		b.export(abi.ExportInitialize, b.fn(tVoid, &asm{}))
		return b
	}
	for _, c := range []struct {
		name string
		mod  func() *builder
		opt  Options
		want string
	}{
		{"not wasm", nil, Options{}, "not a wasm module"},
		{"other module", func() *builder {
			b := base()
			b.imp("env", "foo", tVoid)
			return withInit(b)
		}, Options{}, "import env.foo: only ic0"},
		{"unknown pseudo", func() *builder {
			b := base()
			b.imp(abi.PseudoModule, "magic", tVoid)
			return withInit(b)
		}, Options{}, "import icgo.magic: unknown icgo pseudo-import"},
		{"table_index of nothing", func() *builder {
			b := base()
			b.imp(abi.PseudoModule, abi.PseudoTableIndexPrefix+"nope", tRetI32)
			return withInit(b)
		}, Options{}, `no function is exported as "nope"`},
		{"table_index type", func() *builder {
			b := base()
			b.imp(abi.PseudoModule, abi.PseudoTableIndexPrefix+"_initialize", tVoid)
			return withInit(b)
		}, Options{}, "import icgo.table_index:_initialize has type () -> (), want () -> (i32)"},
		{"wasi type", func() *builder {
			b := base()
			b.imp(modWASI, "fd_write", tI32)
			return withInit(b)
		}, Options{}, "import wasi_snapshot_preview1.fd_write has type (i32) -> (), want (i32, i32, i32, i32) -> (i32)"},
		{"ic0 type", func() *builder {
			b := base()
			b.imp("ic0", "time", tRetI32)
			return withInit(b)
		}, Options{}, "import ic0.time has type () -> (i32), want () -> (i64)"},
		{"ic0 twice", func() *builder {
			b := base()
			b.imp("ic0", "msg_reply", tVoid)
			b.imp("ic0", "msg_reply", tI32)
			return withInit(b)
		}, Options{}, "ic0.msg_reply is imported twice with different types"},
		{"memory import", func() *builder {
			b := base()
			b.m.Imports = append(b.m.Imports, wasm.Import{Module: "env", Name: "memory", Kind: wasm.KindMemory})
			return withInit(b)
		}, Options{}, "import env.memory: only function imports"},
		{"no _initialize", base, Options{}, "no _initialize export"},
		{"method clash", func() *builder {
			b := withInit(base())
			b.export(abi.ExportMethod, b.fn(tI32, &asm{}))
			return b
		}, Options{Methods: []Method{{abi.KindQuery, 0, "greet"}, {abi.KindUpdate, 1, "greet"}}}, `method name "greet" is used twice`},
		{"method clash with direct export", func() *builder {
			b := withInit(base())
			b.export(abi.ExportMethod, b.fn(tI32, &asm{}))
			b.export("canister_update:greet", b.fn(tVoid, &asm{}))
			return b
		}, Options{Methods: []Method{{abi.KindQuery, 0, "greet"}}}, `method name "greet" is used twice`},
		{"direct export clash", func() *builder {
			b := withInit(base())
			b.export("canister_update.greet", b.fn(tVoid, &asm{}))
			b.export("canister_update/greet", b.fn(tVoid, &asm{}))
			return b
		}, Options{}, `export "canister_update greet" is defined twice`},
		{"no dispatcher", func() *builder { return withInit(base()) }, Options{Methods: []Method{{abi.KindQuery, 0, "greet"}}}, `does not export "icgo_method"`},
		{"dispatcher type", func() *builder {
			b := withInit(base())
			b.export(abi.ExportMethod, b.fn(tVoid, &asm{}))
			return b
		}, Options{Methods: []Method{{abi.KindQuery, 0, "greet"}}}, `export "icgo_method" has type () -> (), want (i32) -> ()`},
		{"bad kind", func() *builder {
			b := withInit(base())
			b.export(abi.ExportMethod, b.fn(tI32, &asm{}))
			return b
		}, Options{Methods: []Method{{"oneway", 0, "greet"}}}, `unknown kind "oneway"`},
		{"empty method name", func() *builder {
			b := withInit(base())
			b.export(abi.ExportMethod, b.fn(tI32, &asm{}))
			return b
		}, Options{Methods: []Method{{abi.KindQuery, 0, ""}}}, "empty name"},
		{"hook without export", func() *builder { return withInit(base()) }, Options{Hooks: []string{"heartbeat"}}, `hook "heartbeat" is registered but the module does not export "icgo_heartbeat"`},
		{"init hook without export", func() *builder { return withInit(base()) }, Options{Hooks: []string{"init"}}, `hook "init" is registered`},
		{"unknown hook", func() *builder { return withInit(base()) }, Options{Hooks: []string{"tick"}}, `unknown hook "tick"`},
		{"invalid canister_ export", func() *builder {
			b := withInit(base())
			b.export("canister_foo", b.fn(tVoid, &asm{}))
			return b
		}, Options{}, `export "canister_foo": not an IC entry point name`},
		{"entry point type", func() *builder {
			b := withInit(base())
			b.export("canister_query.x", b.fn(tI32, &asm{}))
			return b
		}, Options{}, `export "canister_query.x" has type (i32) -> (), want () -> ()`},
		{"data in the region", func() *builder {
			b := withInit(base())
			b.data(6200, "x")
			return b
		}, Options{}, "data segment 0 [6200, 6201) overlaps the region"},
		{"environment too large", func() *builder {
			b := base()
			b.imp(modWASI, "environ_get", ft("ii", "i"))
			return withInit(b)
		},
			Options{Env: []EnvVar{{"BIG", strings.Repeat("x", 8000)}}}, "embed fewer or shorter environment variables"},
		{"no memory", func() *builder {
			b := withInit(base())
			b.m.Memories = nil
			return b
		}, Options{}, "defines 0 memories"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var raw []byte
			if c.mod != nil {
				raw = c.mod().bytes()
			}
			_, _, err := Process(raw, c.opt)
			require.ErrorContains(t, err, c.want)
		})
	}
}
