package replica

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// installIn creates a canister in a new replica made with opts and
// installs testCanister.
func installIn(t *testing.T, opts ...Option) {
	t.Helper()
	r := newReplica(t, opts...)
	id, err := r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, r.Install(id, wat(t, testCanister), []byte("hello")))
}

func TestCompilationCacheDefaultIsPersistent(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	dir := DefaultCompilationCacheDir()
	require.Equal(t, filepath.Join(home, "icgo", "compiled"), dir)
	installIn(t)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err, "the default compilation cache should be on disk")
	require.NotEmpty(t, entries)
}

func TestCompilationCacheOff(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	installIn(t, WithCompilationCacheDir(""))
	_, err := os.Stat(filepath.Join(home, "icgo"))
	require.True(t, os.IsNotExist(err), "WithCompilationCacheDir(\"\") wrote to the user cache directory: %v", err)
}

func TestCompilationCacheDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c")
	installIn(t, WithCompilationCacheDir(dir))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
}
