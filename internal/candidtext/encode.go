package candidtext

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/icgo/icgo/internal/candidwire"
	"github.com/icgo/icgo/internal/candidwire/bigleb"
)

// Opcodes of the primitive types.
var primOpcode = map[Kind]int64{
	KindNull: candidwire.OpNull, KindBool: candidwire.OpBool, KindNat: candidwire.OpNat, KindInt: candidwire.OpInt,
	KindNat8: candidwire.OpNat8, KindNat16: candidwire.OpNat16, KindNat32: candidwire.OpNat32, KindNat64: candidwire.OpNat64,
	KindInt8: candidwire.OpInt8, KindInt16: candidwire.OpInt16, KindInt32: candidwire.OpInt32, KindInt64: candidwire.OpInt64,
	KindFloat32: candidwire.OpFloat32, KindFloat64: candidwire.OpFloat64, KindText: candidwire.OpText,
	KindReserved: candidwire.OpReserved, KindEmpty: candidwire.OpEmpty, KindPrincipal: candidwire.OpPrincipal,
}

// EncodeError reports a value that does not fit its type.
type EncodeError struct {
	Path string // e.g. "argument 1, field sum"
	Pos  Pos    // source position of the value, if known
	Msg  string
}

func (e *EncodeError) Error() string {
	s := e.Path + ": " + e.Msg
	if e.Pos.Line > 0 {
		s += " (at " + e.Pos.String() + ")"
	}
	return s
}

// Encode serializes args as a Candid message. With types (one per declared
// parameter, e.g. Method.Args) each value is checked and coerced against its
// type; missing trailing arguments of opt/null/reserved type are sent as
// null. Without types (nil), types are inferred from the values as didc
// does: integer literals are int, decimals float64, blob literals vec nat8,
// and annotations (v : T) are honoured.
func Encode(args []Value, types []*Type) ([]byte, error) {
	e := &encoder{tt: newTypeTable()}
	if types == nil {
		types = make([]*Type, len(args))
		for i := range args {
			t, err := inferType(&args[i], fmt.Sprintf("argument %d", i+1))
			if err != nil {
				return nil, err
			}
			types[i] = t
		}
	} else if len(args) > len(types) {
		return nil, &EncodeError{Path: fmt.Sprintf("argument %d", len(types)+1), Pos: args[len(types)].Pos,
			Msg: fmt.Sprintf("too many arguments: expected %d (%s), got %d", len(types), tupleString(types), len(args))}
	}
	argRefs := make([]int64, len(types))
	for i, t := range types {
		r, err := e.tt.ref(t)
		if err != nil {
			return nil, err
		}
		argRefs[i] = r
	}
	var vals []byte
	for i, t := range types {
		path := fmt.Sprintf("argument %d", i+1)
		if i >= len(args) {
			rt := resolve(t)
			if rt == nil || (rt.Kind != KindOpt && rt.Kind != KindNull && rt.Kind != KindReserved) {
				return nil, &EncodeError{Path: path, Msg: fmt.Sprintf("missing argument of type %s (expected %d arguments: %s)", t, len(types), tupleString(types))}
			}
			if rt.Kind == KindOpt {
				vals = append(vals, 0)
			}
			continue
		}
		var err error
		vals, err = e.value(vals, &args[i], t, path, 0)
		if err != nil {
			return nil, err
		}
	}
	out := []byte("DIDL")
	out = candidwire.AppendULEB(out, uint64(len(e.tt.entries)))
	for _, ent := range e.tt.entries {
		out = append(out, ent...)
	}
	out = candidwire.AppendULEB(out, uint64(len(types)))
	for _, r := range argRefs {
		out = candidwire.AppendSLEB(out, r)
	}
	return append(out, vals...), nil
}

func tupleString(ts []*Type) string {
	var b strings.Builder
	writeTuple(&b, ts)
	return b.String()
}

// ---- type table ----

type typeTable struct {
	entries [][]byte
	byKey   map[string]int
	rec     map[*Type]bool
	keys    map[*Type]string
}

