package wasm

import (
	"fmt"
	"sort"
)

// Encode writes the module in the binary format. Custom sections are placed
// after the section they followed when decoded (After).
func (m *Module) Encode() []byte {
	out := append(append([]byte{}, Magic...), Version...)
	customs := func(after SectionID) {
		for _, c := range m.Customs {
			if c.After == after {
				body := appendName(nil, c.Name)
				body = append(body, c.Data...)
				out = appendSection(out, SectionCustom, body)
			}
		}
	}
	ids := []SectionID{SectionType, SectionImport, SectionFunction, SectionTable, SectionMemory, SectionTag,
		SectionGlobal, SectionExport, SectionStart, SectionElement, SectionDataCount, SectionCode, SectionData}
	customs(SectionCustom)
	placed := map[SectionID]bool{SectionCustom: true}
	for _, id := range ids {
		body, present := m.encodeSection(id)
		if present {
			out = appendSection(out, id, body)
		}
		placed[id] = true
		customs(id)
	}
	// Custom sections that followed a section id this encoder does not
	// know go at the end.
	for _, c := range m.Customs {
		if !placed[c.After] {
			body := appendName(nil, c.Name)
			out = appendSection(out, SectionCustom, append(body, c.Data...))
		}
	}
	return out
}

func appendSection(out []byte, id SectionID, body []byte) []byte {
	out = append(out, byte(id))
	out = AppendULEB(out, uint64(len(body)))
	return append(out, body...)
}

func appendVec[T any](b []byte, xs []T, fn func([]byte, T) []byte) []byte {
	b = AppendULEB(b, uint64(len(xs)))
	for _, x := range xs {
		b = fn(b, x)
	}
	return b
}

func appendValTypes(b []byte, ts []ValType) []byte {
	return appendVec(b, ts, func(b []byte, t ValType) []byte { return append(b, byte(t)) })
}

func appendLimits(b []byte, l Limits) []byte {
	var flag byte
	if l.HasMax {
		flag |= 1
	}
	if l.Shared {
		flag |= 2
	}
	if l.Is64 {
		flag |= 4
	}
	b = append(b, flag)
	b = AppendULEB(b, l.Min)
	if l.HasMax {
		b = AppendULEB(b, l.Max)
	}
	return b
}

func appendGlobalType(b []byte, g GlobalType) []byte {
	mut := byte(0)
	if g.Mutable {
		mut = 1
	}
	return append(b, byte(g.Type), mut)
}

func (m *Module) encodeSection(id SectionID) ([]byte, bool) {
	var b []byte
	switch id {
	case SectionType:
		if len(m.Types) == 0 {
			return nil, false
		}
		b = appendVec(b, m.Types, func(b []byte, t FuncType) []byte {
			b = append(b, 0x60)
			return appendValTypes(appendValTypes(b, t.Params), t.Results)
		})
	case SectionImport:
		if len(m.Imports) == 0 {
			return nil, false
		}
		b = appendVec(b, m.Imports, func(b []byte, im Import) []byte {
			b = appendName(appendName(b, im.Module), im.Name)
			b = append(b, byte(im.Kind))
			switch im.Kind {
			case KindFunc:
				b = AppendULEB(b, uint64(im.TypeIndex))
			case KindTable:
				b = appendLimits(append(b, byte(im.Table.Elem)), im.Table.Limits)
			case KindMemory:
				b = appendLimits(b, im.Memory)
			case KindGlobal:
				b = appendGlobalType(b, im.Global)
			case KindTag:
				b = AppendULEB(append(b, 0), uint64(im.TypeIndex))
			}
			return b
		})
	case SectionFunction:
		if len(m.Funcs) == 0 {
			return nil, false
		}
		b = appendVec(b, m.Funcs, func(b []byte, t uint32) []byte { return AppendULEB(b, uint64(t)) })
	case SectionTable:
		if len(m.Tables) == 0 {
			return nil, false
		}
		b = appendVec(b, m.Tables, func(b []byte, t TableType) []byte {
			return appendLimits(append(b, byte(t.Elem)), t.Limits)
		})
	case SectionMemory:
		if len(m.Memories) == 0 {
			return nil, false
		}
		b = appendVec(b, m.Memories, appendLimits)
	case SectionTag:
		if len(m.Tags) == 0 {
			return nil, false
		}
		b = appendVec(b, m.Tags, func(b []byte, t uint32) []byte { return AppendULEB(append(b, 0), uint64(t)) })
	case SectionGlobal:
		if len(m.Globals) == 0 {
			return nil, false
		}
		b = appendVec(b, m.Globals, func(b []byte, g Global) []byte {
			return append(appendGlobalType(b, g.Type), g.Init...)
		})
	case SectionExport:
		if len(m.Exports) == 0 {
			return nil, false
		}
		b = appendVec(b, m.Exports, func(b []byte, e Export) []byte {
			b = append(appendName(b, e.Name), byte(e.Kind))
			return AppendULEB(b, uint64(e.Index))
		})
	case SectionStart:
		if m.Start == nil {
			return nil, false
		}
		b = AppendULEB(b, uint64(*m.Start))
	case SectionElement:
		if len(m.Elements) == 0 {
			return nil, false
		}
		b = appendVec(b, m.Elements, appendElement)
	case SectionDataCount:
		if m.DataCount == nil {
			return nil, false
		}
		b = AppendULEB(b, uint64(*m.DataCount))
	case SectionCode:
		if len(m.Code) == 0 {
			return nil, false
		}
		b = appendVec(b, m.Code, func(b []byte, c Code) []byte {
			body := appendVec(nil, c.Locals, func(b []byte, l Local) []byte {
				return append(AppendULEB(b, uint64(l.Count)), byte(l.Type))
			})
			body = append(body, c.Body...)
			return append(AppendULEB(b, uint64(len(body))), body...)
		})
	case SectionData:
		if len(m.Data) == 0 {
			return nil, false
		}
		b = appendVec(b, m.Data, func(b []byte, d Data) []byte {
			switch {
			case d.Mode == Passive:
				b = append(b, 1)
			case d.Memory == 0:
				b = append(append(b, 0), d.Offset...)
			default:
				b = append(AppendULEB(append(b, 2), uint64(d.Memory)), d.Offset...)
			}
			return append(AppendULEB(b, uint64(len(d.Init))), d.Init...)
		})
	default:
		panic(fmt.Sprintf("wasm: cannot encode section %s", id))
	}
	return b, true
}

