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
	kids     [2]view // the children around a removed internal entry
	kidBufs  [2][]byte
	edges    [2]view // the way down to a predecessor or successor
	edgeBufs [2][]byte
	pred     []byte // a predecessor or successor entry
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

func removeAt(n *node, i int) ([]byte, []byte) {
	k, v := n.keys[i], n.vals[i]
	n.keys = slices.Delete(n.keys, i, i+1)
	n.vals = slices.Delete(n.vals, i, i+1)
	return k, v
}

// remove removes key and returns its value (valid until the next
// operation), as ic-stable-structures' remove_helper: on the way down,
// every child descended into is given more than the minimum number of
// entries first (rebalance), so that one pass suffices.
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
		// The key is in v, an internal node.
		old, done, next := t.removeInternal(v, i, depth)
		if done {
			return old, true
		}
		t.readViewAlias(next, depth+1, cbuf, c, true)
		v = c
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
	v := &t.views[0]
	t.readViewAlias(t.root, 0, &t.bufs[0], v, true)
	if v.leaf && v.k == 1 {
		n := t.nodeOf(v)
		k, val := removeAt(n, 0)
		t.length--
		t.saveLeaf(n)
		return k, val, true
	}
	k, val := t.removeEdgeView(v, 0, last)
	return k, val, true
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
