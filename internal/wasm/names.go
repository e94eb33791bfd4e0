package wasm

import (
	"errors"
	"fmt"
)

// The "name" custom section
// (https://webassembly.github.io/spec/core/appendix/custom.html#name-section)
// and the extended-name-section proposal's subsection ids.
const (
	NameModule   = 0
	NameFunction = 1
	NameLocal    = 2
	NameLabel    = 3
	NameGlobal   = 7
	NameData     = 9
	NameMaxKnown = 11
)

// NameEntry is one entry of a name map: an index and its name.
type NameEntry struct {
	Index uint32
	Name  string
}

// IndirectNames are the local or label names of one function.
type IndirectNames struct {
	Index uint32
	Names []NameEntry
}

// Names is a decoded name section. The function-indexed subsections
// (function, local and label names) are decoded; the others are kept as
// bytes, so that Encode writes back what it did not change.
type Names struct {
	Funcs    []NameEntry
	HasFuncs bool
	Indirect map[byte][]IndirectNames // local and label names, by subsection id
	Raw      map[byte][]byte          // other subsections, as they are
	Order    []byte                   // the subsection ids present, in order
}

// DecodeNames decodes the contents of a name section. Every count is
// checked against the bytes left, so the work is bounded by len(b).
func DecodeNames(b []byte) (*Names, error) {
	ns := &Names{Indirect: map[byte][]IndirectNames{}, Raw: map[byte][]byte{}}
	r := &reader{b: b}
	for !r.eof() {
		id, _ := r.byte()
		size, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("name section: %w", err)
		}
		body, err := r.bytes(int(size))
		if err != nil {
			return nil, fmt.Errorf("name section: subsection %d: %w", id, err)
		}
		sr := &reader{b: body}
		switch id {
		case NameFunction:
			if ns.Funcs, err = sr.nameMap(); err != nil {
				return nil, fmt.Errorf("name section: function names: %w", err)
			}
			ns.HasFuncs = true
		case NameLocal, NameLabel:
			if ns.Indirect[id], err = sr.indirectNameMap(); err != nil {
				return nil, fmt.Errorf("name section: subsection %d: %w", id, err)
			}
		default:
			ns.Raw[id] = body
		}
		ns.Order = append(ns.Order, id)
	}
	return ns, nil
}

// DecodeNameMap decodes a name map that fills all of b (a subsection kept
// in Names.Raw, such as global names).
func DecodeNameMap(b []byte) ([]NameEntry, error) {
	r := &reader{b: b}
	m, err := r.nameMap()
	if err == nil && !r.eof() {
		err = errors.New("bytes after the name map")
	}
	return m, err
}

func (r *reader) nameMap() ([]NameEntry, error) {
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	if int(n) > len(r.b)-r.pos { // each entry takes two bytes at least
		return nil, errEOF
	}
	out := make([]NameEntry, 0, n)
	for range n {
		idx, err := r.u32()
		if err != nil {
			return nil, err
		}
		name, err := r.name()
		if err != nil {
			return nil, err
		}
		out = append(out, NameEntry{idx, name})
	}
	return out, nil
}

func (r *reader) indirectNameMap() ([]IndirectNames, error) {
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	if int(n) > len(r.b)-r.pos {
		return nil, errEOF
	}
	out := make([]IndirectNames, 0, n)
	for range n {
		f, err := r.u32()
		if err != nil {
			return nil, err
		}
		m, err := r.nameMap()
		if err != nil {
			return nil, err
		}
		out = append(out, IndirectNames{f, m})
	}
	return out, nil
}

// AppendNameMap appends the encoding of a name map.
func AppendNameMap(b []byte, m []NameEntry) []byte {
	b = AppendULEB(b, uint64(len(m)))
	for _, e := range m {
		b = AppendULEB(b, uint64(e.Index))
		b = appendName(b, e.Name)
	}
	return b
}

// Encode returns the contents of the name section, subsections in Order.
func (ns *Names) Encode() []byte {
	var out []byte
	sub := func(id byte, body []byte) {
		out = append(out, id)
		out = AppendULEB(out, uint64(len(body)))
		out = append(out, body...)
	}
	for _, id := range ns.Order {
		switch id {
		case NameFunction:
			sub(id, AppendNameMap(nil, ns.Funcs))
		case NameLocal, NameLabel:
			ind := ns.Indirect[id]
			b := AppendULEB(nil, uint64(len(ind)))
			for _, e := range ind {
				b = AppendULEB(b, uint64(e.Index))
				b = AppendNameMap(b, e.Names)
			}
			sub(id, b)
		default:
			sub(id, ns.Raw[id])
		}
	}
	return out
}

// FunctionNames returns the function names of m's name section by function
// index (imports first), or an error if the section is missing or
// malformed.
func (m *Module) FunctionNames() (map[uint32]string, error) {
	data, ok := m.Custom("name")
	if !ok {
		return nil, errors.New("the module has no name section (built with -strip or -ldflags=-s?)")
	}
	ns, err := DecodeNames(data)
	if err != nil {
		return nil, err
	}
	out := make(map[uint32]string, len(ns.Funcs))
	for _, e := range ns.Funcs {
		out[e.Index] = e.Name
	}
	return out, nil
}
