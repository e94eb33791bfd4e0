package postproc

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/icgo/icgo/internal/wasm"
)

var (
	tVoid   = wasm.FuncType{}
	tI32    = wasm.FuncType{Params: []wasm.ValType{wasm.I32}}
	tI32x2  = wasm.FuncType{Params: []wasm.ValType{wasm.I32, wasm.I32}}
	tRetI32 = wasm.FuncType{Results: []wasm.ValType{wasm.I32}}
)

func ft(params string, results string) wasm.FuncType {
	conv := func(s string) []wasm.ValType {
		var v []wasm.ValType
		for _, c := range s {
			switch c {
			case 'i':
				v = append(v, wasm.I32)
			case 'I':
				v = append(v, wasm.I64)
			}
		}
		return v
	}
	return wasm.FuncType{Params: conv(params), Results: conv(results)}
}

// builder makes small test modules. Add every import before the first
// function.
type builder struct {
	m *wasm.Module
}

func newBuilder() *builder {
	return &builder{m: &wasm.Module{Memories: []wasm.Limits{{Min: 1}}}}
}

func (b *builder) imp(module, name string, t wasm.FuncType) uint32 {
	b.m.Imports = append(b.m.Imports, wasm.Import{Module: module, Name: name, Kind: wasm.KindFunc, TypeIndex: b.m.TypeIndex(t)})
	return uint32(len(b.m.Imports) - 1)
}

func (b *builder) fn(t wasm.FuncType, a *asm, locals ...wasm.Local) uint32 {
	b.m.Funcs = append(b.m.Funcs, b.m.TypeIndex(t))
	b.m.Code = append(b.m.Code, a.code(locals...))
	return uint32(b.m.NumImported(wasm.KindFunc) + len(b.m.Funcs) - 1)
}

func (b *builder) export(name string, f uint32) {
	b.m.Exports = append(b.m.Exports, wasm.Export{Name: name, Kind: wasm.KindFunc, Index: f})
}

func (b *builder) data(off uint32, s string) {
	b.m.Data = append(b.m.Data, wasm.Data{Mode: wasm.Active, Offset: constI32(off), Init: []byte(s)})
}

// forward adds an exported function "call_NAME" that calls import f with
// its own parameters.
func (b *builder) forward(name string, f uint32, t wasm.FuncType) {
	a := &asm{}
	for i := range t.Params {
		a.get(uint32(i))
	}
	b.export("call_"+name, b.fn(t, a.call(f)))
}

func (b *builder) bytes() []byte { return b.m.Encode() }

// fakeIC0 is a recording ic0 host module.
type fakeIC0 struct {
	now     int64
	prints  []string
	traps   []string
	reply   []byte
	replied bool
}

type trapped struct{ msg string }

func (f *fakeIC0) instantiate(t *testing.T, module []byte) api.Module {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { r.Close(ctx) })
	read := func(m api.Module, p, n uint32) []byte {
		b, ok := m.Memory().Read(p, n)
		if !ok {
			panic(fmt.Sprintf("fake ic0: range [%d, +%d) out of memory", p, n))
		}
		return append([]byte(nil), b...)
	}
	_, err := r.NewHostModuleBuilder("ic0").
		NewFunctionBuilder().WithFunc(func(_ context.Context, m api.Module, p, n uint32) {
		f.prints = append(f.prints, string(read(m, p, n)))
	}).Export("debug_print").
		NewFunctionBuilder().WithFunc(func(_ context.Context, m api.Module, p, n uint32) {
		msg := string(read(m, p, n))
		f.traps = append(f.traps, msg)
		panic(trapped{msg})
	}).Export("trap").
		NewFunctionBuilder().WithFunc(func(context.Context) int64 { return f.now }).Export("time").
		NewFunctionBuilder().WithFunc(func(_ context.Context, m api.Module, p, n uint32) {
		f.reply = append(f.reply, read(m, p, n)...)
	}).Export("msg_reply_data_append").
		NewFunctionBuilder().WithFunc(func(context.Context) { f.replied = true }).Export("msg_reply").
		Instantiate(ctx)
	require.NoError(t, err)
	mod, err := r.InstantiateWithConfig(ctx, module, wazero.NewModuleConfig().WithStartFunctions())
	require.NoError(t, err)
	return mod
}

func call(mod api.Module, name string, params ...uint64) ([]uint64, error) {
	fn := mod.ExportedFunction(name)
	if fn == nil {
		return nil, fmt.Errorf("no export %q", name)
	}
	return fn.Call(context.Background(), params...)
}

func mustCall(t *testing.T, mod api.Module, name string, params ...uint64) []uint64 {
	t.Helper()
	r, err := call(mod, name, params...)
	require.NoError(t, err, name)
	return r
}

func mem(t *testing.T, mod api.Module, p, n uint32) []byte {
	t.Helper()
	b, ok := mod.Memory().Read(p, n)
	require.True(t, ok)
	return append([]byte(nil), b...)
}

// validate runs wasm-validate when it is installed.
func validate(t *testing.T, module []byte) {
	t.Helper()
	tool, err := exec.LookPath("wasm-validate")
	if err != nil {
		t.Log("wasm-validate not installed: validated by wazero only")
		return
	}
	path := filepath.Join(t.TempDir(), "m.wasm")
	require.NoError(t, os.WriteFile(path, module, 0o644))
	out, err := exec.Command(tool, path).CombinedOutput()
	require.NoError(t, err, "wasm-validate: %s", out)
}

// process runs Process and checks that the output is valid and keeps only
// ic0 imports.
func process(t *testing.T, raw []byte, opt Options) ([]byte, *Stats, *wasm.Module) {
	t.Helper()
	out, st, err := Process(raw, opt)
	require.NoError(t, err)
	validate(t, out)
	m, err := wasm.Decode(out)
	require.NoError(t, err)
	for _, im := range m.Imports {
		require.Equal(t, "ic0", im.Module, "import %s.%s", im.Module, im.Name)
	}
	again, _, err := Process(raw, opt)
	require.NoError(t, err)
	require.Equal(t, out, again, "output is not deterministic")
	return out, st, m
}

// calls lists the targets of call, return_call and ref.func in code.
func calls(t *testing.T, code []byte) (out []string) {
	t.Helper()
	require.NoError(t, wasm.Walk(code, func(in *wasm.Instr) error {
		switch in.Op {
		case wasm.OpCall:
			out = append(out, fmt.Sprintf("call %d", in.Index))
		case wasm.OpReturnCall:
			out = append(out, fmt.Sprintf("return_call %d", in.Index))
		case wasm.OpRefFunc:
			out = append(out, fmt.Sprintf("ref.func %d", in.Index))
		}
		return nil
	}))
	return out
}

func exportNames(m *wasm.Module) []string {
	var s []string
	for _, e := range m.Exports {
		s = append(s, e.Name)
	}
	return s
}

func funcIndex(t *testing.T, m *wasm.Module, export string) uint32 {
	t.Helper()
	e, ok := m.Export(export)
	require.True(t, ok, "export %q", export)
	return e.Index
}

func body(t *testing.T, m *wasm.Module, f uint32) []byte {
	t.Helper()
	n := uint32(m.NumImported(wasm.KindFunc))
	require.GreaterOrEqual(t, f, n)
	return m.Code[f-n].Body
}
