package candid

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// The single-value fast paths give the bytes, values and errors of the
// general codec.
func TestSingleValuePaths(t *testing.T) {
	for _, v := range []any{"", "héllo", string(make([]byte, 300)), true, false, uint64(math.MaxUint64), uint(7), uint32(1 << 31),
		uint16(65535), uint8(200), int64(math.MinInt64), int(-3), int32(-1), int16(-300), int8(-128), math.Pi, float32(-1.5)} {
		fast, ok := appendOne(nil, v)
		require.True(t, ok, "%T", v)
		slow, err := appendMarshal(nil, []any{v})
		require.NoError(t, err)
		require.Equal(t, slow, fast, "%T %v", v, v)
	}
	_, ok := appendOne(nil, []byte("x"))
	require.False(t, ok, "other types take the general path")
	type named string
	_, ok = appendOne(nil, named("x"))
	require.False(t, ok)

	msgs := [][]byte{
		mustMarshal(t, "text"), mustMarshal(t, true), mustMarshal(t, uint64(9)), mustMarshal(t, int64(-9)),
		[]byte("DIDL\x00\x01\x71\x02\xff\xfe"),     // invalid UTF-8
		[]byte("DIDL\x00\x01\x71\x05ab"),           // truncated
		[]byte("DIDL\x00\x01\x71\x01ab"),           // trailing bytes
		[]byte("DIDL\x00\x01\x7e\x02"),             // a bool of 2
		[]byte("DIDL\x00\x01\x78\x01\x02"),         // a short nat64
		[]byte("DIDL\x00\x01\x7b\x01"),             // nat8, not nat64
		[]byte("DIDL\x00\x02\x71\x71\x00\x00"),     // two texts
		[]byte("DIDL\x00\x01\x71\x80\x01" + "abc"), // overlong length
		[]byte("DIDL\x00\x01\x70"),                 // reserved
	}
	require.Error(t, Unmarshal(msgs[2], []any{(*uint64)(nil)}), "a nil pointer fails as in the general path")
	for _, m := range msgs {
		for _, mk := range []func() any{func() any { return new(string) }, func() any { return new(bool) }, func() any { return new(uint64) }, func() any { return new(int64) }} {
			pf, ps := mk(), mk()
			errFast := Unmarshal(m, []any{pf})
			errSlow := unmarshalGeneral(m, []any{ps})
			require.Equal(t, errSlow, errFast, "%x into %T", m, pf)
			require.Equal(t, ps, pf, "%x into %T", m, pf)
		}
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	b, err := Marshal([]any{v})
	require.NoError(t, err)
	return b
}
