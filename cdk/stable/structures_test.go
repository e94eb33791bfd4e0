package stable

import (
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/icgo/icgo/principal"
	"github.com/stretchr/testify/require"
)

func TestVecModel(t *testing.T) {
	mem := NewVectorMemory()
	v, err := NewVec[uint32](mem)
	require.NoError(t, err)
	var model []uint32
	r := rand.New(rand.NewPCG(5, 6))
	for range 5000 {
		switch r.IntN(4) {
		case 0, 1:
			x := r.Uint32()
			require.NoError(t, v.Push(x))
			model = append(model, x)
		case 2:
			x, ok := v.Pop()
			require.Equal(t, len(model) > 0, ok)
			if ok {
				require.Equal(t, model[len(model)-1], x)
				model = model[:len(model)-1]
			}
		case 3:
			if len(model) > 0 {
				i := r.IntN(len(model))
				x := r.Uint32()
				v.Set(uint64(i), x)
				model[i] = x
			}
		}
		require.Equal(t, uint64(len(model)), v.Len())
	}
	v2, err := NewVec[uint32](mem)
	require.NoError(t, err)
	var got []uint32
	for _, x := range v2.All() {
		got = append(got, x)
	}
	require.Equal(t, model, got)
	_, err = NewVec[uint64](mem)
	require.ErrorContains(t, err, "differs from the item type")
	_, err = NewVec[string](NewVectorMemory())
	require.ErrorContains(t, err, "bounded item type")
}

func TestMinHeapModel(t *testing.T) {
	h, err := NewMinHeap[int64](NewVectorMemory())
	require.NoError(t, err)
	var model []int64
	r := rand.New(rand.NewPCG(7, 8))
	for range 3000 {
		if r.IntN(3) > 0 {
			x := r.Int64N(2000) - 1000
			require.NoError(t, h.Push(x))
			model = append(model, x)
		} else {
			x, ok := h.Pop()
			require.Equal(t, len(model) > 0, ok)
			if ok {
				m := slices.Min(model)
				require.Equal(t, m, x)
				model = slices.Delete(model, slices.Index(model, m), slices.Index(model, m)+1)
			}
		}
		require.Equal(t, uint64(len(model)), h.Len())
	}
}

func TestLogModel(t *testing.T) {
	idx, data := NewVectorMemory(), NewVectorMemory()
	l, err := NewLog[[]byte](idx, data)
	require.NoError(t, err)
	var model [][]byte
	for i := range 2000 {
		e := make([]byte, i%300)
		for j := range e {
			e[j] = byte(i + j)
		}
		n, err := l.Append(e)
		require.NoError(t, err)
		require.Equal(t, uint64(i), n)
		model = append(model, e)
	}
	l2, err := NewLog[[]byte](idx, data)
	require.NoError(t, err)
	require.Equal(t, uint64(len(model)), l2.Len())
	for i, e := range l2.All() {
		require.Equal(t, string(model[i]), string(e))
	}
	_, ok := l2.Get(2000)
	require.False(t, ok)
	_, err = NewLog[[]byte](data, idx)
	require.ErrorContains(t, err, "do not hold a Log")
}

func TestCellReopen(t *testing.T) {
	type config struct {
		Name  string
		Limit uint64
	}
	mem := NewVectorMemory()
	c, err := NewCell(mem, config{Name: "a", Limit: 1})
	require.NoError(t, err)
	require.NoError(t, c.Set(config{Name: "b", Limit: 2}))
	c2, err := NewCell(mem, config{})
	require.NoError(t, err)
	require.Equal(t, config{Name: "b", Limit: 2}, c2.Get())
	_, err = NewBTreeMap[uint64, uint64](mem)
	require.ErrorContains(t, err, "does not hold a BTreeMap")
}

// Virtual memories against one flat model each; reopening the manager
// finds the same contents.
func TestMemoryManagerModel(t *testing.T) {
	mem := NewVectorMemory()
	mm, err := NewMemoryManagerBuckets(mem, 2)
	require.NoError(t, err)
	models := make([][]byte, 4)
	r := rand.New(rand.NewPCG(9, 10))
	for range 300 {
		id := r.IntN(4)
		m := mm.Memory(uint8(id))
		off := r.Uint64N(5 * PageSize)
		data := make([]byte, r.IntN(3*PageSize))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		w := NewWriter(m)
		_, err := w.WriteAt(data, int64(off))
		require.NoError(t, err)
		if need := int(m.Size() * PageSize); len(models[id]) < need {
			models[id] = append(models[id], make([]byte, need-len(models[id]))...)
		}
		copy(models[id][off:], data)
	}
	mm2, err := NewMemoryManager(mem)
	require.NoError(t, err)
	for id, model := range models {
		got, err := io.ReadAll(NewReader(mm2.Memory(uint8(id))))
		require.NoError(t, err)
		require.Equal(t, model, nonNil(got))
	}
	require.Panics(t, func() { mm.Memory(255) })
}

