package candid

import (
	"math"
	"reflect"
	"sort"
	"sync"
)

// header is the cached "DIDL", type table and argument types of a Go
// argument type list.
type header struct {
	codecs []*codec
	bytes  []byte
}

type headerKey struct {
	n int
	t [4]reflect.Type
}

var headers struct {
	sync.RWMutex
	m map[headerKey]*header
}

// Marshal encodes args as a Candid message (Candid spec, "Parameters and
// Results"). A nil entry encodes as null.
func Marshal(args []any) ([]byte, error) {
	return AppendMarshal(nil, args)
}

// AppendMarshal is like Marshal but appends to dst.
func AppendMarshal(dst []byte, args []any) ([]byte, error) {
	if len(args) == 1 {
		if b, ok := appendOne(dst, args[0]); ok {
			return b, nil
		}
	}
	return appendMarshal(dst, args)
}

// appendMarshal is AppendMarshal's general path.
func appendMarshal(dst []byte, args []any) ([]byte, error) {
	var key headerKey
	var types []reflect.Type
	key.n = len(args)
	if len(args) > len(key.t) {
		types = make([]reflect.Type, len(args))
	} else {
		types = key.t[:len(args)]
	}
	for i, a := range args {
		if a == nil {
			types[i] = nullType
		} else {
			types[i] = reflect.TypeOf(a)
		}
	}
	h, err := headerFor(key, types)
	if err != nil {
		return nil, err
	}
	b := append(dst, h.bytes...)
	for i, a := range args {
		if a == nil {
			continue
		}
		v := reflect.ValueOf(a)
		if k := v.Kind(); k == reflect.Struct || k == reflect.Array {
			// An addressable copy takes the compiled path.
			p := reflect.New(v.Type())
			p.Elem().Set(v)
			v = p.Elem()
		}
		var err error
		b, err = encodeValue(b, h.codecs[i], v)
		if err != nil {
			return nil, at(err, argPath(i))
		}
	}
	return b, nil
}

// headerFor returns the cached header of an argument type list, building
// and caching it (for lists of up to 4 types) on first use.
func headerFor(key headerKey, types []reflect.Type) (*header, error) {
	cacheable := len(types) <= len(key.t)
	if cacheable {
		headers.RLock()
		h := headers.m[key]
		headers.RUnlock()
		if h != nil {
			return h, nil
		}
	}
	h, err := buildHeader(types)
	if err != nil {
		return nil, err
	}
	if cacheable {
		headers.Lock()
		if headers.m == nil {
			headers.m = map[headerKey]*header{}
		}
		headers.m[key] = h
		headers.Unlock()
	}
	return h, nil
}

// Prepare compiles and caches the codecs of an argument type list, so that
// the first Marshal or Unmarshal with these types costs no more than the
// next. Canisters call it for their methods' types while they initialize:
// a query's state changes are discarded, so a cache first filled by a
// query would be rebuilt by every query.
func Prepare(types []reflect.Type) error {
	spareDecoder.CompareAndSwap(nil, new(decoder))
	var key headerKey
	key.n = len(types)
	copy(key.t[:], types)
	_, err := headerFor(key, types)
	return err
}

func buildHeader(types []reflect.Type) (*header, error) {
	h := &header{codecs: make([]*codec, len(types))}
	var tt typeTable
	refs := make([]int64, len(types))
	for i, t := range types {
		c, err := codecFor(t)
		if err != nil {
			return nil, at(err, argPath(i))
		}
		h.codecs[i] = c
		refs[i] = tt.ref(c)
	}
	b := append([]byte(nil), "DIDL"...)
	b = AppendLEB128(b, uint64(len(tt.entries)))
	for _, e := range tt.entries {
		b = append(b, e...)
	}
	b = AppendLEB128(b, uint64(len(refs)))
	for _, r := range refs {
		b = AppendSLEB128(b, r)
	}
	h.bytes = b
	return h, nil
}

// typeTable builds the type definition table of a message.
type typeTable struct {
	idx     map[*codec]int
	entries [][]byte
}

