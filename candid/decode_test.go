package candid_test

import (
	"encoding/hex"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
)

func mustMarshal(t testing.TB, args ...any) []byte {
	t.Helper()
	b, err := candid.Marshal(args)
	require.NoError(t, err)
	return b
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err)
	return b
}

type PersonV2 struct {
	Name  string  `ic:"name"`
	Age   uint8   `ic:"age"`
	Email *string `ic:"email"`
}

type PersonNeedsEmail struct {
	Name  string `ic:"name"`
	Email string `ic:"email"`
}

type OnlyName struct {
	Name string `ic:"name"`
}

type WrongName struct {
	Name uint8 `ic:"name"`
}

type ResultV2 struct {
	candid.Variant
	Ok *string `ic:"ok"`
}

func TestSubtyping(t *testing.T) {
	person := mustMarshal(t, Person{"Ada", 36})

	t.Run("missing opt field becomes nil", func(t *testing.T) {
		v := PersonV2{Email: ptr("stale")}
		require.NoError(t, candid.Unmarshal(person, []any{&v}))
		require.Equal(t, PersonV2{Name: "Ada", Age: 36}, v)
	})
	t.Run("missing non-opt field", func(t *testing.T) {
		var v PersonNeedsEmail
		require.EqualError(t, candid.Unmarshal(person, []any{&v}), `candid: arg 0: missing record field "email"`)
	})
	t.Run("extra wire field skipped", func(t *testing.T) {
		var v OnlyName
		require.NoError(t, candid.Unmarshal(mustMarshal(t, PersonV2{"x", 1, ptr("e")}), []any{&v}))
		require.Equal(t, "x", v.Name)
	})
	t.Run("field type mismatch", func(t *testing.T) {
		var v WrongName
		require.EqualError(t, candid.Unmarshal(person, []any{&v}), `candid: arg 0: record field "name": expected nat8, got text`)
		type Inner struct {
			P WrongName `ic:"p"`
		}
		type Outer struct {
			P Person `ic:"p"`
		}
		var in Inner
		require.EqualError(t, candid.Unmarshal(mustMarshal(t, Outer{}), []any{&in}),
			`candid: arg 0: record field "p": record field "name": expected nat8, got text`)
	})
	t.Run("extra args ignored, missing opt args nil", func(t *testing.T) {
		b := mustMarshal(t, "a", "b")
		var s string
		require.NoError(t, candid.Unmarshal(b, []any{&s}))
		var o *string = ptr("x")
		require.NoError(t, candid.Unmarshal(b, []any{&s, &s, &o}))
		require.Nil(t, o)
		var r candid.Reserved
		require.NoError(t, candid.Unmarshal(b, []any{&s, &s, &r}))
		require.EqualError(t, candid.Unmarshal(b, []any{&s, &s, &s}), "candid: arg 2: missing argument of type text")
	})
	t.Run("opt rules", func(t *testing.T) {
		var o *string
		// null and reserved decode as none.
		require.NoError(t, candid.Unmarshal(mustMarshal(t, nil), []any{&o}))
		require.Nil(t, o)
		require.NoError(t, candid.Unmarshal(mustMarshal(t, candid.Reserved{}), []any{&o}))
		require.Nil(t, o)
		// A plain value decodes as some.
		require.NoError(t, candid.Unmarshal(mustMarshal(t, "x"), []any{&o}))
		require.Equal(t, "x", *o)
		// A value that does not fit becomes none, and the rest still decodes.
		var n *uint8
		var s string
		require.NoError(t, candid.Unmarshal(mustMarshal(t, ptr("x"), "after"), []any{&n, &s}))
		require.Nil(t, n)
		require.Equal(t, "after", s)
		require.NoError(t, candid.Unmarshal(mustMarshal(t, Person{"a", 1}, "after"), []any{&n, &s}))
		require.Nil(t, n)
		// Overflow inside opt is none too.
		require.NoError(t, candid.Unmarshal(mustMarshal(t, candid.NatFromUint64(300)), []any{&n}))
		require.Nil(t, n)
		// opt opt: ?null is some(none).
		var oo **string
		require.NoError(t, candid.Unmarshal(mustMarshal(t, ptr((*string)(nil))), []any{&oo}))
		require.NotNil(t, oo)
		require.Nil(t, *oo)
		// A plain value into opt opt.
		require.NoError(t, candid.Unmarshal(mustMarshal(t, "v"), []any{&oo}))
		require.Equal(t, "v", **oo)
		// Unknown variant case in opt is none.
		var rv *ResultV2
		require.NoError(t, candid.Unmarshal(mustMarshal(t, Result{Err: ptr("e")}), []any{&rv}))
		require.Nil(t, rv)
		require.NoError(t, candid.Unmarshal(mustMarshal(t, Result{Ok: ptr("o")}), []any{&rv}))
		require.Equal(t, "o", *rv.Ok)
		// Malformed data inside opt is still an error.
		bad := unhex(t, "4449444c016e710100 01 02 fffe")
		require.ErrorContains(t, candid.Unmarshal(bad, []any{&n}), "opt value: text is not valid UTF-8")
	})
	t.Run("variants", func(t *testing.T) {
		var r ResultV2
		require.EqualError(t, candid.Unmarshal(mustMarshal(t, Result{Err: ptr("e")}), []any{&r}),
			"candid: arg 0: unexpected variant case with id 5048165")
		// A wider expected variant accepts a narrower one.
		var c Result
		require.NoError(t, candid.Unmarshal(mustMarshal(t, ResultV2{Ok: ptr("x")}), []any{&c}))
		require.Equal(t, Result{Ok: ptr("x")}, c)
	})
	t.Run("numbers", func(t *testing.T) {
		var u64 uint64
		require.NoError(t, candid.Unmarshal(mustMarshal(t, candid.NatFromUint64(math.MaxUint64)), []any{&u64}))
		require.Equal(t, uint64(math.MaxUint64), u64)
		require.EqualError(t, candid.Unmarshal(mustMarshal(t, candid.NewNat(bigPow(2, 64))), []any{&u64}),
			"candid: arg 0: nat value does not fit in nat64")
		var u8 uint8
		require.EqualError(t, candid.Unmarshal(mustMarshal(t, candid.NatFromUint64(256)), []any{&u8}),
			"candid: arg 0: nat value 256 does not fit in nat8")
		var i8 int8
		require.NoError(t, candid.Unmarshal(mustMarshal(t, candid.IntFromInt64(-128)), []any{&i8}))
		require.Equal(t, int8(-128), i8)
		require.ErrorContains(t, candid.Unmarshal(mustMarshal(t, candid.IntFromInt64(-129)), []any{&i8}), "does not fit in int8")
		var i64 int64
		require.NoError(t, candid.Unmarshal(mustMarshal(t, candid.NatFromUint64(5)), []any{&i64}))
		require.Equal(t, int64(5), i64)
		// nat <: int for big numbers too.
		var bi candid.Int
		require.NoError(t, candid.Unmarshal(mustMarshal(t, candid.NewNat(bigPow(3, 50))), []any{&bi}))
		require.Equal(t, bigPow(3, 50).String(), bi.String())
		// int does not decode as nat, nat16 not as nat32.
		var bn candid.Nat
		require.EqualError(t, candid.Unmarshal(mustMarshal(t, candid.IntFromInt64(1)), []any{&bn}), "candid: arg 0: expected nat, got int")
		var u32 uint32
		require.EqualError(t, candid.Unmarshal(mustMarshal(t, uint16(1)), []any{&u32}), "candid: arg 0: expected nat32, got nat16")
	})
	t.Run("reserved accepts anything", func(t *testing.T) {
		var r candid.Reserved
		var s string
		require.NoError(t, candid.Unmarshal(mustMarshal(t, Everything{Res: Result{Ok: ptr("")}}, "x"), []any{&r, &s}))
		require.Equal(t, "x", s)
	})
	t.Run("empty", func(t *testing.T) {
		var e candid.Empty
		require.EqualError(t, candid.Unmarshal(mustMarshal(t, "x"), []any{&e}), "candid: arg 0: cannot decode a value into empty")
	})
	t.Run("arrays", func(t *testing.T) {
		var a [2]string
		require.EqualError(t, candid.Unmarshal(mustMarshal(t, []string{"a"}), []any{&a}), "candid: arg 0: expected vec of length 2, got 1")
		var vb []byte
		require.NoError(t, candid.Unmarshal(mustMarshal(t, [3]byte{1, 2, 3}), []any{&vb}))
		require.Equal(t, []byte{1, 2, 3}, vb)
		var vs []string
		require.EqualError(t, candid.Unmarshal(mustMarshal(t, []uint8{1}), []any{&vs}), `candid: arg 0: vec element 0: expected text, got nat8`)
	})
	t.Run("bad pointers", func(t *testing.T) {
		var s string
		require.ErrorContains(t, candid.Unmarshal(mustMarshal(t, "x"), []any{s}), "non-nil pointer")
		require.ErrorContains(t, candid.Unmarshal(mustMarshal(t, "x"), []any{(*string)(nil)}), "non-nil pointer")
	})
}