func TestMemoryManagerFull(t *testing.T) {
	mem := &VectorMemory{MaxPages: 1 + 3*4}
	mm, err := NewMemoryManagerBuckets(mem, 4)
	require.NoError(t, err)
	a, b := mm.Memory(0), mm.Memory(1)
	require.Equal(t, int64(0), a.Grow(8))
	require.Equal(t, int64(0), b.Grow(4))
	require.Equal(t, int64(-1), b.Grow(1), "the underlying memory is full")
	require.Equal(t, uint64(4), b.Size())
	_, err = NewWriter(b).WriteAt([]byte{1}, 4*PageSize)
	require.ErrorIs(t, err, ErrGrowFailed)
	_, err = NewMemoryManager(NewVectorMemory())
	require.NoError(t, err)
	c, err := NewCell(NewVectorMemory(), "x")
	require.NoError(t, err)
	_ = c
	other := NewVectorMemory()
	NewWriter(other).Write([]byte("SCL\x01"))
	_, err = NewMemoryManager(other)
	require.ErrorContains(t, err, "does not hold a MemoryManager")
}

func TestReaderWriter(t *testing.T) {
	mem := NewVectorMemory()
	w := NewWriter(mem)
	n, err := w.Write([]byte("hello"))
	require.NoError(t, err)
	require.Equal(t, 5, n)
	_, err = w.Seek(PageSize+10, io.SeekStart)
	require.NoError(t, err)
	_, err = w.Write([]byte("world"))
	require.NoError(t, err)
	require.Equal(t, uint64(2), mem.Size())
	r := NewReader(mem)
	buf := make([]byte, 5)
	_, err = io.ReadFull(r, buf)
	require.NoError(t, err)
	require.Equal(t, "hello", string(buf))
	_, err = r.ReadAt(buf, PageSize+10)
	require.NoError(t, err)
	require.Equal(t, "world", string(buf))
	pos, err := r.Seek(-3, io.SeekEnd)
	require.NoError(t, err)
	require.Equal(t, int64(2*PageSize-3), pos)
	all, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Len(t, all, 3)
	_, err = r.Seek(-1, io.SeekStart)
	require.Error(t, err)

	small := &VectorMemory{MaxPages: 1}
	_, err = NewWriter(small).WriteAt(make([]byte, 10), PageSize-5)
	require.True(t, errors.Is(err, ErrGrowFailed), "%v", err)
}

func TestStorables(t *testing.T) {
	roundTrip(t, []uint8{0, 1, 255})
	roundTrip(t, []uint16{0, 1, 65535})
	roundTrip(t, []uint32{0, 7, 1 << 31})
	roundTrip(t, []uint64{0, 1, 1 << 63})
	roundTrip(t, []int8{-128, -1, 0, 1, 127})
	roundTrip(t, []int32{-1 << 31, -5, 0, 5, 1<<31 - 1})
	roundTrip(t, []int64{-1 << 63, -1, 0, 1, 1<<63 - 1})
	roundTrip(t, []int{-1 << 63, -1, 0, 1})
	roundTrip(t, []float64{-1e300, -1, 0, 0.5, 1e300})
	roundTrip(t, []float32{-3, 0, 2})
	roundTrip(t, []bool{false, true})
	roundTrip(t, []string{"", "a", "ab", "b"})
	roundTrip(t, [][4]byte{{0, 0, 0, 1}, {0, 0, 1, 0}, {9, 9, 9, 9}})
	roundTrip(t, []principal.Principal{principal.FromBytes([]byte{1}), principal.FromBytes([]byte{1, 2}), principal.FromBytes([]byte{2})})
	type rec struct{ A, B uint8 }
	s := StorableFor[rec]()
	require.False(t, s.Bound().Bounded)
	x, err := s.Decode(s.Append(nil, rec{1, 2}))
	require.NoError(t, err)
	require.Equal(t, rec{1, 2}, x)
	require.Equal(t, FixedSize(8), StorableFor[uint64]().Bound())
	require.Equal(t, BoundedBy(29), StorableFor[principal.Principal]().Bound())
	_, err = StorableFor[uint64]().Decode([]byte{1})
	require.Error(t, err)
	_, err = StorableFor[string]().Decode([]byte{0xff})
	require.Error(t, err)
	require.Panics(t, func() { CandidBounded[string](3).Append(nil, "too long for three bytes") })
}

// roundTrip checks that xs (in increasing order) decode back and that
// Compare orders their encodings as the values.
func roundTrip[T any](t *testing.T, xs []T) {
	t.Helper()
	s := StorableFor[T]()
	for i, x := range xs {
		b := s.Append(nil, x)
		if s.Bound().Fixed {
			require.Len(t, b, int(s.Bound().MaxSize))
		}
		y, err := s.Decode(b)
		require.NoError(t, err)
		require.Equal(t, x, y)
		if i > 0 {
			require.Negative(t, s.Compare(s.Append(nil, xs[i-1]), b), "%v < %v", xs[i-1], x)
		}
	}
}
