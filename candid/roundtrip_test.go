package candid_test

import (
	"encoding/hex"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/principal"
)

type Person struct {
	Name string `ic:"name"`
	Age  uint8  `ic:"age"`
}

type Node struct {
	Value int64 `ic:"value"`
	Next  *Node `ic:"next"`
}

type Result struct {
	candid.Variant
	Ok  *string `ic:"ok"`
	Err *string `ic:"err"`
}

type Color struct {
	candid.Variant
	Red   *candid.Null `ic:"red"`
	Green *candid.Null `ic:"green"`
	RGB   *[3]uint8    `ic:"rgb"`
}

type Pair struct {
	A string `ic:"0"`
	B uint32 `ic:"1"`
}

type Everything struct {
	B    bool
	T    string
	U8   uint8
	U16  uint16
	U32  uint32
	U64  uint64
	U    uint
	I8   int8
	I16  int16
	I32  int32
	I64  int64
	I    int
	F32  float32
	F64  float64
	Blob []byte
	Arr  [2]int16
	Vec  []string
	Opt  *Person
	OO   **bool
	M    map[string]uint32
	P    candid.Principal
	N    candid.Null
	R    candid.Reserved
	Fn   candid.Func
	Svc  candid.Service
	Nat  candid.Nat
	Int  candid.Int
	Res  Result
	skip int //lint:ignore U1000 an unexported field, which the codec must skip
	Skip int `ic:"-"`
}

func ptr[T any](v T) *T { return &v }

// roundTrip encodes v and decodes it into a new value of the same type.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := candid.Marshal([]any{v})
	require.NoError(t, err)
	out := reflect.New(reflect.TypeOf(v))
	require.NoError(t, candid.Unmarshal(b, []any{out.Interface()}), "%x", b)
	return out.Elem().Interface()
}

func TestRoundTrip(t *testing.T) {
	p := principal.MustDecode("em77e-bvlzu-aq")
	tests := []any{
		true, false,
		"", "hello", strings.Repeat("long text ", 10000), "ünïcødé 🚀",
		uint8(0), uint8(math.MaxUint8), uint16(math.MaxUint16), uint32(math.MaxUint32), uint64(math.MaxUint64), uint(math.MaxUint),
		int8(math.MinInt8), int8(math.MaxInt8), int16(math.MinInt16), int32(math.MinInt32), int64(math.MinInt64), int64(math.MaxInt64), int(-1),
		float32(1.5), float32(math.Inf(-1)), math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1),
		[]byte{}, []byte{1, 2, 3}, [4]byte{9, 8, 7, 6},
		[]string{}, []string{"a", "b"}, [][]int32{{1}, {}, {-2, 3}},
		ptr("x"), (*string)(nil), ptr(ptr(uint8(3))), ptr((*uint8)(nil)),
		Person{Name: "Ada", Age: 36},
		&Node{Value: 1, Next: &Node{Value: 2, Next: &Node{Value: 3}}},
		Result{Ok: ptr("fine")}, Result{Err: ptr("bad")},
		Color{Red: &candid.Null{}}, Color{RGB: &[3]uint8{1, 2, 3}},
		Pair{"a", 7},
		map[string]int64{"a": 1, "b": -2}, map[uint64]string{}, map[principal.Principal]bool{p: true, principal.Anonymous: false},
		p, principal.ManagementCanister,
		candid.Null{}, candid.Reserved{},
		candid.Func{Service: p, Method: "greet"},
		candid.Service{ID: p},
		candid.NatFromUint64(0), candid.NatFromUint64(math.MaxUint64),
		candid.NewNat(bigPow(2, 200)), candid.IntFromInt64(math.MinInt64), candid.NewInt(bigNeg(bigPow(2, 130))), candid.NewInt(bigPow(2, 70)),
		Everything{
			B: true, T: "t", U8: 1, U16: 2, U32: 3, U64: 4, U: 5, I8: -1, I16: -2, I32: -3, I64: -4, I: -5,
			F32: 1.25, F64: -2.5, Blob: []byte("blob"), Arr: [2]int16{1, -1}, Vec: []string{"v"},
			Opt: &Person{"p", 1}, OO: ptr(ptr(true)), M: map[string]uint32{"k": 1}, P: p,
			Fn: candid.Func{Service: p, Method: "m"}, Svc: candid.Service{ID: p},
			Nat: candid.NatFromUint64(10), Int: candid.IntFromInt64(-10), Res: Result{Ok: ptr("")},
		},
	}
	for _, v := range tests {
		got := roundTrip(t, v)
		switch v := v.(type) {
		case candid.Nat:
			require.Equal(t, v.String(), got.(candid.Nat).String())
		case candid.Int:
			require.Equal(t, v.String(), got.(candid.Int).String())
		case Everything:
			g := got.(Everything)
			require.Equal(t, v.Nat.String(), g.Nat.String())
			require.Equal(t, v.Int.String(), g.Int.String())
			v.Nat, v.Int, g.Nat, g.Int = candid.Nat{}, candid.Int{}, candid.Nat{}, candid.Int{}
			require.Equal(t, v, g)
		default:
			require.Equal(t, v, got, "%T", v)
		}
	}
}

