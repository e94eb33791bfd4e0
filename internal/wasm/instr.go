package wasm

import (
	"errors"
	"fmt"
)

// Opcodes that callers of Walk commonly look at.
const (
	OpUnreachable        = 0x00
	OpBlock              = 0x02
	OpLoop               = 0x03
	OpIf                 = 0x04
	OpElse               = 0x05
	OpEnd                = 0x0b
	OpBr                 = 0x0c
	OpBrIf               = 0x0d
	OpBrTable            = 0x0e
	OpReturn             = 0x0f
	OpCall               = 0x10
	OpCallIndirect       = 0x11
	OpReturnCall         = 0x12
	OpReturnCallIndirect = 0x13
	OpDrop               = 0x1a
	OpLocalGet           = 0x20
	OpLocalSet           = 0x21
	OpLocalTee           = 0x22
	OpGlobalGet          = 0x23
	OpGlobalSet          = 0x24
	OpTableGet           = 0x25
	OpTableSet           = 0x26
	OpI32Load            = 0x28
	OpI64Load            = 0x29
	OpI32Load8U          = 0x2d
	OpI32Store           = 0x36
	OpI64Store           = 0x37
	OpI32Store8          = 0x3a
	OpMemorySize         = 0x3f
	OpMemoryGrow         = 0x40
	OpI32Const           = 0x41
	OpI64Const           = 0x42
	OpF32Const           = 0x43
	OpF64Const           = 0x44
	OpI32Eqz             = 0x45
	OpI32Eq              = 0x46
	OpI32Ne              = 0x47
	OpI32LtU             = 0x49
	OpI32GtU             = 0x4b
	OpI32LeU             = 0x4d
	OpI32GeU             = 0x4f
	OpI64LtU             = 0x54
	OpI64GtU             = 0x56
	OpI64GeU             = 0x5a
	OpI32Add             = 0x6a
	OpI32Sub             = 0x6b
	OpI32Mul             = 0x6c
	OpI32And             = 0x71
	OpI32Shl             = 0x74
	OpI32ShrU            = 0x76
	OpI64Add             = 0x7c
	OpI64Sub             = 0x7d
	OpI64Mul             = 0x7e
	OpI64ShrU            = 0x88
	OpI32WrapI64         = 0xa7
	OpI64ExtendI32U      = 0xad
	OpRefNull            = 0xd0
	OpRefIsNull          = 0xd1
	OpRefFunc            = 0xd2
	OpPrefixFC           = 0xfc
	OpPrefixSIMD         = 0xfd
	OpPrefixAtomic       = 0xfe
)

// Sub-opcodes of the 0xFC prefix.
const (
	FCMemoryInit = 8
	FCDataDrop   = 9
	FCMemoryCopy = 10
	FCMemoryFill = 11
	FCTableInit  = 12
	FCElemDrop   = 13
	FCTableCopy  = 14
	FCTableGrow  = 15
	FCTableSize  = 16
	FCTableFill  = 17
)

// Instr is one decoded instruction of a function body or constant
// expression. Pos..End is its byte range in the body; ImmPos is where its
// immediates start (after the opcode and any prefix sub-opcode), so that a
// rewriter can splice new immediates in.
type Instr struct {
	Op  byte
	Sub uint32 // sub-opcode for the 0xFC, 0xFD and 0xFE prefixes

	Pos, ImmPos, End int

	// Index is the first index immediate: the function of call, return_call
	// and ref.func; the type of call_indirect; the local or global; the label
	// of br and br_if; the table of table.*; the data segment of memory.init
	// and data.drop; the element segment of table.init and elem.drop.
	Index uint32
	// Index2 is the second index immediate: the table of call_indirect, the
	// memory of memory.init, the table of table.init, the destination of
	// table.copy.
	Index2 uint32
	// Const is the value of i32.const and i64.const (sign-extended), and the
	// block type of block/loop/if (-64 for the empty type, a negative value
	// type code, or a type index).
	Const int64
	// Align and Offset are the memory argument of loads and stores.
	Align  uint32
	Offset uint64
	// Labels are the branch targets of br_table, the last one the default.
	Labels []uint32
}

// ErrUnknownOpcode is wrapped by Walk for opcodes it cannot decode.
var ErrUnknownOpcode = errors.New("unknown opcode")

// Walk decodes every instruction in code (a function body's expression or a
// constant expression, including the final end) and calls fn for each. It
// stops at the end of code, or at the first error from fn or from decoding.
func Walk(code []byte, fn func(*Instr) error) error {
	r := &reader{b: code}
	var in Instr
	for !r.eof() {
		in = Instr{Pos: r.pos}
		if err := decodeInstr(r, &in); err != nil {
			return errAt("instruction", in.Pos, err)
		}
		in.End = r.pos
		if err := fn(&in); err != nil {
			return err
		}
	}
	return nil
}

