package stable

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"unsafe"
)

// A view is a parsed node over its raw bytes, without allocating: the read
// paths (get, scan) and the common cases of insert and remove (a leaf
// that gains, changes or loses one entry) work on views, and only nodes
// that split, merge or rotate become *node values. In a canister every
// allocation costs thousands of instructions, so this is most of the
// BTreeMap's speed.
type view struct {
	addr     uint64
	data     []byte
	leaf     bool
	overflow bool // the node has overflow pages
	k        int
	children int // offset of the children
	keys     int // offset of the keys
	fixed    int // key size when keys are fixed-size, else 0
	parsed   bool
	vfixed   int                  // value size when values are fixed-size, else 0
	vals     int                  // offset of the values
	koff     [nodeCapacity]uint32 // variable-size keys: key i is data[koff[i]:koff[i]+klen[i]]
	klen     [nodeCapacity]uint32
	voff     [nodeCapacity]uint32 // parsed lazily (values)
	vlen     [nodeCapacity]uint32
	end      int      // end of the node's bytes, once values are parsed
	ovs      []uint64 // the overflow pages
}

func (v *view) key(i int) []byte {
	if v.fixed != 0 {
		o := v.keys + i*v.fixed
		return v.data[o : o+v.fixed]
	}
	return v.data[v.koff[i] : v.koff[i]+v.klen[i]]
}

// keyStart is the offset of key i's encoding, with its size prefix.
func (v *view) keyStart(i int) int {
	if v.fixed != 0 {
		return v.keys + i*v.fixed
	}
	return int(v.koff[i]) - 4
}

func (v *view) value(i int) []byte {
	if v.vfixed != 0 {
		o := v.vals + i*(4+v.vfixed) + 4
		return v.data[o : o+v.vfixed]
	}
	v.parseValues()
	return v.data[v.voff[i] : v.voff[i]+v.vlen[i]]
}

// keysEnd is the offset after the keys.
func (v *view) keysEnd() int {
	if v.fixed != 0 {
		return v.keys + v.k*v.fixed
	}
	if v.k == 0 {
		return v.keys
	}
	return int(v.koff[v.k-1] + v.klen[v.k-1])
}

// entryKey is the offset of key i with its size prefix (i = k: the end).
func (v *view) entryKey(i int) int {
	if i == v.k {
		return v.keysEnd()
	}
	return v.keyStart(i)
}

// entryValue is the offset of value i with its size prefix (i = k: the
// end); values must be parsed.
func (v *view) entryValue(i int) int {
	if i == v.k {
		return v.end
	}
	return int(v.voff[i]) - 4
}

func (v *view) child(i int) uint64 {
	return binary.LittleEndian.Uint64(v.data[v.children+8*i:])
}
func (v *view) full() bool  { return v.k >= nodeCapacity }
func (v *view) atMin() bool { return v.k < nodeB }

// parseValues finds the values, which follow the keys.
func (v *view) parseValues() {
	if v.parsed {
		return
	}
	off := uint64(v.keysEnd())
	n := uint64(len(v.data))
	if v.vfixed != 0 {
		// Fixed-size values still have their size prefix (the layout
		// stores it for every value): check them once.
		for i := range v.k {
			o := off + uint64(i*(4+v.vfixed))
			v.voff[i], v.vlen[i] = uint32(o+4), uint32(v.vfixed)
		}
		v.end = int(off) + v.k*(4+v.vfixed)
		if v.end > len(v.data) {
			panic(truncated(v.addr))
		}
		v.parsed = true
		return
	}
	for i := range v.k {
		if off+4 > n {
			panic(truncated(v.addr))
		}
		size := uint64(binary.LittleEndian.Uint32(v.data[off:]))
		off += 4
		if size > n-off {
			panic(truncated(v.addr))
		}
		v.voff[i], v.vlen[i] = uint32(off), uint32(size)
		off += size
	}
	v.end = int(off)
	v.parsed = true
}

// cacheEntry is a cached node's bytes (one page; nodes with overflow pages
// are not cached).
type cacheEntry struct {
	addr uint64
	data []byte
}

// readView reads the node at addr into v, with its bytes in *buf (a
// scratch buffer). The top levels of the tree come from the cache, copied:
// views never alias the cache, so that saving a node cannot change a view.
func (t *btree) readView(addr uint64, depth int, buf *[]byte, v *view) {
	t.readViewAlias(addr, depth, buf, v, false)
}

// readViewAlias is readView that may leave v on the cache's bytes (alias
// true), for operations that only read.
func (t *btree) readViewAlias(addr uint64, depth int, buf *[]byte, v *view, alias bool) {
	v.ovs = v.ovs[:0]
	if c := &t.cache[t.slot(addr)]; c.addr == addr && addr != 0 {
		if alias {
			t.parseView(addr, c.data, v)
			return
		}
		*buf = append((*buf)[:0], c.data...)
		t.parseView(addr, *buf, v)
		return
	}
	t.readMiss(addr, depth, buf, v)
}

