package serve

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/candidtext"
)

// The cycles ledger's canister_settings is the management canister's
// (ic.did, kept once in management/testdata): the copy here cannot drift.
func TestSystemDIDSettingsMatchSpec(t *testing.T) {
	src, err := os.ReadFile("../management/testdata/ic.did")
	require.NoError(t, err)
	spec, err := candidtext.ParseDID(string(src))
	require.NoError(t, err)
	ours, err := candidtext.ParseDID(systemDID)
	require.NoError(t, err)
	for _, name := range []string{"canister_settings", "environment_variable"} {
		a := &candidtext.Type{Kind: candidtext.KindRef, Name: name, Def: ours.Types[name]}
		b := &candidtext.Type{Kind: candidtext.KindRef, Name: name, Def: spec.Types[name]}
		require.NotNil(t, a.Def, name)
		require.NotNil(t, b.Def, name)
		require.Empty(t, candidtext.Diff(name, a, b))
	}
}
