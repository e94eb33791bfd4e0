package candid

import (
	"math"
	"reflect"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"github.com/icgo/icgo/internal/candidwire"
	"github.com/icgo/icgo/principal"
)

// Limits that keep decoding of hostile input bounded.
const (
	maxDepth = 1024 // nesting of values and types

	// The work of decoding a message is bounded by a budget proportional to
	// its size, like the decoding quota of the Rust candid crate
	// (DecoderConfig): every value decoded or skipped costs a unit, every
	// field of an expected record a unit, and every allocBytesPerUnit bytes
	// of Go memory allocated for vecs, options and variants a unit. Values
	// that occupy no bytes (null, reserved, records of them, missing
	// fields) are what makes the work of a message exceed its size; the
	// budget caps them.
	budgetPerByte     = 32
	budgetBase        = 1 << 20
	allocBytesPerUnit = 32
)

// budgetFor returns the work budget of a message of n bytes.
func budgetFor(n int) int { return budgetPerByte*n + budgetBase }

type decoder struct {
	data   []byte
	pos    int
	table  []candidwire.Type
	zero   []int8 // memo for zeroSized: 0 unknown, 1 yes, 2 no, 3 visiting
	depth  int
	budget int      // remaining work units, see budgetFor
	arena  []byte   // see str
	slabs  [4]slab  // see newElem
	same   struct { // see sameFields
		c  *codec
		w  int32
		ok bool
	}
}

// Unmarshal decodes a Candid message into ptrs, which must be non-nil
// pointers (a nil entry skips that argument). It validates the whole
// message and applies Candid's decoding rules (Candid spec, "Decoding"):
// extra wire arguments and record fields are ignored, missing ones of opt
// type become nil, and a value that does not decode at an opt type becomes
// nil.
func Unmarshal(data []byte, ptrs []any) error {
	if len(ptrs) == 1 {
		if ok, err := unmarshalOne(data, ptrs[0]); ok {
			return err
		}
	}
	return unmarshalGeneral(data, ptrs)
}

// unmarshalGeneral is Unmarshal's general path.
func unmarshalGeneral(data []byte, ptrs []any) error {
	d := spareDecoder.Swap(nil)
	if d == nil {
		d = new(decoder)
	}
	*d = decoder{data: data, budget: budgetFor(len(data))}
	err := d.unmarshal(ptrs)
	*d = decoder{} // keep no references to the message or its values
	spareDecoder.Store(d)
	return err
}

// spareDecoder is reused by Unmarshal: the decoder escapes to the heap
// (the compiled codecs are called through function pointers), and an
// allocation costs thousands of instructions in a canister. Prepare
// creates it, during initialization, so that queries find it.
var spareDecoder atomic.Pointer[decoder]

func (d *decoder) unmarshal(ptrs []any) error {
	args, err := d.header()
	if err != nil {
		return err
	}
	for i, p := range ptrs {
		if p == nil {
			if i < len(args) {
				if err := d.skip(args[i]); err != nil {
					return at(err, argPath(i))
				}
			}
			continue
		}
		rv := reflect.ValueOf(p)
		if rv.Kind() != reflect.Pointer || rv.IsNil() {
			return at(errorf("Unmarshal needs a non-nil pointer, got "+rv.Type().String()), argPath(i))
		}
		c, err := codecFor(rv.Type().Elem())
		if err != nil {
			return at(err, argPath(i))
		}
		if i >= len(args) {
			if err := d.charge(1); err != nil {
				return err
			}
			if err := missingAt(c, rv.UnsafePointer()); err != nil {
				return at(errorf("missing argument of type "+c.op.String()), argPath(i))
			}
			continue
		}
		if err := d.decode(c, args[i], rv.Elem()); err != nil {
			return at(err, argPath(i))
		}
	}
	for i := len(ptrs); i < len(args); i++ {
		if err := d.skip(args[i]); err != nil {
			return at(err, argPath(i))
		}
	}
	if d.pos != len(d.data) {
		return malformed("trailing bytes after the last value (" + itoa(int64(len(d.data)-d.pos)) + " bytes)")
	}
	return nil
}

func (d *decoder) byte() (byte, error) {
	if d.pos >= len(d.data) {
		return 0, malformed("unexpected end of input")
	}
	b := d.data[d.pos]
	d.pos++
	return b, nil
}

