package stable

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strconv"
	"unicode/utf8"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/principal"
)

// Bound says how large the encoding of a Storable type can be. The zero
// Bound is Unbounded.
type Bound struct {
	// MaxSize is the largest encoding, in bytes; 0 with Bounded false means
	// unbounded.
	MaxSize uint32
	// Bounded is true when no encoding is longer than MaxSize.
	Bounded bool
	// Fixed is true when every encoding is exactly MaxSize bytes long; such
	// keys are stored without a length prefix.
	Fixed bool
}

// Unbounded is the Bound of types without a maximum size (string, []byte,
// Candid values).
var Unbounded = Bound{}

// BoundedBy returns the bound of a type whose encodings are at most max bytes.
func BoundedBy(max uint32) Bound { return Bound{MaxSize: max, Bounded: true} }

// FixedSize returns the bound of a type whose encodings are exactly n bytes.
func FixedSize(n uint32) Bound { return Bound{MaxSize: n, Bounded: true, Fixed: true} }

// Storable encodes values of type T for the collections of this package
// (keys and values of BTreeMap, items of Cell, Vec, Log and MinHeap). It is
// a codec value rather than a method set, so that plain types (uint64,
// string) need no wrapper; StorableFor picks the one for a type.
type Storable[T any] interface {
	// Bound is the size bound of the encodings.
	Bound() Bound
	// Append appends the encoding of v to dst.
	Append(dst []byte, v T) []byte
	// Decode decodes an encoding made by Append.
	Decode(b []byte) (T, error)
	// Compare orders two encodings as the values they encode (BTreeMap keys,
	// MinHeap items): negative, zero or positive.
	Compare(a, b []byte) int
}

// StorableFor returns the Storable of T:
//
//	Go type                           encoding (as ic-stable-structures)  bound
//	uint8, uint16, uint32, uint64     big-endian                            fixed 1, 2, 4, 8
//	int8 ... int64                    big-endian, sign bit flipped (*)      fixed 1, 2, 4, 8
//	float32, float64                  IEEE 754 big-endian                   fixed 4, 8
//	bool                              one byte, 0 or 1                      fixed 1
//	string                            UTF-8 bytes                           unbounded
//	[]byte                            the bytes                             unbounded
//	[N]byte                           the bytes                             fixed N
//	principal.Principal               its bytes                             at most 29
//	anything else                     Candid (one value, "DIDL" message)    unbounded
//
// (*) Rust's ic-stable-structures has no signed integer keys; this
// encoding keeps the byte order equal to the numeric order.
//
// Keys compare by value; for Candid-encoded keys that is the order of the
// encodings' bytes. Use Candid or a custom Storable to choose another
// encoding for a type.
func StorableFor[T any]() Storable[T] {
	var zero T
	var s any
	switch any(zero).(type) {
	case uint8:
		s = uintStorable[uint8]{1}
	case uint16:
		s = uintStorable[uint16]{2}
	case uint32:
		s = uintStorable[uint32]{4}
	case uint64:
		s = u64Storable{}
	case uint:
		s = uintStorable[uint]{8}
	case int8:
		s = intStorable[int8]{1}
	case int16:
		s = intStorable[int16]{2}
	case int32:
		s = intStorable[int32]{4}
	case int64:
		s = intStorable[int64]{8}
	case int:
		s = intStorable[int]{8}
	case float32:
		s = float32Storable{}
	case float64:
		s = float64Storable{}
	case bool:
		s = boolStorable{}
	case string:
		s = stringStorable{}
	case []byte:
		s = bytesStorable{}
	case principal.Principal:
		s = principalStorable{}
	default:
		t := reflect.TypeFor[T]()
		if t.Kind() == reflect.Array && t.Elem().Kind() == reflect.Uint8 {
			return arrayStorable[T]{n: uint32(t.Len())}
		}
		return Candid[T]()
	}
	return s.(Storable[T])
}

// bytewiseOrder marks the Storables whose Compare is bytes.Compare, which
// lets the BTreeMap compare small fixed-size keys as integers.
type bytewiseOrder interface{ bytewise() }

func (uintStorable[T]) bytewise()   {}
func (intStorable[T]) bytewise()    {}
func (u64Storable) bytewise()       {}
func (boolStorable) bytewise()      {}
func (stringStorable) bytewise()    {}
func (bytesStorable) bytewise()     {}
func (principalStorable) bytewise() {}
func (arrayStorable[T]) bytewise()  {}
func (candidStorable[T]) bytewise() {}

