package candid

import (
	"reflect"
	"unicode/utf8"
	"unsafe"
)

// The compiled codecs read and write Go values through their addresses:
// the codec of a type holds its size and its struct fields' offsets, so
// records, vecs, options and primitives are encoded and decoded without a
// reflect call per value (issue 12 item 3). Custom types, maps, variants
// and references go through the reflection-based code.

// sliceHeader is the layout of a Go slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

type (
	encFunc func(b []byte, c *codec, p unsafe.Pointer) ([]byte, error)
	decFunc func(d *decoder, c *codec, w int32, p unsafe.Pointer) error
)

// setFuncs picks the encoder and decoder of c. They are small functions:
// in a canister, every branch inside a Go function runs through a dispatch
// whose cost grows with the function's size, so one large switch costs far
// more per value than a call through a function pointer.
func setFuncs(c *codec) {
	c.enc, c.dec = encSlowAt, decSlowAt
	switch c.shape {
	case shapePlain:
		switch c.op {
		case OpNull, OpReserved:
			c.enc = encNothing
			c.dec = decReserved
			if c.op == OpNull {
				c.dec = decNull
			}
		case OpBool:
			c.enc, c.dec = encBool, decBool
		case OpNat8, OpInt8:
			c.enc, c.dec = enc8, dec8
		case OpNat16, OpInt16:
			c.enc, c.dec = enc16, dec16
		case OpNat32, OpInt32, OpFloat32:
			c.enc, c.dec = enc32, dec32
		case OpNat64, OpInt64, OpFloat64:
			c.enc, c.dec = enc64, dec64
		case OpText:
			c.enc, c.dec = encText, decText
		case OpOpt:
			c.enc, c.dec = encOpt, decOptAt
		case OpRecord:
			c.enc, c.dec = encRecord, decRecord
		}
	case shapeSlice, shapeBytes, shapeArray:
		c.dec = decVecAt
		switch c.shape {
		case shapeSlice:
			c.enc = encSlice
		case shapeBytes:
			c.enc = encBytes
		case shapeArray:
			c.enc = encArray
		}
	}
}

// decSlowAt decodes with the reflection-based decoder: custom types,
// maps, variants, references and the coercions between number types.
func decSlowAt(d *decoder, c *codec, w int32, p unsafe.Pointer) error {
	return d.decode1(c, w, reflect.NewAt(c.t, p).Elem())
}

func decNull(d *decoder, c *codec, w int32, p unsafe.Pointer) error {
	if w != int32(OpNull) {
		return mismatch(c, d, w)
	}
	return nil
}

func decReserved(d *decoder, c *codec, w int32, p unsafe.Pointer) error { return d.skip(w) }

func decBool(d *decoder, c *codec, w int32, p unsafe.Pointer) error {
	if w != int32(OpBool) {
		return mismatch(c, d, w)
	}
	if d.pos >= len(d.data) || d.data[d.pos] > 1 {
		return d.badBool()
	}
	*(*bool)(p) = d.data[d.pos] == 1
	d.pos++
	return nil
}

func (d *decoder) badBool() error {
	b, err := d.byte()
	if err != nil {
		return err
	}
	return malformed("invalid bool byte " + itoa(int64(b)))
}

func dec8(d *decoder, c *codec, w int32, p unsafe.Pointer) error {
	if w != int32(c.op) {
		return decSlowAt(d, c, w, p)
	}
	if d.pos >= len(d.data) {
		return errEOF()
	}
	*(*uint8)(p) = d.data[d.pos]
	d.pos++
	return nil
}

func dec16(d *decoder, c *codec, w int32, p unsafe.Pointer) error {
	if w != int32(c.op) {
		return decSlowAt(d, c, w, p)
	}
	if len(d.data)-d.pos < 2 {
		return errEOF()
	}
	b := d.data[d.pos:]
	*(*uint16)(p) = uint16(b[0]) | uint16(b[1])<<8
	d.pos += 2
	return nil
}

