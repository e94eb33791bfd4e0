// Package candidtext converts between Candid's textual value syntax and its
// binary wire format, optionally typed by a parsed .did service description.
// It is host-side code for the icgo CLI (icgo run); it is not meant to run
// inside a canister.
package candidtext

import (
	"sort"
	"strconv"
	"strings"
)

// Kind identifies a Candid type constructor (and, for Value, the kind of
// value, which includes the literal-only kinds Number and Blob).
type Kind uint8

const (
	KindInvalid Kind = iota
	KindNull
	KindBool
	KindNat
	KindInt
	KindNat8
	KindNat16
	KindNat32
	KindNat64
	KindInt8
	KindInt16
	KindInt32
	KindInt64
	KindFloat32
	KindFloat64
	KindText
	KindReserved
	KindEmpty
	KindPrincipal
	KindOpt
	KindVec
	KindRecord
	KindVariant
	KindFunc
	KindService
	// KindRef is a reference to a named type definition (Type only).
	KindRef
	// KindNumber is an unannotated numeric literal from ParseArgs (Value only).
	KindNumber
	// KindBlob is a blob "..." literal, or a decoded vec nat8 (Value only).
	KindBlob
)

var primNames = map[string]Kind{
	"null": KindNull, "bool": KindBool, "nat": KindNat, "int": KindInt,
	"nat8": KindNat8, "nat16": KindNat16, "nat32": KindNat32, "nat64": KindNat64,
	"int8": KindInt8, "int16": KindInt16, "int32": KindInt32, "int64": KindInt64,
	"float32": KindFloat32, "float64": KindFloat64, "text": KindText,
	"reserved": KindReserved, "empty": KindEmpty, "principal": KindPrincipal,
}

var kindNames = [...]string{
	KindInvalid: "invalid", KindNull: "null", KindBool: "bool", KindNat: "nat", KindInt: "int",
	KindNat8: "nat8", KindNat16: "nat16", KindNat32: "nat32", KindNat64: "nat64",
	KindInt8: "int8", KindInt16: "int16", KindInt32: "int32", KindInt64: "int64",
	KindFloat32: "float32", KindFloat64: "float64", KindText: "text",
	KindReserved: "reserved", KindEmpty: "empty", KindPrincipal: "principal",
	KindOpt: "opt", KindVec: "vec", KindRecord: "record", KindVariant: "variant",
	KindFunc: "func", KindService: "service", KindRef: "type reference",
	KindNumber: "number", KindBlob: "blob",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// IsPrimitive reports whether k is a primitive type (one with a negative
// opcode and no type-table entry).
func (k Kind) IsPrimitive() bool { return k >= KindNull && k <= KindPrincipal }

// Type is a Candid type. Types form a graph: a KindRef type names a
// definition (Def) which may (indirectly) refer back to itself.
type Type struct {
	Kind    Kind
	Elem    *Type        // opt, vec
	Fields  []Field      // record, variant: sorted by ID, no duplicates
	Func    *FuncType    // func
	Methods []MethodType // service: sorted by name
	Name    string       // ref: the referenced type name
	Def     *Type        // ref: the definition, once resolved
}

// Field is a record or variant field. Name is empty for numeric labels.
type Field struct {
	Name string
	ID   uint32
	Type *Type
}

// Label returns the textual label (name, or the number).
func (f Field) Label() string {
	if f.Name != "" {
		return f.Name
	}
	return strconv.FormatUint(uint64(f.ID), 10)
}

// FuncType is a function type.
type FuncType struct {
	Args        []*Type
	ArgNames    []string // "" where the .did gives no name
	Results     []*Type
	Annotations []string // "query", "composite_query", "oneway"
}

// MethodType is an entry of a service type.
type MethodType struct {
	Name string
	Type *Type // KindFunc, or a KindRef to one
}

// Prim returns the primitive type of kind k.
func Prim(k Kind) *Type { return &Type{Kind: k} }

// Opt, Vec return the composite types.
func Opt(t *Type) *Type { return &Type{Kind: KindOpt, Elem: t} }

// Vec returns vec t.
func Vec(t *Type) *Type { return &Type{Kind: KindVec, Elem: t} }

// Record returns a record type; fields are sorted by id.
func Record(fields ...Field) *Type { return &Type{Kind: KindRecord, Fields: sortFields(fields)} }

// Variant returns a variant type; fields are sorted by id.
func Variant(fields ...Field) *Type { return &Type{Kind: KindVariant, Fields: sortFields(fields)} }

// NamedField builds a field with a textual label.
func NamedField(name string, t *Type) Field { return Field{Name: name, ID: Hash(name), Type: t} }

func sortFields(fs []Field) []Field {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].ID < fs[j].ID })
	return fs
}

// Hash is the Candid field-id hash of a label.
func Hash(label string) uint32 {
	var h uint32
	for i := 0; i < len(label); i++ {
		h = h*223 + uint32(label[i])
	}
	return h
}

// resolve follows references. It returns nil for an unresolved reference or
// a reference cycle without a constructor (rejected by ParseDID).
func resolve(t *Type) *Type {
	for i := 0; t != nil && t.Kind == KindRef; i++ {
		if i > 10000 {
			return nil
		}
		t = t.Def
	}
	return t
}

