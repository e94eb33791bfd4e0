package candidwire

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// Type opcodes (Candid spec, "Binary Format / Types").
const (
	OpNull      = -1
	OpBool      = -2
	OpNat       = -3
	OpInt       = -4
	OpNat8      = -5
	OpNat16     = -6
	OpNat32     = -7
	OpNat64     = -8
	OpInt8      = -9
	OpInt16     = -10
	OpInt32     = -11
	OpInt64     = -12
	OpFloat32   = -13
	OpFloat64   = -14
	OpText      = -15
	OpReserved  = -16
	OpEmpty     = -17
	OpOpt       = -18
	OpVec       = -19
	OpRecord    = -20
	OpVariant   = -21
	OpFunc      = -22
	OpService   = -23
	OpPrincipal = -24
)

// Func annotations (Candid spec, "Binary Format / Types": T(<funcann>)).
const (
	AnnQuery          = 1
	AnnOneway         = 2
	AnnCompositeQuery = 3
)

// IsPrimitive reports whether op is the opcode of a primitive type, which
// appears in type references but not in the type table.
func IsPrimitive(op int64) bool {
	return (op <= OpNull && op >= OpEmpty) || op == OpPrincipal
}

// Type is an entry of a message's type table. A type reference (an int32)
// is an index into the table when it is not negative, else a primitive
// opcode.
type Type struct {
	Op      int64    // OpOpt ... OpService
	Elem    int32    // opt, vec
	Fields  []Field  // record, variant: strictly increasing ids
	Args    []int32  // func
	Results []int32  // func
	Anns    []byte   // func annotations (AnnQuery, ...)
	Methods []Method // service: strictly increasing names
}

// Field is a record field or variant case.
type Field struct {
	ID   uint32
	Type int32
}

// Method is a method of a service type.
type Method struct {
	Name string
	Type int32 // refers to a func type
}

// Header is the decoded start of a message.
type Header struct {
	Table []Type
	Args  []int32
	End   int // offset of the first value
}

// Error is a malformed header.
type Error struct {
	Offset int    // where in the message
	Msg    string // for example "type table entry 0: invalid type opcode -48"
}

func (e *Error) Error() string { return e.Msg }

// ReadHeader decodes and validates the magic number "DIDL", the type table
// and the argument types of a Candid message (Candid spec,
// "Deserialisation"): opcodes, type references, field order and id range,
// func annotations (a oneway func has no results), and that service
// methods have func types. Every count is checked against the bytes left,
// so the work and memory are linear in the message size.
func ReadHeader(data []byte) (Header, error) {
	r := reader{b: data}
	var h Header
	if len(data) < 4 || string(data[:4]) != "DIDL" {
		return h, r.fail("missing DIDL magic number")
	}
	r.off = 4
	n, err := r.count(1)
	if err != nil {
		return h, r.wrap("type table: ", err)
	}
	if n > 0 {
		h.Table = make([]Type, n)
	}
	for i := range h.Table {
		if err := r.entry(&h.Table[i], len(h.Table)); err != nil {
			return h, r.wrap("type table entry "+strconv.Itoa(i)+": ", err)
		}
	}
	for i := range h.Table {
		for _, m := range h.Table[i].Methods {
			if m.Type < 0 || h.Table[m.Type].Op != OpFunc {
				return h, r.wrap("type table entry "+strconv.Itoa(i)+": ", r.fail("service method type is not a func type"))
			}
		}
	}
	k, err := r.count(1)
	if err != nil {
		return h, r.wrap("argument types: ", err)
	}
	if k > 0 {
		h.Args = make([]int32, k)
	}
	for i := range h.Args {
		if h.Args[i], err = r.ref(len(h.Table)); err != nil {
			return h, r.wrap("argument type "+strconv.Itoa(i)+": ", err)
		}
	}
	h.End = r.off
	return h, nil
}

type reader struct {
	b   []byte
	off int
}

func (r *reader) fail(msg string) *Error {
	return &Error{Offset: r.off, Msg: msg}
}

func (r *reader) wrap(prefix string, err error) *Error {
	e := err.(*Error)
	e.Msg = prefix + e.Msg
	return e
}

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, r.fail("unexpected end of input")
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) uleb() (uint64, error) {
	x, n, err := ReadULEB(r.b[r.off:])
	if err != nil {
		return 0, r.fail(err.Error())
	}
	r.off += n
	return x, nil
}

func (r *reader) sleb() (int64, error) {
	x, n, err := ReadSLEB(r.b[r.off:])
	if err != nil {
		return 0, r.fail(err.Error())
	}
	r.off += n
	return x, nil
}

