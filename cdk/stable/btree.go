package stable

import (
	"encoding/binary"
	"errors"
	"slices"
)

// The BTreeMap layout of ic-stable-structures (src/btreemap.rs, "V2
// layout"):
//
//	0   "BTR" | layout version (2) | page size u32 | 0xFFFFFFFF u32 | root address u64 | length u64
//	28  24 bytes reserved
//	52  the allocator (see allocator.go); its chunks hold the nodes
//
// Node V2 (src/btreemap/node/v2.rs), in one chunk ("page") and, when larger,
// overflow pages:
//
//	"BTN" | version 2 | type (0 leaf, 1 internal) | entries k u16 | overflow address u64
//	children: k+1 addresses u64 (internal nodes only)
//	keys: k times [size u32, unless the key type is fixed-size] key bytes
//	values: k times size u32, value bytes
//
//	overflow page: "NOF" | next overflow address u64 | data
//
// All integers are little-endian; address 0 is "none".
const (
	btrHeaderSize      = 28
	btrAllocatorOffset = 52
	btrDefaultPageSize = 1024
	btrPageSizeMarker  = 0xFFFFFFFF
	btrMinPageSize     = 128

	nodeB         = 6
	nodeCapacity  = 2*nodeB - 1
	nodeHeader    = 15 // magic, version, type, entries, overflow address
	overflowData  = 11 // "NOF" + next
	cacheSlots    = 1024
	cacheMaxDepth = 3
)

// btree is the byte-level B-tree under BTreeMap[K, V]: keys and values are
// encodings, ordered by cmp. It is not generic, so each BTreeMap
// instantiation adds little code to a canister.
type btree struct {
	mem      Memory
	pageSize uint32
	keyFixed uint32 // the size of every key when the key type is fixed-size, else 0
	intKeys  bool   // keys are fixed-size, at most 8 bytes, ordered as their bytes
	valFixed uint32 // the size of every value when the value type is fixed-size, else 0
	cmp      func(a, b []byte) int
	root     uint64
	length   uint64
	alloc    allocator
	cache    [cacheSlots]cacheEntry
	mods     uint64 // counts changes, so that iterators detect them
	buf      []byte // node serialization
	scratch  []byte // pages read by load
	page     []byte // an overflow page being written
	memBytes uint64 // the memory's size in bytes, as last seen
	old      []byte // the value an insert replaced or a remove removed
	med      []byte // the median entry of a split
	bufs     [2][]byte
	views    [2]view
	sibs     [2]view // siblings in remove's rebalancing
	sibBufs  [2][]byte
}

type node struct {
	addr      uint64
	leaf      bool
	keys      [][]byte
	vals      [][]byte
	children  []uint64
	overflows []uint64
}

// nodeMaxSizeV1 is Node::max_size of ic-stable-structures: the size of a
// full v1 node with keys and values of the given maximum sizes.
func nodeMaxSizeV1(maxKey, maxVal uint64) uint64 {
	return 7 + nodeCapacity*(4+maxKey+maxVal+4) + (nodeCapacity+1)*8
}

// pageSizeFor is the page size ic-stable-structures' BTreeMap::new picks.
func pageSizeFor(kb, vb Bound) uint32 {
	if kb.Bounded && vb.Bounded {
		return uint32(nodeMaxSizeV1(uint64(kb.MaxSize), uint64(vb.MaxSize)) * 3 / 4)
	}
	return btrDefaultPageSize
}