func TestDecodeMalformed(t *testing.T) {
	tests := []struct {
		name, hex, err string
	}{
		{"empty input", "", "missing DIDL magic number"},
		{"bad magic", "4449444d0000", "missing DIDL magic number"},
		{"truncated table", "4449444c", "type table: truncated leb128"},
		{"truncated args", "4449444c00", "argument types: truncated leb128"},
		{"truncated value", "4449444c000171", "arg 0: truncated leb128"},
		{"truncated text", "4449444c00017105616263", "arg 0: unexpected end of input"},
		{"invalid utf8", "4449444c0001710 2fffe", "arg 0: text is not valid UTF-8"},
		{"bad bool", "4449444c00017e02", "arg 0: invalid bool byte 2"},
		{"trailing bytes", "4449444c00017e0100", "trailing bytes after the last value (1 bytes)"},
		{"trailing bytes no args", "4449444c000000", "trailing bytes"},
		{"primitive in table", "4449444c017e0000", "type table entry 0: primitive type bool in type table"},
		{"unknown opcode", "4449444c01500000", "type table entry 0: invalid type opcode -48"},
		{"ref out of range", "4449444c016e05010000", "type table entry 0: type index 5 out of range"},
		{"arg ref out of range", "4449444c000100", "argument type 0: type index 0 out of range"},
		{"composite opcode as ref", "4449444c00016e", "argument type 0: invalid type opcode -18"},
		{"unsorted fields", "4449444c016c0201710071010000000000", "field ids not strictly increasing (0 after 1)"},
		{"duplicate fields", "4449444c016c0201710171010000000000", "field ids not strictly increasing (1 after 1)"},
		{"field id too large", "4449444c016c01ffffffff1f71010000", "field id 8589934591 out of range"},
		{"variant index", "4449444c016b0100710100 05", "arg 0: variant index 5 out of range"},
		{"opt flag", "4449444c016e71010002", "arg 0: invalid opt flag 2"},
		{"vec too long", "4449444c016d71010 0ffffffff0f", "arg 0: length 4294967295 exceeds the input"},
		{"zero-sized vec too long", "4449444c016d7f0100ffffffff07", "arg 0: decoding work exceeds the limit for a message of 14 bytes"},
		{"principal flag", "4449444c00016802", "arg 0: invalid reference flag 2"},
		{"opaque principal", "4449444c00016800", "arg 0: opaque references are not supported"},
		{"principal too long", "4449444c000168011e" + strings.Repeat("00", 30), "arg 0: principal longer than 29 bytes"},
		{"empty value", "4449444c00016f", "arg 0: value of type empty"},
		{"recursive uninhabited", "4449444c016c0100000100", "nesting too deep"},
		{"func annotation", "4449444c016a00000109010000", "invalid func annotation 9"},
		{"oneway with results", "4449444c016a0001710102010000", "oneway func has results"},
		{"service method not func", "4449444c01690101617101000100", "service method type is not a func type"},
		{"unsorted methods", "4449444c026901016201016901000100000001620000", ""},
		{"big leb length", "4449444c80808080808080808080800100", "type table: leb128 value overflows 64 bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := unhex(t, tt.hex)
			var r candid.Reserved
			err := candid.Unmarshal(data, []any{&r})
			if tt.err == "" {
				require.Error(t, err)
				return
			}
			require.ErrorContains(t, err, tt.err)
			require.True(t, strings.HasPrefix(err.Error(), "candid: "))
			// Skipping (no Go target) validates the same way.
			require.Error(t, candid.Unmarshal(data, nil))
		})
	}
}

