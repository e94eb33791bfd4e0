package validate_test

import (
	"fmt"

	"github.com/icgo/icgo/internal/validate"
	"github.com/icgo/icgo/internal/wasm"
)

func ExampleBytes() {
	// A module that imports WASI and exports a query with a parameter.
	m := &wasm.Module{
		Types: []wasm.FuncType{
			{Params: []wasm.ValType{wasm.I32}},
		},
		Imports: []wasm.Import{{Module: "wasi_snapshot_preview1", Name: "proc_exit", Kind: wasm.KindFunc, TypeIndex: 0}},
		Funcs:   []uint32{0},
		Code:    []wasm.Code{{Body: []byte{wasm.OpEnd}}},
		Exports: []wasm.Export{{Name: "canister_query greet", Kind: wasm.KindFunc, Index: 1}},
	}
	r, err := validate.Bytes(m.Encode())
	if err != nil {
		fmt.Println("cannot decode:", err)
		return
	}
	fmt.Println("methods:", r.Methods)
	fmt.Println(r.Err())
	// Output:
	// methods: [canister_query greet]
	// wasm module breaks 2 IC rules:
	//   import 0 (wasi_snapshot_preview1.proc_exit): only ic0 functions may be imported; run the module through icgo build, which replaces WASI
	//   export 0 (canister_query greet): entry points must have type () -> (), function 1 has (i32) -> (); take arguments with ic0.msg_arg_data_copy and reply with ic0.msg_reply
}
