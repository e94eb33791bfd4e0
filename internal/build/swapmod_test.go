package build

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// A module published without go.mod (github.com/patrickmn/go-cache) gets
// the one the go command synthesizes, so that its copy can replace it; a
// module's own go.mod is kept.
func TestEnsureGoMod(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, ensureGoMod(dir, "example.com/legacy"))
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	require.Equal(t, "module example.com/legacy\n", string(b))

	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/own\n\ngo 1.22\n"), 0o644))
	require.NoError(t, ensureGoMod(dir, "example.com/legacy"))
	b, err = os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	require.Equal(t, "module example.com/own\n\ngo 1.22\n", string(b))
}
