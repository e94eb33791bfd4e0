package build

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLinkerPrefix(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"runtime", "runtime."},
		{"internal/runtime/maps", "internal_runtime_maps."},
		{"github.com/icgo/icgo/cdk", "github.com_icgo_icgo_cdk."},
		{"gopkg.in/yaml.v3", "gopkg.in_yaml_2ev3."},
		{"example.com/a-b/c", "example.com_a_b_c."},
	} {
		require.Equal(t, tc.want, linkerPrefix(tc.path), tc.path)
	}
}

func TestSizeHello(t *testing.T) {
	ctx := context.Background()
	raw, err := GoBuild(ctx, "../..", "./examples/hello", false)
	require.NoError(t, err)
	res, err := FromRaw(ctx, raw, nil, false)
	require.NoError(t, err)
	pkgs, err := Packages(ctx, "../..", "./examples/hello")
	require.NoError(t, err)
	rep, err := Size(res.Wasm, len(res.Gzip), pkgs)
	require.NoError(t, err)

	require.Equal(t, len(res.Wasm), rep.Total)
	sum, byPkg := 0, map[string]PackageSize{}
	for _, p := range rep.Packages {
		sum += p.CodeBytes
		byPkg[p.Package] = p
	}
	require.Equal(t, rep.CodeBytes, sum)
	require.Equal(t, "runtime", rep.Packages[0].Package)
	for _, p := range []string{"github.com/icgo/icgo/cdk", "github.com/icgo/icgo/candid", "main", groupIcgo} {
		require.Positive(t, byPkg[p].CodeBytes, p)
	}
	// Nearly all code is attributed to a package.
	require.Less(t, byPkg[groupOther].CodeBytes, rep.CodeBytes/100)
	require.Len(t, rep.Functions, largestFunctions)

	var out bytes.Buffer
	_, err = rep.WriteTo(&out)
	require.NoError(t, err)
	require.Contains(t, out.String(), "github.com/icgo/icgo/candid")

	// Without names there is no report by package.
	stripped, err := FromRaw(ctx, raw, nil, true)
	require.NoError(t, err)
	_, err = Size(stripped.Wasm, 0, pkgs)
	require.ErrorContains(t, err, "no name section")
}
