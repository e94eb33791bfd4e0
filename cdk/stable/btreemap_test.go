package stable

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// check walks the tree and verifies the B-tree invariants: sorted keys,
// entry counts, equal leaf depth, the length, and the allocator's count.
func (t *btree) check(tb testing.TB) {
	tb.Helper()
	if t.root == 0 {
		require.Zero(tb, t.length)
		return
	}
	var count uint64
	var nodes uint64
	leafDepth := -1
	var prev []byte
	var walk func(addr uint64, depth int, isRoot bool)
	walk = func(addr uint64, depth int, isRoot bool) {
		n := t.read(addr)
		nodes += 1 + uint64(len(n.overflows))
		require.LessOrEqual(tb, len(n.keys), nodeCapacity)
		if !isRoot {
			require.GreaterOrEqual(tb, len(n.keys), nodeB-1, "node at %d", addr)
		}
		if n.leaf {
			if leafDepth < 0 {
				leafDepth = depth
			}
			require.Equal(tb, leafDepth, depth)
		} else {
			require.Len(tb, n.children, len(n.keys)+1)
		}
		for i := range n.keys {
			if !n.leaf {
				walk(n.children[i], depth+1, false)
			}
			if prev != nil {
				require.Negative(tb, t.cmp(prev, n.keys[i]))
			}
			prev = n.keys[i]
			count++
		}
		if !n.leaf {
			walk(n.children[len(n.keys)], depth+1, false)
		}
	}
	walk(t.root, 0, true)
	require.Equal(tb, t.length, count)
	require.Equal(tb, t.alloc.num, nodes, "allocated chunks")
}

// runOps applies a byte-coded sequence of operations to a BTreeMap[uint16,
// []byte] and to a Go map, comparing every result; small keys make
// collisions, splits and merges frequent.
func runOps(t testing.TB, ops []byte, reopen bool) {
	runOpsK(t, ops, reopen, func(k uint16) uint16 { return k })
}

// runOpsStrings is runOps with string keys of different lengths.
func runOpsStrings(t testing.TB, ops []byte, reopen bool) {
	runOpsK(t, ops, reopen, func(k uint16) string { return strings.Repeat("k", int(k%13)) + strconv.Itoa(int(k)) })
}

func runOpsK[K cmp.Ordered](t testing.TB, ops []byte, reopen bool, key func(uint16) K) {
	mem := NewVectorMemory()
	m, err := NewBTreeMap[K, []byte](mem)
	require.NoError(t, err)
	model := map[K][]byte{}
	for len(ops) >= 3 {
		op, k16 := ops[0]%8, binary.BigEndian.Uint16(ops[1:3])%512
		k := key(k16)
		ops = ops[3:]
		switch op {
		case 0, 1, 2:
			v := bytes.Repeat([]byte{byte(k16)}, int(k16%7)*int(op)*40) // some values overflow pages
			old, ok := m.Insert(k, v)
			mold, mok := model[k]
			require.Equal(t, mok, ok)
			require.Equal(t, string(mold), string(old))
			model[k] = v
		case 3, 4:
			old, ok := m.Remove(k)
			mold, mok := model[k]
			require.Equal(t, mok, ok, "remove %d", k)
			require.Equal(t, string(mold), string(old))
			delete(model, k)
		case 5:
			v, ok := m.Get(k)
			mv, mok := model[k]
			require.Equal(t, mok, ok)
			require.Equal(t, string(mv), string(v))
			require.Equal(t, mok, m.Contains(k))
		case 6:
			keys := slices.Sorted(maps.Keys(model))
			var got []K
			for k2, v := range m.From(k) {
				got = append(got, k2)
				require.Equal(t, string(model[k2]), string(v))
			}
			i, _ := slices.BinarySearch(keys, k)
			require.Equal(t, nonNil(keys[i:]), nonNil(got))
		case 7:
			switch k16 % 8 {
			case 0:
				pk, pv, ok := m.PopFirst()
				require.Equal(t, len(model) > 0, ok)
				if ok {
					mk := slices.Min(slices.Collect(maps.Keys(model)))
					require.Equal(t, mk, pk)
					require.Equal(t, string(model[mk]), string(pv))
					delete(model, mk)
				}
			case 4:
				pk, _, ok := m.PopLast()
				require.Equal(t, len(model) > 0, ok)
				if ok {
					mk := slices.Max(slices.Collect(maps.Keys(model)))
					require.Equal(t, mk, pk)
					delete(model, mk)
				}
			}
			if reopen {
				m, err = NewBTreeMap[K, []byte](mem)
				require.NoError(t, err)
			}
		}
		require.Equal(t, uint64(len(model)), m.Len())
	}
	m.t.check(t)
	keys := slices.Sorted(maps.Keys(model))
	require.Equal(t, nonNil(keys), nonNil(slices.Collect(m.Keys())))
	if len(keys) > 0 {
		k, _, _ := m.First()
		require.Equal(t, keys[0], k)
		k, _, _ = m.Last()
		require.Equal(t, keys[len(keys)-1], k)
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func TestBTreeMapRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		ops := make([]byte, 3*3000)
		for i := range ops {
			ops[i] = byte(r.Uint32())
		}
		if round%4 == 3 {
			runOpsStrings(t, ops, true)
		} else {
			runOps(t, ops, round%2 == 0)
		}
	}
}

func FuzzBTreeMap(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 0, 2, 3, 0, 1})
	f.Fuzz(func(t *testing.T, ops []byte) { runOps(t, ops, true) })
}

func FuzzBTreeMapStrings(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 0, 2, 3, 0, 1})
	f.Fuzz(func(t *testing.T, ops []byte) { runOpsStrings(t, ops, true) })
}

// Random uint64 inserts and removes against a Go map, with the tree checked
// along the way; removing everything frees every chunk.
func TestBTreeMapUint64(t *testing.T) {
	mem := NewVectorMemory()
	m, err := NewBTreeMap[uint64, uint64](mem)
	require.NoError(t, err)
	require.Equal(t, uint32(275), m.t.pageSize, "ic-stable-structures' page size for u64 -> u64")
	r := rand.New(rand.NewPCG(3, 4))
	model := map[uint64]uint64{}
	for i := range 20000 {
		k := r.Uint64() % 30000
		m.Insert(k, uint64(i))
		model[k] = uint64(i)
	}
	m.t.check(t)
	for k, v := range model {
		got, ok := m.Get(k)
		require.True(t, ok)
		require.Equal(t, v, got)
	}
	var prev uint64
	n := 0
	for k, v := range m.Range(1000, 2000) {
		require.True(t, k >= 1000 && k < 2000 && (n == 0 || k > prev))
		require.Equal(t, model[k], v)
		prev = k
		n++
	}
	want := 0
	for k := range model {
		if k >= 1000 && k < 2000 {
			want++
		}
	}
	require.Equal(t, want, n)
	for k := range model {
		_, ok := m.Remove(k)
		require.True(t, ok)
		if len(model)%1000 == 0 {
			m.t.check(t)
		}
		delete(model, k)
	}
	m.t.check(t)
	require.Zero(t, m.Len())
	require.Zero(t, m.t.alloc.num)
}
