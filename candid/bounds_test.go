package candid_test

import (
	"bytes"
	"math/big"
	"math/rand"
	"reflect"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
)

// allocated returns the bytes f allocates on the Go heap.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// structOf returns a struct type with n fields of type t.
func structOf(n int, t reflect.Type) reflect.Type {
	fields := make([]reflect.StructField, n)
	for i := range fields {
		fields[i] = reflect.StructField{Name: "F" + strconv.Itoa(i), Type: t}
	}
	return reflect.StructOf(fields)
}

// zeroRecordVec is "vec record {}" of n elements.
func zeroRecordVec(n uint64) []byte {
	return candid.AppendLEB128([]byte("DIDL\x02\x6d\x01\x6c\x00\x01\x00"), n)
}

// wideNullRecordVec is a vec of n records with the given number of null
// fields.
func wideNullRecordVec(fields int, n uint64) []byte {
	b := candid.AppendLEB128([]byte("DIDL\x02\x6c"), uint64(fields))
	for i := 0; i < fields; i++ {
		b = append(candid.AppendLEB128(b, uint64(i)), 0x7f)
	}
	b = append(b, 0x6d, 0x00, 0x01, 0x01)
	return candid.AppendLEB128(b, n)
}

// TestDecodeBudget checks that the work and allocation of decoding
// messages whose values occupy no bytes stay within the budget of the
// message size (issue 11 item 10).
func TestDecodeBudget(t *testing.T) {
	wide := structOf(64, reflect.TypeFor[*uint64]())
	cases := []struct {
		name  string
		msg   []byte
		into  func() any
		fails bool
	}{
		{"15-byte vec record {} of 2^21 into 64 pointer fields", zeroRecordVec(1 << 21),
			func() any { return reflect.New(reflect.SliceOf(wide)).Interface() }, true},
		{"same into pointers to 64 pointer fields", zeroRecordVec(1 << 21),
			func() any { return reflect.New(reflect.SliceOf(reflect.PointerTo(wide))).Interface() }, true},
		{"same, skipped", zeroRecordVec(1 << 21), nil, true},
		{"vec record {} of 1000 into 64 pointer fields", zeroRecordVec(1000),
			func() any { return reflect.New(reflect.SliceOf(wide)).Interface() }, false},
		{"10,000-field null record, vec of 2^21, skipped", wideNullRecordVec(10000, 1<<21), nil, true},
		{"10,000-field null record, vec of 2^21, at vec record {}", wideNullRecordVec(10000, 1<<21),
			func() any { return new([]struct{}) }, true},
		{"10,000-field null record, vec of 2^21, at vec opt nat", wideNullRecordVec(10000, 1<<21),
			func() any { return new([]*uint64) }, true},
		{"10,000-field null record, vec of 10", wideNullRecordVec(10000, 10),
			func() any { return new([]struct{}) }, false},
		{"vec null of 10^9", []byte("DIDL\x01\x6d\x7f\x01\x00\x80\x94\xeb\xdc\x03"), func() any { return new([]*uint64) }, true},
		{"vec vec null of 5 x 2^20", []byte("DIDL\x02\x6d\x01\x6d\x7f\x01\x00\x05\xff\xff\x3f\xff\xff\x3f\xff\xff\x3f\xff\xff\x3f\xff\xff\x3f"),
			nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ptrs []any
			if tc.into != nil {
				ptrs = []any{tc.into()}
			}
			var spent, budget int
			var err error
			bytes := allocated(func() { spent, budget, err = candid.UnmarshalWork(tc.msg, ptrs) })
			if tc.fails {
				require.ErrorContains(t, err, "decoding work exceeds the limit")
			} else {
				require.NoError(t, err)
			}
			require.LessOrEqual(t, spent, budget+1)
			// Allocation: at most 32 bytes per unit of the budget, plus the
			// type table's and the decoder's own.
			require.Less(t, bytes, uint64(32*budget+64*len(tc.msg)+1<<16), "bytes allocated")
			t.Logf("%d-byte message: %d of %d work units, %d bytes allocated", len(tc.msg), spent, budget, bytes)
		})
	}
}

