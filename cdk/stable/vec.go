package stable

import (
	"encoding/binary"
	"errors"
	"iter"
)

// The Vec layout of ic-stable-structures (src/base_vec.rs, "V1 layout"),
// also used by MinHeap with magic "SMH":
//
//	0   "SVC" | version 1 | length u64 | max item size u32 | fixed-size flag u8 | 47 bytes reserved
//	64  item 0, item 1, ...: slots of max size bytes, preceded by the item's
//	    size (u8, u16 or u32 little-endian, the smallest that holds the max
//	    size) unless the item type is fixed-size
const vecDataOffset = 64

// baseVec is the byte-level vector under Vec and MinHeap.
type baseVec struct {
	mem    Memory
	bound  Bound
	length uint64
	slot   uint64
	prefix uint64 // bytes of the size prefix
}

func initBaseVec(m Memory, magic string, b Bound) (*baseVec, error) {
	if !b.Bounded {
		return nil, errors.New("stable: Vec and MinHeap need a bounded item type (ic-stable-structures' layout has fixed slots); " +
			"use a fixed-size type or CandidBounded")
	}
	v := &baseVec{mem: m, bound: b}
	switch {
	case b.Fixed:
	case b.MaxSize <= 0xFF:
		v.prefix = 1
	case b.MaxSize <= 0xFFFF:
		v.prefix = 2
	default:
		v.prefix = 4
	}
	v.slot = uint64(b.MaxSize) + v.prefix
	if m.Size() == 0 {
		return v, v.create(magic)
	}
	var h [17]byte
	m.Read(0, h[:])
	if string(h[:3]) != magic {
		if h == [17]byte{} {
			return v, v.create(magic)
		}
		return nil, errors.New("stable: the memory does not hold a " + magic + " vector (it starts with " + q(h[:4]) + ")")
	}
	if h[3] != 1 {
		return nil, errors.New("stable: unsupported vector layout version " + u(uint64(h[3])))
	}
	if binary.LittleEndian.Uint32(h[12:]) != b.MaxSize || (h[16] != 0) != b.Fixed {
		return nil, errors.New("stable: the vector's item bound (max size " + u(uint64(binary.LittleEndian.Uint32(h[12:]))) +
			", fixed " + u(uint64(h[16])) + ") differs from the item type's (max size " + u(uint64(b.MaxSize)) + ")")
	}
	v.length = binary.LittleEndian.Uint64(h[4:])
	if v.length > (m.Size()*PageSize)/v.slot {
		return nil, corrupt("vector length " + u(v.length) + " does not fit its memory")
	}
	return v, nil
}

func (v *baseVec) create(magic string) error {
	var h [17]byte
	copy(h[:], magic)
	h[3] = 1
	binary.LittleEndian.PutUint32(h[12:], v.bound.MaxSize)
	if v.bound.Fixed {
		h[16] = 1
	}
	if err := ensure(v.mem, 0, 17); err != nil {
		return err
	}
	v.mem.Write(0, h[:])
	return nil
}

func (v *baseVec) setLen(n uint64) {
	writeU64(v.mem, 4, n)
	v.length = n
}

func (v *baseVec) read(i uint64) []byte {
	off := vecDataOffset + i*v.slot
	n := uint64(v.bound.MaxSize)
	var p [4]byte
	switch v.prefix {
	case 1:
		v.mem.Read(off, p[:1])
		n = uint64(p[0])
	case 2:
		v.mem.Read(off, p[:2])
		n = uint64(binary.LittleEndian.Uint16(p[:]))
	case 4:
		v.mem.Read(off, p[:4])
		n = uint64(binary.LittleEndian.Uint32(p[:]))
	}
	if n > uint64(v.bound.MaxSize) {
		panic(corrupt("vector item " + u(i) + " has size " + u(n) + ", above the bound " + u(uint64(v.bound.MaxSize))))
	}
	b := make([]byte, n)
	v.mem.Read(off+v.prefix, b)
	return b
}

// put writes item bytes b at slot i; it grows the memory first.
func (v *baseVec) put(i uint64, b []byte) error {
	off := vecDataOffset + i*v.slot
	buf := make([]byte, v.prefix, v.prefix+uint64(len(b)))
	switch v.prefix {
	case 1:
		buf[0] = byte(len(b))
	case 2:
		binary.LittleEndian.PutUint16(buf, uint16(len(b)))
	case 4:
		binary.LittleEndian.PutUint32(buf, uint32(len(b)))
	}
	buf = append(buf, b...)
	if err := ensure(v.mem, off, uint64(len(buf))); err != nil {
		return err
	}
	v.mem.Write(off, buf)
	return nil
}

// Vec is a growable array in a Memory, in ic-stable-structures' Vec layout
// (magic "SVC"). Items must have a bounded Storable: each takes a slot of
// the maximum size.
type Vec[T any] struct {
	v *baseVec
	s Storable[T]
}

// NewVec opens the Vec in m, or creates an empty one when m is empty.
func NewVec[T any](m Memory) (*Vec[T], error) { return NewVecOf(m, StorableFor[T]()) }

// NewVecOf is NewVec with an explicit Storable.
func NewVecOf[T any](m Memory, s Storable[T]) (*Vec[T], error) {
	v, err := initBaseVec(m, "SVC", s.Bound())
	if err != nil {
		return nil, err
	}
	return &Vec[T]{v, s}, nil
}

// Len returns the number of items.
func (v *Vec[T]) Len() uint64 { return v.v.length }

// Push appends x; it fails when the memory cannot grow.
func (v *Vec[T]) Push(x T) error {
	if err := v.v.put(v.v.length, encode(v.s, nil, x)); err != nil {
		return err
	}
	v.v.setLen(v.v.length + 1)
	return nil
}

// Pop removes and returns the last item.
func (v *Vec[T]) Pop() (T, bool) {
	if v.v.length == 0 {
		var zero T
		return zero, false
	}
	x := v.Get(v.v.length - 1)
	v.v.setLen(v.v.length - 1)
	return x, true
}

// Get returns item i; it panics when i is out of range, like a slice.
func (v *Vec[T]) Get(i uint64) T {
	if i >= v.v.length {
		panic("stable: Vec index " + u(i) + " out of range [0:" + u(v.v.length) + "]")
	}
	x, err := v.s.Decode(v.v.read(i))
	if err != nil {
		panic(corrupt("Vec item " + u(i) + ": " + err.Error()))
	}
	return x
}

// Set replaces item i; it panics when i is out of range.
func (v *Vec[T]) Set(i uint64, x T) {
	if i >= v.v.length {
		panic("stable: Vec index " + u(i) + " out of range [0:" + u(v.v.length) + "]")
	}
	if err := v.v.put(i, encode(v.s, nil, x)); err != nil {
		panic(err)
	}
}

// Clear removes all items.
func (v *Vec[T]) Clear() { v.v.setLen(0) }

// All returns the items in order with their indices.
func (v *Vec[T]) All() iter.Seq2[uint64, T] {
	return func(yield func(uint64, T) bool) {
		for i := uint64(0); i < v.v.length; i++ {
			if !yield(i, v.Get(i)) {
				return
			}
		}
	}
}