// count reads a count of items of at least min bytes each.
func (r *reader) count(min uint64) (int, error) {
	x, err := r.uleb()
	if err != nil {
		return 0, err
	}
	if min > 0 && x > uint64(len(r.b)-r.off)/min {
		return 0, r.fail("length " + strconv.FormatUint(x, 10) + " exceeds the input")
	}
	if x > math.MaxInt32 {
		return 0, r.fail("length " + strconv.FormatUint(x, 10) + " is too large")
	}
	return int(x), nil
}

func (r *reader) ref(tableLen int) (int32, error) {
	x, err := r.sleb()
	if err != nil {
		return 0, err
	}
	if x >= 0 {
		if x >= int64(tableLen) {
			return 0, r.fail("type index " + strconv.FormatInt(x, 10) + " out of range")
		}
		return int32(x), nil
	}
	if !IsPrimitive(x) {
		return 0, r.fail("invalid type opcode " + strconv.FormatInt(x, 10))
	}
	return int32(x), nil
}

func (r *reader) refs(tableLen int) ([]int32, error) {
	n, err := r.count(1)
	if err != nil {
		return nil, err
	}
	var s []int32
	if n > 0 {
		s = make([]int32, n)
	}
	for i := range s {
		if s[i], err = r.ref(tableLen); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (r *reader) entry(t *Type, tableLen int) error {
	op, err := r.sleb()
	if err != nil {
		return err
	}
	t.Op = op
	switch op {
	case OpOpt, OpVec:
		t.Elem, err = r.ref(tableLen)
		return err
	case OpRecord, OpVariant:
		n, err := r.count(2)
		if err != nil {
			return err
		}
		t.Fields = make([]Field, n)
		for i := range t.Fields {
			id, err := r.uleb()
			if err != nil {
				return err
			}
			if id > math.MaxUint32 {
				return r.fail("field id " + strconv.FormatUint(id, 10) + " out of range")
			}
			if i > 0 && uint32(id) <= t.Fields[i-1].ID {
				return r.fail("field ids not strictly increasing (" + strconv.FormatUint(id, 10) + " after " +
					strconv.FormatUint(uint64(t.Fields[i-1].ID), 10) + ")")
			}
			t.Fields[i].ID = uint32(id)
			if t.Fields[i].Type, err = r.ref(tableLen); err != nil {
				return err
			}
		}
		return nil
	case OpFunc:
		if t.Args, err = r.refs(tableLen); err != nil {
			return err
		}
		if t.Results, err = r.refs(tableLen); err != nil {
			return err
		}
		n, err := r.count(1)
		if err != nil {
			return err
		}
		if n > 0 {
			t.Anns = make([]byte, n)
		}
		for i := range t.Anns {
			a, _ := r.byte() // count(1) checked the length
			if a < AnnQuery || a > AnnCompositeQuery {
				return r.fail("invalid func annotation " + strconv.Itoa(int(a)))
			}
			// Candid spec, "Types / Function References": "The result
			// list of a oneway function must be empty."
			if a == AnnOneway && len(t.Results) > 0 {
				return r.fail("oneway func has results")
			}
			t.Anns[i] = a
		}
		return nil
	case OpService:
		n, err := r.count(2)
		if err != nil {
			return err
		}
		if n > 0 {
			t.Methods = make([]Method, n)
		}
		for i := range t.Methods {
			l, err := r.count(1)
			if err != nil {
				return err
			}
			name := r.b[r.off : r.off+l]
			r.off += l
			if !utf8.Valid(name) {
				return r.fail("method name is not valid UTF-8")
			}
			if i > 0 && string(name) <= t.Methods[i-1].Name {
				return r.fail("service methods not sorted by name")
			}
			t.Methods[i].Name = string(name)
			if t.Methods[i].Type, err = r.ref(tableLen); err != nil {
				return err
			}
		}
		return nil
	}
	if IsPrimitive(op) {
		return r.fail("primitive type " + OpName(op) + " in type table")
	}
	return r.fail("invalid type opcode " + strconv.FormatInt(op, 10))
}

var primNames = [...]string{
	"null", "bool", "nat", "int", "nat8", "nat16", "nat32", "nat64",
	"int8", "int16", "int32", "int64", "float32", "float64", "text",
	"reserved", "empty", "opt", "vec", "record", "variant", "func",
	"service", "principal",
}

// OpName returns the Candid name of an opcode, e.g. "nat8".
func OpName(op int64) string {
	if op <= -1 && op >= -24 {
		return primNames[-op-1]
	}
	return "opcode(" + strconv.FormatInt(op, 10) + ")"
}