func appendElement(b []byte, e Element) []byte {
	exprs := e.Exprs != nil
	var flag byte
	switch e.Mode {
	case Passive:
		flag = 1
	case Declarative:
		flag = 3
	default:
		if e.Table != 0 || (!exprs && e.Type != FuncRef) || (exprs && e.Type != FuncRef) {
			flag = 2
		}
	}
	if exprs {
		flag |= 4
	}
	b = append(b, flag)
	if e.Mode == Active {
		if flag&2 != 0 {
			b = AppendULEB(b, uint64(e.Table))
		}
		b = append(b, e.Offset...)
	}
	if flag&3 != 0 {
		if exprs {
			b = append(b, byte(e.Type))
		} else {
			b = append(b, 0)
		}
	}
	if exprs {
		return appendVec(b, e.Exprs, func(b []byte, x []byte) []byte { return append(b, x...) })
	}
	return appendVec(b, e.Funcs, func(b []byte, f uint32) []byte { return AppendULEB(b, uint64(f)) })
}

// NumImported returns how many imports of kind k the module has; they come
// first in that kind's index space.
func (m *Module) NumImported(k ExternKind) int {
	n := 0
	for _, im := range m.Imports {
		if im.Kind == k {
			n++
		}
	}
	return n
}

// FuncTypeOf returns the signature of function index fn (imports first).
func (m *Module) FuncTypeOf(fn uint32) (FuncType, error) {
	var t uint32
	i := int(fn)
	for _, im := range m.Imports {
		if im.Kind != KindFunc {
			continue
		}
		if i == 0 {
			t = im.TypeIndex
			goto found
		}
		i--
	}
	if i >= len(m.Funcs) {
		return FuncType{}, fmt.Errorf("function index %d out of range", fn)
	}
	t = m.Funcs[i]
found:
	if int(t) >= len(m.Types) {
		return FuncType{}, fmt.Errorf("function %d has type index %d out of range", fn, t)
	}
	return m.Types[t], nil
}

// TypeIndex returns the index of signature ft, adding it when absent.
func (m *Module) TypeIndex(ft FuncType) uint32 {
	for i, t := range m.Types {
		if t.Equal(ft) {
			return uint32(i)
		}
	}
	m.Types = append(m.Types, ft)
	return uint32(len(m.Types) - 1)
}

// Export returns the export with the given name.
func (m *Module) Export(name string) (Export, bool) {
	for _, e := range m.Exports {
		if e.Name == name {
			return e, true
		}
	}
	return Export{}, false
}

// Custom returns the contents of the first custom section with that name.
func (m *Module) Custom(name string) ([]byte, bool) {
	for _, c := range m.Customs {
		if c.Name == name {
			return c.Data, true
		}
	}
	return nil, false
}

// SetCustom replaces or adds (at the end of the module) a custom section.
func (m *Module) SetCustom(name string, data []byte) {
	for i := range m.Customs {
		if m.Customs[i].Name == name {
			m.Customs[i].Data = data
			return
		}
	}
	m.Customs = append(m.Customs, Custom{Name: name, Data: data, After: SectionData})
}

// SortExports orders exports by name, for deterministic output.
func (m *Module) SortExports() {
	sort.SliceStable(m.Exports, func(i, j int) bool { return m.Exports[i].Name < m.Exports[j].Name })
}