func newTypeTable() *typeTable {
	return &typeTable{byKey: map[string]int{}, rec: map[*Type]bool{}, keys: map[*Type]string{}}
}

// recursive reports whether constructor type c can reach itself.
func (tt *typeTable) recursive(c *Type) bool {
	if r, ok := tt.rec[c]; ok {
		return r
	}
	seen := map[*Type]bool{}
	var walk func(t *Type) bool
	walk = func(t *Type) bool {
		t = resolve(t)
		if t == nil {
			return false
		}
		if t == c && len(seen) > 0 {
			return true
		}
		if seen[t] {
			return false
		}
		seen[t] = true
		for _, ch := range children(t) {
			if walk(ch) {
				return true
			}
		}
		return false
	}
	r := walk(c)
	tt.rec[c] = r
	return r
}

func children(t *Type) []*Type {
	switch t.Kind {
	case KindOpt, KindVec:
		return []*Type{t.Elem}
	case KindRecord, KindVariant:
		cs := make([]*Type, len(t.Fields))
		for i, f := range t.Fields {
			cs[i] = f.Type
		}
		return cs
	case KindFunc:
		if t.Func == nil {
			return nil
		}
		return append(append([]*Type{}, t.Func.Args...), t.Func.Results...)
	case KindService:
		cs := make([]*Type, len(t.Methods))
		for i, m := range t.Methods {
			cs[i] = m.Type
		}
		return cs
	}
	return nil
}

// key is a canonical string for t, used to share table entries between
// equal types. Recursive definitions reached through a reference are keyed
// by identity, which keeps keys finite.
func (tt *typeTable) key(t *Type) string {
	c := resolve(t)
	if c == nil {
		return "?"
	}
	if c.Kind.IsPrimitive() {
		return c.Kind.String()
	}
	if tt.recursive(c) {
		return fmt.Sprintf("#%p", c)
	}
	if k, ok := tt.keys[c]; ok {
		return k
	}
	var b strings.Builder
	b.WriteString(c.Kind.String())
	b.WriteByte('(')
	switch c.Kind {
	case KindOpt, KindVec:
		b.WriteString(tt.key(c.Elem))
	case KindRecord, KindVariant:
		for _, f := range c.Fields {
			b.WriteString(strconv.FormatUint(uint64(f.ID), 10) + ":" + tt.key(f.Type) + ";")
		}
	case KindFunc:
		for _, a := range c.Func.Args {
			b.WriteString(tt.key(a) + ",")
		}
		b.WriteString("->")
		for _, a := range c.Func.Results {
			b.WriteString(tt.key(a) + ",")
		}
		b.WriteString(strings.Join(c.Func.Annotations, " "))
	case KindService:
		for _, m := range c.Methods {
			b.WriteString(strconv.Quote(m.Name) + ":" + tt.key(m.Type) + ";")
		}
	}
	b.WriteByte(')')
	k := b.String()
	tt.keys[c] = k
	return k
}

// ref returns the opcode (primitive) or table index of t, adding table
// entries as needed. Non-recursive types are added children-first (as
// agent-go and @dfinity/candid do); recursive ones reserve their slot first.
func (tt *typeTable) ref(t *Type) (int64, error) {
	c := resolve(t)
	if c == nil {
		return 0, fmt.Errorf("candidtext: unresolved type %s", t)
	}
	if c.Kind.IsPrimitive() {
		return primOpcode[c.Kind], nil
	}
	k := tt.key(c)
	if i, ok := tt.byKey[k]; ok {
		return int64(i), nil
	}
	if tt.recursive(c) {
		i := len(tt.entries)
		tt.byKey[k] = i
		tt.entries = append(tt.entries, nil)
		ent, err := tt.entry(c)
		if err != nil {
			return 0, err
		}
		tt.entries[i] = ent
		return int64(i), nil
	}
	ent, err := tt.entry(c)
	if err != nil {
		return 0, err
	}
	i := len(tt.entries)
	tt.byKey[k] = i
	tt.entries = append(tt.entries, ent)
	return int64(i), nil
}