func dec32(d *decoder, c *codec, w int32, p unsafe.Pointer) error {
	if w != int32(c.op) {
		return decSlowAt(d, c, w, p)
	}
	if len(d.data)-d.pos < 4 {
		return errEOF()
	}
	*(*uint32)(p) = le(d.data[d.pos:])
	d.pos += 4
	return nil
}

func dec64(d *decoder, c *codec, w int32, p unsafe.Pointer) error {
	if w != int32(c.op) {
		return decSlowAt(d, c, w, p)
	}
	if len(d.data)-d.pos < 8 {
		return errEOF()
	}
	*(*uint64)(p) = le64(d.data[d.pos:])
	d.pos += 8
	return nil
}

func errEOF() error { return malformed("unexpected end of input") }

func decText(d *decoder, c *codec, w int32, p unsafe.Pointer) error {
	if w != int32(OpText) {
		return mismatch(c, d, w)
	}
	// Short text, the common case, without the general length reader.
	if d.pos < len(d.data) {
		if n := int(d.data[d.pos]); n < 0x80 && n < len(d.data)-d.pos {
			s := d.data[d.pos+1 : d.pos+1+n]
			if utf8.Valid(s) {
				d.pos += 1 + n
				*(*string)(p) = d.str(s)
				return nil
			}
		}
	}
	s, err := d.text()
	if err != nil {
		return err
	}
	*(*string)(p) = d.str(s)
	return nil
}

func decOptAt(d *decoder, c *codec, w int32, p unsafe.Pointer) error { return d.decodeOpt(c, w, p) }

func decRecord(d *decoder, c *codec, w int32, p unsafe.Pointer) error {
	if w < 0 || d.table[w].Op != int64(OpRecord) {
		return mismatch(c, d, w)
	}
	return d.decodeRecord(c, w, p, nil)
}

func decVecAt(d *decoder, c *codec, w int32, p unsafe.Pointer) error {
	if w < 0 || d.table[w].Op != int64(OpVec) {
		return mismatch(c, d, w)
	}
	return d.decodeVec(c, w, p)
}

// missingAt handles an expected value absent from the message: values of
// types that null is a subtype of (null, opt and reserved) take null
// (Candid spec, "Coercion / Records": null <: <t3>).
func missingAt(c *codec, p unsafe.Pointer) error {
	switch {
	case c.op == OpOpt:
		*(*unsafe.Pointer)(p) = nil
	case c.op == OpReserved && c.shape == shapePlain:
	case c.op == OpNull && c.shape == shapePlain:
	default:
		return errorf("missing")
	}
	return nil
}

// decodeOpt implements the opt rules of the Candid spec ("Coercion /
// Options") for the pointer at p.
func (d *decoder) decodeOpt(c *codec, w int32, p unsafe.Pointer) error {
	switch d.opOf(w) {
	case OpNull, OpReserved:
		*(*unsafe.Pointer)(p) = nil
		return nil
	case OpOpt:
		f, err := d.byte()
		if err != nil {
			return err
		}
		switch f {
		case 0:
			*(*unsafe.Pointer)(p) = nil
			return nil
		case 1:
			return d.tryOpt(c, d.table[w].Elem, p)
		}
		return malformed("invalid opt flag " + itoa(int64(f)))
	}
	return d.tryOpt(c, w, p)
}

// tryOpt decodes a value of wire type w as the content of opt c; when it
// does not fit, the value is skipped and the pointer at p becomes nil.
func (d *decoder) tryOpt(c *codec, w int32, p unsafe.Pointer) error {
	start := d.pos
	if err := d.chargeAlloc(1, c.elem.size); err != nil {
		return err
	}
	q := d.newElem(c)
	err := d.decodeAt(c.elem, w, q)
	if err == nil {
		*(*unsafe.Pointer)(p) = q
		return nil
	}
	if isMalformed(err) {
		return at(err, "opt value")
	}
	d.pos = start
	if err := d.skip(w); err != nil {
		return at(err, "opt value")
	}
	*(*unsafe.Pointer)(p) = nil
	return nil
}

