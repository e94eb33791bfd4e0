package replica

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// A saved and loaded replica has the same canisters, with the same Wasm
// memory, globals, stable memory, settings and chunk store, and goes on
// from there.
func TestSaveLoadState(t *testing.T) {
	r := newReplica(t)
	id, err := r.CreateCanister(WithEnvVars(map[string]string{"A": "b"}))
	require.NoError(t, err)
	require.NoError(t, r.Install(id, wat(t, testCanister), []byte("arg")))
	for range 3 {
		res, err := r.Update(id, "inc", nil)
		require.NoError(t, err)
		require.NoError(t, res.Err())
	}
	empty, err := r.CreateCanister()
	require.NoError(t, err)
	before, err := r.Status(id)
	require.NoError(t, err)

	var buf bytes.Buffer
	require.NoError(t, r.SaveState(&buf))
	r2 := newReplica(t)
	require.NoError(t, r2.LoadState(bytes.NewReader(buf.Bytes())))

	after, err := r2.Status(id)
	require.NoError(t, err)
	require.Equal(t, before.ModuleHash, after.ModuleHash)
	require.Equal(t, before.Version, after.Version)
	require.Equal(t, before.Cycles, after.Cycles)
	require.False(t, r2.Time().Before(r.Time()), "time went backwards")
	res, err := r2.Update(id, "inc", nil)
	require.NoError(t, err)
	require.NoError(t, res.Err())
	// global, heap and stable counters all continue from 3.
	require.Equal(t, []uint64{4, 4, 4}, u64s(res.Reply))
	res, err = r2.Query(id, "get_arg", nil)
	require.NoError(t, err)
	require.Equal(t, "arg", string(res.Reply))
	_, err = r2.Status(empty)
	require.NoError(t, err)
	next, err := r2.CreateCanister()
	require.NoError(t, err)
	require.NotEqual(t, empty, next)
	require.NotEqual(t, id, next)

	// A replica with canisters cannot load a state; a bad state is an error.
	require.Error(t, r2.LoadState(bytes.NewReader(buf.Bytes())))
	require.Error(t, newReplica(t).LoadState(bytes.NewReader([]byte("not a state"))))
}
