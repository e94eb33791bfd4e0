package instrument

import (
	"errors"
	"fmt"

	"github.com/icgo/icgo/internal/wasm"
)

// Instruction metering, in the spirit of the IC replica's own
// instrumentation (dfinity/ic rs/embedders/src/wasm_utils/instrumentation.rs):
//
//   - A mutable i64 global, exported as CounterExport, holds the
//     instructions LEFT in the current execution. The replica sets it to
//     the message's limit before running an entry point and reads it
//     afterwards: used = limit - counter. (Counting down, as the IC does,
//     makes the check a comparison with 0 instead of with a second global.)
//   - Every function body is cut into straight-line segments; each segment
//     starts with "counter -= <its number of instructions>". Segments start
//     at the function entry, at the start of a loop body (so every
//     iteration pays), after if and else, after the end of an if or of a
//     block that a branch targets (a join point), and after br_if (the
//     fall-through). Every original instruction costs 1; the charge of a
//     segment is paid in full when it is entered, so a segment left early
//     by a trap or a branch is charged as if it ran to its end (at most a
//     few instructions of overcharge, as on the IC).
//   - At function entries and loop headers, after the charge, the counter
//     is checked: below 0 calls the imported host function
//     MeterModule.OutOfInstructionsFunc, which traps. Recursion passes a
//     function entry and every backward branch goes through a loop header,
//     so a canister cannot run unboundedly past its limit: at most one
//     segment (bounded by the function size) between two checks.
//   - memory.fill, memory.copy and memory.init also charge their size
//     operand (1 instruction per byte), as the IC charges bulk memory
//     operations by size.
//
// The import is appended after the module's function imports, so every
// defined function index moves up by one: calls, ref.func, exports,
// element segments, global initializers and the name section are
// renumbered.
const (
	CounterExport         = ReservedPrefix + "instructions"
	MeterModule           = "__icgo"
	OutOfInstructionsFunc = "out_of_instructions"
)

// meter is the per-module state of the body rewriting pass: metering
// (optional) and dirty-page tracking (dirty.go, optional).
type meter struct {
	m        *wasm.Module
	nImpFunc uint32 // function imports before ours = index of the first one
	nAdded   uint32 // function imports added (all after the module's own)
	metered  bool
	counter  uint32 // global index of the counter
	oooFunc  uint32 // index of OutOfInstructionsFunc (metered)
	dirty    *dirtyTracking
	// sizeViaGrow replaces memory.size by memory.grow of 0 pages: wazero
	// 1.12's compiler reads the memory size in 32 bits, so memory.size of
	// a 4 GiB memory gives 0 (replica/doc.go, "A 4 GiB heap").
	sizeViaGrow bool
}

// rewrite adds the imports that metering and dirty tracking call, then
// instruments every function body of m. It must run after the imports are
// final (memory and table imports removed).
func rewrite(m *wasm.Module, metered bool, dirty *dirtyTracking, sizeViaGrow bool) error {
	mt := &meter{m: m, nImpFunc: uint32(m.NumImported(wasm.KindFunc)), metered: metered, dirty: dirty, sizeViaGrow: sizeViaGrow}
	// Our imports go last among the function imports (imports of other
	// kinds were removed by Module; a function import list keeps its order).
	add := func(name string, ft wasm.FuncType) uint32 {
		m.Imports = append(m.Imports, wasm.Import{Module: MeterModule, Name: name, Kind: wasm.KindFunc, TypeIndex: m.TypeIndex(ft)})
		mt.nAdded++
		return mt.nImpFunc + mt.nAdded - 1
	}
	if metered {
		mt.oooFunc = add(OutOfInstructionsFunc, wasm.FuncType{})
	}
	if dirty != nil {
		dirty.chunkFunc = add(DirtyChunkFunc, wasm.FuncType{Params: []wasm.ValType{wasm.I32}, Results: []wasm.ValType{wasm.ExternRef}})
		dirty.rangeFunc = add(DirtyRangeFunc, wasm.FuncType{Params: []wasm.ValType{wasm.I32, wasm.I32}})
	}
	if mt.nAdded == 0 && !sizeViaGrow {
		return nil
	}
	if err := mt.renumber(); err != nil {
		return err
	}
	if metered {
		mt.counter = uint32(m.NumImported(wasm.KindGlobal) + len(m.Globals))
		m.Globals = append(m.Globals, wasm.Global{
			Type: wasm.GlobalType{Type: wasm.I64, Mutable: true},
			Init: []byte{wasm.OpI64Const, 0, wasm.OpEnd},
		})
		m.Exports = append(m.Exports, wasm.Export{Name: CounterExport, Kind: wasm.KindGlobal, Index: mt.counter})
	}
	if dirty != nil {
		dirty.addTable(m)
	}
	for i := range m.Code {
		if int(m.Funcs[i]) >= len(m.Types) {
			return fmt.Errorf("function %d has type index %d out of range", i, m.Funcs[i])
		}
		nParams := len(m.Types[m.Funcs[i]].Params)
		if err := mt.function(&m.Code[i], nParams); err != nil {
			return fmt.Errorf("instrumenting function %d: %w", int(mt.nImpFunc)+i, err)
		}
	}
	if dirty != nil {
		dirty.addExports(m) // after the pass: neither metered nor tracked
	}
	return nil
}

