// Package wasm reads and writes WebAssembly binary modules
// (https://webassembly.github.io/spec/core/binary/modules.html) with enough
// structure for icgo's host tools: the post-processor rewrites imports,
// exports, functions and data; the validator checks the IC's module rules;
// the replica instruments modules for metering and state snapshots.
//
// Decode keeps function bodies and constant expressions as raw bytes; Walk
// decodes their instructions when a tool needs them. Encode(Decode(b))
// gives a module equivalent to b (not always byte-identical: LEB128 widths
// are normalized).
package wasm

import (
	"bytes"
	"errors"
	"fmt"
)

// ValType is a value type code.
type ValType byte

// Value types.
const (
	I32       ValType = 0x7f
	I64       ValType = 0x7e
	F32       ValType = 0x7d
	F64       ValType = 0x7c
	V128      ValType = 0x7b
	FuncRef   ValType = 0x70
	ExternRef ValType = 0x6f
)

func (t ValType) String() string {
	switch t {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	case V128:
		return "v128"
	case FuncRef:
		return "funcref"
	case ExternRef:
		return "externref"
	}
	return fmt.Sprintf("type(0x%02x)", byte(t))
}

// SectionID identifies a section of the binary format.
type SectionID byte

// Section ids.
const (
	SectionCustom    SectionID = 0
	SectionType      SectionID = 1
	SectionImport    SectionID = 2
	SectionFunction  SectionID = 3
	SectionTable     SectionID = 4
	SectionMemory    SectionID = 5
	SectionGlobal    SectionID = 6
	SectionExport    SectionID = 7
	SectionStart     SectionID = 8
	SectionElement   SectionID = 9
	SectionCode      SectionID = 10
	SectionData      SectionID = 11
	SectionDataCount SectionID = 12
	SectionTag       SectionID = 13
)

