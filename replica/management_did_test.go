package replica

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/candidtext"
)

// The replica's management canister types are the interface
// specification's ic.did (kept once, in management/testdata): every type
// the replica defines has the same structure there, so the two cannot
// drift.
func TestManagementDIDMatchesSpec(t *testing.T) {
	src, err := os.ReadFile("../management/testdata/ic.did")
	require.NoError(t, err)
	spec, err := candidtext.ParseDID(string(src))
	require.NoError(t, err)
	ours, err := candidtext.ParseDID(managementDID)
	require.NoError(t, err)
	checked := 0
	for _, name := range ours.TypeNames {
		if _, ok := spec.Types[name]; !ok {
			continue // a type of the replica's own (e.g. a provisional method's)
		}
		ref := func(s *candidtext.Service) *candidtext.Type {
			return &candidtext.Type{Kind: candidtext.KindRef, Name: name, Def: s.Types[name]}
		}
		require.Empty(t, candidtext.Diff(name, ref(ours), ref(spec)), "type %s", name)
		checked++
	}
	require.Greater(t, checked, 20, "the replica's types are found in ic.did")
	for _, m := range ours.Methods {
		sm, ok := spec.Method(m.Name)
		if !ok {
			continue
		}
		fn := func(m *candidtext.Method) *candidtext.Type {
			return &candidtext.Type{Kind: candidtext.KindFunc, Func: &candidtext.FuncType{Args: m.Args, Results: m.Results, Annotations: m.Annotations}}
		}
		require.Empty(t, candidtext.Diff(m.Name, fn(m), fn(sm)), "method %s", m.Name)
	}
}