// shift maps an old function index to the new one.
func (mt *meter) shift(idx uint32) uint32 {
	if idx >= mt.nImpFunc {
		return idx + mt.nAdded
	}
	return idx
}

// renumber moves every reference to a defined function up by nAdded,
// outside the code section (function bodies are rewritten by function).
func (mt *meter) renumber() error {
	m := mt.m
	for i := range m.Exports {
		if m.Exports[i].Kind == wasm.KindFunc {
			m.Exports[i].Index = mt.shift(m.Exports[i].Index)
		}
	}
	if m.Start != nil {
		s := mt.shift(*m.Start)
		m.Start = &s
	}
	var err error
	for i := range m.Elements {
		el := &m.Elements[i]
		for j := range el.Funcs {
			el.Funcs[j] = mt.shift(el.Funcs[j])
		}
		for j := range el.Exprs {
			if el.Exprs[j], err = mt.constExpr(el.Exprs[j]); err != nil {
				return err
			}
		}
	}
	for i := range m.Globals {
		if m.Globals[i].Init, err = mt.constExpr(m.Globals[i].Init); err != nil {
			return err
		}
	}
	for i := range m.Customs {
		if m.Customs[i].Name == "name" {
			data, ok := mt.nameSection(m.Customs[i].Data)
			if !ok { // malformed: drop it rather than mislabel functions
				m.Customs = append(m.Customs[:i], m.Customs[i+1:]...)
				break
			}
			m.Customs[i].Data = data
		}
	}
	return nil
}

// constExpr rewrites ref.func in a constant expression.
func (mt *meter) constExpr(b []byte) ([]byte, error) {
	var out []byte
	err := wasm.Walk(b, func(in *wasm.Instr) error {
		if in.Op == wasm.OpRefFunc {
			out = append(out, wasm.OpRefFunc)
			out = wasm.AppendULEB(out, uint64(mt.shift(in.Index)))
			return nil
		}
		out = append(out, b[in.Pos:in.End]...)
		return nil
	})
	return out, err
}

// nameSection renumbers the function indices of the name section's
// function names, local names and label names subsections.
func (mt *meter) nameSection(b []byte) ([]byte, bool) {
	ns, err := wasm.DecodeNames(b)
	if err != nil {
		return nil, false
	}
	for i := range ns.Funcs {
		ns.Funcs[i].Index = mt.shift(ns.Funcs[i].Index)
	}
	for _, ind := range ns.Indirect {
		for i := range ind {
			ind[i].Index = mt.shift(ind[i].Index)
		}
	}
	return ns.Encode(), true
}

// frame is an open block of a function body during the first pass.
type frame struct {
	op       byte // OpBlock, OpLoop, OpIf; 0 for the function body
	targeted bool // a branch targets its label
}