// initBTree loads the B-tree in mem, or creates one if mem is empty (size 0
// or an all-zero header). Memory holding anything else is an error: unlike
// ic-stable-structures' init, which would overwrite it.
func initBTree(mem Memory, kb, vb Bound, cmp func(a, b []byte) int, bytewise bool) (*btree, error) {
	t := &btree{mem: mem, cmp: cmp}
	if kb.Fixed {
		t.keyFixed = kb.MaxSize
		t.intKeys = bytewise && kb.MaxSize <= 8
	}
	if vb.Fixed {
		t.valFixed = vb.MaxSize
	}
	if mem.Size() == 0 {
		t.create(pageSizeFor(kb, vb))
		return t, nil
	}
	var h [btrHeaderSize]byte
	mem.Read(0, h[:])
	if string(h[:3]) != "BTR" {
		if h == [btrHeaderSize]byte{} {
			t.create(pageSizeFor(kb, vb))
			return t, nil
		}
		return nil, errors.New("stable: the memory does not hold a BTreeMap (it starts with " + q(h[:4]) +
			", not \"BTR\"); give each structure its own memory, for example from a MemoryManager")
	}
	a, b := binary.LittleEndian.Uint32(h[4:]), binary.LittleEndian.Uint32(h[8:])
	switch {
	case h[3] == 2 && b == btrPageSizeMarker:
		t.pageSize = a
	case h[3] == 1:
		return nil, errors.New("stable: the BTreeMap has layout version 1 (ic-stable-structures before 0.6, v1 nodes); " +
			"only layout version 2 is supported: upgrade it with a Rust canister using ic-stable-structures 0.6 or later first")
	case h[3] == 2:
		return nil, errors.New("stable: the BTreeMap's page size is derived from key and value sizes (a migrated v1 map); " +
			"only maps created with layout version 2 are supported")
	default:
		return nil, errors.New("stable: unsupported BTreeMap layout version " + u(uint64(h[3])))
	}
	if t.pageSize < btrMinPageSize {
		return nil, corrupt("BTreeMap page size " + u(uint64(t.pageSize)) + " is below the minimum of 128")
	}
	t.root = binary.LittleEndian.Uint64(h[12:])
	t.length = binary.LittleEndian.Uint64(h[20:])
	alloc, err := loadAllocator(mem, btrAllocatorOffset)
	if err != nil {
		return nil, err
	}
	if alloc.size != uint64(t.pageSize) {
		return nil, corrupt("BTreeMap allocation size " + u(alloc.size) + " differs from its page size " + u(uint64(t.pageSize)))
	}
	t.alloc = alloc
	if t.root != 0 && !inBounds(mem, t.root, uint64(t.pageSize)) {
		return nil, corrupt("BTreeMap root address " + u(t.root) + " is outside the memory")
	}
	return t, nil
}

// inside reports whether [addr, addr+n) is inside the memory, asking the
// memory only when the size it saw last is too small.
func (t *btree) inside(addr, n uint64) bool {
	end := addr + n
	if end < addr {
		return false
	}
	if end <= t.memBytes {
		return true
	}
	t.memBytes = t.mem.Size() * PageSize
	return end <= t.memBytes
}

// writeAt writes b at addr, growing the memory if needed.
func (t *btree) writeAt(addr uint64, b []byte) {
	if !t.inside(addr, uint64(len(b))) {
		write(t.mem, addr, b)
		t.memBytes = t.mem.Size() * PageSize
		return
	}
	t.mem.Write(addr, b)
}

func (t *btree) create(pageSize uint32) {
	t.pageSize = pageSize
	t.alloc = newAllocator(t.mem, btrAllocatorOffset, uint64(pageSize))
	t.saveHeader()
}

func (t *btree) saveHeader() {
	var h [btrHeaderSize]byte
	copy(h[:], "BTR\x02")
	binary.LittleEndian.PutUint32(h[4:], t.pageSize)
	binary.LittleEndian.PutUint32(h[8:], btrPageSizeMarker)
	binary.LittleEndian.PutUint64(h[12:], t.root)
	binary.LittleEndian.PutUint64(h[20:], t.length)
	t.writeAt(0, h[:])
}

// clear empties the tree; like ic-stable-structures' clear_new, the nodes
// are not freed one by one: the allocator starts over.
func (t *btree) clear() {
	t.root, t.length = 0, 0
	t.alloc.clear()
	t.cache = [cacheSlots]cacheEntry{}
	t.mods++
	t.saveHeader()
}

func (t *btree) slot(addr uint64) int {
	return int(addr/(uint64(t.pageSize)+chunkHeaderSize)) & (cacheSlots - 1)
}

// load reads the node at addr as a *node that owns its bytes.
func (t *btree) load(addr uint64, depth int) *node {
	var v view
	t.readView(addr, depth, &t.scratch, &v)
	return t.nodeOf(&v)
}

// read is load without caching.
func (t *btree) read(addr uint64) *node { return t.load(addr, cacheMaxDepth+1) }

