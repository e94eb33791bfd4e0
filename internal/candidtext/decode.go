package candidtext

import (
	"fmt"
	"math"
	"math/big"
	"unicode/utf8"

	"github.com/icgo/icgo/internal/candidwire"
)

// DecodeError reports malformed binary input.
type DecodeError struct {
	Offset int
	Msg    string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("candid decode: at byte %d: %s", e.Offset, e.Msg)
}

func (r *reader) errf(format string, args ...any) error {
	return &DecodeError{Offset: r.off, Msg: fmt.Sprintf(format, args...)}
}

// Decode decodes a Candid message and prints it as a one-line textual
// argument sequence in didc's style, e.g. ("Hello", 5 : nat). Values are
// decoded by their wire types; types (may be nil, or shorter than the
// message) only supply record/variant field names.
func Decode(data []byte, types []*Type) (string, error) {
	vs, err := DecodeValues(data, types)
	if err != nil {
		return "", err
	}
	return FormatArgs(vs), nil
}

var opKind = map[int64]Kind{}

func init() {
	for k, op := range primOpcode {
		opKind[op] = k
	}
}

// DecodeValues is Decode without the printing step.
func DecodeValues(data []byte, types []*Type) ([]Value, error) {
	h, err := candidwire.ReadHeader(data)
	if err != nil {
		e := err.(*candidwire.Error)
		return nil, &DecodeError{Offset: e.Offset, Msg: e.Msg}
	}
	r := &reader{b: data, off: h.End}
	d := &decoder{r: r, budget: min(1<<16+16*len(data), 1<<22)}
	table := wireTypes(h.Table)
	vs := make([]Value, len(h.Args))
	for i, a := range h.Args {
		var exp *Type
		if i < len(types) {
			exp = types[i]
		}
		if vs[i], err = d.value(wireRef(table, a), exp, 0); err != nil {
			return nil, err
		}
	}
	if r.off != len(data) {
		return nil, r.errf("%d trailing bytes after the last argument", len(data)-r.off)
	}
	return vs, nil
}

type decoder struct {
	r      *reader
	budget int
}

// wireTypes turns a type table decoded by the candid package's decoder
// into Types.
func wireTypes(wt []candidwire.Type) []*Type {
	table := make([]*Type, len(wt))
	for i := range table {
		table[i] = &Type{}
	}
	for i, w := range wt {
		t := table[i]
		switch w.Op {
		case candidwire.OpOpt, candidwire.OpVec:
			t.Kind = KindOpt
			if w.Op == candidwire.OpVec {
				t.Kind = KindVec
			}
			t.Elem = wireRef(table, w.Elem)
		case candidwire.OpRecord, candidwire.OpVariant:
			t.Kind = KindRecord
			if w.Op == candidwire.OpVariant {
				t.Kind = KindVariant
			}
			t.Fields = make([]Field, len(w.Fields))
			for j, f := range w.Fields {
				t.Fields[j] = Field{ID: f.ID, Type: wireRef(table, f.Type)}
			}
		case candidwire.OpFunc:
			t.Kind = KindFunc
			t.Func = &FuncType{Args: wireRefs(table, w.Args), Results: wireRefs(table, w.Results)}
			for _, a := range w.Anns {
				t.Func.Annotations = append(t.Func.Annotations, annotationNames[a])
			}
		case candidwire.OpService:
			t.Kind = KindService
			t.Methods = make([]MethodType, len(w.Methods))
			for j, m := range w.Methods {
				t.Methods[j] = MethodType{Name: m.Name, Type: wireRef(table, m.Type)}
			}
		}
	}
	return table
}

var annotationNames = map[byte]string{
	candidwire.AnnQuery:          "query",
	candidwire.AnnOneway:         "oneway",
	candidwire.AnnCompositeQuery: "composite_query",
}

func wireRef(table []*Type, w int32) *Type {
	if w >= 0 {
		return table[w]
	}
	return Prim(opKind[int64(w)])
}

func wireRefs(table []*Type, ws []int32) []*Type {
	ts := make([]*Type, len(ws))
	for i, w := range ws {
		ts[i] = wireRef(table, w)
	}
	return ts
}

// canBeZeroSized reports whether values of t may occupy no bytes.
func canBeZeroSized(t *Type, seen map[*Type]bool) bool {
	switch t.Kind {
	case KindNull, KindReserved:
		return true
	case KindRecord:
		if seen[t] {
			return false
		}
		seen[t] = true
		for _, f := range t.Fields {
			if !canBeZeroSized(f.Type, seen) {
				return false
			}
		}
		return true
	}
	return false
}