func (tt *typeTable) ref(c *codec) int64 {
	if c.op.isPrimitive() {
		return int64(c.op)
	}
	if i, ok := tt.idx[c]; ok {
		return int64(i)
	}
	if tt.idx == nil {
		tt.idx = map[*codec]int{}
	}
	i := len(tt.entries)
	tt.idx[c] = i
	tt.entries = append(tt.entries, nil)
	b := AppendSLEB128(nil, int64(c.op))
	switch c.op {
	case OpOpt, OpVec:
		b = AppendSLEB128(b, tt.ref(c.elem))
	case OpRecord, OpVariant:
		b = AppendLEB128(b, uint64(len(c.fields)))
		for _, f := range c.fields {
			b = AppendLEB128(b, uint64(f.id))
			b = AppendSLEB128(b, tt.ref(f.c))
		}
	case OpFunc:
		b = AppendLEB128(b, uint64(len(c.fn.args)))
		for _, a := range c.fn.args {
			b = AppendSLEB128(b, tt.ref(a))
		}
		b = AppendLEB128(b, uint64(len(c.fn.results)))
		for _, r := range c.fn.results {
			b = AppendSLEB128(b, tt.ref(r))
		}
		if c.fn.mode == Update {
			b = append(b, 0)
		} else {
			b = append(b, 1, byte(c.fn.mode))
		}
	case OpService:
		b = append(b, 0)
	}
	tt.entries[i] = b
	return int64(i)
}

func appendUint(b []byte, x uint64, n int) []byte {
	for i := 0; i < n; i++ {
		b = append(b, byte(x>>(8*i)))
	}
	return b
}

func appendText(b []byte, s string) []byte {
	b = AppendLEB128(b, uint64(len(s)))
	return append(b, s...)
}

func appendPrincipal(b []byte, p reflect.Value) []byte {
	s := p.Field(0).String()
	b = append(b, 1)
	return appendText(b, s)
}

// encodeValue appends the value v of type c.t.
func encodeValue(b []byte, c *codec, v reflect.Value) ([]byte, error) {
	if v.CanAddr() {
		return encodeAt(b, c, v.Addr().UnsafePointer())
	}
	return encodeSlow(b, c, v)
}