// save writes n, allocating or freeing its overflow pages, as
// ic-stable-structures' Node::save_v2 does.
func (t *btree) save(n *node) {
	b := t.buf[:0]
	b = append(b, 'B', 'T', 'N', 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	if n.leaf {
		b[4] = 0
	}
	binary.LittleEndian.PutUint16(b[5:], uint16(len(n.keys)))
	for _, c := range n.children {
		b = binary.LittleEndian.AppendUint64(b, c)
	}
	for _, k := range n.keys {
		if t.keyFixed == 0 {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(k)))
		}
		b = append(b, k...)
	}
	for _, v := range n.vals {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	t.buf = b
	n.overflows = t.writeNode(n.addr, n.overflows, b)
}

// writeNode writes the bytes b of the node at addr, whose overflow pages
// are ovs: it allocates the overflow pages it needs (in order) and frees
// the ones it no longer needs (from the end), as ic-stable-structures'
// NodeWriter does, and returns the new list.
func (t *btree) writeNode(addr uint64, ovs []uint64, b []byte) []uint64 {
	ps := uint64(t.pageSize)
	size := uint64(len(b))
	var need int
	if size > ps {
		c := ps - overflowData
		need = int((size - ps + c - 1) / c)
	}
	for len(ovs) < need {
		ovs = append(ovs, t.alloc.allocate())
	}
	for len(ovs) > need {
		last := ovs[len(ovs)-1]
		ovs = ovs[:len(ovs)-1]
		t.alloc.deallocate(last)
	}
	var first uint64
	if need > 0 {
		first = ovs[0]
	}
	binary.LittleEndian.PutUint64(b[7:], first)
	t.writeAt(addr, b[:min(size, ps)])
	if need == 0 {
		t.cached(addr, b)
		return ovs
	}
	t.uncache(addr)
	rest := b[ps:]
	page := t.page[:0]
	for i, ov := range ovs {
		chunk := rest[:min(uint64(len(rest)), ps-overflowData)]
		rest = rest[len(chunk):]
		var next uint64
		if i+1 < len(ovs) {
			next = ovs[i+1]
		}
		page = append(page[:0], 'N', 'O', 'F')
		page = binary.LittleEndian.AppendUint64(page, next)
		page = append(page, chunk...)
		t.writeAt(ov, page)
	}
	t.page = page
	return ovs
}

func (t *btree) newNode(leaf bool) *node {
	return &node{addr: t.alloc.allocate(), leaf: leaf,
		keys: make([][]byte, 0, nodeCapacity), vals: make([][]byte, 0, nodeCapacity)}
}

// free frees n's overflow pages, then n, as Node::deallocate does.
func (t *btree) free(n *node) {
	for _, ov := range n.overflows {
		t.alloc.deallocate(ov)
	}
	t.alloc.deallocate(n.addr)
	t.uncache(n.addr)
}