// function instruments one body.
func (mt *meter) function(code *wasm.Code, nParams int) error {
	body := code.Body
	// First pass: decode, and mark where segments start.
	type item struct {
		in    wasm.Instr
		split bool // a segment starts before this instruction
		check bool // ... with a limit check (function entry, loop header)
	}
	items := make([]item, 0, len(body)/2)
	stack := []frame{{}}
	target := func(label uint32) error {
		if int(label) >= len(stack) {
			return fmt.Errorf("branch to label %d with %d open blocks", label, len(stack))
		}
		stack[len(stack)-1-int(label)].targeted = true
		return nil
	}
	splitNext := true
	checkNext := true
	needTmp32 := false
	err := wasm.Walk(body, func(in *wasm.Instr) error {
		it := item{in: *in, split: splitNext, check: checkNext}
		splitNext, checkNext = false, false
		switch in.Op {
		case wasm.OpBlock, wasm.OpIf:
			stack = append(stack, frame{op: in.Op})
			splitNext = in.Op == wasm.OpIf
		case wasm.OpLoop:
			stack = append(stack, frame{op: in.Op})
			splitNext, checkNext = true, true
		case wasm.OpElse:
			splitNext = true
		case wasm.OpEnd:
			if len(stack) == 0 {
				return errors.New("unbalanced end")
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			splitNext = f.op == wasm.OpIf || (f.op == wasm.OpBlock && f.targeted)
		case wasm.OpBr:
			if err := target(in.Index); err != nil {
				return err
			}
		case wasm.OpBrIf:
			if err := target(in.Index); err != nil {
				return err
			}
			splitNext = true
		case wasm.OpBrTable:
			for _, l := range in.Labels {
				if err := target(l); err != nil {
					return err
				}
			}
		case wasm.OpPrefixFC:
			switch in.Sub {
			case wasm.FCMemoryFill, wasm.FCMemoryCopy, wasm.FCMemoryInit:
				needTmp32 = true
			}
		}
		items = append(items, it)
		return nil
	})
	if err != nil {
		return err
	}
	if len(stack) != 0 {
		return errors.New("function body is not terminated by end")
	}

	// Scratch locals, after the existing ones.
	nLocals := uint32(nParams)
	for _, l := range code.Locals {
		nLocals += l.Count
	}
	newLocal := func(t wasm.ValType) uint32 {
		code.Locals = append(code.Locals, wasm.Local{Count: 1, Type: t})
		nLocals++
		return nLocals - 1
	}
	var tmp64, tmp32 uint32
	if mt.metered {
		tmp64 = newLocal(wasm.I64)
		if needTmp32 {
			tmp32 = newLocal(wasm.I32)
		}
	}
	var dl *dirtyLocals
	if mt.dirty != nil {
		dl = &dirtyLocals{newLocal: newLocal}
	}

	// Second pass: emit.
	out := make([]byte, 0, len(body)+len(body)/2)
	for i := 0; i < len(items); i++ {
		it := &items[i]
		if it.split && mt.metered {
			n := 1
			for n < len(items)-i && !items[i+n].split {
				n++
			}
			out = mt.charge(out, int64(n), it.check, tmp64)
		}
		in := &it.in
		switch {
		case in.Op == wasm.OpCall || in.Op == wasm.OpReturnCall || in.Op == wasm.OpRefFunc:
			out = append(out, in.Op)
			out = wasm.AppendULEB(out, uint64(mt.shift(in.Index)))
			continue
		case in.Op == wasm.OpPrefixFC && (in.Sub == wasm.FCMemoryFill || in.Sub == wasm.FCMemoryCopy || in.Sub == wasm.FCMemoryInit):
			if mt.metered {
				// The size is the top operand (i32 in wasm32):
				// local.tee t; global.get c; local.get t; i64.extend_i32_u; i64.sub; global.set c
				out = append(out, wasm.OpLocalTee)
				out = wasm.AppendULEB(out, uint64(tmp32))
				out = mt.globalGet(out)
				out = append(out, wasm.OpLocalGet)
				out = wasm.AppendULEB(out, uint64(tmp32))
				out = append(out, wasm.OpI64ExtendI32U, wasm.OpI64Sub)
				out = mt.globalSet(out)
			}
			if mt.dirty != nil {
				out = mt.dirty.bulk(out, dl)
			}
		case in.Op == wasm.OpMemorySize && mt.sizeViaGrow:
			out = append(out, wasm.OpI32Const, 0, wasm.OpMemoryGrow)
			out = append(out, body[in.ImmPos:in.End]...) // the memory index
			continue
		case mt.dirty != nil:
			var err error
			if out, err = mt.dirty.store(out, in, dl); err != nil {
				return err
			}
		}
		out = append(out, body[in.Pos:in.End]...)
	}
	code.Body = out
	return nil
}

const (
	opI64LtS = 0x53
	opIf     = wasm.OpIf
	blockNil = 0x40
)

func (mt *meter) globalGet(b []byte) []byte {
	b = append(b, wasm.OpGlobalGet)
	return wasm.AppendULEB(b, uint64(mt.counter))
}

func (mt *meter) globalSet(b []byte) []byte {
	b = append(b, wasm.OpGlobalSet)
	return wasm.AppendULEB(b, uint64(mt.counter))
}

// charge emits counter -= n, then, with check, a call of the
// out-of-instructions function when the counter is below 0.
func (mt *meter) charge(b []byte, n int64, check bool, tmp64 uint32) []byte {
	b = mt.globalGet(b)
	b = append(b, wasm.OpI64Const)
	b = wasm.AppendSLEB(b, n)
	b = append(b, wasm.OpI64Sub)
	if !check {
		return mt.globalSet(b)
	}
	b = append(b, wasm.OpLocalTee)
	b = wasm.AppendULEB(b, uint64(tmp64))
	b = mt.globalSet(b)
	b = append(b, wasm.OpLocalGet)
	b = wasm.AppendULEB(b, uint64(tmp64))
	b = append(b, wasm.OpI64Const, 0, opI64LtS, opIf, blockNil, wasm.OpCall)
	b = wasm.AppendULEB(b, uint64(mt.oooFunc))
	return append(b, wasm.OpEnd)
}
