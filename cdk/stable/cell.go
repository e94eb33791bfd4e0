package stable

import (
	"encoding/binary"
	"errors"
)

// Cell holds one value in a Memory, in ic-stable-structures' Cell layout
// (src/cell.rs, "V1 layout"):
//
//	"SCL" | version 1 | value length u32 | value bytes
//
// The value is kept decoded on the heap too, so Get does not read memory.
type Cell[T any] struct {
	mem Memory
	s   Storable[T]
	v   T
}

// NewCell opens the Cell in m, or creates one holding def when m is empty
// (size 0 or an all-zero header). It fails when m holds something else.
func NewCell[T any](m Memory, def T) (*Cell[T], error) {
	return NewCellOf(m, StorableFor[T](), def)
}

// NewCellOf is NewCell with an explicit Storable.
func NewCellOf[T any](m Memory, s Storable[T], def T) (*Cell[T], error) {
	c := &Cell[T]{mem: m, s: s}
	if m.Size() == 0 {
		return c, c.Set(def)
	}
	var h [8]byte
	m.Read(0, h[:])
	if string(h[:3]) != "SCL" {
		if h == [8]byte{} {
			return c, c.Set(def)
		}
		return nil, errors.New("stable: the memory does not hold a Cell (it starts with " + q(h[:4]) + ", not \"SCL\")")
	}
	if h[3] != 1 {
		return nil, errors.New("stable: unsupported Cell layout version " + u(uint64(h[3])))
	}
	n := uint64(binary.LittleEndian.Uint32(h[4:]))
	if !inBounds(m, 8, n) {
		return nil, corrupt("Cell value of " + u(n) + " bytes is larger than its memory")
	}
	b := make([]byte, n)
	m.Read(8, b)
	v, err := s.Decode(b)
	if err != nil {
		return nil, errors.New("stable: Cell value does not decode: " + err.Error())
	}
	c.v = v
	return c, nil
}

// Get returns the value.
func (c *Cell[T]) Get() T { return c.v }

// Set stores v. It fails, leaving the cell as it was, when the memory
// cannot grow to hold it.
func (c *Cell[T]) Set(v T) error {
	b := make([]byte, 8, 64)
	b = encode(c.s, b, v)
	copy(b, "SCL\x01")
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	if err := ensure(c.mem, 0, uint64(len(b))); err != nil {
		return err
	}
	c.mem.Write(0, b)
	c.v = v
	return nil
}
