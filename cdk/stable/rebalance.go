package stable

import "encoding/binary"

// part is a piece of a node being assembled from views: entries a..b-1
// and children ca..cb-1 of v, or (v nil) the one entry key, val.
type part struct {
	v        *view
	a, b     int
	ca, cb   int
	key, val []byte
}

// build assembles a node's bytes from parts (their children, then their
// keys, then their values, in order) into t.buf.
func (t *btree) build(leaf bool, parts []part) []byte {
	b := append(t.buf[:0], 'B', 'T', 'N', 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	if leaf {
		b[4] = 0
	}
	k := 0
	for _, p := range parts {
		if p.v == nil {
			k++
			continue
		}
		k += p.b - p.a
		if !leaf && p.cb > p.ca {
			b = append(b, p.v.data[p.v.children+8*p.ca:p.v.children+8*p.cb]...)
		}
	}
	binary.LittleEndian.PutUint16(b[5:], uint16(k))
	for _, p := range parts {
		if p.v == nil {
			if t.keyFixed == 0 {
				b = binary.LittleEndian.AppendUint32(b, uint32(len(p.key)))
			}
			b = append(b, p.key...)
		} else if p.b > p.a {
			b = append(b, p.v.data[p.v.entryKey(p.a):p.v.entryKey(p.b)]...)
		}
	}
	for _, p := range parts {
		if p.v == nil {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(p.val)))
			b = append(b, p.val...)
		} else if p.b > p.a {
			p.v.parseValues()
			b = append(b, p.v.data[p.v.entryValue(p.a):p.v.entryValue(p.b)]...)
		}
	}
	t.buf = b
	return b
}

// freeView frees a node's overflow pages, then the node (Node::deallocate).
func (t *btree) freeView(v *view) {
	for _, ov := range v.ovs {
		t.alloc.deallocate(ov)
	}
	t.alloc.deallocate(v.addr)
	t.uncache(v.addr)
}

// rebalance is case 3 of ic-stable-structures' remove_helper on views:
// child c (child i of parent v) has the minimum number of entries, so it
// takes one from a sibling (rotation) or merges with one, with the same
// choices and writes, in the same order, as ic-stable-structures. It
// returns the address of the node to descend into.
func (t *btree) rebalance(v *view, i int, c *view) uint64 {
	v.parseValues()
	c.parseValues()
	ls, rs := &t.sibs[0], &t.sibs[1]
	hasL, hasR := i > 0, i < v.k
	if hasL {
		t.readView(v.child(i-1), maxDepth, &t.sibBufs[0], ls)
		ls.parseValues()
	}
	if hasR {
		t.readView(v.child(i+1), maxDepth, &t.sibBufs[1], rs)
		rs.parseValues()
	}
	var parts [3]part
	switch {
	case hasL && !ls.atMin():
		// Rotate right: the last entry of ls goes up, parent entry i-1 down
		// to the front of c, with ls's last child.
		parts[0] = part{v: ls, a: 0, b: ls.k - 1, ca: 0, cb: ls.k}
		ls.ovs = t.writeNode(ls.addr, ls.ovs, t.build(ls.leaf, parts[:1]))
		parts[0] = part{v: v, a: i - 1, b: i}
		parts[1] = part{v: ls, ca: ls.k, cb: ls.k + 1}
		parts[2] = part{v: c, a: 0, b: c.k, ca: 0, cb: c.k + 1}
		c.ovs = t.writeNode(c.addr, c.ovs, t.build(c.leaf, parts[:3]))
		t.writeParent(v, part{v: v, a: 0, b: i - 1, ca: 0, cb: v.k + 1}, part{v: ls, a: ls.k - 1, b: ls.k}, part{v: v, a: i, b: v.k})
		return c.addr
	case hasR && !rs.atMin():
		// Rotate left: the first entry of rs goes up, parent entry i down to
		// the end of c, with rs's first child.
		parts[0] = part{v: rs, a: 1, b: rs.k, ca: 1, cb: rs.k + 1}
		rs.ovs = t.writeNode(rs.addr, rs.ovs, t.build(rs.leaf, parts[:1]))
		parts[0] = part{v: c, a: 0, b: c.k, ca: 0, cb: c.k + 1}
		parts[1] = part{v: v, a: i, b: i + 1}
		parts[2] = part{v: rs, ca: 0, cb: 1}
		c.ovs = t.writeNode(c.addr, c.ovs, t.build(c.leaf, parts[:3]))
		t.writeParent(v, part{v: v, a: 0, b: i, ca: 0, cb: v.k + 1}, part{v: rs, a: 0, b: 1}, part{v: v, a: i + 1, b: v.k})
		return c.addr
	case hasL:
		// Merge c into ls, with parent entry i-1 between them.
		parts[0] = part{v: ls, a: 0, b: ls.k, ca: 0, cb: ls.k + 1}
		parts[1] = part{v: v, a: i - 1, b: i}
		parts[2] = part{v: c, a: 0, b: c.k, ca: 0, cb: c.k + 1}
		ls.ovs = t.writeNode(ls.addr, ls.ovs, t.build(ls.leaf, parts[:3]))
		t.freeView(c)
		t.afterMergeView(v, ls.addr,
			part{v: v, a: 0, b: i - 1, ca: 0, cb: i}, part{v: v, a: i, b: v.k, ca: i + 1, cb: v.k + 1})
		return ls.addr
	default:
		// Merge c into rs (at rs's address), with parent entry i between.
		parts[0] = part{v: c, a: 0, b: c.k, ca: 0, cb: c.k + 1}
		parts[1] = part{v: v, a: i, b: i + 1}
		parts[2] = part{v: rs, a: 0, b: rs.k, ca: 0, cb: rs.k + 1}
		rs.ovs = t.writeNode(rs.addr, rs.ovs, t.build(rs.leaf, parts[:3]))
		t.freeView(c)
		t.afterMergeView(v, rs.addr,
			part{v: v, a: 0, b: i, ca: 0, cb: i}, part{v: v, a: i + 1, b: v.k, ca: i + 1, cb: v.k + 1})
		return rs.addr
	}
}