// decodeVec decodes a vec into the slice or array at p.
func (d *decoder) decodeVec(c *codec, w int32, p unsafe.Pointer) error {
	elem := d.table[w].Elem
	n, err := d.vecLen(elem)
	if err != nil {
		return err
	}
	size := c.elem.size
	switch c.shape {
	case shapeBytes:
		if elem == int32(OpNat8) {
			b, err := d.bytes(uint64(n))
			if err != nil {
				return err
			}
			*(*[]byte)(p) = append(make([]byte, 0, len(b)), b...)
			return nil
		}
	case shapeArray:
		if n != c.t.Len() {
			return errorf("expected vec of length " + itoa(int64(c.t.Len())) + ", got " + itoa(int64(n)))
		}
		for i := 0; i < n; i++ {
			if err := d.decodeAt(c.elem, elem, unsafe.Add(p, uintptr(i)*size)); err != nil {
				return at(err, "vec element "+itoa(int64(i)))
			}
		}
		return nil
	}
	if err := d.chargeAlloc(n, size); err != nil {
		return err
	}
	// Do not trust n for a large up-front allocation: grow by doubling
	// past 1 MiB.
	capacity := n
	if limit := 1 << 20 / (int(size) + 1); capacity > limit {
		capacity = limit
	}
	s := reflect.MakeSlice(c.t, capacity, capacity)
	base := s.UnsafePointer()
	for i := 0; i < n; i++ {
		if i == s.Len() {
			grown := reflect.MakeSlice(c.t, min(2*i, n), min(2*i, n))
			reflect.Copy(grown, s)
			s, base = grown, grown.UnsafePointer()
		}
		if err := d.decodeAt(c.elem, elem, unsafe.Add(base, uintptr(i)*size)); err != nil {
			return at(err, "vec element "+itoa(int64(i)))
		}
	}
	reflect.NewAt(c.t, p).Elem().Set(s.Slice(0, n))
	return nil
}

// encodeAt appends the value of type c.t at p.
func encodeAt(b []byte, c *codec, p unsafe.Pointer) ([]byte, error) { return c.enc(b, c, p) }

func encSlowAt(b []byte, c *codec, p unsafe.Pointer) ([]byte, error) {
	return encodeSlow(b, c, reflect.NewAt(c.t, p).Elem())
}

func encNothing(b []byte, c *codec, p unsafe.Pointer) ([]byte, error) { return b, nil }

func encBool(b []byte, c *codec, p unsafe.Pointer) ([]byte, error) {
	if *(*bool)(p) {
		return append(b, 1), nil
	}
	return append(b, 0), nil
}

func enc8(b []byte, c *codec, p unsafe.Pointer) ([]byte, error) {
	return append(b, *(*uint8)(p)), nil
}

func enc16(b []byte, c *codec, p unsafe.Pointer) ([]byte, error) {
	x := *(*uint16)(p)
	return append(b, byte(x), byte(x>>8)), nil
}

func enc32(b []byte, c *codec, p unsafe.Pointer) ([]byte, error) {
	x := *(*uint32)(p)
	return append(b, byte(x), byte(x>>8), byte(x>>16), byte(x>>24)), nil
}

func enc64(b []byte, c *codec, p unsafe.Pointer) ([]byte, error) {
	x := *(*uint64)(p)
	return append(b, byte(x), byte(x>>8), byte(x>>16), byte(x>>24),
		byte(x>>32), byte(x>>40), byte(x>>48), byte(x>>56)), nil
}

func encText(b []byte, c *codec, p unsafe.Pointer) ([]byte, error) {
	s := *(*string)(p)
	if len(s) < 0x80 {
		b = append(b, byte(len(s)))
	} else {
		b = AppendLEB128(b, uint64(len(s)))
	}
	return append(b, s...), nil
}

