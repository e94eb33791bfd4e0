package cdk_test

import (
	"testing"

	"github.com/aviate-labs/agent-go/certification"
	agentprincipal "github.com/aviate-labs/agent-go/principal"
	"github.com/fxamacker/cbor/v2"
	"github.com/icgo/icgo/icgotest"
	"github.com/stretchr/testify/require"
)

// A query returns the certified value with its certificate, which
// agent-go verifies against the replica's root key; called as an update,
// it has none.
func TestDataCertificate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a canister")
	}
	c := icgotest.New(t, "./testdata/certcan")
	c.Update("set", "hello").Into(t)
	var value string
	var raw []byte
	c.Query("get").Into(t, &value, &raw)
	require.Equal(t, "hello", value)
	var cert certification.Certificate
	require.NoError(t, cbor.Unmarshal(raw, &cert))
	require.NoError(t, certification.VerifyCertifiedData(cert, agentprincipal.Principal{Raw: c.ID.Bytes()}, c.Replica.RootKey(), []byte("hello")))

	c.Update("get").Into(t, &value, &raw)
	require.Empty(t, raw)
}