func (t *btree) search(n *node, key []byte) (int, bool) {
	lo, hi := 0, len(n.keys)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		c := t.cmp(n.keys[m], key)
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

// get returns the value of key; it points into a scratch buffer, valid
// until the next operation.
func (t *btree) get(key []byte) ([]byte, bool) {
	if t.root == 0 {
		return nil, false
	}
	v := &t.views[0]
	t.readViewAlias(t.root, 0, &t.bufs[0], v, true)
	for depth := 0; ; depth++ {
		i, ok := t.searchView(v, key)
		if ok {
			return v.value(i), true
		}
		if v.leaf {
			return nil, false
		}
		c := &t.views[(depth+1)&1]
		t.readViewAlias(v.child(i), depth+1, &t.bufs[(depth+1)&1], c, true)
		v = c
	}
}

func full(n *node) bool { return len(n.keys) >= nodeCapacity }

func atMin(n *node) bool { return len(n.keys) < nodeB }

// insert sets key to val and returns the previous value (valid until the
// next operation). It follows ic-stable-structures' insert: full nodes on
// the way down are split first.
func (t *btree) insert(key, val []byte) ([]byte, bool) {
	t.mods++
	if t.root == 0 {
		n := t.newNode(true)
		t.root = n.addr
		t.saveHeader()
		return t.insertNonFull(n, key, val, 0)
	}
	v := &t.views[0]
	t.readViewAlias(t.root, 0, &t.bufs[0], v, true)
	if i, ok := t.searchView(v, key); ok {
		return t.updateView(v, i, val), true
	}
	if v.full() {
		n := t.nodeOf(v)
		r := t.newNode(false)
		r.children = append(make([]uint64, 0, nodeCapacity+1), t.root)
		t.root = r.addr
		t.saveHeader()
		t.split(r, 0, n)
		return t.insertNonFull(r, key, val, 0)
	}
	for depth := 0; ; depth++ {
		i, ok := t.searchView(v, key)
		if ok {
			return t.updateView(v, i, val), true
		}
		if v.leaf {
			if !t.rewrite(v, 'i', i, key, val) {
				n := t.nodeOf(v)
				n.keys = slices.Insert(n.keys, i, key)
				n.vals = slices.Insert(n.vals, i, val)
				t.save(n)
			}
			t.length++
			t.saveHeader()
			return nil, false
		}
		c := &t.views[(depth+1)&1]
		cbuf := &t.bufs[(depth+1)&1]
		t.readViewAlias(v.child(i), depth+1, cbuf, c, true)
		if c.full() {
			if j, ok := t.searchView(c, key); ok {
				return t.updateView(c, j, val), true
			}
			next := t.splitView(v, i, c, key)
			t.readViewAlias(next, depth+1, cbuf, c, true)
		}
		v = c
	}
}

// insertNonFull inserts into the subtree at n, a node that is not full,
// with materialized nodes (the general path).
func (t *btree) insertNonFull(n *node, key, val []byte, depth int) ([]byte, bool) {
	for ; ; depth++ {
		i, ok := t.search(n, key)
		if ok {
			return t.update(n, i, val), true
		}
		if n.leaf {
			n.keys = slices.Insert(n.keys, i, key)
			n.vals = slices.Insert(n.vals, i, val)
			t.save(n)
			t.length++
			t.saveHeader()
			return nil, false
		}
		child := t.load(n.children[i], depth+1)
		if full(child) {
			if j, ok := t.search(child, key); ok {
				return t.update(child, j, val), true
			}
			t.split(n, i, child)
			i, _ = t.search(n, key)
			child = t.load(n.children[i], depth+1)
		}
		n = child
	}
}

// updateView replaces the value of entry i of v.
func (t *btree) updateView(v *view, i int, val []byte) []byte {
	t.old = append(t.old[:0], v.value(i)...)
	if !t.rewrite(v, 'u', i, nil, val) {
		n := t.nodeOf(v)
		n.vals[i] = val
		t.save(n)
	}
	return t.old
}

func (t *btree) update(n *node, i int, val []byte) []byte {
	old := n.vals[i]
	n.vals[i] = val
	t.save(n)
	return old
}

// split splits the full child i of parent (a non-full node) around its
// median, which moves up into parent.
func (t *btree) split(parent *node, i int, child *node) {
	sib := t.newNode(child.leaf)
	parent.children = slices.Insert(parent.children, i+1, sib.addr)
	sib.keys = append(sib.keys, child.keys[nodeB:]...)
	sib.vals = append(sib.vals, child.vals[nodeB:]...)
	if !child.leaf {
		sib.children = append(make([]uint64, 0, nodeCapacity+1), child.children[nodeB:]...)
		child.children = child.children[:nodeB]
	}
	mk, mv := child.keys[nodeB-1], child.vals[nodeB-1]
	child.keys, child.vals = child.keys[:nodeB-1], child.vals[:nodeB-1]
	parent.keys = slices.Insert(parent.keys, i, mk)
	parent.vals = slices.Insert(parent.vals, i, mv)
	t.save(sib)
	t.save(child)
	t.save(parent)
}

// splitView is split on views: child (entry i of parent, full) keeps its
// first B-1 entries, a new sibling gets the last B-1, and the median moves
// up into parent, with the same allocations and writes, in the same order,
// as split. It returns the address of the half where key belongs.
func (t *btree) splitView(parent *view, i int, child *view, key []byte) uint64 {
	sib := t.alloc.allocate()
	child.parseValues()
	parent.parseValues()
	d := child.data
	const m = nodeB - 1 // the median
	// The views may be on the cache's bytes, which the writes below
	// change: copy the median first.
	t.med = append(append(t.med[:0], child.key(m)...), child.value(m)...)
	mk, mv := t.med[:len(child.key(m))], t.med[len(child.key(m)):]
	// The sibling: entries B .. 2B-2, children B .. 2B-1.
	b := append(t.buf[:0], d[:nodeHeader]...)
	binary.LittleEndian.PutUint16(b[5:], uint16(nodeCapacity-nodeB))
	if !child.leaf {
		b = append(b, d[child.children+8*nodeB:child.children+8*(nodeCapacity+1)]...)
	}
	b = append(b, d[child.entryKey(nodeB):child.keysEnd()]...)
	b = append(b, d[child.entryValue(nodeB):child.end]...)
	t.buf = b
	t.writeNode(sib, nil, b)
	// The child: entries 0 .. B-2, children 0 .. B-1.
	b = append(t.buf[:0], d[:nodeHeader]...)
	binary.LittleEndian.PutUint16(b[5:], uint16(m))
	if !child.leaf {
		b = append(b, d[child.children:child.children+8*nodeB]...)
	}
	b = append(b, d[child.keys:child.entryKey(m)]...)
	b = append(b, d[child.entryValue(0):child.entryValue(m)]...)
	t.buf = b
	child.ovs = t.writeNode(child.addr, child.ovs, b)
	// The parent: the median at i, the sibling at child i+1.
	pd := parent.data
	b = append(t.buf[:0], pd[:parent.children+8*(i+1)]...)
	binary.LittleEndian.PutUint16(b[5:], uint16(parent.k+1))
	b = binary.LittleEndian.AppendUint64(b, sib)
	ki, vi := parent.entryKey(i), parent.entryValue(i)
	b = append(b, pd[parent.children+8*(i+1):ki]...)
	if t.keyFixed == 0 {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(mk)))
	}
	b = append(b, mk...)
	b = append(b, pd[ki:vi]...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(mv)))
	b = append(b, mv...)
	b = append(b, pd[vi:parent.end]...)
	t.buf = b
	cmp := t.cmp(key, mk)
	parent.ovs = t.writeNode(parent.addr, parent.ovs, b)
	if cmp < 0 {
		return child.addr
	}
	return sib
}