// bigLEB is the obvious (quadratic) reference encoding of x.
func bigLEB(x *big.Int, signed bool) []byte {
	x = new(big.Int).Set(x)
	var out []byte
	for {
		b := byte(new(big.Int).And(x, big.NewInt(0x7f)).Uint64())
		x.Rsh(x, 7)
		done := x.Sign() == 0
		if signed {
			done = (x.Sign() == 0 && b&0x40 == 0) || (x.Cmp(big.NewInt(-1)) == 0 && b&0x40 != 0)
		}
		if done {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}

func TestBigNumberEncoding(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		x := new(big.Int).Rand(r, new(big.Int).Lsh(big.NewInt(1), uint(r.Intn(600))))
		for _, signed := range []bool{false, true} {
			v := x
			if signed && i%2 == 1 {
				v = new(big.Int).Neg(x)
			}
			var args []any
			if signed {
				args = []any{candid.NewInt(v)}
			} else {
				args = []any{candid.NewNat(v)}
			}
			b, err := candid.Marshal(args)
			require.NoError(t, err)
			require.Equal(t, bigLEB(v, signed), b[7:], "%v signed=%v", v, signed)
			var n candid.Nat
			var z candid.Int
			into := any(&n)
			if signed {
				into = &z
			}
			require.NoError(t, candid.Unmarshal(b, []any{into}))
			got := n.BigInt()
			if signed {
				got = z.BigInt()
			}
			require.Zero(t, v.Cmp(got), "%v signed=%v", v, signed)
		}
	}
}

// TestHugeNat decodes a 1 MiB nat and int: time and memory must be linear
// (they were quadratic: 38 s and 9.9 GiB).
func TestHugeNat(t *testing.T) {
	const n = 1 << 20
	for _, signed := range []bool{false, true} {
		msg := []byte("DIDL\x00\x01\x7d")
		if signed {
			msg[6] = 0x7c
		}
		fill := byte(0xff)
		if signed {
			fill = 0x80
		}
		msg = append(msg, bytes.Repeat([]byte{fill}, n-1)...)
		msg = append(msg, map[bool]byte{false: 0x7f, true: 0x40}[signed])
		var nat candid.Nat
		var i candid.Int
		into := any(&nat)
		if signed {
			into = &i
		}
		var err error
		alloc := allocated(func() { err = candid.Unmarshal(msg, []any{into}) })
		require.NoError(t, err)
		want := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 7*n), big.NewInt(1))
		got := nat.BigInt()
		if signed {
			want = new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 7*n-1))
			got = i.BigInt()
		}
		require.Zero(t, want.Cmp(got))
		require.Less(t, alloc, uint64(8*n), "bytes allocated decoding a %d-byte number", n)
		enc, err := candid.Marshal([]any{reflect.ValueOf(into).Elem().Interface()})
		require.NoError(t, err)
		require.True(t, bytes.Equal(msg, enc), "re-encoding differs")
	}
}

// TestLargeVec decodes a vec longer than the first allocation (1 MiB of
// elements), which then grows.
func TestLargeVec(t *testing.T) {
	in := make([]uint64, 150_000)
	for i := range in {
		in[i] = uint64(i) * 7
	}
	data, err := candid.Marshal([]any{in})
	require.NoError(t, err)
	var out []uint64
	require.NoError(t, candid.Unmarshal(data, []any{&out}))
	require.Equal(t, in, out)
	type rec struct {
		A uint64  `ic:"a"`
		S string  `ic:"s"`
		O *string `ic:"o"`
	}
	recs := make([]rec, 40_000)
	for i := range recs {
		recs[i] = rec{A: uint64(i), S: strconv.Itoa(i)}
		if i%2 == 0 {
			recs[i].O = &recs[i].S
		}
	}
	data, err = candid.Marshal([]any{recs})
	require.NoError(t, err)
	var got []rec
	require.NoError(t, candid.Unmarshal(data, []any{&got}))
	require.Equal(t, recs, got)
}