// String prints the type in .did syntax; references print as their name.
func (t *Type) String() string {
	var b strings.Builder
	writeType(&b, t)
	return b.String()
}

var keywords = map[string]bool{
	"type": true, "import": true, "service": true, "func": true, "opt": true, "vec": true,
	"record": true, "variant": true, "blob": true, "principal": true, "query": true,
	"oneway": true, "composite_query": true, "null": true, "bool": true, "nat": true,
	"int": true, "nat8": true, "nat16": true, "nat32": true, "nat64": true, "int8": true,
	"int16": true, "int32": true, "int64": true, "float32": true, "float64": true,
	"text": true, "reserved": true, "empty": true, "true": true, "false": true,
}

func isPlainIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return false
		}
	}
	return true
}

// identString prints a label or method name, quoting it if needed (as didc).
func identString(s string) string {
	if isPlainIdent(s) && !keywords[s] {
		return s
	}
	return quoteText(s)
}

func writeFields(b *strings.Builder, fs []Field, variant bool) {
	if len(fs) == 0 {
		b.WriteString(" {}")
		return
	}
	tuple := !variant
	for i, f := range fs {
		if f.Name != "" || f.ID != uint32(i) {
			tuple = false
		}
	}
	b.WriteString(" { ")
	for i, f := range fs {
		if i > 0 {
			b.WriteString("; ")
		}
		if tuple {
			writeType(b, f.Type)
			continue
		}
		if f.Name != "" {
			b.WriteString(identString(f.Name))
		} else {
			b.WriteString(strconv.FormatUint(uint64(f.ID), 10))
		}
		if variant && f.Type != nil && f.Type.Kind == KindNull {
			continue
		}
		b.WriteString(" : ")
		writeType(b, f.Type)
	}
	b.WriteString(" }")
}

func writeTuple(b *strings.Builder, ts []*Type) {
	b.WriteString("(")
	for i, t := range ts {
		if i > 0 {
			b.WriteString(", ")
		}
		writeType(b, t)
	}
	b.WriteString(")")
}

func writeFuncType(b *strings.Builder, f *FuncType) {
	writeTuple(b, f.Args)
	b.WriteString(" -> ")
	writeTuple(b, f.Results)
	for _, a := range f.Annotations {
		b.WriteString(" " + a)
	}
}

func writeType(b *strings.Builder, t *Type) {
	if t == nil {
		b.WriteString("<nil>")
		return
	}
	switch t.Kind {
	case KindRef:
		b.WriteString(t.Name)
	case KindOpt:
		b.WriteString("opt ")
		writeType(b, t.Elem)
	case KindVec:
		if t.Elem != nil && t.Elem.Kind == KindNat8 {
			b.WriteString("blob")
			return
		}
		b.WriteString("vec ")
		writeType(b, t.Elem)
	case KindRecord:
		b.WriteString("record")
		writeFields(b, t.Fields, false)
	case KindVariant:
		b.WriteString("variant")
		writeFields(b, t.Fields, true)
	case KindFunc:
		b.WriteString("func ")
		if t.Func != nil {
			writeFuncType(b, t.Func)
		}
	case KindService:
		b.WriteString("service {")
		for i, m := range t.Methods {
			if i > 0 {
				b.WriteString(";")
			}
			b.WriteString(" " + identString(m.Name) + " : ")
			if m.Type != nil && m.Type.Kind == KindFunc && m.Type.Func != nil {
				writeFuncType(b, m.Type.Func)
			} else {
				writeType(b, m.Type)
			}
		}
		if len(t.Methods) > 0 {
			b.WriteString(" ")
		}
		b.WriteString("}")
	default:
		b.WriteString(t.Kind.String())
	}
}

// Service is a parsed .did file.
type Service struct {
	// Types holds the named type definitions, in source order in TypeNames.
	Types     map[string]*Type
	TypeNames []string
	// InitArgs are the service's init arguments (service : (args) -> {...}).
	InitArgs []*Type
	// Methods in source order.
	Methods []*Method
	// HasActor reports whether the file has a service declaration.
	HasActor bool
}

// Method is a service method.
type Method struct {
	Name        string
	Args        []*Type
	ArgNames    []string
	Results     []*Type
	Annotations []string
}

// IsQuery reports whether the method is a query (or composite query).
func (m *Method) IsQuery() bool { return m.has("query") || m.has("composite_query") }

// IsCompositeQuery reports whether the method is annotated composite_query.
func (m *Method) IsCompositeQuery() bool { return m.has("composite_query") }

// IsOneway reports whether the method is annotated oneway.
func (m *Method) IsOneway() bool { return m.has("oneway") }

func (m *Method) has(a string) bool {
	for _, x := range m.Annotations {
		if x == a {
			return true
		}
	}
	return false
}

// Method looks up a method by name.
func (s *Service) Method(name string) (*Method, bool) {
	for _, m := range s.Methods {
		if m.Name == name {
			return m, true
		}
	}
	return nil, false
}