// writeParent writes the parent of a rotation from three parts.
func (t *btree) writeParent(v *view, p0, p1, p2 part) {
	parts := [3]part{p0, p1, p2}
	v.ovs = t.writeNode(v.addr, v.ovs, t.build(false, parts[:]))
}

// afterMergeView writes the parent after a merge (two parts, without the
// merged entry and child), or frees it and makes merged the root when it
// is left without entries (afterMerge).
func (t *btree) afterMergeView(v *view, merged uint64, p0, p1 part) {
	if v.k > 1 {
		parts := [2]part{p0, p1}
		v.ovs = t.writeNode(v.addr, v.ovs, t.build(false, parts[:]))
		return
	}
	addr := v.addr
	t.freeView(v)
	if addr == t.root {
		t.root = merged
		t.saveHeader()
	}
}

// removeInternal is case 2 of ic-stable-structures' remove_helper on
// views: the key is entry i of the internal node v. It replaces it with its
// predecessor (or successor) when the left (or right) child can lose an
// entry, and reports done; otherwise it merges the two children around it
// and returns the merged node, to continue the removal in.
func (t *btree) removeInternal(v *view, i, depth int) (old []byte, done bool, next uint64) {
	lc, rc := &t.kids[0], &t.kids[1]
	t.readView(v.child(i), depth+1, &t.kidBufs[0], lc)
	if lc.atMin() {
		t.readView(v.child(i+1), depth+1, &t.kidBufs[1], rc)
	}
	if !lc.atMin() || !rc.atMin() {
		t.old = append(t.old[:0], v.value(i)...)
		var k, val []byte
		if !lc.atMin() {
			k, val = t.removeEdgeView(lc, depth+1, true)
		} else {
			k, val = t.removeEdgeView(rc, depth+1, false)
		}
		parts := [3]part{{v: v, a: 0, b: i, ca: 0, cb: v.k + 1}, {key: k, val: val}, {v: v, a: i + 1, b: v.k}}
		v.ovs = t.writeNode(v.addr, v.ovs, t.build(false, parts[:]))
		return t.old, true, 0
	}
	parts := [3]part{{v: lc, a: 0, b: lc.k, ca: 0, cb: lc.k + 1}, {v: v, a: i, b: i + 1}, {v: rc, a: 0, b: rc.k, ca: 0, cb: rc.k + 1}}
	lc.ovs = t.writeNode(lc.addr, lc.ovs, t.build(lc.leaf, parts[:]))
	t.freeView(rc)
	t.afterMergeView(v, lc.addr, part{v: v, a: 0, b: i, ca: 0, cb: i + 1}, part{v: v, a: i + 1, b: v.k, ca: i + 2, cb: v.k + 1})
	return nil, false, lc.addr
}

// removeEdgeView removes and returns (copies in t.pred) the last (or
// first) entry of the subtree at n, which can lose an entry
// (remove_rightmost and remove_leftmost).
func (t *btree) removeEdgeView(n *view, depth int, last bool) ([]byte, []byte) {
	cur := n
	for d := depth; !cur.leaf; d++ {
		ci := 0
		if last {
			ci = cur.k
		}
		c := &t.edges[d&1]
		t.readViewAlias(cur.child(ci), d+1, &t.edgeBufs[d&1], c, true)
		if c.atMin() {
			next := t.rebalance(cur, ci, c)
			t.readViewAlias(next, d+1, &t.edgeBufs[d&1], c, true)
		}
		cur = c
	}
	i := 0
	if last {
		i = cur.k - 1
	}
	k, val := cur.key(i), cur.value(i)
	t.pred = append(append(t.pred[:0], k...), val...)
	k, val = t.pred[:len(k)], t.pred[len(k):]
	if !t.rewrite(cur, 'r', i, nil, nil) {
		nd := t.nodeOf(cur)
		removeAt(nd, i)
		t.length--
		t.saveLeaf(nd)
		return k, val
	}
	t.length--
	t.saveHeader()
	return k, val
}