func (d *decoder) bytes(n uint64) ([]byte, error) {
	if n > uint64(len(d.data)-d.pos) {
		return nil, malformed("unexpected end of input")
	}
	b := d.data[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}

func (d *decoder) leb() (uint64, error) {
	x, n, err := ReadLEB128(d.data[d.pos:])
	if err != nil {
		return 0, malformed(err.Error())
	}
	d.pos += n
	return x, nil
}

// count reads a length or count and checks that it fits in the input when
// every item needs at least min bytes.
func (d *decoder) count(min uint64) (int, error) {
	x, err := d.leb()
	if err != nil {
		return 0, err
	}
	if min > 0 && x > uint64(len(d.data)-d.pos)/min {
		return 0, malformed("length " + utoa(x) + " exceeds the input")
	}
	if x > math.MaxInt32 {
		return 0, malformed("length " + utoa(x) + " is too large")
	}
	return int(x), nil
}

// header parses and validates "DIDL", the type table and the argument types
// (Candid spec, "Deserialisation").
func (d *decoder) header() ([]int32, error) {
	h, err := candidwire.ReadHeader(d.data)
	if err != nil {
		return nil, malformed(err.Error())
	}
	d.table, d.pos = h.Table, h.End
	return h.Args, nil
}

func (d *decoder) opOf(w int32) Opcode {
	if w < 0 {
		return Opcode(w)
	}
	return Opcode(d.table[w].Op)
}

func (d *decoder) typeName(w int32) string { return d.opOf(w).String() }

// zeroSized reports whether values of wire type w occupy no bytes.
func (d *decoder) zeroSized(w int32) bool {
	switch {
	case w == int32(OpNull) || w == int32(OpReserved):
		return true
	case w < 0:
		return false
	}
	if d.zero == nil {
		d.zero = make([]int8, len(d.table))
	}
	switch d.zero[w] {
	case 1:
		return true
	case 2, 3:
		return false
	}
	t := &d.table[w]
	res := false
	if t.Op == int64(OpRecord) {
		d.zero[w] = 3
		res = true
		for _, f := range t.Fields {
			if !d.zeroSized(f.Type) {
				res = false
				break
			}
		}
	}
	d.zero[w] = 2
	if res {
		d.zero[w] = 1
	}
	return res
}

// vecLen reads a vec length and checks it against the input size or, for
// zero-sized elements, the work budget.
func (d *decoder) vecLen(elem int32) (int, error) {
	if !d.zeroSized(elem) {
		return d.count(1)
	}
	n, err := d.count(0)
	if err != nil {
		return 0, err
	}
	if n > d.budget {
		return 0, d.overBudget()
	}
	return n, nil
}

// charge takes n units of work from the budget.
func (d *decoder) charge(n int) error {
	d.budget -= n
	if d.budget < 0 {
		return d.overBudget()
	}
	return nil
}

// chargeAlloc charges the allocation of n values of size bytes each.
func (d *decoder) chargeAlloc(n int, size uintptr) error {
	per := int(size / allocBytesPerUnit)
	if per == 0 || n == 0 {
		return nil
	}
	if n > d.budget/per {
		return d.overBudget()
	}
	return d.charge(n * per)
}

func (d *decoder) overBudget() error {
	d.budget = -1
	return malformed("decoding work exceeds the limit for a message of " + itoa(int64(len(d.data))) +
		" bytes (too many values that occupy no bytes, or too much memory for the expected types)")
}

func mismatch(c *codec, d *decoder, w int32) error {
	return errorf("expected " + c.op.String() + ", got " + d.typeName(w))
}

// enter is called for every value decoded or skipped: it charges a unit of
// work and tracks the nesting depth.
func (d *decoder) enter() error {
	d.depth++
	if d.depth > maxDepth {
		return malformed("nesting too deep")
	}
	return d.charge(1)
}

// decode decodes the value of wire type w into v, which is addressable.
func (d *decoder) decode(c *codec, w int32, v reflect.Value) error {
	return d.decodeAt(c, w, v.Addr().UnsafePointer())
}

// decodeAt decodes the value of wire type w into the Go value of type c.t
// at p.
func (d *decoder) decodeAt(c *codec, w int32, p unsafe.Pointer) error {
	if w == int32(OpEmpty) {
		return malformed("value of type empty")
	}
	if err := d.enter(); err != nil {
		return err
	}
	err := c.dec(d, c, w, p)
	d.depth--
	return err
}

// decode1 is the reflection-based decoder of the types that decodeFast
// leaves to it.

func (d *decoder) decode1(c *codec, w int32, v reflect.Value) error {
	op := d.opOf(w)
	if op == OpEmpty {
		return malformed("value of type empty")
	}
	switch c.shape {
	case shapeCustom, shapePtrCustom:
		return d.decodeCustom(c, w, v)
	}
	switch c.op {
	case OpEmpty:
		return errorf("cannot decode a value into empty")
	case OpNat8, OpNat16, OpNat32, OpNat64:
		return d.decodeUint(c, w, v)
	case OpInt8, OpInt16, OpInt32, OpInt64:
		return d.decodeInt(c, w, v)
	case OpPrincipal:
		// Spec "Coercion / Primitive Types": a service reference coerces
		// at type principal.
		if op != OpPrincipal && op != OpService {
			return mismatch(c, d, w)
		}
		b, err := d.principal()
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(principal.FromBytes(b)))
		return nil
	case OpService:
		if op != OpService {
			return mismatch(c, d, w)
		}
		b, err := d.principal()
		if err != nil {
			return err
		}
		v.Field(0).Set(reflect.ValueOf(principal.FromBytes(b)))
		return nil
	case OpFunc:
		if op != OpFunc {
			return mismatch(c, d, w)
		}
		p, m, err := d.funcRef()
		if err != nil {
			return err
		}
		v.Field(0).Set(reflect.ValueOf(principal.FromBytes(p)))
		v.Field(1).SetString(string(m))
		return nil
	case OpVec: // maps; the other vecs are decoded by decVecAt
		if op != OpVec {
			return mismatch(c, d, w)
		}
		return d.decodeMapVec(c, w, v)
	case OpVariant:
		if op != OpVariant {
			return mismatch(c, d, w)
		}
		return d.decodeVariant(c, w, v)
	}
	// Other types are decoded by the functions of setFuncs, which leave
	// only mismatches here.
	return mismatch(c, d, w)
}