var sectionNames = [...]string{"custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "datacount", "tag"}

func (s SectionID) String() string {
	if int(s) < len(sectionNames) {
		return sectionNames[s]
	}
	return fmt.Sprintf("section(%d)", byte(s))
}

// order is the position of a section in a module; datacount comes before
// code and tag before global.
func (s SectionID) order() int {
	switch s {
	case SectionDataCount:
		return 95
	case SectionTag:
		return 55
	}
	return int(s) * 10
}

// ExternKind is the kind of an import or export.
type ExternKind byte

// Extern kinds.
const (
	KindFunc   ExternKind = 0
	KindTable  ExternKind = 1
	KindMemory ExternKind = 2
	KindGlobal ExternKind = 3
	KindTag    ExternKind = 4
)

func (k ExternKind) String() string {
	switch k {
	case KindFunc:
		return "function"
	case KindTable:
		return "table"
	case KindMemory:
		return "memory"
	case KindGlobal:
		return "global"
	case KindTag:
		return "tag"
	}
	return fmt.Sprintf("kind(%d)", byte(k))
}

// FuncType is a function signature.
type FuncType struct {
	Params, Results []ValType
}

// Equal reports whether two signatures are the same.
func (f FuncType) Equal(g FuncType) bool {
	return bytes.Equal(vt(f.Params), vt(g.Params)) && bytes.Equal(vt(f.Results), vt(g.Results))
}

func vt(v []ValType) []byte {
	b := make([]byte, len(v))
	for i, t := range v {
		b[i] = byte(t)
	}
	return b
}

func (f FuncType) String() string {
	s := "("
	for i, p := range f.Params {
		if i > 0 {
			s += ", "
		}
		s += p.String()
	}
	s += ") -> ("
	for i, p := range f.Results {
		if i > 0 {
			s += ", "
		}
		s += p.String()
	}
	return s + ")"
}

// Limits are the size limits of a table or memory.
type Limits struct {
	Min    uint64
	Max    uint64
	HasMax bool
	Shared bool
	Is64   bool
}

// TableType is the type of a table.
type TableType struct {
	Elem   ValType
	Limits Limits
}

// GlobalType is the type of a global.
type GlobalType struct {
	Type    ValType
	Mutable bool
}

// Import is one import. Exactly one of the typed fields is used, by Kind.
type Import struct {
	Module, Name string
	Kind         ExternKind
	TypeIndex    uint32 // KindFunc, KindTag
	Table        TableType
	Memory       Limits
	Global       GlobalType
}

// Global is a defined global; Init is its constant expression including the
// final end opcode.
type Global struct {
	Type GlobalType
	Init []byte
}

// Export is one export.
type Export struct {
	Name  string
	Kind  ExternKind
	Index uint32
}

// SegmentMode is the mode of an element or data segment.
type SegmentMode byte

// Segment modes.
const (
	Active SegmentMode = iota
	Passive
	Declarative
)

// Element is an element segment. Either Funcs (function indices) or Exprs
// (constant expressions, each with its end) holds the contents.
type Element struct {
	Mode   SegmentMode
	Table  uint32
	Offset []byte // active only: constant expression with end
	Type   ValType
	Funcs  []uint32
	Exprs  [][]byte
}

// Local is a run of locals of one type in a function body.
type Local struct {
	Count uint32
	Type  ValType
}

// Code is a function body. Body holds the instructions, including the final
// end opcode.
type Code struct {
	Locals []Local
	Body   []byte
}

// Data is a data segment.
type Data struct {
	Mode   SegmentMode
	Memory uint32
	Offset []byte // active only: constant expression with end
	Init   []byte
}

// Custom is a custom section. After is the id of the non-custom section it
// follows (SectionCustom: it comes before all of them).
type Custom struct {
	Name  string
	Data  []byte
	After SectionID
}

// Module is a decoded module.
type Module struct {
	Types     []FuncType
	Imports   []Import
	Funcs     []uint32 // type index of each defined function
	Tables    []TableType
	Memories  []Limits
	Tags      []uint32 // type index of each defined tag
	Globals   []Global
	Exports   []Export
	Start     *uint32
	Elements  []Element
	DataCount *uint32
	Code      []Code
	Data      []Data
	Customs   []Custom

	// SectionSizes holds the byte size of each section's contents as read
	// by Decode (custom sections summed). Encode does not use it.
	SectionSizes map[SectionID]int
}

// Magic and Version start every module.
var (
	Magic   = []byte{0x00, 0x61, 0x73, 0x6d}
	Version = []byte{0x01, 0x00, 0x00, 0x00}
)

// Decode parses a binary module. It checks the structure of the encoding,
// not the validity of the module (types of instructions, index ranges).
func Decode(b []byte) (*Module, error) {
	if len(b) < 8 || !bytes.Equal(b[:4], Magic) {
		return nil, errors.New("wasm: not a wasm module (missing \\0asm magic)")
	}
	if !bytes.Equal(b[4:8], Version) {
		return nil, fmt.Errorf("wasm: unsupported binary version % x", b[4:8])
	}
	m := &Module{SectionSizes: map[SectionID]int{}}
	r := &reader{b: b, pos: 8}
	last := SectionCustom
	for !r.eof() {
		start := r.pos
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, errAt("wasm: section size", start, err)
		}
		data, err := r.bytes(int(size))
		if err != nil {
			return nil, fmt.Errorf("wasm: %s section at byte %d: size %d runs past the end of the module", SectionID(id), start, size)
		}
		sid := SectionID(id)
		m.SectionSizes[sid] += int(size)
		if sid == SectionCustom {
			sr := &reader{b: data}
			name, err := sr.name()
			if err != nil {
				return nil, errAt("wasm: custom section name", start, err)
			}
			m.Customs = append(m.Customs, Custom{Name: name, Data: data[sr.pos:], After: last})
			continue
		}
		if sid > SectionTag {
			return nil, fmt.Errorf("wasm: unknown section id %d at byte %d", id, start)
		}
		if last != SectionCustom && sid.order() <= last.order() {
			return nil, fmt.Errorf("wasm: %s section at byte %d is out of order or repeated (after %s)", sid, start, last)
		}
		last = sid
		sr := &reader{b: data}
		if err := m.decodeSection(sid, sr); err != nil {
			return nil, fmt.Errorf("wasm: %s section at byte %d: %w", sid, start, err)
		}
		if !sr.eof() {
			return nil, fmt.Errorf("wasm: %s section at byte %d: %d trailing bytes", sid, start, len(data)-sr.pos)
		}
	}
	if len(m.Funcs) != len(m.Code) {
		return nil, fmt.Errorf("wasm: function section declares %d functions but code section has %d bodies", len(m.Funcs), len(m.Code))
	}
	return m, nil
}

