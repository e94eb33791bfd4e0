package candidtext

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Value is a Candid value: either parsed from text (ParseArgs), where
// numbers may still be untyped (KindNumber) and blobs are KindBlob, or
// decoded from binary, where Kind is the wire type.
type Value struct {
	Kind Kind
	Bool bool
	// Int holds nat, int and the fixed-width integers.
	Int *big.Int
	// Float holds float32 and float64.
	Float float64
	// Lit is the literal spelling of a KindNumber (without '_').
	Lit string
	// Text holds text (valid UTF-8).
	Text string
	// Bytes holds blobs and principals (and the principal of func/service).
	Bytes []byte
	// Method is a func reference's method name.
	Method string
	// Elem is the payload of a present opt (nil: opt is absent, i.e. null).
	Elem *Value
	// Elems holds vec elements.
	Elems []Value
	// Fields holds record fields (sorted by id once typed) or the single
	// variant field.
	Fields []FieldValue
	// Annot is an explicit annotation (V : T) from the text.
	Annot *Type
	// Pos is the source position of a parsed value (for errors).
	Pos Pos
}

// FieldValue is a labelled record or variant field value.
type FieldValue struct {
	Name string // "" for numeric labels
	ID   uint32
	Value
}

func (f FieldValue) label() string {
	if f.Name != "" {
		return f.Name
	}
	return strconv.FormatUint(uint64(f.ID), 10)
}

// ParseArgs parses a Candid textual argument sequence "(v1, v2, ...)".
// A single value without parentheses and the empty string (no arguments)
// are also accepted. Type annotations may only use built-in types; use
// (*Service).ParseArgs to allow names defined in a .did.
func ParseArgs(text string) ([]Value, error) {
	var s *Service
	return s.ParseArgs(text)
}

// ParseArgs is like the package-level ParseArgs but resolves type names in
// annotations against the service's type definitions.
func (s *Service) ParseArgs(text string) ([]Value, error) {
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	var vs []Value
	if p.peek().kind == tEOF {
		return nil, nil
	}
	if p.isPunct("(") && p.tupleAhead() {
		p.i++
		for !p.isPunct(")") {
			v, err := p.parseAnnVal()
			if err != nil {
				return nil, err
			}
			vs = append(vs, v)
			if !p.acceptPunct(",") {
				break
			}
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
	} else {
		v, err := p.parseAnnVal()
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t.pos, "unexpected %s after the arguments", t)
	}
	if err := p.resolveRefs(s); err != nil {
		return nil, err
	}
	return vs, nil
}

// tupleAhead reports whether the "(" at the cursor opens the argument
// sequence rather than a parenthesised single value followed by more
// tokens; "(" is always an argument sequence unless the matching ")" is
// followed by something other than EOF.
func (p *parser) tupleAhead() bool {
	depth := 0
	for j := p.i; j < len(p.toks); j++ {
		t := p.toks[j]
		if t.kind == tPunct && (t.text == "(" || t.text == "{") {
			depth++
		} else if t.kind == tPunct && (t.text == ")" || t.text == "}") {
			depth--
			if depth == 0 {
				return p.toks[j+1].kind == tEOF
			}
		}
	}
	return true
}

func (p *parser) parseAnnVal() (Value, error) {
	v, err := p.parseVal()
	if err != nil {
		return v, err
	}
	for p.acceptPunct(":") {
		t, err := p.parseType()
		if err != nil {
			return v, err
		}
		if v.Annot != nil && v.Annot.String() != t.String() {
			return v, p.errAt(v.Pos, "conflicting type annotations %s and %s", v.Annot, t)
		}
		v.Annot = t
	}
	return v, nil
}