// merge merges src into into with the median between them, saves into and
// frees src (Node::merge).
func (t *btree) merge(src, into *node, mk, mv []byte) *node {
	if t.cmp(src.keys[0], into.keys[0]) > 0 {
		into.keys = append(append(into.keys, mk), src.keys...)
		into.vals = append(append(into.vals, mv), src.vals...)
		into.children = append(into.children, src.children...)
	} else {
		into.keys = append(append(slices.Clip(src.keys), mk), into.keys...)
		into.vals = append(append(slices.Clip(src.vals), mv), into.vals...)
		if !into.leaf {
			into.children = append(slices.Clip(src.children), into.children...)
		}
	}
	t.save(into)
	t.free(src)
	return into
}

func removeAt(n *node, i int) ([]byte, []byte) {
	k, v := n.keys[i], n.vals[i]
	n.keys = slices.Delete(n.keys, i, i+1)
	n.vals = slices.Delete(n.vals, i, i+1)
	return k, v
}

// remove removes key and returns its value (valid until the next
// operation). Leaves that keep enough entries are rewritten from views;
// the rest follows removeFrom.
func (t *btree) remove(key []byte) ([]byte, bool) {
	if t.root == 0 {
		return nil, false
	}
	t.mods++
	v := &t.views[0]
	t.readViewAlias(t.root, 0, &t.bufs[0], v, true)
	for depth := 0; ; depth++ {
		i, found := t.searchView(v, key)
		if v.leaf {
			if !found {
				return nil, false
			}
			t.old = append(t.old[:0], v.value(i)...)
			if v.k == 1 || !t.rewrite(v, 'r', i, nil, nil) {
				n := t.nodeOf(v)
				removeAt(n, i)
				t.length--
				t.saveLeaf(n)
				return t.old, true
			}
			t.length--
			t.saveHeader()
			return t.old, true
		}
		c := &t.views[(depth+1)&1]
		cbuf := &t.bufs[(depth+1)&1]
		if !found {
			t.readViewAlias(v.child(i), depth+1, cbuf, c, true)
			if !c.atMin() {
				v = c
				continue
			}
		}
		if !found {
			// The child is at its minimum: rotate or merge, on views.
			next := t.rebalance(v, i, c)
			t.readViewAlias(next, depth+1, cbuf, c, true)
			v = c
			continue
		}
		// The key is in v: this level needs nodes.
		old, ok, next := t.removeFrom(t.nodeOf(v), key, depth)
		if next == 0 {
			return old, ok
		}
		t.readViewAlias(next, depth+1, cbuf, c, true)
		v = c
	}
}

