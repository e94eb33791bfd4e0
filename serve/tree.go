package serve

import (
	"sort"

	"github.com/aviate-labs/agent-go/certification/hashtree"
)

// A labeled tree, as the state tree of the IC interface specification,
// section "Certification > Certificate" defines it: inner nodes map labels
// (blobs) to subtrees, leaves hold blobs. tree builds the state tree the
// server certifies; hashtree (agent-go) holds the wire form and digests.
type tree struct {
	leaf     []byte
	isLeaf   bool
	children map[string]*tree
	custom   subtree // when set, the subtree is this (history.go)
}

// subtree is a part of the tree that prunes itself and knows its digest
// cheaply.
type subtree interface {
	prune(paths [][]string, all bool) hashtree.Node
	digest() [32]byte
}

// digest is the subtree's root hash.
func (t *tree) digest() [32]byte {
	if t.custom != nil {
		return t.custom.digest()
	}
	return t.prune(nil, true).Reconstruct()
}

func newTree() *tree { return &tree{children: map[string]*tree{}} }

// set stores value at path, creating inner nodes on the way.
func (t *tree) set(value []byte, path ...string) {
	n := t
	for _, l := range path {
		c, ok := n.children[l]
		if !ok {
			c = newTree()
			n.children[l] = c
		}
		n = c
	}
	n.leaf, n.isLeaf = value, true
}

// sub returns the subtree at label l, creating it.
func (t *tree) sub(path ...string) *tree {
	n := t
	for _, l := range path {
		c, ok := n.children[l]
		if !ok {
			c = newTree()
			n.children[l] = c
		}
		n = c
	}
	return n
}

func (t *tree) sortedLabels() []string {
	ls := make([]string, 0, len(t.children))
	for l := range t.children {
		ls = append(ls, l)
	}
	sort.Strings(ls) // bytewise, as the spec orders labels
	return ls
}

// prune returns the hash tree of t revealing only the given paths (each
// with everything below it) and hiding the rest behind pruned digests
// (IC interface specification, section "Certification > Lookup" and
// "Requests > Request: Read state": the response reveals the requested
// paths). A requested label that does not exist is proven absent: its
// level then shows its neighbours' labels, with their subtrees pruned.
// paths == nil with all == true reveals everything.
func (t *tree) prune(paths [][]string, all bool) hashtree.Node {
	if t.custom != nil {
		return t.custom.prune(paths, all)
	}
	if t.isLeaf {
		if all || len(paths) > 0 { // a path ends here (or goes on below a leaf)
			return hashtree.Leaf(t.leaf)
		}
		return hashtree.Pruned(hashtree.Leaf(t.leaf).Reconstruct())
	}
	want := map[string][][]string{}
	missing := false
	for _, p := range paths {
		if len(p) == 0 {
			all = true
			break
		}
		want[p[0]] = append(want[p[0]], p[1:])
		if _, ok := t.children[p[0]]; !ok {
			missing = true
		}
	}
	labels := t.sortedLabels()
	nodes := make([]hashtree.Node, len(labels))
	revealed := make([]bool, len(labels))
	for i, l := range labels {
		c := t.children[l]
		sub, asked := want[l]
		switch {
		case all:
			nodes[i], revealed[i] = hashtree.Labeled{Label: []byte(l), Tree: c.prune(nil, true)}, true
		case asked:
			nodes[i], revealed[i] = hashtree.Labeled{Label: []byte(l), Tree: c.prune(sub, false)}, true
		case missing:
			nodes[i], revealed[i] = hashtree.Labeled{Label: []byte(l), Tree: hashtree.Pruned(c.digest())}, true
		default:
			nodes[i] = hashtree.Pruned(hashtree.Labeled{Label: []byte(l), Tree: hashtree.Pruned(c.digest())}.Reconstruct())
		}
	}
	return forks(nodes, revealed)
}

// forks joins sibling nodes into a balanced binary tree of forks; a fork
// of two hidden subtrees is itself pruned.
func forks(ns []hashtree.Node, revealed []bool) hashtree.Node {
	switch len(ns) {
	case 0:
		return hashtree.Empty{}
	case 1:
		return ns[0]
	}
	m := len(ns) / 2
	l, r := forks(ns[:m], revealed[:m]), forks(ns[m:], revealed[m:])
	f := hashtree.Fork{LeftTree: l, RightTree: r}
	for _, v := range revealed {
		if v {
			return f
		}
	}
	return hashtree.Pruned(f.Reconstruct())
}

// labelsOf splits a read_state path into string labels (labels are blobs;
// Go strings hold any bytes).
func labelsOf(p [][]byte) []string {
	out := make([]string, len(p))
	for i, l := range p {
		out[i] = string(l)
	}
	return out
}

// rootHash is the digest a certificate signs (IC interface specification,
// section "Certification": the signature is over
// domain_sep("ic-state-root") · reconstruct(tree)).
func stateRootMessage(n hashtree.Node) []byte {
	d := n.Reconstruct()
	return append([]byte("\x0dic-state-root"), d[:]...)
}
