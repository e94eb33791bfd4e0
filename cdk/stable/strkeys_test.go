package stable

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/icgo/icgo/principal"
	"github.com/stretchr/testify/require"
)

// Variable-size keys (strings, principals) and Candid values against a Go
// map, reopened along the way.
func TestBTreeMapVariableKeys(t *testing.T) {
	type rec struct {
		Name string
		N    uint64
	}
	mem := NewVectorMemory()
	m, err := NewBTreeMap[principal.Principal, rec](mem)
	require.NoError(t, err)
	model := map[string]rec{}
	r := rand.New(rand.NewPCG(11, 12))
	for i := range 4000 {
		b := make([]byte, 1+r.IntN(29))
		for j := range b {
			b[j] = byte(r.IntN(4))
		}
		p := principal.FromBytes(b)
		switch r.IntN(3) {
		case 0, 1:
			v := rec{Name: "n" + strconv.Itoa(i), N: uint64(i)}
			m.Insert(p, v)
			model[string(b)] = v
		case 2:
			_, ok := m.Remove(p)
			_, mok := model[string(b)]
			require.Equal(t, mok, ok)
			delete(model, string(b))
		}
		if i%500 == 0 {
			m, err = NewBTreeMap[principal.Principal, rec](mem)
			require.NoError(t, err)
		}
	}
	m.t.check(t)
	require.Equal(t, uint64(len(model)), m.Len())
	for k, v := range model {
		got, ok := m.Get(principal.FromBytes([]byte(k)))
		require.True(t, ok, "%x", k)
		require.Equal(t, v, got)
	}
}