// readMiss reads a node that is not in the cache.
func (t *btree) readMiss(addr uint64, depth int, buf *[]byte, v *view) {
	ps := uint64(t.pageSize)
	if addr < btrAllocatorOffset+allocHeaderSize || !t.inside(addr, ps) {
		panic(corrupt("BTreeMap node address " + u(addr) + " is outside the memory"))
	}
	if uint64(cap(*buf)) < ps {
		*buf = make([]byte, ps, 2*ps)
	}
	data := (*buf)[:ps]
	t.mem.Read(addr, data)
	if data[0] != 'B' || data[1] != 'T' || data[2] != 'N' {
		panic(corrupt("bad BTreeMap node magic " + q(data[:3]) + " at " + u(addr)))
	}
	if ov := binary.LittleEndian.Uint64(data[7:]); ov != 0 {
		data = t.readOverflows(addr, data, ov, v)
		*buf = data
	} else if depth <= cacheMaxDepth {
		// A new buffer: a view may still be on the one this slot had.
		c := &t.cache[t.slot(addr)]
		c.addr = addr
		c.data = append(make([]byte, 0, len(data)), data...)
	}
	t.parseView(addr, data, v)
}

// readOverflows appends the data of the overflow chain starting at ov.
func (t *btree) readOverflows(addr uint64, data []byte, ov uint64, v *view) []byte {
	ps := uint64(t.pageSize)
	maxPages := t.mem.Size() * PageSize / ps
	n := 0
	var hdr [overflowData]byte
	for ov != 0 {
		if uint64(n) >= maxPages || !inBounds(t.mem, ov, ps) {
			panic(corrupt("BTreeMap node at " + u(addr) + " has a bad overflow chain"))
		}
		t.mem.Read(ov, hdr[:])
		if string(hdr[:3]) != "NOF" {
			panic(corrupt("bad BTreeMap overflow page magic " + q(hdr[:3]) + " at " + u(ov)))
		}
		v.ovs = append(v.ovs, ov)
		l := len(data)
		data = append(data, make([]byte, ps-overflowData)...)
		t.mem.Read(ov+overflowData, data[l:])
		ov = binary.LittleEndian.Uint64(hdr[3:])
		n++
	}
	return data
}

// parseView parses a node's header and finds its keys; values are found
// when needed. Failures go through one call (badNode), which keeps the
// function cheap in Go's wasm code.
func (t *btree) parseView(addr uint64, data []byte, v *view) {
	v.addr, v.data, v.parsed = addr, data, false
	if len(data) < nodeHeader {
		t.badNode(addr, data)
	}
	h := data[:nodeHeader:nodeHeader]
	k := int(h[5]) | int(h[6])<<8
	v.leaf = h[4] == 0
	v.overflow = h[7]|h[8]|h[9]|h[10]|h[11]|h[12]|h[13]|h[14] != 0
	v.k = k
	off := nodeHeader
	v.children = off
	if !v.leaf {
		off += 8 * (k + 1)
	}
	v.keys = off
	v.fixed = int(t.keyFixed)
	v.vfixed = int(t.valFixed)
	if h[3] != 2 || h[4] > 1 || k > nodeCapacity || k == 0 && !v.leaf {
		t.badNode(addr, data)
	}
	if v.fixed != 0 {
		v.vals = off + v.fixed*k
		if v.vals+k*(4+v.vfixed) > len(data) {
			t.badNode(addr, data)
		}
		return
	}
	t.parseKeys(v, off)
}

// parseKeys finds variable-size keys.
func (t *btree) parseKeys(v *view, off int) {
	data := v.data
	n := len(data)
	for i := range v.k {
		if off+4 > n {
			panic(truncated(v.addr))
		}
		size := int(binary.LittleEndian.Uint32(data[off:]))
		off += 4
		if size > n-off || size < 0 {
			panic(truncated(v.addr))
		}
		v.koff[i], v.klen[i] = uint32(off), uint32(size)
		off += size
	}
	v.vals = off
	if v.vals+v.k*(4+v.vfixed) > len(data) {
		panic(truncated(v.addr))
	}
}

// badNode panics with what is wrong with the node at addr.
func (t *btree) badNode(addr uint64, data []byte) {
	switch {
	case len(data) < nodeHeader:
		panic(truncated(addr))
	case data[3] != 2:
		panic(corrupt("BTreeMap node at " + u(addr) + " has layout version " + u(uint64(data[3])) + "; only version 2 is supported"))
	case data[4] > 1:
		panic(corrupt("BTreeMap node at " + u(addr) + " has type " + u(uint64(data[4]))))
	case int(binary.LittleEndian.Uint16(data[5:])) > nodeCapacity || data[4] == 1 && data[5] == 0 && data[6] == 0:
		panic(corrupt("BTreeMap node at " + u(addr) + " has " + u(uint64(binary.LittleEndian.Uint16(data[5:]))) + " entries"))
	}
	panic(truncated(addr))
}