func TestDecodeAcceptsValid(t *testing.T) {
	nulls := make([]candid.Null, 1000)
	tests := []struct {
		hex  string
		into any // a pointer to the typed target, nil when there is none
		want any // what it must hold
	}{
		{"4449444c0000", nil, nil},
		{"4449444c00017d8000", new(uint64), uint64(0)},                                           // over-long nat
		{"4449444c016c000100", new(struct{}), struct{}{}},                                        // empty record
		{"4449444c016d7f0100e807", new([]candid.Null), nulls},                                    // vec of 1000 nulls
		{"4449444c016e00010001010100", nil, nil},                                                 // opt opt opt none (type 0 = opt 0): no Go type
		{"4449444c016a00000101010001010003666f6f", new(candid.Func), candid.Func{Method: "foo"}}, // func reference with query annotation
	}
	for _, tc := range tests {
		data := unhex(t, tc.hex)
		var r candid.Reserved
		require.NoError(t, candid.Unmarshal(data, []any{&r}), tc.hex)
		if tc.into == nil {
			continue
		}
		require.NoError(t, candid.Unmarshal(data, []any{tc.into}), tc.hex)
		require.Equal(t, tc.want, reflect.ValueOf(tc.into).Elem().Interface(), tc.hex)
	}
	// The over-long nat also decodes at nat (arbitrary precision) and int.
	var n candid.Nat
	require.NoError(t, candid.Unmarshal(unhex(t, "4449444c00017d8000"), []any{&n}))
	require.Equal(t, "0", n.String())
	var i int
	require.NoError(t, candid.Unmarshal(unhex(t, "4449444c00017d8000"), []any{&i}))
	require.Equal(t, 0, i)
	// The func reference's service is the empty principal (aaaaa-aa).
	var f candid.Func
	require.NoError(t, candid.Unmarshal(unhex(t, "4449444c016a00000101010001010003666f6f"), []any{&f}))
	require.Equal(t, "aaaaa-aa", f.Service.String())
}