// ConstExprEnd returns the length of the constant expression at the start of
// b, including its end opcode.
func ConstExprEnd(b []byte) (int, error) {
	r := &reader{b: b}
	for {
		if r.eof() {
			return 0, errors.New("constant expression without end")
		}
		in := Instr{Pos: r.pos}
		if err := decodeInstr(r, &in); err != nil {
			return 0, errAt("constant expression", in.Pos, err)
		}
		if in.Op == OpEnd {
			return r.pos, nil
		}
	}
}

func decodeInstr(r *reader, in *Instr) error {
	op, err := r.byte()
	if err != nil {
		return err
	}
	in.Op = op
	in.ImmPos = r.pos
	var u uint32
	switch {
	case op == 0x00 || op == 0x01 || op == OpElse || op == OpEnd || op == OpReturn ||
		op == OpDrop || op == 0x1b || (op >= 0x45 && op <= 0xc4) || op == OpRefIsNull:
		return nil
	case op == OpBlock || op == OpLoop || op == OpIf:
		in.Const, err = r.sleb(33)
		return err
	case op == OpBr || op == OpBrIf || op == OpCall || op == OpReturnCall || op == OpRefFunc ||
		(op >= OpLocalGet && op <= OpTableSet):
		in.Index, err = r.u32()
		return err
	case op == OpBrTable:
		n, err := r.u32()
		if err != nil {
			return err
		}
		if int(n) > len(r.b)-r.pos {
			return errEOF
		}
		in.Labels = make([]uint32, n+1)
		for i := range in.Labels {
			if in.Labels[i], err = r.u32(); err != nil {
				return err
			}
		}
		return nil
	case op == OpCallIndirect || op == OpReturnCallIndirect:
		if in.Index, err = r.u32(); err != nil {
			return err
		}
		in.Index2, err = r.u32()
		return err
	case op == 0x1c: // select t*
		n, err := r.u32()
		if err != nil {
			return err
		}
		_, err = r.bytes(int(n))
		return err
	case op >= 0x28 && op <= 0x3e:
		return memarg(r, in)
	case op == OpMemorySize || op == OpMemoryGrow:
		in.Index, err = r.u32()
		return err
	case op == OpI32Const:
		in.Const, err = r.sleb(32)
		return err
	case op == OpI64Const:
		in.Const, err = r.sleb(64)
		return err
	case op == OpF32Const:
		_, err = r.bytes(4)
		return err
	case op == OpF64Const:
		_, err = r.bytes(8)
		return err
	case op == OpRefNull:
		_, err = r.byte()
		return err
	case op == OpPrefixFC:
		if u, err = r.u32(); err != nil {
			return err
		}
		in.Sub = u
		in.ImmPos = r.pos
		switch {
		case u <= 7:
			return nil
		case u == FCMemoryInit || u == FCTableInit || u == FCMemoryCopy || u == FCTableCopy:
			if in.Index, err = r.u32(); err != nil {
				return err
			}
			in.Index2, err = r.u32()
			return err
		case u == FCDataDrop || u == FCElemDrop || u == FCMemoryFill || (u >= FCTableGrow && u <= FCTableFill):
			in.Index, err = r.u32()
			return err
		}
	case op == OpPrefixSIMD:
		if u, err = r.u32(); err != nil {
			return err
		}
		in.Sub = u
		in.ImmPos = r.pos
		switch {
		case u <= 11 || u == 92 || u == 93:
			return memarg(r, in)
		case u == 12 || u == 13:
			_, err = r.bytes(16)
			return err
		case u >= 21 && u <= 34:
			_, err = r.byte()
			return err
		case u >= 84 && u <= 91:
			if err := memarg(r, in); err != nil {
				return err
			}
			_, err = r.byte()
			return err
		case u <= 275:
			return nil
		}
	case op == OpPrefixAtomic:
		if u, err = r.u32(); err != nil {
			return err
		}
		in.Sub = u
		in.ImmPos = r.pos
		if u == 3 {
			_, err = r.byte()
			return err
		}
		if u <= 0x4e {
			return memarg(r, in)
		}
	}
	if op >= OpPrefixFC {
		return fmt.Errorf("%w 0x%02x %d", ErrUnknownOpcode, op, in.Sub)
	}
	return fmt.Errorf("%w 0x%02x", ErrUnknownOpcode, op)
}

func memarg(r *reader, in *Instr) error {
	var err error
	if in.Align, err = r.u32(); err != nil {
		return err
	}
	if in.Align&0x40 != 0 { // multi-memory: a memory index follows
		if in.Index, err = r.u32(); err != nil {
			return err
		}
	}
	in.Offset, err = r.u64()
	return err
}
