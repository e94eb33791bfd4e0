package validate

import "github.com/icgo/icgo/internal/wasm"

// complexity is the weight of one instruction in the per-function
// complexity sum that the replica limits to 1,000,000.
//
// The weights are those of wasm_function_complexity in dfinity/ic
// rs/embedders/src/wasm_utils/validation.rs (2024-era revision read from
// the search index; the interface specification's "WebAssembly module
// requirements" only says that complexity is bounded):
//
//	50  block loop if br br_if br_table call call_indirect memory.grow table.grow
//	14  table.get
//	 8  ref.func
//	 7  table.set
//	 6  ref.is_null
//	 5  table.fill, int<->float truncations and conversions, i64.extend_i32_*, f32.demote_f64
//	 4  f32/f64 neg and abs, table.copy, table.init, memory.copy
//	 3  copysign, f64.eq, div and rem, memory.fill, loads, saturating truncations
//	 2  global.get, popcnt, select, memory.size, stores, comparisons,
//	    ceil floor sqrt trunc, reinterprets, i32.wrap_i64, sign extensions,
//	    f64.promote_f32
//	 1  everything else (including SIMD, end, local.*, const, arithmetic)
//
// The replica counts in operators as wasmparser reports them; this
// function sees the same operators through wasm.Walk, so the sums agree
// for the instructions listed. Newer replica revisions may have tuned the
// table; the 1,000,000 limit leaves a wide margin for ordinary code.
func complexity(in *wasm.Instr) int64 {
	op := in.Op
	switch op {
	case wasm.OpBlock, wasm.OpLoop, wasm.OpIf, wasm.OpBr, wasm.OpBrIf, wasm.OpBrTable,
		wasm.OpCall, wasm.OpCallIndirect, wasm.OpMemoryGrow:
		return 50
	case wasm.OpTableGet:
		return 14
	case wasm.OpRefFunc:
		return 8
	case wasm.OpTableSet:
		return 7
	case wasm.OpRefIsNull:
		return 6
	case 0x8b, 0x8c, 0x99, 0x9a: // f32.abs f32.neg f64.abs f64.neg
		return 4
	case 0x98, 0xa6, 0x61, // f32.copysign f64.copysign f64.eq
		0x6d, 0x6e, 0x6f, 0x70, // i32.div_s div_u rem_s rem_u
		0x7f, 0x80, 0x81, 0x82: // i64.div_s div_u rem_s rem_u
		return 3
	case wasm.OpGlobalGet, 0x69, 0x7b, 0x1b, wasm.OpMemorySize, // popcnt x2, select (untyped)
		0x8d, 0x8e, 0x8f, 0x91, // f32.ceil floor trunc sqrt
		0x9b, 0x9c, 0x9d, 0x9f, // f64.ceil floor trunc sqrt
		wasm.OpI32WrapI64:
		return 2
	case wasm.OpPrefixFC:
		switch in.Sub {
		case wasm.FCTableGrow:
			return 50
		case wasm.FCTableFill:
			return 5
		case wasm.FCTableCopy, wasm.FCTableInit, wasm.FCMemoryCopy:
			return 4
		case wasm.FCMemoryFill, 0, 1, 2, 3, 4, 5, 6, 7: // memory.fill, trunc_sat
			return 3
		}
		return 1
	}
	switch {
	case op >= 0x28 && op <= 0x35: // loads
		return 3
	case op >= 0x36 && op <= 0x3e: // stores
		return 2
	case op >= 0x45 && op <= 0x66: // comparisons (f64.eq handled above)
		return 2
	case op >= 0xa8 && op <= 0xba: // truncations, i64.extend_i32_*, conversions, demote
		return 5
	case op >= 0xbb && op <= 0xc4: // promote, reinterprets, sign extensions
		return 2
	}
	return 1
}