func vec(r *reader, fn func(i int) error) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	if int(n) > len(r.b)-r.pos { // each entry takes at least one byte
		return fmt.Errorf("vector of %d entries is longer than its section", n)
	}
	for i := 0; i < int(n); i++ {
		if err := fn(i); err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
	}
	return nil
}

func (m *Module) decodeSection(id SectionID, r *reader) error {
	switch id {
	case SectionType:
		return vec(r, func(int) error {
			form, err := r.byte()
			if err != nil {
				return err
			}
			if form != 0x60 {
				return fmt.Errorf("unsupported type form 0x%02x (only function types)", form)
			}
			var ft FuncType
			if ft.Params, err = valTypes(r); err != nil {
				return err
			}
			if ft.Results, err = valTypes(r); err != nil {
				return err
			}
			m.Types = append(m.Types, ft)
			return nil
		})
	case SectionImport:
		return vec(r, func(int) error {
			var im Import
			var err error
			if im.Module, err = r.name(); err != nil {
				return err
			}
			if im.Name, err = r.name(); err != nil {
				return err
			}
			k, err := r.byte()
			if err != nil {
				return err
			}
			im.Kind = ExternKind(k)
			switch im.Kind {
			case KindFunc:
				im.TypeIndex, err = r.u32()
			case KindTable:
				im.Table, err = tableType(r)
			case KindMemory:
				im.Memory, err = limits(r)
			case KindGlobal:
				im.Global, err = globalType(r)
			case KindTag:
				if _, err = r.byte(); err == nil {
					im.TypeIndex, err = r.u32()
				}
			default:
				err = fmt.Errorf("unknown import kind %d", k)
			}
			m.Imports = append(m.Imports, im)
			return err
		})
	case SectionFunction:
		return vec(r, func(int) error {
			t, err := r.u32()
			m.Funcs = append(m.Funcs, t)
			return err
		})
	case SectionTable:
		return vec(r, func(int) error {
			t, err := tableType(r)
			m.Tables = append(m.Tables, t)
			return err
		})
	case SectionMemory:
		return vec(r, func(int) error {
			l, err := limits(r)
			m.Memories = append(m.Memories, l)
			return err
		})
	case SectionTag:
		return vec(r, func(int) error {
			if _, err := r.byte(); err != nil {
				return err
			}
			t, err := r.u32()
			m.Tags = append(m.Tags, t)
			return err
		})
	case SectionGlobal:
		return vec(r, func(int) error {
			gt, err := globalType(r)
			if err != nil {
				return err
			}
			init, err := constExpr(r)
			m.Globals = append(m.Globals, Global{Type: gt, Init: init})
			return err
		})
	case SectionExport:
		return vec(r, func(int) error {
			var e Export
			var err error
			if e.Name, err = r.name(); err != nil {
				return err
			}
			k, err := r.byte()
			if err != nil {
				return err
			}
			e.Kind = ExternKind(k)
			e.Index, err = r.u32()
			m.Exports = append(m.Exports, e)
			return err
		})
	case SectionStart:
		s, err := r.u32()
		m.Start = &s
		return err
	case SectionElement:
		return vec(r, func(int) error {
			e, err := element(r)
			m.Elements = append(m.Elements, e)
			return err
		})
	case SectionDataCount:
		n, err := r.u32()
		m.DataCount = &n
		return err
	case SectionCode:
		return vec(r, func(int) error {
			size, err := r.u32()
			if err != nil {
				return err
			}
			body, err := r.bytes(int(size))
			if err != nil {
				return fmt.Errorf("body size %d runs past the section", size)
			}
			br := &reader{b: body}
			var c Code
			if err := vec(br, func(int) error {
				n, err := br.u32()
				if err != nil {
					return err
				}
				t, err := br.byte()
				c.Locals = append(c.Locals, Local{Count: n, Type: ValType(t)})
				return err
			}); err != nil {
				return fmt.Errorf("locals: %w", err)
			}
			c.Body = body[br.pos:]
			m.Code = append(m.Code, c)
			return nil
		})
	case SectionData:
		return vec(r, func(int) error {
			flag, err := r.u32()
			if err != nil {
				return err
			}
			var d Data
			switch flag {
			case 0:
				d.Offset, err = constExpr(r)
			case 1:
				d.Mode = Passive
			case 2:
				if d.Memory, err = r.u32(); err == nil {
					d.Offset, err = constExpr(r)
				}
			default:
				return fmt.Errorf("unknown data segment flag %d", flag)
			}
			if err != nil {
				return err
			}
			n, err := r.u32()
			if err != nil {
				return err
			}
			if d.Init, err = r.bytes(int(n)); err != nil {
				return err
			}
			m.Data = append(m.Data, d)
			return nil
		})
	}
	return nil
}