func (tt *typeTable) entry(c *Type) ([]byte, error) {
	var b []byte
	refs := func(ts []*Type) error {
		b = candidwire.AppendULEB(b, uint64(len(ts)))
		for _, t := range ts {
			r, err := tt.ref(t)
			if err != nil {
				return err
			}
			b = candidwire.AppendSLEB(b, r)
		}
		return nil
	}
	switch c.Kind {
	case KindOpt, KindVec:
		r, err := tt.ref(c.Elem)
		if err != nil {
			return nil, err
		}
		op := int64(candidwire.OpOpt)
		if c.Kind == KindVec {
			op = candidwire.OpVec
		}
		b = candidwire.AppendSLEB(candidwire.AppendSLEB(b, op), r)
	case KindRecord, KindVariant:
		frefs := make([]int64, len(c.Fields))
		for i, f := range c.Fields {
			r, err := tt.ref(f.Type)
			if err != nil {
				return nil, err
			}
			frefs[i] = r
		}
		op := int64(candidwire.OpRecord)
		if c.Kind == KindVariant {
			op = candidwire.OpVariant
		}
		b = candidwire.AppendULEB(candidwire.AppendSLEB(b, op), uint64(len(c.Fields)))
		for i, f := range c.Fields {
			b = candidwire.AppendSLEB(candidwire.AppendULEB(b, uint64(f.ID)), frefs[i])
		}
	case KindFunc:
		b = candidwire.AppendSLEB(b, candidwire.OpFunc)
		if err := refs(c.Func.Args); err != nil {
			return nil, err
		}
		if err := refs(c.Func.Results); err != nil {
			return nil, err
		}
		b = candidwire.AppendULEB(b, uint64(len(c.Func.Annotations)))
		for _, a := range c.Func.Annotations {
			switch a {
			case "query":
				b = append(b, 1)
			case "oneway":
				b = append(b, 2)
			case "composite_query":
				b = append(b, 3)
			default:
				return nil, fmt.Errorf("candidtext: unknown function annotation %q", a)
			}
		}
	case KindService:
		mrefs := make([]int64, len(c.Methods))
		for i, m := range c.Methods {
			r, err := tt.ref(m.Type)
			if err != nil {
				return nil, err
			}
			mrefs[i] = r
		}
		b = candidwire.AppendULEB(candidwire.AppendSLEB(b, candidwire.OpService), uint64(len(c.Methods)))
		for i, m := range c.Methods {
			b = candidwire.AppendULEB(b, uint64(len(m.Name)))
			b = append(b, m.Name...)
			b = candidwire.AppendSLEB(b, mrefs[i])
		}
	default:
		return nil, fmt.Errorf("candidtext: cannot encode type %s", c)
	}
	return b, nil
}

// ---- type inference ----

func inferType(v *Value, path string) (*Type, error) {
	if v.Annot != nil {
		return v.Annot, nil
	}
	switch v.Kind {
	case KindNumber:
		if isIntegerLit(v.Lit) {
			return Prim(KindInt), nil
		}
		return Prim(KindFloat64), nil
	case KindBlob:
		return Vec(Prim(KindNat8)), nil
	case KindOpt:
		if v.Elem == nil {
			return Opt(Prim(KindEmpty)), nil
		}
		e, err := inferType(v.Elem, path)
		if err != nil {
			return nil, err
		}
		return Opt(e), nil
	case KindVec:
		if len(v.Elems) == 0 {
			return Vec(Prim(KindEmpty)), nil
		}
		e, err := inferType(&v.Elems[0], path+", element 1")
		if err != nil {
			return nil, err
		}
		return Vec(e), nil
	case KindRecord, KindVariant:
		t := &Type{Kind: v.Kind}
		for i := range v.Fields {
			f := &v.Fields[i]
			ft, err := inferType(&f.Value, path+", field "+f.label())
			if err != nil {
				return nil, err
			}
			t.Fields = append(t.Fields, Field{Name: f.Name, ID: f.ID, Type: ft})
		}
		sortFields(t.Fields)
		return t, nil
	case KindFunc:
		return &Type{Kind: KindFunc, Func: &FuncType{}}, nil
	case KindService:
		return &Type{Kind: KindService}, nil
	case KindInvalid, KindRef:
		return nil, &EncodeError{Path: path, Pos: v.Pos, Msg: "invalid value"}
	}
	return Prim(v.Kind), nil
}

