package principal

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVectors(t *testing.T) {
	tests := []struct {
		bytes []byte
		text  string
	}{
		{[]byte{0xAB, 0xCD, 0x01}, "em77e-bvlzu-aq"},
		{nil, "aaaaa-aa"},
		{[]byte{4}, "2vxsx-fae"},
		{[]byte{0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, "rrkah-fqaaa-aaaaa-aaaaq-cai"},
	}
	for _, tt := range tests {
		p := FromBytes(tt.bytes)
		require.Equal(t, tt.text, p.String())
		q, err := Decode(tt.text)
		require.NoError(t, err)
		require.True(t, q.Equal(p))
		require.Equal(t, p, q)
		q, err = Decode(strings.ToUpper(tt.text))
		require.NoError(t, err)
		require.Equal(t, p, q)
	}
	require.True(t, Anonymous.IsAnonymous())
	require.Equal(t, "aaaaa-aa", ManagementCanister.String())
	require.Equal(t, "2vxsx-fae", Anonymous.String())
}

func TestRoundTripLengths(t *testing.T) {
	for n := 0; n <= MaxLength; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*37 + n)
		}
		p := FromBytes(b)
		q, err := Decode(p.String())
		require.NoError(t, err, "len %d", n)
		require.Equal(t, b, q.Bytes())
		require.Equal(t, n, q.Len())
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		in, err string
	}{
		{"em77e-bvlzu-ab", "padding"},
		{"em77e-bvlzu-aa", "checksum"},
		{"em77e-bvlzu-a1", "invalid character '1'"},
		{"em77ebvlzuaq", "canonical"},
		{"", "too short"},
		{"aaaa", "too short"},
		{FromBytes(make([]byte, 30)).String(), "longer than 29"},
	}
	for _, tt := range tests {
		_, err := Decode(tt.in)
		require.ErrorContains(t, err, tt.err, tt.in)
	}
	require.Panics(t, func() { MustDecode("nope") })
	require.Error(t, FromBytes(make([]byte, 30)).Validate())
	require.NoError(t, Anonymous.Validate())
}

func TestMapKey(t *testing.T) {
	m := map[Principal]int{Anonymous: 1, MustDecode("em77e-bvlzu-aq"): 2}
	require.Equal(t, 2, m[FromBytes([]byte{0xab, 0xcd, 0x01})])
}

func FuzzDecode(f *testing.F) {
	f.Add("em77e-bvlzu-aq")
	f.Add("aaaaa-aa")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Decode(s)
		if err == nil {
			require.True(t, strings.EqualFold(p.String(), s))
		}
	})
}