func (p *parser) parseVal() (Value, error) {
	t := p.peek()
	v := Value{Pos: t.pos}
	switch t.kind {
	case tNumber:
		p.i++
		return numberValue(t, "", v)
	case tText:
		p.i++
		if !utf8.ValidString(t.text) {
			return v, p.errAt(t.pos, "text literal is not valid UTF-8 (use blob \"...\" for bytes)")
		}
		v.Kind, v.Text = KindText, t.text
		return v, nil
	case tPunct:
		switch t.text {
		case "+", "-":
			p.i++
			n := p.peek()
			if n.kind == tIdent && (n.text == "inf" || n.text == "NaN" || n.text == "nan") {
				p.i++
				v.Kind, v.Lit = KindNumber, t.text+n.text
				return v, nil
			}
			if n.kind != tNumber {
				return v, p.errAt(n.pos, "expected a number after %q, found %s", t.text, n)
			}
			p.i++
			return numberValue(n, t.text, v)
		case "(":
			p.i++
			inner, err := p.parseAnnVal()
			if err != nil {
				return v, err
			}
			if err := p.expectPunct(")"); err != nil {
				return v, err
			}
			return inner, nil
		}
	case tIdent:
		p.i++
		switch t.text {
		case "true", "false":
			v.Kind, v.Bool = KindBool, t.text == "true"
			return v, nil
		case "null":
			v.Kind = KindNull
			return v, nil
		case "inf", "NaN", "nan":
			v.Kind, v.Lit = KindNumber, t.text
			return v, nil
		case "opt":
			e, err := p.parseVal()
			if err != nil {
				return v, err
			}
			v.Kind, v.Elem = KindOpt, &e
			return v, nil
		case "vec":
			if err := p.expectPunct("{"); err != nil {
				return v, err
			}
			v.Kind = KindVec
			for !p.isPunct("}") {
				e, err := p.parseAnnVal()
				if err != nil {
					return v, err
				}
				v.Elems = append(v.Elems, e)
				if !p.acceptPunct(";") {
					break
				}
			}
			return v, p.expectPunct("}")
		case "record":
			v.Kind = KindRecord
			return v, p.parseFieldVals(&v, false)
		case "variant":
			v.Kind = KindVariant
			if err := p.parseFieldVals(&v, true); err != nil {
				return v, err
			}
			if len(v.Fields) != 1 {
				return v, p.errAt(t.pos, "a variant value must have exactly one field, found %d", len(v.Fields))
			}
			return v, nil
		case "blob":
			s := p.nextTok()
			if s.kind != tText {
				return v, p.errAt(s.pos, "expected a text literal after blob, found %s", s)
			}
			v.Kind, v.Bytes = KindBlob, []byte(s.text)
			return v, nil
		case "principal", "service":
			s := p.nextTok()
			if s.kind != tText {
				return v, p.errAt(s.pos, "expected a quoted principal after %s, found %s", t.text, s)
			}
			b, err := PrincipalFromText(s.text)
			if err != nil {
				return v, p.errAt(s.pos, "%v", err)
			}
			v.Kind, v.Bytes = KindPrincipal, b
			if t.text == "service" {
				v.Kind = KindService
			}
			return v, nil
		case "func":
			s := p.nextTok()
			if s.kind != tText {
				return v, p.errAt(s.pos, "expected a quoted principal after func, found %s", s)
			}
			b, err := PrincipalFromText(s.text)
			if err != nil {
				return v, p.errAt(s.pos, "%v", err)
			}
			if err := p.expectPunct("."); err != nil {
				return v, err
			}
			m, _, err := p.parseName("a method name")
			if err != nil {
				return v, err
			}
			v.Kind, v.Bytes, v.Method = KindFunc, b, m
			return v, nil
		}
		return v, p.errAt(t.pos, "unexpected %s; expected a value", t)
	}
	if t.kind != tIdent {
		p.i++
	}
	return v, p.errAt(t.pos, "unexpected %s; expected a value", t)
}

