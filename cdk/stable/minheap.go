package stable

// MinHeap is a binary min-heap in a Memory, in ic-stable-structures'
// MinHeap layout (the Vec layout with magic "SMH"). Items order by their
// Storable's Compare and need a bounded Storable.
type MinHeap[T any] struct {
	v *baseVec
	s Storable[T]
}

// NewMinHeap opens the MinHeap in m, or creates an empty one when m is empty.
func NewMinHeap[T any](m Memory) (*MinHeap[T], error) { return NewMinHeapOf(m, StorableFor[T]()) }

// NewMinHeapOf is NewMinHeap with an explicit Storable.
func NewMinHeapOf[T any](m Memory, s Storable[T]) (*MinHeap[T], error) {
	v, err := initBaseVec(m, "SMH", s.Bound())
	if err != nil {
		return nil, err
	}
	return &MinHeap[T]{v, s}, nil
}

// Len returns the number of items.
func (h *MinHeap[T]) Len() uint64 { return h.v.length }

// Push adds x; it fails when the memory cannot grow.
func (h *MinHeap[T]) Push(x T) error {
	b := encode(h.s, nil, x)
	i := h.v.length
	if err := h.v.put(i, b); err != nil {
		return err
	}
	h.v.setLen(i + 1)
	for i > 0 { // sift up
		p := (i - 1) / 2
		pb := h.v.read(p)
		if h.s.Compare(b, pb) >= 0 {
			break
		}
		h.swap(i, b, p, pb)
		i = p
	}
	return nil
}

func (h *MinHeap[T]) swap(i uint64, ib []byte, j uint64, jb []byte) {
	if err := h.v.put(i, jb); err != nil {
		panic(err)
	}
	if err := h.v.put(j, ib); err != nil {
		panic(err)
	}
}

// Peek returns the smallest item.
func (h *MinHeap[T]) Peek() (T, bool) {
	if h.v.length == 0 {
		var zero T
		return zero, false
	}
	return h.decode(h.v.read(0)), true
}

// Pop removes and returns the smallest item.
func (h *MinHeap[T]) Pop() (T, bool) {
	n := h.v.length
	if n == 0 {
		var zero T
		return zero, false
	}
	top := h.v.read(0)
	last := h.v.read(n - 1)
	h.v.setLen(n - 1)
	n--
	if n > 0 {
		if err := h.v.put(0, last); err != nil {
			panic(err)
		}
		i, b := uint64(0), last
		for { // sift down
			l, r := 2*i+1, 2*i+2
			if l >= n {
				break
			}
			c, cb := l, h.v.read(l)
			if r < n {
				if rb := h.v.read(r); h.s.Compare(rb, cb) < 0 {
					c, cb = r, rb
				}
			}
			if h.s.Compare(cb, b) >= 0 {
				break
			}
			h.swap(i, b, c, cb)
			i = c
		}
	}
	return h.decode(top), true
}

func (h *MinHeap[T]) decode(b []byte) T {
	x, err := h.s.Decode(b)
	if err != nil {
		panic(corrupt("MinHeap item: " + err.Error()))
	}
	return x
}
