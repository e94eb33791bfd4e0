package postproc

import (
	"errors"
	"fmt"
	"sort"

	"github.com/icgo/icgo/internal/wasm"
)

// The "name" custom section
// (https://webassembly.github.io/spec/core/appendix/custom.html#name-section)
// and the extended-name-section proposal's subsection ids.
const (
	nameModule   = 0
	nameFunction = 1
	nameLocal    = 2
	nameLabel    = 3
	nameGlobal   = 7
	nameData     = 9
	nameMaxKnown = 11
)

type nameEntry struct {
	idx  uint32
	name string
}

type indirectEntry struct {
	idx   uint32
	names []nameEntry
}

// names is the decoded name section; only the function-indexed
// subsections are decoded, the others are kept as bytes.
type names struct {
	funcs    []nameEntry
	hasFuncs bool
	indirect map[byte][]indirectEntry // local and label names, by function
	raw      map[byte][]byte          // other subsections kept as they are
	order    []byte                   // subsection ids present
}

type nreader struct {
	b   []byte
	pos int
}

var errNameEOF = errors.New("unexpected end of the name section")

func (r *nreader) u32() (uint32, error) {
	var v uint64
	for shift := 0; shift < 35; shift += 7 {
		if r.pos >= len(r.b) {
			return 0, errNameEOF
		}
		c := r.b[r.pos]
		r.pos++
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			if v > 1<<32-1 {
				return 0, errors.New("integer too large")
			}
			return uint32(v), nil
		}
	}
	return 0, errors.New("integer too long")
}

func (r *nreader) bytes(n uint32) ([]byte, error) {
	if uint64(n) > uint64(len(r.b)-r.pos) {
		return nil, errNameEOF
	}
	s := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return s, nil
}

func (r *nreader) nameMap() ([]nameEntry, error) {
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	if int(n) > len(r.b)-r.pos {
		return nil, errNameEOF
	}
	out := make([]nameEntry, 0, n)
	for range n {
		idx, err := r.u32()
		if err != nil {
			return nil, err
		}
		l, err := r.u32()
		if err != nil {
			return nil, err
		}
		s, err := r.bytes(l)
		if err != nil {
			return nil, err
		}
		out = append(out, nameEntry{idx, string(s)})
	}
	return out, nil
}

func decodeNames(b []byte) (*names, error) {
	ns := &names{indirect: map[byte][]indirectEntry{}, raw: map[byte][]byte{}}
	r := &nreader{b: b}
	for r.pos < len(b) {
		id := b[r.pos]
		r.pos++
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		body, err := r.bytes(size)
		if err != nil {
			return nil, err
		}
		sr := &nreader{b: body}
		switch id {
		case nameFunction:
			if ns.funcs, err = sr.nameMap(); err != nil {
				return nil, fmt.Errorf("function names: %w", err)
			}
			ns.hasFuncs = true
		case nameLocal, nameLabel:
			n, err := sr.u32()
			if err != nil {
				return nil, err
			}
			var ind []indirectEntry
			for range n {
				f, err := sr.u32()
				if err != nil {
					return nil, err
				}
				m, err := sr.nameMap()
				if err != nil {
					return nil, fmt.Errorf("subsection %d: %w", id, err)
				}
				ind = append(ind, indirectEntry{f, m})
			}
			ns.indirect[id] = ind
		default:
			ns.raw[id] = body
		}
		ns.order = append(ns.order, id)
	}
	return ns, nil
}

func appendNameMap(b []byte, m []nameEntry) []byte {
	b = wasm.AppendULEB(b, uint64(len(m)))
	for _, e := range m {
		b = wasm.AppendULEB(b, uint64(e.idx))
		b = wasm.AppendULEB(b, uint64(len(e.name)))
		b = append(b, e.name...)
	}
	return b
}

func (ns *names) encode() []byte {
	var out []byte
	sub := func(id byte, body []byte) {
		out = append(out, id)
		out = wasm.AppendULEB(out, uint64(len(body)))
		out = append(out, body...)
	}
	for _, id := range ns.order {
		switch id {
		case nameFunction:
			sub(id, appendNameMap(nil, ns.funcs))
		case nameLocal, nameLabel:
			ind := ns.indirect[id]
			b := wasm.AppendULEB(nil, uint64(len(ind)))
			for _, e := range ind {
				b = wasm.AppendULEB(b, uint64(e.idx))
				b = appendNameMap(b, e.names)
			}
			sub(id, b)
		default:
			sub(id, ns.raw[id])
		}
	}
	return out
}

