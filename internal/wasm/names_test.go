package wasm

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNamesRoundTrip(t *testing.T) {
	ns := &Names{
		Funcs:    []NameEntry{{Index: 0, Name: "ic0.msg_reply"}, {Index: 3, Name: "main.main"}},
		HasFuncs: true,
		Indirect: map[byte][]IndirectNames{NameLocal: {{Index: 3, Names: []NameEntry{{Index: 0, Name: "x"}}}}},
		Raw:      map[byte][]byte{NameModule: appendName(nil, "m")},
		Order:    []byte{NameModule, NameFunction, NameLocal},
	}
	b := ns.Encode()
	got, err := DecodeNames(b)
	require.NoError(t, err)
	require.Equal(t, ns, got)
	require.Equal(t, b, got.Encode())

	m := &Module{Customs: []Custom{{Name: "name", Data: b}}}
	names, err := m.FunctionNames()
	require.NoError(t, err)
	require.Equal(t, map[uint32]string{0: "ic0.msg_reply", 3: "main.main"}, names)
}

// A malformed section is an error, found without reading past its bytes:
// a count larger than the bytes left fails at once.
func TestNamesMalformed(t *testing.T) {
	for _, b := range [][]byte{
		{NameFunction},       // no size
		{NameFunction, 5, 1}, // size past the end
		{NameFunction, 5, 0xff, 0xff, 0xff, 0xff, 0x0f}, // 2^32-1 entries in 5 bytes
		{NameFunction, 3, 1, 0, 5},                      // a name past the end
		{NameLocal, 2, 1, 0},                            // a function without its map
	} {
		_, err := DecodeNames(b)
		require.Error(t, err, "% x", b)
	}
	_, err := (&Module{}).FunctionNames()
	require.ErrorContains(t, err, "no name section")
}