func numberValue(t token, sign string, v Value) (Value, error) {
	lit := stripUnderscore(t.text)
	if sign == "+" {
		sign = ""
	}
	v.Kind, v.Lit = KindNumber, sign+lit
	if strings.HasPrefix(lit, "0x") || strings.HasPrefix(lit, "0X") {
		n, ok := new(big.Int).SetString(lit[2:], 16)
		if !ok {
			return v, &SyntaxError{Pos: t.pos, Msg: "malformed hexadecimal number " + t.text}
		}
		if sign == "-" {
			n.Neg(n)
		}
		v.Lit = n.String()
	}
	return v, nil
}

func (p *parser) parseFieldVals(v *Value, variant bool) error {
	if err := p.expectPunct("{"); err != nil {
		return err
	}
	seen := map[uint32]string{}
	next := uint32(0)
	for !p.isPunct("}") {
		t := p.peek()
		var f FieldValue
		labelled := (t.kind == tIdent || t.kind == tText || t.kind == tNumber) &&
			p.peekN(1).kind == tPunct && p.peekN(1).text == "="
		bare := variant && !labelled && (t.kind == tIdent || t.kind == tText || t.kind == tNumber)
		if labelled || bare {
			if t.kind == tNumber {
				id, err := parseFieldID(t)
				if err != nil {
					return err
				}
				p.i++
				f.ID = id
			} else {
				name, _, err := p.parseName("a field name")
				if err != nil {
					return err
				}
				f.Name, f.ID = name, Hash(name)
			}
			if labelled {
				p.i++ // '='
				fv, err := p.parseAnnVal()
				if err != nil {
					return err
				}
				f.Value = fv
			} else {
				f.Value = Value{Kind: KindNull, Pos: t.pos}
			}
		} else {
			if variant {
				return p.errAt(t.pos, "expected a variant label, found %s", t)
			}
			fv, err := p.parseAnnVal()
			if err != nil {
				return err
			}
			f.ID, f.Value = next, fv
		}
		if prev, dup := seen[f.ID]; dup {
			return p.errAt(t.pos, "field %s collides with field %s (same id %d)", f.label(), prev, f.ID)
		}
		seen[f.ID] = f.label()
		next = f.ID + 1
		v.Fields = append(v.Fields, f)
		if !p.acceptPunct(";") {
			break
		}
	}
	if err := p.expectPunct("}"); err != nil {
		return err
	}
	sortFieldVals(v.Fields)
	return nil
}

func sortFieldVals(fs []FieldValue) {
	// insertion sort: field lists are short and usually sorted already
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].ID < fs[j-1].ID; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// FormatArgs prints values as a Candid argument sequence on one line, in
// the style of didc/dfx: (v1, v2).
func FormatArgs(vs []Value) string {
	var b strings.Builder
	b.WriteString("(")
	for i := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		writeValue(&b, &vs[i])
	}
	b.WriteString(")")
	return b.String()
}

// String prints the value in Candid text syntax.
func (v Value) String() string {
	var b strings.Builder
	writeValue(&b, &v)
	return b.String()
}

