package postproc

import (
	"sort"

	"github.com/icgo/icgo/internal/wasm"
)

// loadNames decodes the name section of the input, if any. A malformed
// one is only debug info: it is dropped.
func (p *proc) loadNames() error {
	data, ok := p.m.Custom("name")
	if !ok {
		return nil
	}
	ns, err := wasm.DecodeNames(data)
	if err != nil {
		return nil
	}
	p.names = ns
	p.oldByName = map[string]uint32{}
	for _, e := range ns.Funcs {
		if _, dup := p.oldByName[e.Name]; !dup {
			p.oldByName[e.Name] = e.Index
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
	var funcs []wasm.NameEntry
	for _, e := range ns.Funcs {
		if int(e.Index) >= p.oldNImp+int(p.nDef) || replaced(e.Index) {
			continue
		}
		n, _ := p.remap(e.Index)
		if seen[n] { // two imports of the same ic0 function
			continue
		}
		seen[n] = true
		funcs = append(funcs, wasm.NameEntry{Index: n, Name: e.Name})
	}
	ns.Funcs = funcs
	for id, ind := range ns.Indirect {
		var out []wasm.IndirectNames
		seen := map[uint32]bool{}
		for _, e := range ind {
			if int(e.Index) >= p.oldNImp+int(p.nDef) || replaced(e.Index) {
				continue
			}
			n, _ := p.remap(e.Index)
			if seen[n] {
				continue
			}
			seen[n] = true
			out = append(out, wasm.IndirectNames{Index: n, Names: e.Names})
		}
		sort.Slice(out, func(a, b int) bool { return out[a].Index < out[b].Index })
		ns.Indirect[id] = out
	}
	// Data segments are merged: their names no longer apply.
	var order []byte
	for _, id := range ns.Order {
		if id == wasm.NameData || id > wasm.NameMaxKnown {
			continue
		}
		order = append(order, id)
	}
	if !ns.HasFuncs {
		order = append(order, wasm.NameFunction)
		sort.Slice(order, func(a, b int) bool { return order[a] < order[b] })
	}
	ns.Order = order
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
		ns.Funcs = append(ns.Funcs, wasm.NameEntry{Index: idx, Name: n})
	}
	sort.Slice(ns.Funcs, func(a, b int) bool { return ns.Funcs[a].Index < ns.Funcs[b].Index })
	if g, ok := ns.Raw[wasm.NameGlobal]; ok {
		if m, err := wasm.DecodeNameMap(g); err == nil {
			m = append(m, []wasm.NameEntry{{Index: p.gFill, Name: "icgo:stdout_fill"}, {Index: p.gFd, Name: "icgo:stdout_fd"}, {Index: p.gInit, Name: "icgo:initializing"}, {Index: p.gRng, Name: "icgo:random_state"}, {Index: p.gPollNet, Name: "icgo:netpoll"}}...)
			sort.Slice(m, func(a, b int) bool { return m[a].Index < m[b].Index })
			ns.Raw[wasm.NameGlobal] = wasm.AppendNameMap(nil, m)
		}
	}
	p.m.SetCustom("name", ns.Encode())
}
