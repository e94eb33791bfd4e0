package replica

import (
	"github.com/icgo/icgo/internal/wasm"
	"github.com/icgo/icgo/replica/internal/instrument"
)

// callbackExport is a function the replica adds to every module that has a
// funcref table: (fun i32, env i32) -> () does call_indirect of table entry
// fun, with type (i32) -> (), passing env. Reply, reject and cleanup
// callbacks (spec "Overview of imports" call_new: "*_fun is a table index of a function
// of type (env:I)->()") run through it, so an index out of the table's
// range, a null entry or an entry of another type traps exactly as the
// IC's call_indirect does.
const callbackExport = instrument.ReservedPrefix + "callback"

// addCallbackTrampoline adds callbackExport to an instrumented module (the
// name uses the reserved prefix, which canister modules cannot export).
// Modules without a table get none; their callbacks trap.
func addCallbackTrampoline(m *wasm.Module) bool {
	if len(m.Tables) == 0 || m.Tables[0].Elem != wasm.FuncRef {
		return false
	}
	if _, ok := m.Export(callbackExport); ok {
		return false
	}
	envType := m.TypeIndex(wasm.FuncType{Params: []wasm.ValType{wasm.I32}})
	tramType := m.TypeIndex(wasm.FuncType{Params: []wasm.ValType{wasm.I32, wasm.I32}})
	idx := uint32(m.NumImported(wasm.KindFunc) + len(m.Funcs))
	body := []byte{0x20, 0x01, 0x20, 0x00, 0x11} // local.get env; local.get fun; call_indirect
	body = wasm.AppendULEB(body, uint64(envType))
	body = append(body, 0x00, 0x0b) // table 0; end
	m.Funcs = append(m.Funcs, tramType)
	m.Code = append(m.Code, wasm.Code{Body: body})
	m.Exports = append(m.Exports, wasm.Export{Name: callbackExport, Kind: wasm.KindFunc, Index: idx})
	return true
}
