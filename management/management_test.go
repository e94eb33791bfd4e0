package management

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// The request size that prices an outcall (spec "Overview of imports"; spec "IC method http_request"): URL +
// header names and values + body + transform method name + context.
func TestHTTPRequestSize(t *testing.T) {
	a := sampleHTTPArgs()
	want := len("https://example.com/x?y=1") + len("Content-Type") + len("application/json") +
		len(`{"a":1}`) + len("transform") + len("ctx")
	require.Equal(t, uint64(want), HTTPRequestSize(&a))
	require.Equal(t, uint64(len("https://a")), HTTPRequestSize(&HTTPRequestArgs{URL: "https://a"}))
}

func TestHostFails(t *testing.T) {
	_, err := HTTPRequestCost(&HTTPRequestArgs{URL: "https://a"})
	require.ErrorIs(t, err, errHost)
	_, err = HTTPRequest(&HTTPRequestArgs{URL: "https://a"}, 0)
	require.ErrorIs(t, err, errHost)
	require.EqualError(t, err, "management canister http_request: "+errHost.Error())
	_, err = SignWithEcdsa(SignWithEcdsaArgs{KeyID: Secp256k1Key("key_1")}, 0)
	require.ErrorIs(t, err, errHost)

	// With cycles given, the call itself is refused outside a canister.
	_, err = RawRand()
	var e *Error
	require.True(t, errors.As(err, &e))
	require.Equal(t, "raw_rand", e.Method)
}

func TestHelpers(t *testing.T) {
	var b [16]byte
	b[0], b[1] = 0x40, 0x42
	n, err := u128(&b)
	require.NoError(t, err)
	require.Equal(t, uint64(0x4240), n)
	b[8] = 1
	_, err = u128(&b)
	require.ErrorContains(t, err, "does not fit in 64 bits")

	require.NoError(t, thresholdCostError("cost_sign_with_ecdsa", 0, "k"))
	require.EqualError(t, thresholdCostError("cost_sign_with_ecdsa", 2, "nope"), `ic0.cost_sign_with_ecdsa: unknown key name "nope"`)
	require.ErrorContains(t, thresholdCostError("cost_sign_with_schnorr", 1, "k"), "unknown curve or algorithm")

	for _, name := range []string{"get", "HEAD", "Post", "put", "delete", "PATCH"} {
		m, ok := Method(name)
		require.True(t, ok, name)
		require.Equal(t, upper(name), m.String())
	}
	_, ok := Method("OPTIONS")
	require.False(t, ok)

	require.Equal(t, "install", ModeInstall().String())
	require.Equal(t, "reinstall", ModeReinstall().String())
	require.Equal(t, "upgrade", ModeUpgrade(nil).String())
	require.Equal(t, "public", VisibleToPublic().String())
	require.Equal(t, "controllers", VisibleToControllers().String())
	require.Equal(t, "allowed_viewers", VisibleTo().String())
	require.Equal(t, "running", CanisterStatusType{Running: null}.String())
}
