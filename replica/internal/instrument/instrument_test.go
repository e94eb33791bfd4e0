package instrument

import (
	"testing"

	"github.com/icgo/icgo/internal/wasm"
)

func TestModule(t *testing.T) {
	start := uint32(0)
	m := &wasm.Module{
		Types:    []wasm.FuncType{{}},
		Funcs:    []uint32{0},
		Code:     []wasm.Code{{Body: []byte{wasm.OpEnd}}},
		Memories: []wasm.Limits{{Min: 1}},
		Globals: []wasm.Global{
			{Type: wasm.GlobalType{Type: wasm.I32, Mutable: true}, Init: []byte{wasm.OpI32Const, 0, wasm.OpEnd}},
			{Type: wasm.GlobalType{Type: wasm.I64}, Init: []byte{wasm.OpI64Const, 0, wasm.OpEnd}},
			{Type: wasm.GlobalType{Type: wasm.I64, Mutable: true}, Init: []byte{wasm.OpI64Const, 0, wasm.OpEnd}},
		},
		Start: &start,
	}
	res, err := Module(m, Options{MaxMemoryPages: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Globals) != 2 || res.Globals[0] != 0 || res.Globals[1] != 2 || !res.HasStart || !res.HasMemory {
		t.Fatalf("result %+v", res)
	}
	out, err := wasm.Decode(res.Module)
	if err != nil {
		t.Fatal(err)
	}
	if out.Start != nil {
		t.Error("start section kept")
	}
	for _, name := range []string{StartExport, "__icgo_global_0", "__icgo_global_2"} {
		if _, ok := out.Export(name); !ok {
			t.Errorf("export %s missing", name)
		}
	}
	if mem := out.Memories[0]; !mem.HasMax || mem.Max != 10 {
		t.Errorf("memory %+v, want max 10", mem)
	}

	m = &wasm.Module{Memories: []wasm.Limits{{Min: 11}}}
	if _, err := Module(m, Options{MaxMemoryPages: 10}); err == nil {
		t.Error("initial memory above the limit accepted")
	}
	m = &wasm.Module{Memories: []wasm.Limits{{Min: 1, Is64: true}}}
	if _, err := Module(m, Options{}); err == nil {
		t.Error("memory64 accepted")
	}
	m = &wasm.Module{Globals: []wasm.Global{{Type: wasm.GlobalType{Type: wasm.V128, Mutable: true}}}}
	if _, err := Module(m, Options{}); err == nil {
		t.Error("mutable v128 global accepted")
	}
}
