package stable

import (
	"errors"
	"iter"
)

// Log is an append-only list of values of any size, in two memories, in
// ic-stable-structures' Log layout (src/log.rs, "V1 layout"):
//
//	index memory:  "GLI" | version 1 | 28 bytes reserved | entries L u64 | end offset of entry 0 .. L-1, u64 each
//	data memory:   "GLD" | version 1 | 28 bytes reserved | entry 0 bytes | entry 1 bytes | ...
//
// End offsets are relative to the data memory's offset 32.
type Log[T any] struct {
	index, data Memory
	s           Storable[T]
	length      uint64
}

const logHeader = 32

// NewLog opens the Log in the two memories, or creates an empty one when
// both are empty.
func NewLog[T any](index, data Memory) (*Log[T], error) {
	return NewLogOf(index, data, StorableFor[T]())
}

// NewLogOf is NewLog with an explicit Storable.
func NewLogOf[T any](index, data Memory, s Storable[T]) (*Log[T], error) {
	l := &Log[T]{index: index, data: data, s: s}
	ih, iok := logMagic(index)
	dh, dok := logMagic(data)
	if !iok && !dok {
		write(index, 0, []byte("GLI\x01"))
		write(data, 0, []byte("GLD\x01"))
		writeU64(index, logHeader, 0)
		return l, nil
	}
	if ih != "GLI\x01" || dh != "GLD\x01" {
		return nil, errors.New("stable: the memories do not hold a Log (index starts with " + q([]byte(ih)) +
			", data with " + q([]byte(dh)) + "; want \"GLI\" and \"GLD\" version 1)")
	}
	if !inBounds(index, logHeader, 8) {
		return nil, corrupt("Log index memory is too small")
	}
	l.length = readU64(index, logHeader)
	if !inBounds(index, logHeader+8, l.length*8) || l.length > index.Size()*PageSize/8 {
		return nil, corrupt("Log index of " + u(l.length) + " entries does not fit its memory")
	}
	return l, nil
}

// logMagic returns the first 4 bytes of m, and false when m is empty or
// they are zero.
func logMagic(m Memory) (string, bool) {
	if m.Size() == 0 {
		return "", false
	}
	var h [4]byte
	m.Read(0, h[:])
	return string(h[:]), h != [4]byte{}
}

// Len returns the number of entries.
func (l *Log[T]) Len() uint64 { return l.length }

func (l *Log[T]) end(i uint64) uint64 { return readU64(l.index, logHeader+8+i*8) }

// Append adds x and returns its index; it fails when a memory cannot grow.
func (l *Log[T]) Append(x T) (uint64, error) {
	b := encode(l.s, nil, x)
	var start uint64
	if l.length > 0 {
		start = l.end(l.length - 1)
	}
	if err := ensure(l.data, logHeader+start, uint64(len(b))); err != nil {
		return 0, err
	}
	if err := ensure(l.index, logHeader+8+l.length*8, 8); err != nil {
		return 0, err
	}
	l.data.Write(logHeader+start, b)
	writeU64(l.index, logHeader+8+l.length*8, start+uint64(len(b)))
	l.length++
	writeU64(l.index, logHeader, l.length)
	return l.length - 1, nil
}

// Get returns entry i.
func (l *Log[T]) Get(i uint64) (T, bool) {
	var zero T
	if i >= l.length {
		return zero, false
	}
	var start uint64
	if i > 0 {
		start = l.end(i - 1)
	}
	end := l.end(i)
	if end < start || !inBounds(l.data, logHeader+start, end-start) {
		panic(corrupt("Log entry " + u(i) + " has a bad extent"))
	}
	b := make([]byte, end-start)
	l.data.Read(logHeader+start, b)
	x, err := l.s.Decode(b)
	if err != nil {
		panic(corrupt("Log entry " + u(i) + ": " + err.Error()))
	}
	return x, true
}

// All returns the entries in order with their indices.
func (l *Log[T]) All() iter.Seq2[uint64, T] {
	return func(yield func(uint64, T) bool) {
		for i := uint64(0); i < l.length; i++ {
			x, _ := l.Get(i)
			if !yield(i, x) {
				return
			}
		}
	}
}