// removeFrom is one level of ic-stable-structures' remove_helper: n
// (unless it is the root) has more than the minimum number of entries, so
// that one can be removed in a single pass down the tree. It removes the
// key, or makes sure the child to descend into has more than the minimum
// and returns its address as next.
func (t *btree) removeFrom(n *node, key []byte, depth int) (old []byte, ok bool, next uint64) {
	{
		i, found := t.search(n, key)
		if n.leaf {
			if !found {
				return nil, false, 0
			}
			_, v := removeAt(n, i)
			t.length--
			t.saveLeaf(n)
			return v, true, 0
		}
		if found {
			left := t.load(n.children[i], depth+1)
			if !atMin(left) {
				pk, pv := t.removeEdge(left, depth+1, true)
				old := n.vals[i]
				n.keys[i], n.vals[i] = pk, pv
				t.save(n)
				return old, true, 0
			}
			right := t.load(n.children[i+1], depth+1)
			if !atMin(right) {
				sk, sv := t.removeEdge(right, depth+1, false)
				old := n.vals[i]
				n.keys[i], n.vals[i] = sk, sv
				t.save(n)
				return old, true, 0
			}
			mk, mv := removeAt(n, i)
			merged := t.merge(right, left, mk, mv)
			n.children = slices.Delete(n.children, i+1, i+2)
			t.afterMerge(n, merged)
			return nil, false, merged.addr
		}
		child := t.load(n.children[i], depth+1)
		if !atMin(child) {
			return nil, false, child.addr
		}
		var ls, rs *node
		if i > 0 {
			ls = t.read(n.children[i-1])
		}
		if i+1 < len(n.children) {
			rs = t.read(n.children[i+1])
		}
		switch {
		case ls != nil && !atMin(ls):
			t.rotateRight(n, i-1, ls, child)
		case rs != nil && !atMin(rs):
			t.rotateLeft(n, i, child, rs)
		case ls != nil:
			mk, mv := removeAt(n, i-1)
			child = t.merge(child, ls, mk, mv)
			n.children = slices.Delete(n.children, i, i+1)
			t.afterMerge(n, child)
		default:
			mk, mv := removeAt(n, i)
			child = t.merge(child, rs, mk, mv)
			n.children = slices.Delete(n.children, i, i+1)
			t.afterMerge(n, child)
		}
		return nil, false, child.addr
	}
}

// saveLeaf saves a leaf an entry was removed from; an empty leaf can only be
// the root, and the tree becomes empty.
func (t *btree) saveLeaf(n *node) {
	if len(n.keys) == 0 {
		if n.addr != t.root {
			panic(corrupt("BTreeMap: a non-root leaf became empty"))
		}
		t.free(n)
		t.root = 0
	} else {
		t.save(n)
	}
	t.saveHeader()
}

// afterMerge saves parent after two of its children merged into merged,
// or frees it and makes merged the root when parent became empty.
func (t *btree) afterMerge(parent, merged *node) {
	if len(parent.keys) > 0 {
		t.save(parent)
		return
	}
	addr := parent.addr
	t.free(parent)
	if addr == t.root {
		t.root = merged.addr
		t.saveHeader()
	}
}

// rotateRight moves the last entry of left up into parent's entry at i and
// that entry down to the front of child.
func (t *btree) rotateRight(parent *node, i int, left, child *node) {
	lk, lv := removeAt(left, len(left.keys)-1)
	pk, pv := parent.keys[i], parent.vals[i]
	parent.keys[i], parent.vals[i] = lk, lv
	child.keys = slices.Insert(child.keys, 0, pk)
	child.vals = slices.Insert(child.vals, 0, pv)
	if !left.leaf {
		last := left.children[len(left.children)-1]
		left.children = left.children[:len(left.children)-1]
		child.children = slices.Insert(child.children, 0, last)
	}
	t.save(left)
	t.save(child)
	t.save(parent)
}

// rotateLeft moves the first entry of right up into parent's entry at i and
// that entry down to the end of child.
func (t *btree) rotateLeft(parent *node, i int, child, right *node) {
	rk, rv := removeAt(right, 0)
	pk, pv := parent.keys[i], parent.vals[i]
	parent.keys[i], parent.vals[i] = rk, rv
	child.keys = append(child.keys, pk)
	child.vals = append(child.vals, pv)
	if !right.leaf {
		child.children = append(child.children, right.children[0])
		right.children = slices.Delete(right.children, 0, 1)
	}
	t.save(right)
	t.save(child)
	t.save(parent)
}