func truncated(addr uint64) error {
	return corrupt("BTreeMap node at " + u(addr) + " is truncated")
}

func (t *btree) searchView(v *view, key []byte) (int, bool) {
	if t.intKeys && len(key) == 8 && v.fixed == 8 && v.keys+8*v.k <= len(v.data) {
		return searchU64(v.data[v.keys:v.keys+8*v.k], binary.BigEndian.Uint64(key))
	}
	return t.searchOther(v, key)
}

// searchOther is searchView for other keys.
func (t *btree) searchOther(v *view, key []byte) (int, bool) {
	lo, hi := 0, v.k
	if t.intKeys && len(key) == v.fixed {
		// Fixed-size keys of at most 8 bytes that order as their bytes:
		// compare as integers.
		x := beUint(key)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			o := v.keys + m*v.fixed
			y := beUint(v.data[o : o+v.fixed])
			if y == x {
				return m, true
			}
			if y < x {
				lo = m + 1
			} else {
				hi = m
			}
		}
		return lo, false
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		c := t.cmp(v.key(m), key)
		if c == 0 {
			return m, true
		}
		if c < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, false
}

// searchU64 binary-searches k big-endian uint64 keys (len(keys) == 8k).
// It is apart, small and without bounds checks because Go's wasm code
// pays for every jump in proportion to the call sites of its function.
func searchU64(keys []byte, x uint64) (int, bool) {
	lo, hi := 0, len(keys)/8
	p := unsafe.Pointer(unsafe.SliceData(keys))
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		y := bits.ReverseBytes64(*(*uint64)(unsafe.Add(p, m*8)))
		if y == x {
			return m, true
		}
		if y < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, false
}

// beUint reads up to 8 bytes as a big-endian integer.
func beUint(b []byte) uint64 {
	if len(b) == 8 {
		return binary.BigEndian.Uint64(b)
	}
	var x uint64
	for _, c := range b {
		x = x<<8 | uint64(c)
	}
	return x
}

// nodeOf materializes a view as a *node that owns a copy of its bytes.
func (t *btree) nodeOf(v *view) *node {
	v.parseValues()
	data := make([]byte, v.end)
	copy(data, v.data)
	n := &node{addr: v.addr, leaf: v.leaf,
		keys: make([][]byte, v.k, nodeCapacity), vals: make([][]byte, v.k, nodeCapacity)}
	for i := range v.k {
		start := v.keyStart(i)
		if v.fixed == 0 {
			start += 4 // the size prefix
		}
		n.keys[i] = slices.Clip(data[start : start+len(v.key(i))])
		n.vals[i] = data[v.voff[i] : v.voff[i]+v.vlen[i] : v.voff[i]+v.vlen[i]]
	}
	if !v.leaf {
		n.children = make([]uint64, v.k+1, nodeCapacity+1)
		for i := range n.children {
			n.children[i] = v.child(i)
		}
	}
	n.overflows = append([]uint64(nil), v.ovs...)
	return n
}

// rewrite writes the view's node with entry i inserted (op 'i'), its value
// replaced (op 'u') or the entry removed (op 'r'), when the node has no
// overflow pages and the result fits in one page; it reports false, having
// written nothing, otherwise. It copies whole ranges of the old node: in
// a canister each copy is a call, which costs more than its bytes.
func (t *btree) rewrite(v *view, op byte, i int, key, val []byte) bool {
	if v.overflow {
		return false
	}
	v.parseValues()
	k := v.k
	switch op {
	case 'i':
		k++
	case 'r':
		k--
	}
	d := v.data
	b := append(t.buf[:0], d[:v.keys]...) // header and children
	binary.LittleEndian.PutUint16(b[5:], uint16(k))
	ki, vi := v.entryKey(i), v.entryValue(i)
	b = append(b, d[v.keys:ki]...)
	switch op {
	case 'i':
		if t.keyFixed == 0 {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(key)))
		}
		b = append(b, key...)
		b = append(b, d[ki:vi]...)
	case 'u':
		b = append(b, d[ki:vi]...)
	case 'r':
		b = append(b, d[v.entryKey(i+1):vi]...)
	}
	if op != 'r' {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(val)))
		b = append(b, val...)
	}
	if op == 'i' {
		b = append(b, d[vi:v.end]...)
	} else {
		b = append(b, d[v.entryValue(i+1):v.end]...)
	}
	t.buf = b
	if len(b) > int(t.pageSize) {
		return false
	}
	t.writeAt(v.addr, b)
	t.cached(v.addr, b)
	return true
}

// cached updates the cached bytes of the node at addr, if it is cached.
func (t *btree) cached(addr uint64, b []byte) {
	if c := &t.cache[t.slot(addr)]; c.addr == addr {
		c.data = append(c.data[:0], b...)
	}
}

func (t *btree) uncache(addr uint64) {
	if c := &t.cache[t.slot(addr)]; c.addr == addr {
		c.addr = 0
	}
}