func isIntegerLit(lit string) bool {
	s := strings.TrimPrefix(lit, "-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// ---- value encoding ----

type encoder struct {
	tt *typeTable
}

const maxDepth = 512

func describe(v *Value) string {
	s := v.String()
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	switch v.Kind {
	case KindNumber:
		return "number " + s
	case KindText:
		return "text " + s
	case KindNull, KindBool:
		return s
	}
	return s
}

func mismatch(path string, v *Value, t *Type, hint string) error {
	msg := fmt.Sprintf("expected %s, got %s", t, describe(v))
	if hint != "" {
		msg += "; " + hint
	}
	return &EncodeError{Path: path, Pos: v.Pos, Msg: msg}
}

var intRanges = map[Kind][2]*big.Int{
	KindNat8:  {big.NewInt(0), big.NewInt(math.MaxUint8)},
	KindNat16: {big.NewInt(0), big.NewInt(math.MaxUint16)},
	KindNat32: {big.NewInt(0), big.NewInt(math.MaxUint32)},
	KindNat64: {big.NewInt(0), new(big.Int).SetUint64(math.MaxUint64)},
	KindInt8:  {big.NewInt(math.MinInt8), big.NewInt(math.MaxInt8)},
	KindInt16: {big.NewInt(math.MinInt16), big.NewInt(math.MaxInt16)},
	KindInt32: {big.NewInt(math.MinInt32), big.NewInt(math.MaxInt32)},
	KindInt64: {big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)},
}

var fixedWidth = map[Kind]int{
	KindNat8: 1, KindNat16: 2, KindNat32: 4, KindNat64: 8,
	KindInt8: 1, KindInt16: 2, KindInt32: 4, KindInt64: 8,
}

func isIntKind(k Kind) bool { return k >= KindNat && k <= KindInt64 }

func (e *encoder) value(b []byte, v *Value, t *Type, path string, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, &EncodeError{Path: path, Pos: v.Pos, Msg: "value nested too deeply"}
	}
	c := resolve(t)
	if c == nil {
		return nil, &EncodeError{Path: path, Msg: fmt.Sprintf("unresolved type %s", t)}
	}
	if v.Annot != nil && !typeEqual(v.Annot, c) {
		return nil, &EncodeError{Path: path, Pos: v.Pos,
			Msg: fmt.Sprintf("value is annotated as %s but %s is expected", v.Annot, t)}
	}
	switch c.Kind {
	case KindReserved:
		return b, nil
	case KindEmpty:
		return nil, &EncodeError{Path: path, Pos: v.Pos, Msg: "type empty has no values"}
	case KindNull:
		if v.Kind != KindNull {
			return nil, mismatch(path, v, t, "")
		}
		return b, nil
	case KindBool:
		if v.Kind != KindBool {
			return nil, mismatch(path, v, t, "")
		}
		if v.Bool {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case KindFloat32, KindFloat64:
		var f float64
		switch v.Kind {
		case KindNumber:
			bits := 64
			if c.Kind == KindFloat32 {
				bits = 32
			}
			x, err := strconv.ParseFloat(v.Lit, bits)
			if err != nil {
				return nil, mismatch(path, v, t, "number out of range")
			}
			f = x
		case KindFloat32, KindFloat64:
			f = v.Float
		default:
			if isIntKind(v.Kind) {
				f, _ = new(big.Float).SetInt(v.Int).Float64()
				break
			}
			return nil, mismatch(path, v, t, "")
		}
		if c.Kind == KindFloat32 {
			u := math.Float32bits(float32(f))
			return append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24)), nil
		}
		u := math.Float64bits(f)
		for i := 0; i < 8; i++ {
			b = append(b, byte(u>>(8*i)))
		}
		return b, nil
	case KindNat, KindInt, KindNat8, KindNat16, KindNat32, KindNat64, KindInt8, KindInt16, KindInt32, KindInt64:
		var n *big.Int
		switch {
		case v.Kind == KindNumber:
			if !isIntegerLit(v.Lit) {
				return nil, mismatch(path, v, t, "not an integer")
			}
			n, _ = new(big.Int).SetString(v.Lit, 10)
		case isIntKind(v.Kind) && v.Int != nil:
			n = v.Int
		default:
			return nil, mismatch(path, v, t, "")
		}
		if n == nil {
			return nil, mismatch(path, v, t, "malformed number")
		}
		switch c.Kind {
		case KindNat:
			if n.Sign() < 0 {
				return nil, mismatch(path, v, t, "nat cannot be negative")
			}
			return bigleb.Append(b, n, false), nil
		case KindInt:
			return bigleb.Append(b, n, true), nil
		}
		r := intRanges[c.Kind]
		if n.Cmp(r[0]) < 0 || n.Cmp(r[1]) > 0 {
			return nil, mismatch(path, v, t, fmt.Sprintf("out of range [%s, %s]", r[0], r[1]))
		}
		var u uint64
		if n.Sign() < 0 {
			u = uint64(n.Int64())
		} else {
			u = n.Uint64()
		}
		for i := 0; i < fixedWidth[c.Kind]; i++ {
			b = append(b, byte(u>>(8*i)))
		}
		return b, nil
	case KindText:
		if v.Kind != KindText {
			return nil, mismatch(path, v, t, "")
		}
		b = candidwire.AppendULEB(b, uint64(len(v.Text)))
		return append(b, v.Text...), nil
	case KindPrincipal:
		if v.Kind != KindPrincipal {
			hint := ""
			if v.Kind == KindText {
				hint = fmt.Sprintf("write principal %s", quoteText(v.Text))
			}
			return nil, mismatch(path, v, t, hint)
		}
		b = append(b, 1)
		b = candidwire.AppendULEB(b, uint64(len(v.Bytes)))
		return append(b, v.Bytes...), nil
	case KindService:
		if v.Kind != KindService && v.Kind != KindPrincipal {
			hint := ""
			if v.Kind == KindText {
				hint = fmt.Sprintf("write service %s", quoteText(v.Text))
			}
			return nil, mismatch(path, v, t, hint)
		}
		b = append(b, 1)
		b = candidwire.AppendULEB(b, uint64(len(v.Bytes)))
		return append(b, v.Bytes...), nil
	case KindFunc:
		if v.Kind != KindFunc {
			return nil, mismatch(path, v, t, `write func "principal".method`)
		}
		b = append(b, 1, 1)
		b = candidwire.AppendULEB(b, uint64(len(v.Bytes)))
		b = append(b, v.Bytes...)
		b = candidwire.AppendULEB(b, uint64(len(v.Method)))
		return append(b, v.Method...), nil
	case KindOpt:
		switch v.Kind {
		case KindNull, KindReserved:
			return append(b, 0), nil
		case KindOpt:
			if v.Elem == nil {
				return append(b, 0), nil
			}
			return e.value(append(b, 1), v.Elem, c.Elem, path, depth+1)
		}
		return nil, mismatch(path, v, t, "write opt V or null")
	case KindVec:
		switch v.Kind {
		case KindBlob:
			if ec := resolve(c.Elem); ec == nil || ec.Kind != KindNat8 {
				return nil, mismatch(path, v, t, "a blob literal needs vec nat8")
			}
			b = candidwire.AppendULEB(b, uint64(len(v.Bytes)))
			return append(b, v.Bytes...), nil
		case KindVec:
			b = candidwire.AppendULEB(b, uint64(len(v.Elems)))
			var err error
			for i := range v.Elems {
				b, err = e.value(b, &v.Elems[i], c.Elem, fmt.Sprintf("%s, element %d", path, i+1), depth+1)
				if err != nil {
					return nil, err
				}
			}
			return b, nil
		}
		return nil, mismatch(path, v, t, "")
	case KindRecord:
		if v.Kind != KindRecord {
			return nil, mismatch(path, v, t, "")
		}
		for _, f := range v.Fields {
			if _, ok := findField(c.Fields, f.ID); !ok {
				return nil, &EncodeError{Path: path, Pos: f.Pos,
					Msg: fmt.Sprintf("field %s is not part of the expected type %s", f.label(), t)}
			}
		}
		for _, tf := range c.Fields {
			fpath := path + ", field " + tf.Label()
			vi := -1
			for i := range v.Fields {
				if v.Fields[i].ID == tf.ID {
					vi = i
					break
				}
			}
			if vi < 0 {
				ft := resolve(tf.Type)
				if ft != nil && (ft.Kind == KindOpt || ft.Kind == KindNull || ft.Kind == KindReserved) {
					if ft.Kind == KindOpt {
						b = append(b, 0)
					}
					continue
				}
				return nil, &EncodeError{Path: path, Pos: v.Pos, Msg: fmt.Sprintf("missing field %s of type %s", tf.Label(), tf.Type)}
			}
			var err error
			b, err = e.value(b, &v.Fields[vi].Value, tf.Type, fpath, depth+1)
			if err != nil {
				return nil, err
			}
		}
		return b, nil
	case KindVariant:
		if v.Kind != KindVariant || len(v.Fields) != 1 {
			return nil, mismatch(path, v, t, "")
		}
		f := &v.Fields[0]
		idx, ok := findField(c.Fields, f.ID)
		if !ok {
			var labels []string
			for _, tf := range c.Fields {
				labels = append(labels, tf.Label())
			}
			return nil, &EncodeError{Path: path, Pos: f.Pos,
				Msg: fmt.Sprintf("variant case %s is not one of %s", f.label(), strings.Join(labels, ", "))}
		}
		b = candidwire.AppendULEB(b, uint64(idx))
		return e.value(b, &f.Value, c.Fields[idx].Type, path+", case "+f.label(), depth+1)
	}
	return nil, &EncodeError{Path: path, Pos: v.Pos, Msg: fmt.Sprintf("cannot encode type %s", t)}
}

