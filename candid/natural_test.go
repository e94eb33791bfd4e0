package candid_test

import (
	"encoding/hex"
	"math"
	"math/big"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
)

func TestNatU64Encoding(t *testing.T) {
	for _, c := range []struct {
		v   candid.NatU64
		hex string
	}{
		{0, "4449444c00017d00"},
		{127, "4449444c00017d7f"},
		{128, "4449444c00017d8001"},
		{624485, "4449444c00017de58e26"},
		{math.MaxUint64, "4449444c00017dffffffffffffffffff01"},
	} {
		b, err := candid.Marshal([]any{c.v})
		require.NoError(t, err)
		require.Equal(t, c.hex, hex.EncodeToString(b), "%d", c.v)

		// The same bytes as candid.Nat: the callee sees a nat.
		nb, err := candid.Marshal([]any{candid.NatFromUint64(uint64(c.v))})
		require.NoError(t, err)
		require.Equal(t, nb, b)

		var got candid.NatU64
		require.NoError(t, candid.Unmarshal(b, []any{&got}))
		require.Equal(t, c.v, got)
		require.Equal(t, uint64(c.v), got.Uint64())
	}
	require.Equal(t, "18446744073709551615", candid.NatU64(math.MaxUint64).String())
}

func TestNatU64TypeText(t *testing.T) {
	type settings struct {
		Cycles candid.NatU64  `ic:"cycles"`
		Limit  *candid.NatU64 `ic:"limit"`
	}
	s, err := candid.TypeText(reflect.TypeFor[settings]())
	require.NoError(t, err)
	require.Equal(t, "record { cycles : nat; limit : opt nat }", s)
}

func TestNatU64DecodeErrors(t *testing.T) {
	var n candid.NatU64

	// 2^64 does not fit.
	big64, err := candid.Marshal([]any{candid.NewNat(new(big.Int).Lsh(big.NewInt(1), 64))})
	require.NoError(t, err)
	err = candid.Unmarshal(big64, []any{&n})
	require.ErrorContains(t, err, "does not fit in 64 bits")
	require.ErrorContains(t, err, "candid.Nat")

	// nat64 is another type: no silent widening into nat.
	b, err := candid.Marshal([]any{uint64(5)})
	require.NoError(t, err)
	require.ErrorContains(t, candid.Unmarshal(b, []any{&n}), "expected nat, got nat64")

	// Inside opt a value that does not decode becomes none (Candid spec,
	// "Decoding / Options").
	var o *candid.NatU64
	big64opt, err := candid.Marshal([]any{ptr(candid.NewNat(new(big.Int).Lsh(big.NewInt(1), 70)))})
	require.NoError(t, err)
	require.NoError(t, candid.Unmarshal(big64opt, []any{&o}))
	require.Nil(t, o)

	// A nat decodes at candid.Nat as well, so a value too large for NatU64
	// can still be read there.
	var nat candid.Nat
	require.NoError(t, candid.Unmarshal(big64, []any{&nat}))
	require.Equal(t, "18446744073709551616", nat.String())
}

func TestPrepare(t *testing.T) {
	require.NoError(t, candid.Prepare([]reflect.Type{reflect.TypeFor[string](), reflect.TypeFor[*uint64]()}))
	err := candid.Prepare([]reflect.Type{reflect.TypeFor[chan int]()})
	require.Error(t, err)
	require.Contains(t, err.Error(), "chan int")
}