// encodeSlow is the reflection-based encoder of the types that encodeAt
// leaves to it, and of values that are not addressable.
func encodeSlow(b []byte, c *codec, v reflect.Value) ([]byte, error) {
	switch c.shape {
	case shapeCustom:
		return v.Interface().(Marshaler).MarshalCandid(b)
	case shapePtrCustom:
		p := reflect.New(c.t)
		p.Elem().Set(v)
		return p.Interface().(Marshaler).MarshalCandid(b)
	}
	switch c.op {
	case OpNull, OpReserved:
		return b, nil
	case OpEmpty:
		return nil, errorf("cannot encode a value of type empty")
	case OpBool:
		if v.Bool() {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case OpNat8:
		return append(b, byte(v.Uint())), nil
	case OpNat16:
		return appendUint(b, v.Uint(), 2), nil
	case OpNat32:
		return appendUint(b, v.Uint(), 4), nil
	case OpNat64:
		return appendUint(b, v.Uint(), 8), nil
	case OpInt8:
		return append(b, byte(v.Int())), nil
	case OpInt16:
		return appendUint(b, uint64(v.Int()), 2), nil
	case OpInt32:
		return appendUint(b, uint64(v.Int()), 4), nil
	case OpInt64:
		return appendUint(b, uint64(v.Int()), 8), nil
	case OpFloat32:
		return appendUint(b, uint64(math.Float32bits(float32(v.Float()))), 4), nil
	case OpFloat64:
		return appendUint(b, math.Float64bits(v.Float()), 8), nil
	case OpText:
		return appendText(b, v.String()), nil
	case OpPrincipal:
		return appendPrincipal(b, v), nil
	case OpService:
		return appendPrincipal(b, v.Field(0)), nil
	case OpFunc:
		b = append(b, 1)
		b = appendPrincipal(b, v.Field(0))
		return appendText(b, v.Field(1).String()), nil
	case OpOpt:
		if v.IsNil() {
			return append(b, 0), nil
		}
		b, err := encodeValue(append(b, 1), c.elem, v.Elem())
		if err != nil {
			return nil, at(err, "opt value")
		}
		return b, nil
	case OpVec:
		return encodeVec(b, c, v)
	case OpRecord:
		for i := range c.fields {
			f := &c.fields[i]
			var err error
			b, err = encodeValue(b, f.c, v.Field(f.index))
			if err != nil {
				return nil, at(err, fieldPath("record field", f))
			}
		}
		return b, nil
	case OpVariant:
		sel := -1
		for i := range c.fields {
			if !v.Field(c.fields[i].index).IsNil() {
				if sel >= 0 {
					return nil, errorf("variant " + c.t.String() + " has more than one non-nil case (" +
						quote(c.fields[sel].label) + " and " + quote(c.fields[i].label) + ")")
				}
				sel = i
			}
		}
		if sel < 0 {
			return nil, errorf("variant " + c.t.String() + " has no non-nil case")
		}
		f := &c.fields[sel]
		b = AppendLEB128(b, uint64(sel))
		b, err := encodeValue(b, f.c, v.Field(f.index).Elem())
		if err != nil {
			return nil, at(err, fieldPath("variant case", f))
		}
		return b, nil
	}
	return nil, errorf("cannot encode " + c.op.String())
}

func encodeVec(b []byte, c *codec, v reflect.Value) ([]byte, error) {
	switch c.shape {
	case shapeBytes:
		return appendText(b, string(v.Bytes())), nil
	case shapeMap:
		return encodeMap(b, c, v)
	}
	n := v.Len()
	b = AppendLEB128(b, uint64(n))
	if c.shape == shapeSlice {
		// The elements of a slice are addressable even if v is not.
		return encodeElems(b, c.elem, v.UnsafePointer(), n)
	}
	if c.shape == shapeArray && c.elem.op == OpNat8 && c.elem.shape == shapePlain {
		for i := 0; i < n; i++ {
			b = append(b, byte(v.Index(i).Uint()))
		}
		return b, nil
	}
	for i := 0; i < n; i++ {
		var err error
		b, err = encodeValue(b, c.elem, v.Index(i))
		if err != nil {
			return nil, at(err, "vec element "+itoa(int64(i)))
		}
	}
	return b, nil
}

func encodeMap(b []byte, c *codec, v reflect.Value) ([]byte, error) {
	keys := v.MapKeys()
	b = AppendLEB128(b, uint64(len(keys)))
	if err := sortKeys(keys, c.key); err != nil {
		return nil, err
	}
	for _, k := range keys {
		var err error
		b, err = encodeValue(b, c.key, k)
		if err != nil {
			return nil, at(err, "map key")
		}
		b, err = encodeValue(b, c.val, v.MapIndex(k))
		if err != nil {
			return nil, at(err, "map value")
		}
	}
	return b, nil
}

// sortKeys sorts map keys so that encoding is deterministic: by value for
// ordered kinds, by encoded bytes otherwise.
func sortKeys(keys []reflect.Value, kc *codec) error {
	if len(keys) < 2 {
		return nil
	}
	if kc.shape == shapePlain {
		switch keys[0].Kind() {
		case reflect.String:
			sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
			return nil
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			sort.Slice(keys, func(i, j int) bool { return keys[i].Int() < keys[j].Int() })
			return nil
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			sort.Slice(keys, func(i, j int) bool { return keys[i].Uint() < keys[j].Uint() })
			return nil
		case reflect.Float32, reflect.Float64:
			sort.Slice(keys, func(i, j int) bool { return cmpOrdered(keys[i].Float(), keys[j].Float()) < 0 })
			return nil
		}
	}
	enc := make([]string, len(keys))
	idx := make([]int, len(keys))
	for i, k := range keys {
		e, err := encodeValue(nil, kc, k)
		if err != nil {
			return at(err, "map key")
		}
		enc[i] = string(e)
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return enc[idx[i]] < enc[idx[j]] })
	sorted := make([]reflect.Value, len(keys))
	for i, j := range idx {
		sorted[i] = keys[j]
	}
	copy(keys, sorted)
	return nil
}

func cmpOrdered[T int64 | uint64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