// value decodes one value of wire type t; exp is the expected type (may be
// nil) and only supplies field names.
func (d *decoder) value(t *Type, exp *Type, depth int) (Value, error) {
	r := d.r
	var v Value
	if depth > maxDepth {
		return v, r.errf("value nested too deeply")
	}
	d.budget--
	if d.budget < 0 {
		return v, r.errf("message contains too many values")
	}
	exp = resolve(exp)
	if exp != nil && exp.Kind == KindOpt && t.Kind != KindOpt && t.Kind != KindNull && t.Kind != KindReserved {
		exp = resolve(exp.Elem)
	}
	if exp != nil && exp.Kind != t.Kind {
		exp = nil
	}
	v.Kind = t.Kind
	switch t.Kind {
	case KindNull, KindReserved:
	case KindEmpty:
		return v, r.errf("cannot decode a value of type empty")
	case KindBool:
		c, err := r.byte()
		if err != nil {
			return v, err
		}
		if c > 1 {
			return v, r.errf("invalid bool byte %d", c)
		}
		v.Bool = c == 1
	case KindNat:
		n, err := r.bigLEB(false)
		if err != nil {
			return v, err
		}
		v.Int = n
	case KindInt:
		n, err := r.bigLEB(true)
		if err != nil {
			return v, err
		}
		v.Int = n
	case KindNat8, KindNat16, KindNat32, KindNat64, KindInt8, KindInt16, KindInt32, KindInt64:
		w := fixedWidth[t.Kind]
		bs, err := r.bytes(uint64(w))
		if err != nil {
			return v, err
		}
		var u uint64
		for i := w - 1; i >= 0; i-- {
			u = u<<8 | uint64(bs[i])
		}
		if t.Kind >= KindInt8 {
			shift := 64 - 8*w
			v.Int = big.NewInt(int64(u<<shift) >> shift)
		} else {
			v.Int = new(big.Int).SetUint64(u)
		}
	case KindFloat32:
		bs, err := r.bytes(4)
		if err != nil {
			return v, err
		}
		v.Float = float64(math.Float32frombits(uint32(bs[0]) | uint32(bs[1])<<8 | uint32(bs[2])<<16 | uint32(bs[3])<<24))
	case KindFloat64:
		bs, err := r.bytes(8)
		if err != nil {
			return v, err
		}
		var u uint64
		for i := 7; i >= 0; i-- {
			u = u<<8 | uint64(bs[i])
		}
		v.Float = math.Float64frombits(u)
	case KindText:
		s, err := d.text()
		if err != nil {
			return v, err
		}
		v.Text = s
	case KindPrincipal, KindService:
		b, err := d.principal()
		if err != nil {
			return v, err
		}
		v.Bytes = b
	case KindFunc:
		c, err := r.byte()
		if err != nil {
			return v, err
		}
		if c != 1 {
			return v, r.errf("opaque or invalid function reference (flag %d)", c)
		}
		if v.Bytes, err = d.principal(); err != nil {
			return v, err
		}
		if v.Method, err = d.text(); err != nil {
			return v, err
		}
	case KindOpt:
		c, err := r.byte()
		if err != nil {
			return v, err
		}
		switch c {
		case 0:
		case 1:
			var ee *Type
			if exp != nil {
				ee = exp.Elem
			}
			e, err := d.value(t.Elem, ee, depth+1)
			if err != nil {
				return v, err
			}
			v.Elem = &e
		default:
			return v, r.errf("invalid opt tag %d", c)
		}
	case KindVec:
		n, err := r.uleb()
		if err != nil {
			return v, err
		}
		if t.Elem.Kind == KindNat8 {
			b, err := r.bytes(n)
			if err != nil {
				return v, err
			}
			v.Kind, v.Bytes = KindBlob, append([]byte{}, b...)
			break
		}
		if n > uint64(len(r.b)-r.off) && (!canBeZeroSized(t.Elem, map[*Type]bool{}) || n > uint64(d.budget)) {
			return v, r.errf("vec length %d exceeds the message size", n)
		}
		var ee *Type
		if exp != nil {
			ee = exp.Elem
		}
		v.Elems = make([]Value, 0, min(n, 1024))
		for i := uint64(0); i < n; i++ {
			e, err := d.value(t.Elem, ee, depth+1)
			if err != nil {
				return v, err
			}
			v.Elems = append(v.Elems, e)
		}
	case KindRecord:
		v.Fields = make([]FieldValue, len(t.Fields))
		for i, f := range t.Fields {
			name, ft := expField(exp, f.ID)
			fv, err := d.value(f.Type, ft, depth+1)
			if err != nil {
				return v, err
			}
			v.Fields[i] = FieldValue{Name: name, ID: f.ID, Value: fv}
		}
	case KindVariant:
		idx, err := r.uleb()
		if err != nil {
			return v, err
		}
		if idx >= uint64(len(t.Fields)) {
			return v, r.errf("variant index %d out of range (%d cases)", idx, len(t.Fields))
		}
		f := t.Fields[idx]
		name, ft := expField(exp, f.ID)
		fv, err := d.value(f.Type, ft, depth+1)
		if err != nil {
			return v, err
		}
		v.Fields = []FieldValue{{Name: name, ID: f.ID, Value: fv}}
	default:
		return v, r.errf("cannot decode type %s", t.Kind)
	}
	return v, nil
}

func expField(exp *Type, id uint32) (string, *Type) {
	if exp == nil {
		return "", nil
	}
	for _, f := range exp.Fields {
		if f.ID == id {
			return f.Name, f.Type
		}
	}
	return "", nil
}

func (d *decoder) text() (string, error) {
	n, err := d.r.uleb()
	if err != nil {
		return "", err
	}
	b, err := d.r.bytes(n)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", d.r.errf("text is not valid UTF-8")
	}
	return string(b), nil
}

func (d *decoder) principal() ([]byte, error) {
	c, err := d.r.byte()
	if err != nil {
		return nil, err
	}
	if c != 1 {
		return nil, d.r.errf("opaque or invalid principal reference (flag %d)", c)
	}
	n, err := d.r.uleb()
	if err != nil {
		return nil, err
	}
	if n > 29 {
		return nil, d.r.errf("principal of %d bytes is longer than 29", n)
	}
	b, err := d.r.bytes(n)
	if err != nil {
		return nil, err
	}
	return append([]byte{}, b...), nil
}