// removeEdge removes and returns the last (or first) entry of the subtree
// at n (remove_rightmost and remove_leftmost).
func (t *btree) removeEdge(n *node, depth int, last bool) ([]byte, []byte) {
	for {
		if n.leaf {
			i := 0
			if last {
				i = len(n.keys) - 1
			}
			k, v := removeAt(n, i)
			t.length--
			t.saveLeaf(n)
			return k, v
		}
		ci := 0
		if last {
			ci = len(n.children) - 1
		}
		child := t.load(n.children[ci], depth+1)
		if !atMin(child) {
			n, depth = child, depth+1
			continue
		}
		if last {
			ls := t.read(n.children[ci-1])
			if !atMin(ls) {
				t.rotateRight(n, ci-1, ls, child)
			} else {
				mk, mv := removeAt(n, ci-1)
				child = t.merge(child, ls, mk, mv)
				n.children = slices.Delete(n.children, ci, ci+1)
				t.afterMerge(n, child)
			}
		} else {
			rs := t.read(n.children[1])
			if !atMin(rs) {
				t.rotateLeft(n, 0, child, rs)
			} else {
				mk, mv := removeAt(n, 0)
				child = t.merge(child, rs, mk, mv)
				n.children = slices.Delete(n.children, 0, 1)
				t.afterMerge(n, child)
			}
		}
		n, depth = child, depth+1
	}
}

// edge returns the first (or last) entry of the tree (valid until the
// next operation).
func (t *btree) edge(last bool) ([]byte, []byte, bool) {
	if t.root == 0 {
		return nil, nil, false
	}
	v := &t.views[0]
	t.readViewAlias(t.root, 0, &t.bufs[0], v, true)
	for depth := 1; !v.leaf; depth++ {
		i := 0
		if last {
			i = v.k
		}
		c := &t.views[depth&1]
		t.readViewAlias(v.child(i), depth, &t.bufs[depth&1], c, true)
		v = c
	}
	i := 0
	if last {
		i = v.k - 1
	}
	return v.key(i), v.value(i), true
}

func (t *btree) popEdge(last bool) ([]byte, []byte, bool) {
	if t.root == 0 {
		return nil, nil, false
	}
	t.mods++
	k, v := t.removeEdge(t.load(t.root, 0), 0, last)
	return k, v, true
}

// scan calls yield for the entries with lo <= key < hi in order (nil lo or
// hi: no bound) until yield returns false. The key and value passed to
// yield are valid during the call. It panics if the tree changes during
// the scan; yield may read the tree.
func (t *btree) scan(lo, hi []byte, yield func(k, v []byte) bool) {
	if t.root == 0 {
		return
	}
	s := &scanner{t: t, hi: hi, mods: t.mods, yield: yield}
	s.node(t.root, 0, lo)
}

// scanner keeps a view and a buffer per tree level, its own, so that yield
// can use the tree's.
type scanner struct {
	t     *btree
	hi    []byte
	mods  uint64
	yield func(k, v []byte) bool
	views [maxDepth]view
	bufs  [maxDepth][]byte
}

// maxDepth bounds the depth of a tree: each level multiplies the entries
// by at least 6, so 2^64 entries need fewer than 26 levels.
const maxDepth = 32

func (s *scanner) node(addr uint64, d int, lo []byte) bool {
	if d >= maxDepth {
		panic(corrupt("BTreeMap is deeper than " + u(maxDepth) + " levels"))
	}
	t, v := s.t, &s.views[d]
	t.readView(addr, d, &s.bufs[d], v)
	i := 0
	if lo != nil {
		var found bool
		i, found = t.searchView(v, lo)
		if !found && !v.leaf && !s.node(v.child(i), d+1, lo) {
			return false
		}
	} else if !v.leaf && !s.node(v.child(0), d+1, nil) {
		return false
	}
	for ; i < v.k; i++ {
		k := v.key(i)
		if s.hi != nil && t.cmp(k, s.hi) >= 0 {
			return false
		}
		if !s.yield(k, v.value(i)) {
			return false
		}
		if t.mods != s.mods {
			panic("stable: BTreeMap changed during iteration")
		}
		if !v.leaf && !s.node(v.child(i+1), d+1, nil) {
			return false
		}
	}
	return true
}