// ppNum inserts '_' every three digits as didc does ("1_000_000").
func ppNum(s string) string {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if len(s) <= 3 {
		if neg {
			return "-" + s
		}
		return s
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	first := len(s) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(s[:first])
	for i := first; i < len(s); i += 3 {
		b.WriteByte('_')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'f', -1, bits)
	if math.Trunc(f) == f {
		s += ".0"
	}
	return s
}

func hasAnnotation(v *Value) bool {
	switch v.Kind {
	case KindInt, KindNat, KindNat8, KindNat16, KindNat32, KindNat64, KindInt8, KindInt16,
		KindInt32, KindInt64, KindFloat32, KindFloat64, KindNull, KindReserved:
		return true
	}
	return v.Annot != nil
}

func quoteText(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if strconv.IsPrint(r) {
				b.WriteRune(r)
			} else {
				fmt.Fprintf(&b, `\u{%x}`, r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func writeBlob(b *strings.Builder, bs []byte) {
	b.WriteString(`blob "`)
	ascii := true
	for _, c := range bs {
		if !(c >= 0x20 && c <= 0x7e) && c != '\t' && c != '\n' && c != '\r' {
			ascii = false
			break
		}
	}
	for _, c := range bs {
		if ascii && c >= 0x20 && c <= 0x7e && c != '"' && c != '\'' && c != '`' && c != '\\' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(b, `\%02x`, c)
		}
	}
	b.WriteByte('"')
}

func writeValue(b *strings.Builder, v *Value) {
	annot := ""
	switch v.Kind {
	case KindNull:
		b.WriteString("null")
		annot = "null"
	case KindBool:
		b.WriteString(strconv.FormatBool(v.Bool))
	case KindNumber:
		b.WriteString(v.Lit)
	case KindNat, KindInt, KindNat16, KindNat32, KindNat64, KindInt16, KindInt32, KindInt64:
		b.WriteString(ppNum(v.Int.String()))
		annot = v.Kind.String()
	case KindNat8, KindInt8:
		b.WriteString(v.Int.String())
		annot = v.Kind.String()
	case KindFloat32:
		b.WriteString(formatFloat(v.Float, 32))
		annot = "float32"
	case KindFloat64:
		b.WriteString(formatFloat(v.Float, 64))
		annot = "float64"
	case KindText:
		b.WriteString(quoteText(v.Text))
	case KindReserved:
		b.WriteString("null")
		annot = "reserved"
	case KindEmpty:
		b.WriteString("<empty>")
	case KindPrincipal:
		b.WriteString("principal " + quoteText(PrincipalToText(v.Bytes)))
	case KindService:
		b.WriteString("service " + quoteText(PrincipalToText(v.Bytes)))
	case KindFunc:
		b.WriteString("func " + quoteText(PrincipalToText(v.Bytes)) + "." + identString(v.Method))
	case KindBlob:
		writeBlob(b, v.Bytes)
	case KindOpt:
		if v.Elem == nil {
			b.WriteString("null")
			break
		}
		b.WriteString("opt ")
		if hasAnnotation(v.Elem) {
			b.WriteString("(")
			writeValue(b, v.Elem)
			b.WriteString(")")
		} else {
			writeValue(b, v.Elem)
		}
	case KindVec:
		if len(v.Elems) == 0 {
			b.WriteString("vec {}")
			break
		}
		b.WriteString("vec { ")
		for i := range v.Elems {
			if i > 0 {
				b.WriteString("; ")
			}
			writeValue(b, &v.Elems[i])
		}
		b.WriteString(" }")
	case KindRecord:
		if len(v.Fields) == 0 {
			b.WriteString("record {}")
			break
		}
		tuple := true
		for i, f := range v.Fields {
			if f.ID != uint32(i) {
				tuple = false
			}
		}
		b.WriteString("record { ")
		for i := range v.Fields {
			if i > 0 {
				b.WriteString("; ")
			}
			f := &v.Fields[i]
			if !tuple {
				b.WriteString(labelString(f))
				b.WriteString(" = ")
			}
			writeValue(b, &f.Value)
		}
		b.WriteString(" }")
	case KindVariant:
		if len(v.Fields) != 1 {
			b.WriteString("variant {}")
			break
		}
		f := &v.Fields[0]
		b.WriteString("variant { " + labelString(f))
		if f.Value.Kind != KindNull {
			b.WriteString(" = ")
			writeValue(b, &f.Value)
		}
		b.WriteString(" }")
	default:
		b.WriteString("<invalid>")
	}
	if v.Annot != nil {
		b.WriteString(" : " + v.Annot.String())
	} else if annot != "" {
		b.WriteString(" : " + annot)
	}
}

func labelString(f *FieldValue) string {
	if f.Name != "" {
		return identString(f.Name)
	}
	return strconv.FormatUint(uint64(f.ID), 10)
}