// loadNames decodes the name section of the input, if any. A malformed
// one is only debug info: it is dropped.
func (p *proc) loadNames() error {
	data, ok := p.m.Custom("name")
	if !ok {
		return nil
	}
	ns, err := decodeNames(data)
	if err != nil {
		return nil
	}
	p.names = ns
	p.oldByName = map[string]uint32{}
	for _, e := range ns.funcs {
		if _, dup := p.oldByName[e.name]; !dup {
			p.oldByName[e.name] = e.idx
		}
	}
	return nil
}

// remapNames renumbers the function-indexed subsections of the name
// section. Replaced imports lose their names (their stubs get new ones);
// subsections that cannot be kept correct are dropped. The section is
// written back by finishNames once all functions exist.
func (p *proc) remapNames() error {
	ns := p.names
	if ns == nil || p.opt.DropNames {
		p.names = nil
		return nil
	}
	replaced := func(f uint32) bool {
		return int(f) < p.oldNImp && p.funcMap[f] >= p.nImp
	}
	seen := map[uint32]bool{}
	var funcs []nameEntry
	for _, e := range ns.funcs {
		if int(e.idx) >= p.oldNImp+int(p.nDef) || replaced(e.idx) {
			continue
		}
		n, _ := p.remap(e.idx)
		if seen[n] { // two imports of the same ic0 function
			continue
		}
		seen[n] = true
		funcs = append(funcs, nameEntry{n, e.name})
	}
	ns.funcs = funcs
	for id, ind := range ns.indirect {
		var out []indirectEntry
		seen := map[uint32]bool{}
		for _, e := range ind {
			if int(e.idx) >= p.oldNImp+int(p.nDef) || replaced(e.idx) {
				continue
			}
			n, _ := p.remap(e.idx)
			if seen[n] {
				continue
			}
			seen[n] = true
			out = append(out, indirectEntry{n, e.names})
		}
		sort.Slice(out, func(a, b int) bool { return out[a].idx < out[b].idx })
		ns.indirect[id] = out
	}
	// Data segments are merged: their names no longer apply.
	var order []byte
	for _, id := range ns.order {
		if id == nameData || id > nameMaxKnown {
			continue
		}
		order = append(order, id)
	}
	if !ns.hasFuncs {
		order = append(order, nameFunction)
		sort.Slice(order, func(a, b int) bool { return order[a] < order[b] })
	}
	ns.order = order
	p.names = ns
	return nil
}

// finishNames adds the names of the new functions and globals and writes
// the name section.
func (p *proc) finishNames() {
	if p.names == nil {
		return
	}
	ns := p.names
	for idx, n := range p.newNames {
		ns.funcs = append(ns.funcs, nameEntry{idx, n})
	}
	sort.Slice(ns.funcs, func(a, b int) bool { return ns.funcs[a].idx < ns.funcs[b].idx })
	if g, ok := ns.raw[nameGlobal]; ok {
		r := &nreader{b: g}
		if m, err := r.nameMap(); err == nil && r.pos == len(g) {
			for _, e := range []nameEntry{{p.gFill, "icgo:stdout_fill"}, {p.gFd, "icgo:stdout_fd"}, {p.gInit, "icgo:initializing"}, {p.gRng, "icgo:random_state"}, {p.gPollNet, "icgo:netpoll"}} {
				m = append(m, e)
			}
			sort.Slice(m, func(a, b int) bool { return m[a].idx < m[b].idx })
			ns.raw[nameGlobal] = appendNameMap(nil, m)
		}
	}
	p.m.SetCustom("name", ns.encode())
}

// FunctionNames returns the function names of m's "name" custom section by
// function index (imports first), or an error if the section is missing or
// malformed.
func FunctionNames(m *wasm.Module) (map[uint32]string, error) {
	data, ok := m.Custom("name")
	if !ok {
		return nil, errors.New("the module has no name section (built with -strip or -ldflags=-s?)")
	}
	ns, err := decodeNames(data)
	if err != nil {
		return nil, fmt.Errorf("name section: %w", err)
	}
	out := make(map[uint32]string, len(ns.funcs))
	for _, e := range ns.funcs {
		out[e.idx] = e.name
	}
	return out, nil
}