func findField(fs []Field, id uint32) (int, bool) {
	for i, f := range fs {
		if f.ID == id {
			return i, true
		}
	}
	return 0, false
}

// typeEqual compares two types structurally (references are expanded;
// recursion is handled by assuming equality for pairs under comparison).
func typeEqual(a, b *Type) bool {
	return typeEq(a, b, map[[2]*Type]bool{})
}

func typeEq(a, b *Type, assumed map[[2]*Type]bool) bool {
	a, b = resolve(a), resolve(b)
	if a == nil || b == nil {
		return false
	}
	if a == b {
		return true
	}
	if a.Kind != b.Kind {
		return false
	}
	key := [2]*Type{a, b}
	if assumed[key] {
		return true
	}
	assumed[key] = true
	switch a.Kind {
	case KindOpt, KindVec:
		return typeEq(a.Elem, b.Elem, assumed)
	case KindRecord, KindVariant:
		if len(a.Fields) != len(b.Fields) {
			return false
		}
		for i := range a.Fields {
			if a.Fields[i].ID != b.Fields[i].ID || !typeEq(a.Fields[i].Type, b.Fields[i].Type, assumed) {
				return false
			}
		}
	case KindFunc:
		fa, fb := a.Func, b.Func
		if len(fa.Args) != len(fb.Args) || len(fa.Results) != len(fb.Results) ||
			strings.Join(fa.Annotations, " ") != strings.Join(fb.Annotations, " ") {
			return false
		}
		for i := range fa.Args {
			if !typeEq(fa.Args[i], fb.Args[i], assumed) {
				return false
			}
		}
		for i := range fa.Results {
			if !typeEq(fa.Results[i], fb.Results[i], assumed) {
				return false
			}
		}
	case KindService:
		if len(a.Methods) != len(b.Methods) {
			return false
		}
		for i := range a.Methods {
			if a.Methods[i].Name != b.Methods[i].Name || !typeEq(a.Methods[i].Type, b.Methods[i].Type, assumed) {
				return false
			}
		}
	}
	return true
}