func encOpt(b []byte, c *codec, p unsafe.Pointer) ([]byte, error) {
	q := *(*unsafe.Pointer)(p)
	if q == nil {
		return append(b, 0), nil
	}
	b, err := c.elem.enc(append(b, 1), c.elem, q)
	if err != nil {
		return nil, at(err, "opt value")
	}
	return b, nil
}

func encRecord(b []byte, c *codec, p unsafe.Pointer) ([]byte, error) {
	for i := range c.fields {
		f := &c.fields[i]
		var err error
		if b, err = f.c.enc(b, f.c, unsafe.Add(p, f.offset)); err != nil {
			return nil, at(err, fieldPath("record field", f))
		}
	}
	return b, nil
}

func encSlice(b []byte, c *codec, p unsafe.Pointer) ([]byte, error) {
	h := (*sliceHeader)(p)
	b = reserve(b, h.len*c.elem.min)
	return encodeElems(AppendLEB128(b, uint64(h.len)), c.elem, h.data, h.len)
}

func encBytes(b []byte, c *codec, p unsafe.Pointer) ([]byte, error) {
	s := *(*[]byte)(p)
	b = AppendLEB128(b, uint64(len(s)))
	return append(b, s...), nil
}

func encArray(b []byte, c *codec, p unsafe.Pointer) ([]byte, error) {
	n := c.t.Len()
	return encodeElems(AppendLEB128(b, uint64(n)), c.elem, p, n)
}

// encodeElems appends the n values of type c.t from p on.
func encodeElems(b []byte, c *codec, p unsafe.Pointer, n int) ([]byte, error) {
	for i := 0; i < n; i++ {
		var err error
		if b, err = c.enc(b, c, unsafe.Add(p, uintptr(i)*c.size)); err != nil {
			return nil, at(err, "vec element "+itoa(int64(i)))
		}
	}
	return b, nil
}

// reserve makes room for n more bytes in b in one allocation: a vec's
// elements then do not grow the buffer step by step (every growth is an
// allocation, which is costly in a canister).
func reserve(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), len(b)+n+len(b)/4+64)
	copy(nb, b)
	return nb
}

// Decoded text and the values of options are allocated in batches: an
// allocation costs thousands of instructions in a canister, more than
// decoding a small value. The price is that a value kept alive keeps its
// batch alive: at most arenaChunk bytes for a string, maxSlabElem*slabLen
// bytes for an option's value.
const (
	arenaChunk     = 4096 // bytes of text per allocation
	maxArenaString = 256  // longer strings get their own allocation
	maxSlabElem    = 64   // option values up to this size come from slabs
	slabLen        = 32   // option values per slab
)

// str returns b as a string, cut from the decoder's text arena.
func (d *decoder) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxArenaString {
		return string(b)
	}
	if len(d.arena) < len(b) {
		// A chunk need not be larger than the text left in the message.
		d.arena = make([]byte, min(arenaChunk, len(b)+len(d.data)-d.pos))
	}
	n := copy(d.arena, b)
	s := unsafe.String(&d.arena[0], n)
	d.arena = d.arena[n:]
	return s
}

// slab is a batch of zeroed values of one type.
type slab struct {
	c    *codec // the opt codec
	next unsafe.Pointer
	left int
}

// newElem returns a new zero value of the element type of opt c.
func (d *decoder) newElem(c *codec) unsafe.Pointer {
	if c.slab == nil {
		return reflect.New(c.elem.t).UnsafePointer()
	}
	i := 0
	for ; i < len(d.slabs); i++ {
		if d.slabs[i].c == c || d.slabs[i].c == nil {
			break
		}
	}
	if i == len(d.slabs) {
		i = 0 // evict the first
	}
	s := &d.slabs[i]
	if s.c != c || s.left == 0 {
		*s = slab{c: c, next: reflect.MakeSlice(c.slab, slabLen, slabLen).UnsafePointer(), left: slabLen}
	}
	p := s.next
	s.left--
	if s.left > 0 {
		s.next = unsafe.Add(p, c.elem.size)
	}
	return p
}