func TestNaN(t *testing.T) {
	got := roundTrip(t, math.NaN()).(float64)
	require.True(t, math.IsNaN(got))
	got32 := roundTrip(t, float32(math.NaN())).(float32)
	require.True(t, got32 != got32)
	// The exact NaN payload is preserved.
	b, err := candid.Marshal([]any{math.Float64frombits(0x7ff8000000000001)})
	require.NoError(t, err)
	var f float64
	require.NoError(t, candid.Unmarshal(b, []any{&f}))
	require.Equal(t, uint64(0x7ff8000000000001), math.Float64bits(f))
}

func TestMultipleArgs(t *testing.T) {
	b, err := candid.Marshal([]any{"a", uint8(1), nil, Person{"x", 2}, "b", true})
	require.NoError(t, err)
	var (
		s1, s2 string
		n      uint8
		null   candid.Null
		pp     Person
		ok     bool
	)
	require.NoError(t, candid.Unmarshal(b, []any{&s1, &n, &null, &pp, &s2, &ok}))
	require.Equal(t, "a", s1)
	require.Equal(t, "b", s2)
	require.Equal(t, Person{"x", 2}, pp)
	require.True(t, ok)
	// nil pointers skip arguments.
	require.NoError(t, candid.Unmarshal(b, []any{nil, nil, nil, nil, &s2}))
	empty, err := candid.Marshal(nil)
	require.NoError(t, err)
	require.Equal(t, "4449444c0000", hex.EncodeToString(empty))
	require.NoError(t, candid.Unmarshal(empty, nil))
}

func TestMapDeterministic(t *testing.T) {
	m := map[string]int32{}
	for i := 0; i < 50; i++ {
		m[string(rune('a'+i%26))+strings.Repeat("x", i)] = int32(i)
	}
	first, err := candid.Marshal([]any{m})
	require.NoError(t, err)
	for i := 0; i < 10; i++ {
		b, err := candid.Marshal([]any{m})
		require.NoError(t, err)
		require.Equal(t, first, b)
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		v   any
		err string
	}{
		{Result{}, "no non-nil case"},
		{Result{Ok: ptr("a"), Err: ptr("b")}, "more than one non-nil case"},
		{Person{}, ""},
		{candid.Empty{}, "arg 0: cannot encode a value of type empty"},
		{make(chan int), "unsupported kind chan"},
		{struct{ X any }{}, "unsupported kind interface"},
		{struct {
			A int `ic:"a"`
			B int `ic:"a"`
		}{}, "same field id"},
		{struct {
			candid.Variant
			A string
		}{}, "must be a pointer"},
		{candid.NewNat(bigNeg(bigPow(2, 3))), "negative value -8 for nat"},
		{[]Person{{}, {}}, ""},
		{struct{ R Result }{}, `arg 0: record field "R": variant candid_test.Result has no non-nil case`},
	}
	for _, tt := range tests {
		_, err := candid.Marshal([]any{tt.v})
		if tt.err == "" {
			require.NoError(t, err)
			continue
		}
		require.ErrorContains(t, err, tt.err)
	}
}

