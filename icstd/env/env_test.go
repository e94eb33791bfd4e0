package env_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/icstd/env"
	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/replica"
)

func TestHostFallback(t *testing.T) {
	t.Setenv("ICGO_ENV_TEST", "host")
	require.Equal(t, "host", env.Getenv("ICGO_ENV_TEST"))
	_, ok := env.LookupEnv("ICGO_ENV_TEST_MISSING")
	require.False(t, ok)
	require.Contains(t, env.Environ(), "ICGO_ENV_TEST=host")
}

// TestCanister builds a canister with build-time values and installs it
// with settings variables: settings win, build-time values fill in, and
// os.Getenv sees only the build-time values.
func TestCanister(t *testing.T) {
	ctx := context.Background()
	res, err := build.Build(ctx, build.Options{
		Dir: "../..", Pkg: "./icstd/env/testdata/envcan",
		Env: []string{"MODE=build", "ONLY_BUILD=b", "EMPTY="},
	})
	require.NoError(t, err)
	r, err := replica.New()
	require.NoError(t, err)
	defer r.Close()
	id, err := r.CreateCanister(replica.WithEnvVars(map[string]string{"MODE": "settings", "ONLY_SETTINGS": "s"}))
	require.NoError(t, err)
	require.NoError(t, r.Install(id, res.Gzip, nil))

	query := func(method, key string) []byte {
		arg, err := candid.Marshal([]any{key})
		require.NoError(t, err)
		out, err := r.Query(id, method, arg)
		require.NoError(t, err)
		require.Nil(t, out.Reject)
		return out.Reply
	}
	get := func(key string) *string {
		var v *string
		require.NoError(t, candid.Unmarshal(query("get", key), []any{&v}))
		return v
	}
	str := func(s string) *string { return &s }
	require.Equal(t, str("settings"), get("MODE"))
	require.Equal(t, str("b"), get("ONLY_BUILD"))
	require.Equal(t, str("s"), get("ONLY_SETTINGS"))
	require.Equal(t, str(""), get("EMPTY"))
	require.Nil(t, get("NOPE"))

	var osv string
	require.NoError(t, candid.Unmarshal(query("os_get", "MODE"), []any{&osv}))
	require.Equal(t, "build", osv, "os.Getenv sees the build-time value")

	out, err := r.Query(id, "environ", mustMarshal(t))
	require.NoError(t, err)
	var all string
	require.NoError(t, candid.Unmarshal(out.Reply, []any{&all}))
	require.Equal(t, "EMPTY=;MODE=settings;ONLY_BUILD=b;ONLY_SETTINGS=s", all)
}

func mustMarshal(t *testing.T) []byte {
	b, err := candid.Marshal(nil)
	require.NoError(t, err)
	return b
}
