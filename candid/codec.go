package candid

import (
	"reflect"
	"sort"
	"strconv"
	"sync"
)

// shape says how a codec's Candid type is laid out in the Go value.
type shape uint8

const (
	shapePlain     shape = iota
	shapeBytes           // []byte as vec nat8
	shapeSlice           // []T as vec T
	shapeArray           // [N]T as vec T
	shapeMap             // map[K]V as vec record { K; V }
	shapeCustom          // Marshaler/Unmarshaler
	shapePtrCustom       // only *T implements Marshaler
)

// codec is the compiled description of a Go type. It is immutable once
// published in the cache.
type codec struct {
	op     Opcode
	shape  shape
	t      reflect.Type // nil for the synthetic map entry record
	size   uintptr      // t.Size()
	min    int          // a lower bound of the size of a value's encoding
	slab   reflect.Type // opt of a small type: []elem, allocated in batches
	enc    encFunc      // see setFuncs
	dec    decFunc
	elem   *codec   // opt, vec; for maps the entry record
	key    *codec   // map key
	val    *codec   // map value
	fields []field  // record and variant, sorted by id
	tuple  bool     // record labelled 0..n-1 numerically
	fn     *funcSig // func references
}

type field struct {
	id      uint32
	label   string
	numeric bool
	index   int     // Go struct field index (0/1 for the map entry)
	offset  uintptr // byte offset of the Go struct field
	decl    int     // declaration order, for rendering
	c       *codec
	unit    bool // variant case of type null, rendered without a type
}

type funcSig struct {
	args, results []*codec
	mode          Mode
}

var cache struct {
	sync.RWMutex
	m map[reflect.Type]*codec
}

// codecFor returns the cached codec of t, compiling it if needed.
func codecFor(t reflect.Type) (*codec, error) {
	cache.RLock()
	c := cache.m[t]
	cache.RUnlock()
	if c != nil {
		return c, nil
	}
	b := compiler{seen: map[reflect.Type]*codec{}}
	_, err := b.compile(t)
	if err != nil {
		return nil, err
	}
	cache.Lock()
	if cache.m == nil {
		cache.m = map[reflect.Type]*codec{}
	}
	for t, c := range b.seen {
		if old := cache.m[t]; old == nil {
			cache.m[t] = c
		}
	}
	c = cache.m[t]
	cache.Unlock()
	return c, nil
}

type compiler struct {
	seen map[reflect.Type]*codec
}

func typeError(t reflect.Type, msg string) error {
	return &Error{msg: "Go type " + t.String() + ": " + msg}
}

func (b *compiler) compile(t reflect.Type) (*codec, error) {
	if c := b.seen[t]; c != nil {
		return c, nil
	}
	cache.RLock()
	c := cache.m[t]
	cache.RUnlock()
	if c != nil {
		return c, nil
	}
	c = &codec{t: t, size: t.Size()}
	b.seen[t] = c
	if err := b.fill(c, t); err != nil {
		return nil, err
	}
	c.min = minSize(c)
	setFuncs(c)
	return c, nil
}

// minSize returns a lower bound of the encoded size of a value of c, used
// to size output buffers.
func minSize(c *codec) int {
	switch c.op {
	case OpNull, OpReserved:
		return 0
	case OpNat16, OpInt16:
		return 2
	case OpNat32, OpInt32, OpFloat32:
		return 4
	case OpNat64, OpInt64, OpFloat64:
		return 8
	case OpText:
		return 8 // a guess: the length and a few bytes
	case OpRecord:
		n := 0
		for _, f := range c.fields {
			n += f.c.min
		}
		return n
	}
	return 1
}