func le(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func le64(b []byte) uint64 {
	return uint64(le(b)) | uint64(le(b[4:]))<<32
}

func (d *decoder) text() ([]byte, error) {
	n, err := d.count(0)
	if err != nil {
		return nil, err
	}
	b, err := d.bytes(uint64(n))
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(b) {
		return nil, malformed("text is not valid UTF-8")
	}
	return b, nil
}

func (d *decoder) principal() ([]byte, error) {
	f, err := d.byte()
	if err != nil {
		return nil, err
	}
	switch f {
	case 1:
	case 0:
		return nil, malformed("opaque references are not supported")
	default:
		return nil, malformed("invalid reference flag " + itoa(int64(f)))
	}
	n, err := d.count(0)
	if err != nil {
		return nil, err
	}
	if n > 29 {
		return nil, malformed("principal longer than 29 bytes")
	}
	return d.bytes(uint64(n))
}

func (d *decoder) funcRef() ([]byte, []byte, error) {
	f, err := d.byte()
	if err != nil {
		return nil, nil, err
	}
	switch f {
	case 1:
	case 0:
		return nil, nil, malformed("opaque references are not supported")
	default:
		return nil, nil, malformed("invalid reference flag " + itoa(int64(f)))
	}
	p, err := d.principal()
	if err != nil {
		return nil, nil, err
	}
	m, err := d.text()
	return p, m, err
}

// decodeUint decodes nat<N> (or nat, range checked) into a Go unsigned
// integer.
func (d *decoder) decodeUint(c *codec, w int32, v reflect.Value) error {
	op := d.opOf(w)
	var x uint64
	switch op {
	case c.op:
		size := uint64(1) << (OpNat8 - op)
		b, err := d.bytes(size)
		if err != nil {
			return err
		}
		for i := len(b) - 1; i >= 0; i-- {
			x = x<<8 | uint64(b[i])
		}
	case OpNat:
		y, n, err := ReadLEB128(d.data[d.pos:])
		if n == 0 {
			return malformed(err.Error())
		}
		d.pos += n
		if err != nil {
			return errorf("nat value does not fit in " + c.op.String())
		}
		x = y
		if v.OverflowUint(x) {
			return errorf("nat value " + utoa(x) + " does not fit in " + c.op.String())
		}
	default:
		return mismatch(c, d, w)
	}
	v.SetUint(x)
	return nil
}

// decodeInt decodes int<N> (or int/nat, range checked) into a Go signed
// integer.
func (d *decoder) decodeInt(c *codec, w int32, v reflect.Value) error {
	op := d.opOf(w)
	var x int64
	switch op {
	case c.op:
		size := uint(1) << (OpInt8 - op)
		b, err := d.bytes(uint64(size))
		if err != nil {
			return err
		}
		var u uint64
		for i := len(b) - 1; i >= 0; i-- {
			u = u<<8 | uint64(b[i])
		}
		shift := 64 - 8*size
		x = int64(u<<shift) >> shift
	case OpInt:
		y, n, err := ReadSLEB128(d.data[d.pos:])
		if n == 0 {
			return malformed(err.Error())
		}
		d.pos += n
		if err != nil || v.OverflowInt(y) {
			return errorf("int value does not fit in " + c.op.String())
		}
		x = y
	case OpNat:
		y, n, err := ReadLEB128(d.data[d.pos:])
		if n == 0 {
			return malformed(err.Error())
		}
		d.pos += n
		if err != nil || y > math.MaxInt64 || v.OverflowInt(int64(y)) {
			return errorf("nat value does not fit in " + c.op.String())
		}
		x = int64(y)
	default:
		return mismatch(c, d, w)
	}
	v.SetInt(x)
	return nil
}

// primitiveValue returns the bytes of a value of primitive wire type op.
func (d *decoder) primitiveValue(op Opcode) ([]byte, error) {
	start := d.pos
	switch op {
	case OpNull, OpReserved:
	case OpBool:
		b, err := d.byte()
		if err != nil {
			return nil, err
		}
		if b > 1 {
			return nil, malformed("invalid bool byte " + itoa(int64(b)))
		}
	case OpNat, OpInt:
		n := lebLen(d.data[d.pos:])
		if n == 0 {
			return nil, malformed("truncated leb128")
		}
		d.pos += n
	case OpNat8, OpInt8:
		return d.bytes(1)
	case OpNat16, OpInt16:
		return d.bytes(2)
	case OpNat32, OpInt32, OpFloat32:
		return d.bytes(4)
	case OpNat64, OpInt64, OpFloat64:
		return d.bytes(8)
	case OpText:
		if _, err := d.text(); err != nil {
			return nil, err
		}
	case OpPrincipal:
		if _, err := d.principal(); err != nil {
			return nil, err
		}
	default:
		return nil, malformed("value of type " + op.String())
	}
	return d.data[start:d.pos], nil
}

func (d *decoder) decodeCustom(c *codec, w int32, v reflect.Value) error {
	if w >= 0 {
		return errorf("expected " + c.op.String() + ", got " + d.typeName(w))
	}
	b, err := d.primitiveValue(Opcode(w))
	if err != nil {
		return err
	}
	p := reflect.New(c.t)
	if err := p.Interface().(Unmarshaler).UnmarshalCandid(Opcode(w), b); err != nil {
		return errorf(err.Error())
	}
	v.Set(p.Elem())
	return nil
}

// sameFields reports whether the wire record type w has exactly the fields
// (ids) of c, remembering the last answer: records of a vec share it.
func (d *decoder) sameFields(c *codec, w int32) bool {
	if d.same.c == c && d.same.w == w {
		return d.same.ok
	}
	wfs := d.table[w].Fields
	ok := len(wfs) == len(c.fields)
	for i := 0; ok && i < len(wfs); i++ {
		ok = wfs[i].ID == c.fields[i].id
	}
	d.same.c, d.same.w, d.same.ok = c, w, ok
	return ok
}

// decodeFields decodes a record whose wire fields are those of c.
func (d *decoder) decodeFields(c *codec, w int32, p unsafe.Pointer) error {
	wfs := d.table[w].Fields
	if err := d.charge(len(wfs)); err != nil {
		return err
	}
	for i := range wfs {
		f := &c.fields[i]
		if err := d.decodeAt(f.c, wfs[i].Type, unsafe.Add(p, f.offset)); err != nil {
			return at(err, fieldPath("record field", f))
		}
	}
	return nil
}

// decodeMapVec decodes a vec of records into a map.
func (d *decoder) decodeMapVec(c *codec, w int32, v reflect.Value) error {
	elem := d.table[w].Elem
	n, err := d.vecLen(elem)
	if err != nil {
		return err
	}
	return d.decodeMap(c, elem, n, v)
}

func (d *decoder) decodeMap(c *codec, elem int32, n int, v reflect.Value) error {
	if d.opOf(elem) != OpRecord {
		return errorf("expected vec record, got vec " + d.typeName(elem))
	}
	if err := d.chargeAlloc(n, c.key.t.Size()+c.val.t.Size()); err != nil {
		return err
	}
	m := reflect.MakeMapWithSize(c.t, min(n, 1024))
	for i := 0; i < n; i++ {
		kv := [2]reflect.Value{reflect.New(c.key.t).Elem(), reflect.New(c.val.t).Elem()}
		if err := d.enter(); err != nil {
			return err
		}
		kvp := [2]unsafe.Pointer{kv[0].Addr().UnsafePointer(), kv[1].Addr().UnsafePointer()}
		err := d.decodeRecord(c.elem, elem, nil, &kvp)
		d.depth--
		if err != nil {
			return at(err, "map entry "+itoa(int64(i)))
		}
		m.SetMapIndex(kv[0], kv[1])
	}
	v.Set(m)
	return nil
}

// decodeRecord merges the wire record fields with the expected ones. The
// target is either the struct at p or, for map entries, the values at kv.
func (d *decoder) decodeRecord(c *codec, w int32, p unsafe.Pointer, kv *[2]unsafe.Pointer) error {
	if kv == nil && d.sameFields(c, w) {
		return d.decodeFields(c, w, p)
	}
	target := func(f *field) unsafe.Pointer {
		if kv != nil {
			return kv[f.index]
		}
		return unsafe.Add(p, f.offset)
	}
	fields := c.fields
	if err := d.charge(len(fields)); err != nil {
		return err
	}
	j := 0
	for _, wf := range d.table[w].Fields {
		for j < len(fields) && fields[j].id < wf.ID {
			if err := missingAt(fields[j].c, target(&fields[j])); err != nil {
				return errorf("missing " + fieldPath("record field", &fields[j]))
			}
			j++
		}
		if j < len(fields) && fields[j].id == wf.ID {
			if err := d.decodeAt(fields[j].c, wf.Type, target(&fields[j])); err != nil {
				return at(err, fieldPath("record field", &fields[j]))
			}
			j++
			continue
		}
		if err := d.skip(wf.Type); err != nil {
			return at(err, "record field "+utoa(uint64(wf.ID)))
		}
	}
	for ; j < len(fields); j++ {
		if err := missingAt(fields[j].c, target(&fields[j])); err != nil {
			return errorf("missing " + fieldPath("record field", &fields[j]))
		}
	}
	return nil
}

func (d *decoder) decodeVariant(c *codec, w int32, v reflect.Value) error {
	wfs := d.table[w].Fields
	i, err := d.leb()
	if err != nil {
		return err
	}
	if i >= uint64(len(wfs)) {
		return malformed("variant index " + utoa(i) + " out of range")
	}
	wf := wfs[i]
	if k := c.fieldIndex(wf.ID); k >= 0 {
		f := &c.fields[k]
		if err := d.chargeAlloc(1, f.c.t.Size()); err != nil {
			return err
		}
		p := reflect.New(f.c.t)
		if err := d.decode(f.c, wf.Type, p.Elem()); err != nil {
			return at(err, fieldPath("variant case", f))
		}
		v.SetZero()
		v.Field(f.index).Set(p)
		return nil
	}
	return errorf("unexpected variant case with id " + utoa(uint64(wf.ID)))
}

// skip validates and skips a value of wire type w.
func (d *decoder) skip(w int32) error {
	if w < 0 {
		if err := d.charge(1); err != nil {
			return err
		}
		_, err := d.primitiveValue(Opcode(w))
		return err
	}
	if err := d.enter(); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	t := &d.table[w]
	switch Opcode(t.Op) {
	case OpOpt:
		f, err := d.byte()
		if err != nil {
			return err
		}
		switch f {
		case 0:
			return nil
		case 1:
			return d.skip(t.Elem)
		}
		return malformed("invalid opt flag " + itoa(int64(f)))
	case OpVec:
		n, err := d.vecLen(t.Elem)
		if err != nil {
			return err
		}
		if t.Elem == int32(OpNat8) {
			_, err := d.bytes(uint64(n))
			return err
		}
		for i := 0; i < n; i++ {
			if err := d.skip(t.Elem); err != nil {
				return err
			}
		}
		return nil
	case OpRecord:
		for _, f := range t.Fields {
			if err := d.skip(f.Type); err != nil {
				return err
			}
		}
		return nil
	case OpVariant:
		i, err := d.leb()
		if err != nil {
			return err
		}
		if i >= uint64(len(t.Fields)) {
			return malformed("variant index " + utoa(i) + " out of range")
		}
		return d.skip(t.Fields[i].Type)
	case OpFunc:
		_, _, err := d.funcRef()
		return err
	case OpService:
		_, err := d.principal()
		return err
	}
	return malformed("cannot skip " + Opcode(t.Op).String())
}
