package stable

import (
	"iter"
)

// BTreeMap is an ordered map whose data lives in a Memory: every operation
// reads and writes the memory directly, so the map survives upgrades as it
// is, and its size is bounded by the memory, not by the Wasm heap. Its
// layout is ic-stable-structures' BTreeMap (layout version 2; see the
// package documentation), so a Rust canister's map can be read by a Go
// canister and back.
//
// A map must have its Memory to itself: use a MemoryManager to hold several
// structures in the canister's stable memory. Open it once: the BTreeMap
// value keeps the root, the length and a cache of the top of the tree, so
// a second BTreeMap on the same memory would not see the first one's
// changes (as with ic-stable-structures).
//
// Values returned by Get, iterators and the like are decoded copies.
// Operations on corrupt memory panic (in a canister, the message traps and
// is rolled back). A BTreeMap is not safe for concurrent use by several
// goroutines; canister code runs one message at a time.
type BTreeMap[K, V any] struct {
	t   *btree
	ks  Storable[K]
	vs  Storable[V]
	kb  Bound
	vb  Bound
	key []byte // scratch for encoding keys
	val []byte // scratch for encoding values
}

// NewBTreeMap opens the BTreeMap in m, or creates an empty one when m is
// empty. Keys and values use StorableFor[K] and StorableFor[V]. It fails
// when m holds something else.
func NewBTreeMap[K, V any](m Memory) (*BTreeMap[K, V], error) {
	return NewBTreeMapOf(m, StorableFor[K](), StorableFor[V]())
}

// NewBTreeMapOf is NewBTreeMap with explicit Storables.
func NewBTreeMapOf[K, V any](m Memory, ks Storable[K], vs Storable[V]) (*BTreeMap[K, V], error) {
	_, bytewise := ks.(bytewiseOrder)
	t, err := initBTree(m, ks.Bound(), vs.Bound(), ks.Compare, bytewise)
	if err != nil {
		return nil, err
	}
	return &BTreeMap[K, V]{t: t, ks: ks, vs: vs, kb: ks.Bound(), vb: vs.Bound()}, nil
}

// MustBTreeMap is NewBTreeMap that panics on error, for package-level
// variables of a canister.
func MustBTreeMap[K, V any](m Memory) *BTreeMap[K, V] {
	b, err := NewBTreeMap[K, V](m)
	if err != nil {
		panic(err)
	}
	return b
}

func (b *BTreeMap[K, V]) lookup(k K) []byte {
	b.key = b.ks.Append(b.key[:0], k)
	checkBound(b.kb, len(b.key))
	return b.key
}

func (b *BTreeMap[K, V]) decodeK(p []byte) K {
	k, err := b.ks.Decode(p)
	if err != nil {
		panic(corrupt("BTreeMap key: " + err.Error()))
	}
	return k
}

func (b *BTreeMap[K, V]) decodeV(p []byte) V {
	v, err := b.vs.Decode(p)
	if err != nil {
		panic(corrupt("BTreeMap value: " + err.Error()))
	}
	return v
}

// Len returns the number of entries.
func (b *BTreeMap[K, V]) Len() uint64 { return b.t.length }

// Get returns the value of k.
func (b *BTreeMap[K, V]) Get(k K) (V, bool) {
	p, ok := b.t.get(b.lookup(k))
	if !ok {
		var zero V
		return zero, false
	}
	return b.decodeV(p), true
}

// Contains reports whether k is in the map.
func (b *BTreeMap[K, V]) Contains(k K) bool {
	_, ok := b.t.get(b.lookup(k))
	return ok
}

// Insert sets the value of k and returns the previous one.
func (b *BTreeMap[K, V]) Insert(k K, v V) (V, bool) {
	b.lookup(k)
	b.val = b.vs.Append(b.val[:0], v)
	checkBound(b.vb, len(b.val))
	old, ok := b.t.insert(b.key, b.val)
	if !ok {
		var zero V
		return zero, false
	}
	return b.decodeV(old), true
}

// Remove removes k and returns its value.
func (b *BTreeMap[K, V]) Remove(k K) (V, bool) {
	old, ok := b.t.remove(b.lookup(k))
	if !ok {
		var zero V
		return zero, false
	}
	return b.decodeV(old), true
}

// First returns the entry with the smallest key.
func (b *BTreeMap[K, V]) First() (K, V, bool) { return b.entry(b.t.edge(false)) }

// Last returns the entry with the largest key.
func (b *BTreeMap[K, V]) Last() (K, V, bool) { return b.entry(b.t.edge(true)) }

// PopFirst removes and returns the entry with the smallest key.
func (b *BTreeMap[K, V]) PopFirst() (K, V, bool) { return b.entry(b.t.popEdge(false)) }

// PopLast removes and returns the entry with the largest key.
func (b *BTreeMap[K, V]) PopLast() (K, V, bool) { return b.entry(b.t.popEdge(true)) }

func (b *BTreeMap[K, V]) entry(k, v []byte, ok bool) (K, V, bool) {
	if !ok {
		var zk K
		var zv V
		return zk, zv, false
	}
	return b.decodeK(k), b.decodeV(v), true
}

// Clear removes all entries; the memory is reused, not shrunk.
func (b *BTreeMap[K, V]) Clear() { b.t.clear() }

// All returns the entries in key order. The map must not change during the
// iteration (it panics if it does).
func (b *BTreeMap[K, V]) All() iter.Seq2[K, V] { return b.scan(nil, nil) }

// Range returns the entries with from <= key < to, in key order.
func (b *BTreeMap[K, V]) Range(from, to K) iter.Seq2[K, V] {
	return b.scan(encode(b.ks, nil, from), encode(b.ks, nil, to))
}

// From returns the entries with from <= key, in key order.
func (b *BTreeMap[K, V]) From(from K) iter.Seq2[K, V] {
	return b.scan(encode(b.ks, nil, from), nil)
}

// Keys returns the keys in order (values are not decoded).
func (b *BTreeMap[K, V]) Keys() iter.Seq[K] {
	return func(yield func(K) bool) {
		b.t.scan(nil, nil, func(k, _ []byte) bool { return yield(b.decodeK(k)) })
	}
}

func (b *BTreeMap[K, V]) scan(lo, hi []byte) iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		b.t.scan(lo, hi, func(k, v []byte) bool {
			return yield(b.decodeK(k), b.decodeV(v))
		})
	}
}