func TestHash(t *testing.T) {
	// Test vectors from the Candid spec and the reference implementation.
	require.Equal(t, uint32(1224700491), candid.Hash("name"))
	require.Equal(t, uint32(4846783), candid.Hash("age"))
	require.Equal(t, uint32(5097222), candid.Hash("foo"))
	require.Equal(t, uint32(4895187), candid.Hash("bar"))
	require.Equal(t, uint32(24860), candid.Hash("ok"))
	require.Equal(t, uint32(5048165), candid.Hash("err"))
	require.Equal(t, uint32(0), candid.Hash(""))
}

func TestLEB128(t *testing.T) {
	for _, x := range []uint64{0, 1, 127, 128, 624485, math.MaxUint32, math.MaxUint64} {
		b := candid.AppendLEB128(nil, x)
		y, n, err := candid.ReadLEB128(b)
		require.NoError(t, err)
		require.Equal(t, len(b), n)
		require.Equal(t, x, y)
	}
	for _, x := range []int64{0, 1, -1, 63, 64, -64, -65, -123456, math.MaxInt64, math.MinInt64} {
		b := candid.AppendSLEB128(nil, x)
		y, n, err := candid.ReadSLEB128(b)
		require.NoError(t, err)
		require.Equal(t, len(b), n)
		require.Equal(t, x, y, "%x", b)
	}
	require.Equal(t, "e58e26", hex.EncodeToString(candid.AppendLEB128(nil, 624485)))
	require.Equal(t, "c0bb78", hex.EncodeToString(candid.AppendSLEB128(nil, -123456)))
	// Over-long but in range.
	x, n, err := candid.ReadLEB128([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00})
	require.NoError(t, err)
	require.Equal(t, uint64(0), x)
	require.Equal(t, 12, n)
	_, _, err = candid.ReadLEB128([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02})
	require.Error(t, err)
	_, _, err = candid.ReadLEB128([]byte{0x80})
	require.Error(t, err)
	y, _, err := candid.ReadSLEB128([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	require.NoError(t, err)
	require.Equal(t, int64(-1), y)
	_, _, err = candid.ReadSLEB128([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})
	require.Error(t, err)
}

// TestCompiledEncoding checks that the compiled codecs encode as the
// reflection-based encoder does.
func TestCompiledEncoding(t *testing.T) {
	everything := Everything{
		B: true, T: "text", U8: 1, U16: 2, U32: 3, U64: 4, U: 5, I8: -1, I16: -2, I32: -3, I64: -4, I: -5,
		F32: 1.5, F64: -2.5, Blob: []byte{1, 2}, Arr: [2]int16{-1, 1}, Vec: []string{"a", ""},
		Opt: &Person{"Ada", 36}, OO: ptr(ptr(true)), M: map[string]uint32{"b": 2, "a": 1},
		Nat: candid.NatFromUint64(300), Int: candid.IntFromInt64(-300), Res: Result{Err: ptr("e")},
	}
	for _, v := range []any{
		true, uint16(7), int64(-9), float32(3.25), "hi", []byte("blob"), [3]uint8{1, 2, 3},
		Person{"Ada", 36}, &Person{"Bob", 1}, (*Person)(nil), []Person{{"a", 1}, {"b", 2}},
		&Node{Value: 1, Next: &Node{Value: 2}}, Pair{"x", 9}, []*string{ptr("x"), nil},
		Color{RGB: &[3]uint8{1, 2, 3}}, everything, []Everything{everything, {Res: Result{Ok: ptr("")}}},
		[][]int32{{1, 2}, {}}, map[int8]string{2: "b", -1: "a"},
	} {
		fast, slow, err := candid.EncodeBoth(v)
		require.NoError(t, err, "%T", v)
		require.Equal(t, slow, fast, "%T", v)
	}
}