func valTypes(r *reader) ([]ValType, error) {
	var out []ValType
	err := vec(r, func(int) error {
		t, err := r.byte()
		out = append(out, ValType(t))
		return err
	})
	return out, err
}

func limits(r *reader) (Limits, error) {
	flag, err := r.byte()
	if err != nil {
		return Limits{}, err
	}
	if flag > 7 {
		return Limits{}, fmt.Errorf("unknown limits flag 0x%02x", flag)
	}
	l := Limits{HasMax: flag&1 != 0, Shared: flag&2 != 0, Is64: flag&4 != 0}
	if l.Min, err = r.u64(); err != nil {
		return l, err
	}
	if l.HasMax {
		l.Max, err = r.u64()
	}
	return l, err
}

func tableType(r *reader) (TableType, error) {
	t, err := r.byte()
	if err != nil {
		return TableType{}, err
	}
	l, err := limits(r)
	return TableType{Elem: ValType(t), Limits: l}, err
}

func globalType(r *reader) (GlobalType, error) {
	t, err := r.byte()
	if err != nil {
		return GlobalType{}, err
	}
	mut, err := r.byte()
	if err != nil {
		return GlobalType{}, err
	}
	if mut > 1 {
		return GlobalType{}, fmt.Errorf("bad global mutability %d", mut)
	}
	return GlobalType{Type: ValType(t), Mutable: mut == 1}, nil
}

func constExpr(r *reader) ([]byte, error) {
	n, err := ConstExprEnd(r.b[r.pos:])
	if err != nil {
		return nil, err
	}
	return r.bytes(n)
}

func element(r *reader) (Element, error) {
	flag, err := r.u32()
	if err != nil {
		return Element{}, err
	}
	if flag > 7 {
		return Element{}, fmt.Errorf("unknown element segment flag %d", flag)
	}
	e := Element{Type: FuncRef}
	switch {
	case flag&1 == 0:
		e.Mode = Active
		if flag&2 != 0 {
			if e.Table, err = r.u32(); err != nil {
				return e, err
			}
		}
		if e.Offset, err = constExpr(r); err != nil {
			return e, err
		}
	case flag&2 == 0:
		e.Mode = Passive
	default:
		e.Mode = Declarative
	}
	if flag&3 != 0 { // elemkind or reftype present
		t, err := r.byte()
		if err != nil {
			return e, err
		}
		if flag&4 != 0 {
			e.Type = ValType(t)
		} else if t != 0 {
			return e, fmt.Errorf("unknown element kind %d", t)
		}
	}
	if flag&4 == 0 {
		e.Funcs = []uint32{}
		err = vec(r, func(int) error {
			f, err := r.u32()
			e.Funcs = append(e.Funcs, f)
			return err
		})
	} else {
		e.Exprs = [][]byte{}
		err = vec(r, func(int) error {
			x, err := constExpr(r)
			e.Exprs = append(e.Exprs, x)
			return err
		})
	}
	return e, err
}