func (b *compiler) fill(c *codec, t reflect.Type) error {
	if t.Kind() != reflect.Pointer {
		pt := reflect.PointerTo(t)
		if t.Implements(marshalerT) || pt.Implements(marshalerT) {
			if !pt.Implements(unmarshalerT) {
				return typeError(t, "implements Marshaler but *T does not implement Unmarshaler")
			}
			c.shape = shapeCustom
			if !t.Implements(marshalerT) {
				c.shape = shapePtrCustom
			}
			c.op = reflect.New(t).Interface().(Marshaler).CandidOpcode()
			if !c.op.isPrimitive() {
				return typeError(t, "CandidOpcode must return a primitive type, got "+c.op.String())
			}
			return nil
		}
	}
	switch t {
	case nullType:
		c.op = OpNull
		return nil
	case reservedType:
		c.op = OpReserved
		return nil
	case emptyType:
		c.op = OpEmpty
		return nil
	case principalType:
		c.op = OpPrincipal
		return nil
	case serviceType:
		c.op = OpService
		return nil
	case variantType:
		return typeError(t, "candid.Variant must be embedded in a struct")
	}
	switch t.Kind() {
	case reflect.Bool:
		c.op = OpBool
	case reflect.String:
		c.op = OpText
	case reflect.Uint8:
		c.op = OpNat8
	case reflect.Uint16:
		c.op = OpNat16
	case reflect.Uint32:
		c.op = OpNat32
	case reflect.Uint64, reflect.Uint:
		c.op = OpNat64
	case reflect.Int8:
		c.op = OpInt8
	case reflect.Int16:
		c.op = OpInt16
	case reflect.Int32:
		c.op = OpInt32
	case reflect.Int64, reflect.Int:
		c.op = OpInt64
	case reflect.Float32:
		c.op = OpFloat32
	case reflect.Float64:
		c.op = OpFloat64
	case reflect.Pointer:
		c.op = OpOpt
		e, err := b.compile(t.Elem())
		if err != nil {
			return err
		}
		c.elem = e
		if e.size > 0 && e.size <= maxSlabElem {
			c.slab = reflect.SliceOf(e.t)
		}
	case reflect.Slice, reflect.Array:
		c.op = OpVec
		e, err := b.compile(t.Elem())
		if err != nil {
			return err
		}
		c.elem = e
		switch {
		case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && e.shape == shapePlain:
			c.shape = shapeBytes
		case t.Kind() == reflect.Slice:
			c.shape = shapeSlice
		default:
			c.shape = shapeArray
		}
	case reflect.Map:
		c.op = OpVec
		c.shape = shapeMap
		k, err := b.compile(t.Key())
		if err != nil {
			return err
		}
		v, err := b.compile(t.Elem())
		if err != nil {
			return err
		}
		c.key, c.val = k, v
		c.elem = &codec{op: OpRecord, tuple: true, fields: []field{
			{id: 0, label: "0", numeric: true, index: 0, decl: 0, c: k},
			{id: 1, label: "1", numeric: true, index: 1, decl: 1, c: v},
		}}
	case reflect.Struct:
		if t.ConvertibleTo(funcType) && t.NumField() == 2 && t.Field(0).Type == principalType {
			return b.fillFunc(c, t)
		}
		return b.fillStruct(c, t)
	default:
		return typeError(t, "unsupported kind "+t.Kind().String())
	}
	return nil
}

func (b *compiler) fillFunc(c *codec, t reflect.Type) error {
	c.op = OpFunc
	c.fn = &funcSig{}
	if t.Implements(funcTyperT) {
		ft := reflect.Zero(t).Interface().(FuncTyper).CandidFuncType()
		c.fn.mode = ft.Mode
		for _, a := range ft.Args {
			ac, err := b.compile(a)
			if err != nil {
				return err
			}
			c.fn.args = append(c.fn.args, ac)
		}
		for _, r := range ft.Results {
			rc, err := b.compile(r)
			if err != nil {
				return err
			}
			c.fn.results = append(c.fn.results, rc)
		}
	}
	return nil
}

func (b *compiler) fillStruct(c *codec, t reflect.Type) error {
	c.op = OpRecord
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous && sf.Type == variantType {
			c.op = OpVariant
		}
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() || (sf.Anonymous && sf.Type == variantType) {
			continue
		}
		tag := sf.Tag.Get("ic")
		if tag == "-" {
			continue
		}
		f := field{index: i, offset: sf.Offset, decl: len(c.fields), label: sf.Name}
		if tag != "" {
			f.label = tag
		}
		if n, err := strconv.ParseUint(f.label, 10, 32); err == nil {
			f.id = uint32(n)
			f.numeric = true
		} else {
			f.id = Hash(f.label)
		}
		ft := sf.Type
		if c.op == OpVariant {
			if ft.Kind() != reflect.Pointer {
				return typeError(t, "variant case "+sf.Name+" must be a pointer")
			}
			ft = ft.Elem()
			f.unit = ft == nullType
		}
		fc, err := b.compile(ft)
		if err != nil {
			return err
		}
		f.c = fc
		c.fields = append(c.fields, f)
	}
	sort.SliceStable(c.fields, func(i, j int) bool { return c.fields[i].id < c.fields[j].id })
	for i := 1; i < len(c.fields); i++ {
		if c.fields[i].id == c.fields[i-1].id {
			return typeError(t, "labels "+quote(c.fields[i-1].label)+" and "+quote(c.fields[i].label)+" have the same field id")
		}
	}
	if c.op == OpRecord && len(c.fields) > 0 {
		c.tuple = true
		for i, f := range c.fields {
			if !f.numeric || f.id != uint32(i) || f.decl != i {
				c.tuple = false
			}
		}
	}
	return nil
}

// fieldIndex returns the index in c.fields of the field with the given id,
// or -1.
func (c *codec) fieldIndex(id uint32) int {
	lo, hi := 0, len(c.fields)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch f := c.fields[m].id; {
		case f == id:
			return m
		case f < id:
			lo = m + 1
		default:
			hi = m
		}
	}
	return -1
}