// u64Storable is uintStorable[uint64] without generics, for speed.
type u64Storable struct{}

func (u64Storable) Bound() Bound { return FixedSize(8) }
func (u64Storable) Append(dst []byte, v uint64) []byte {
	return binary.BigEndian.AppendUint64(dst, v)
}
func (u64Storable) Decode(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, sizeError(8, len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}
func (u64Storable) Compare(a, b []byte) int { return bytes.Compare(a, b) }

type uintStorable[T ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uint] struct{ n int }

func (u uintStorable[T]) Bound() Bound { return FixedSize(uint32(u.n)) }
func (u uintStorable[T]) Append(dst []byte, v T) []byte {
	x := uint64(v)
	for i := u.n - 1; i >= 0; i-- {
		dst = append(dst, byte(x>>(8*i)))
	}
	return dst
}
func (u uintStorable[T]) Decode(b []byte) (T, error) {
	if len(b) != u.n {
		return 0, sizeError(u.n, len(b))
	}
	var x uint64
	for _, c := range b {
		x = x<<8 | uint64(c)
	}
	return T(x), nil
}
func (uintStorable[T]) Compare(a, b []byte) int { return bytes.Compare(a, b) }

type intStorable[T ~int8 | ~int16 | ~int32 | ~int64 | ~int] struct{ n int }

func (s intStorable[T]) Bound() Bound { return FixedSize(uint32(s.n)) }
func (s intStorable[T]) Append(dst []byte, v T) []byte {
	x := uint64(int64(v)) ^ 1<<(8*s.n-1)
	for i := s.n - 1; i >= 0; i-- {
		dst = append(dst, byte(x>>(8*i)))
	}
	return dst
}
func (s intStorable[T]) Decode(b []byte) (T, error) {
	if len(b) != s.n {
		return 0, sizeError(s.n, len(b))
	}
	var x uint64
	for _, c := range b {
		x = x<<8 | uint64(c)
	}
	x ^= 1 << (8*s.n - 1)
	shift := 64 - 8*s.n
	return T(int64(x<<shift) >> shift), nil
}
func (intStorable[T]) Compare(a, b []byte) int { return bytes.Compare(a, b) }

type float64Storable struct{}

func (float64Storable) Bound() Bound { return FixedSize(8) }
func (float64Storable) Append(dst []byte, v float64) []byte {
	return binary.BigEndian.AppendUint64(dst, math.Float64bits(v))
}
func (float64Storable) Decode(b []byte) (float64, error) {
	if len(b) != 8 {
		return 0, sizeError(8, len(b))
	}
	return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
}
func (s float64Storable) Compare(a, b []byte) int {
	x, _ := s.Decode(a)
	y, _ := s.Decode(b)
	return cmp.Compare(x, y)
}

type float32Storable struct{}

func (float32Storable) Bound() Bound { return FixedSize(4) }
func (float32Storable) Append(dst []byte, v float32) []byte {
	return binary.BigEndian.AppendUint32(dst, math.Float32bits(v))
}
func (float32Storable) Decode(b []byte) (float32, error) {
	if len(b) != 4 {
		return 0, sizeError(4, len(b))
	}
	return math.Float32frombits(binary.BigEndian.Uint32(b)), nil
}
func (s float32Storable) Compare(a, b []byte) int {
	x, _ := s.Decode(a)
	y, _ := s.Decode(b)
	return cmp.Compare(x, y)
}

type boolStorable struct{}

func (boolStorable) Bound() Bound { return FixedSize(1) }
func (boolStorable) Append(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}
func (boolStorable) Decode(b []byte) (bool, error) {
	if len(b) != 1 || b[0] > 1 {
		return false, errors.New("stable: a bool is one byte, 0 or 1")
	}
	return b[0] == 1, nil
}
func (boolStorable) Compare(a, b []byte) int { return bytes.Compare(a, b) }

type stringStorable struct{}

func (stringStorable) Bound() Bound                       { return Unbounded }
func (stringStorable) Append(dst []byte, v string) []byte { return append(dst, v...) }
func (stringStorable) Decode(b []byte) (string, error) {
	if !utf8.Valid(b) {
		return "", errors.New("stable: stored string is not valid UTF-8")
	}
	return string(b), nil
}
func (stringStorable) Compare(a, b []byte) int { return bytes.Compare(a, b) }

type bytesStorable struct{}

func (bytesStorable) Bound() Bound                       { return Unbounded }
func (bytesStorable) Append(dst []byte, v []byte) []byte { return append(dst, v...) }
func (bytesStorable) Decode(b []byte) ([]byte, error)    { return bytes.Clone(b), nil }
func (bytesStorable) Compare(a, b []byte) int            { return bytes.Compare(a, b) }

type principalStorable struct{}

func (principalStorable) Bound() Bound { return BoundedBy(29) }
func (principalStorable) Append(dst []byte, v principal.Principal) []byte {
	return append(dst, v.Bytes()...)
}
func (principalStorable) Decode(b []byte) (principal.Principal, error) {
	p := principal.FromBytes(b)
	if err := p.Validate(); err != nil {
		return principal.Principal{}, err
	}
	return p, nil
}
func (principalStorable) Compare(a, b []byte) int { return bytes.Compare(a, b) }

// arrayStorable handles [N]byte through reflect (Go generics cannot range
// over array lengths).
type arrayStorable[T any] struct{ n uint32 }

func (s arrayStorable[T]) Bound() Bound { return FixedSize(s.n) }
func (s arrayStorable[T]) Append(dst []byte, v T) []byte {
	return append(dst, reflect.ValueOf(&v).Elem().Bytes()...)
}
func (s arrayStorable[T]) Decode(b []byte) (T, error) {
	var v T
	if len(b) != int(s.n) {
		return v, sizeError(int(s.n), len(b))
	}
	reflect.Copy(reflect.ValueOf(&v).Elem(), reflect.ValueOf(b))
	return v, nil
}
func (arrayStorable[T]) Compare(a, b []byte) int { return bytes.Compare(a, b) }

// Candid returns the Storable that encodes T as a Candid message of one
// value (package candid's mapping). Decoding follows Candid's subtyping
// rules, so a record type may gain opt fields and still read old data.
// Keys order by the bytes of their encodings.
func Candid[T any]() Storable[T] { return candidStorable[T]{bound: Unbounded} }

// CandidBounded is Candid with a declared maximum encoding size; Append
// panics on a larger value. A bounded value type lets a BTreeMap choose a
// page size that fits its nodes, as ic-stable-structures does.
func CandidBounded[T any](max uint32) Storable[T] {
	return candidStorable[T]{bound: BoundedBy(max)}
}

type candidStorable[T any] struct{ bound Bound }

func (c candidStorable[T]) Bound() Bound { return c.bound }
func (c candidStorable[T]) Append(dst []byte, v T) []byte {
	out, err := candid.AppendMarshal(dst, []any{v})
	if err != nil {
		panic("stable: cannot encode a value as Candid: " + err.Error())
	}
	if c.bound.Bounded && len(out)-len(dst) > int(c.bound.MaxSize) {
		panic("stable: Candid value of " + strconv.Itoa(len(out)-len(dst)) + " bytes exceeds its declared bound of " +
			strconv.FormatUint(uint64(c.bound.MaxSize), 10))
	}
	return out
}
func (c candidStorable[T]) Decode(b []byte) (T, error) {
	var v T
	err := candid.Unmarshal(b, []any{&v})
	return v, err
}
func (candidStorable[T]) Compare(a, b []byte) int { return bytes.Compare(a, b) }

func sizeError(want, got int) error {
	return errors.New("stable: stored value has " + strconv.Itoa(got) + " bytes, want " + strconv.Itoa(want))
}

// encode encodes v with s and checks it against s's bound.
func encode[T any](s Storable[T], dst []byte, v T) []byte {
	out := s.Append(dst, v)
	checkBound(s.Bound(), len(out)-len(dst))
	return out
}

func checkBound(b Bound, n int) {
	if !b.Bounded {
		if n > math.MaxUint32 {
			panic("stable: encoding larger than 4 GiB")
		}
		return
	}
	if b.Fixed && n != int(b.MaxSize) || n > int(b.MaxSize) {
		panic("stable: encoding of " + strconv.Itoa(n) + " bytes does not fit its Storable's bound of " +
			strconv.FormatUint(uint64(b.MaxSize), 10) + " bytes")
	}
}
