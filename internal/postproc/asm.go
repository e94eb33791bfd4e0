package postproc

import "github.com/icgo/icgo/internal/wasm"

// Opcodes used by the stubs that internal/wasm does not name.
const (
	opI32DivU    = 0x6e
	opI32RemU    = 0x70
	opI32Or      = 0x72
	opI32Xor     = 0x73
	opI32Rotl    = 0x77
	opSelect     = 0x1b
	opI64Eqz     = 0x50
	opI64GtS     = 0x55
	opI32Load16U = 0x2f
	opI64Xor     = 0x85
	opI64Store8  = 0x3c
	opI32Store   = wasm.OpI32Store
	opI64Store   = wasm.OpI64Store
	opI32Load    = wasm.OpI32Load
	opI64Load    = wasm.OpI64Load
	opI32Load8U  = wasm.OpI32Load8U
	opI32Store8  = wasm.OpI32Store8
	blockEmpty   = 0x40 // block type of a block without results
)

// asm is a tiny assembler for function bodies: each method appends one
// instruction with its immediates. Bodies are built in full by done.
type asm struct{ b []byte }

func (a *asm) op(ops ...byte) *asm { a.b = append(a.b, ops...); return a }

func (a *asm) u32(op byte, v uint32) *asm {
	a.b = wasm.AppendULEB(append(a.b, op), uint64(v))
	return a
}

func (a *asm) i32(v int32) *asm {
	a.b = wasm.AppendSLEB(append(a.b, wasm.OpI32Const), int64(v))
	return a
}

func (a *asm) i64(v int64) *asm {
	a.b = wasm.AppendSLEB(append(a.b, wasm.OpI64Const), v)
	return a
}

func (a *asm) get(l uint32) *asm      { return a.u32(wasm.OpLocalGet, l) }
func (a *asm) set(l uint32) *asm      { return a.u32(wasm.OpLocalSet, l) }
func (a *asm) tee(l uint32) *asm      { return a.u32(wasm.OpLocalTee, l) }
func (a *asm) gget(g uint32) *asm     { return a.u32(wasm.OpGlobalGet, g) }
func (a *asm) gset(g uint32) *asm     { return a.u32(wasm.OpGlobalSet, g) }
func (a *asm) call(f uint32) *asm     { return a.u32(wasm.OpCall, f) }
func (a *asm) br(depth uint32) *asm   { return a.u32(wasm.OpBr, depth) }
func (a *asm) brIf(depth uint32) *asm { return a.u32(wasm.OpBrIf, depth) }
func (a *asm) block() *asm            { return a.op(wasm.OpBlock, blockEmpty) }
func (a *asm) loop() *asm             { return a.op(wasm.OpLoop, blockEmpty) }
func (a *asm) if_() *asm              { return a.op(wasm.OpIf, blockEmpty) }
func (a *asm) else_() *asm            { return a.op(wasm.OpElse) }
func (a *asm) end() *asm              { return a.op(wasm.OpEnd) }
func (a *asm) ret() *asm              { return a.op(wasm.OpReturn) }
func (a *asm) unreachable() *asm      { return a.op(wasm.OpUnreachable) }
func (a *asm) memoryCopy() *asm       { return a.op(wasm.OpPrefixFC, wasm.FCMemoryCopy, 0, 0) }
func (a *asm) memoryFill() *asm       { return a.op(wasm.OpPrefixFC, wasm.FCMemoryFill, 0) }
func (a *asm) mem(op byte, align, off uint32) *asm {
	a.b = append(a.b, op)
	a.b = wasm.AppendULEB(a.b, uint64(align))
	a.b = wasm.AppendULEB(a.b, uint64(off))
	return a
}

// code finishes the body (adds the final end) with the given extra locals.
func (a *asm) code(locals ...wasm.Local) wasm.Code {
	return wasm.Code{Locals: locals, Body: append(append([]byte{}, a.b...), wasm.OpEnd)}
}

func i32Locals(n uint32) wasm.Local { return wasm.Local{Count: n, Type: wasm.I32} }
func i64Locals(n uint32) wasm.Local { return wasm.Local{Count: n, Type: wasm.I64} }

// constI32 returns the constant expression i32.const v; end.
func constI32(v uint32) []byte {
	return append(wasm.AppendSLEB([]byte{wasm.OpI32Const}, int64(int32(v))), wasm.OpEnd)
}

// evalConstI32 returns the value of a constant expression that is exactly
// i32.const v; end.
func evalConstI32(expr []byte) (uint32, bool) {
	var v int64
	n := 0
	ok := true
	err := wasm.Walk(expr, func(in *wasm.Instr) error {
		switch n {
		case 0:
			ok = in.Op == wasm.OpI32Const
			v = in.Const
		case 1:
			ok = ok && in.Op == wasm.OpEnd
		default:
			ok = false
		}
		n++
		return nil
	})
	return uint32(v), err == nil && ok && n == 2
}
