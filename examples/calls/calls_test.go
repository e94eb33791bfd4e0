package calls_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/icgotest"
	"github.com/icgo/icgo/internal/bind"
	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/principal"
)

// The caller canister calls the counter through the client icgo bind
// generated, in one replica.
func TestCallerCallsCounter(t *testing.T) {
	counter := icgotest.New(t, "./counter")
	caller := counter.Deploy("./caller", icgotest.WithInitArgs(principal.FromBytes(counter.ID.Bytes())))

	var got string
	caller.Update("bump", uint64(5)).Into(t, &got)
	require.Equal(t, "counter at 5 (read back 5)", got)
	caller.Update("bump", uint64(2)).Into(t, &got)
	require.Equal(t, "counter at 7 (read back 7)", got)

	var total uint64
	counter.Query("get").Into(t, &total)
	require.Equal(t, uint64(7), total)
}

// counter.did is what icgo build writes for the counter, and the client is
// what icgo bind generates from it: neither is stale.
func TestBindingsUpToDate(t *testing.T) {
	counter := icgotest.New(t, "./counter")
	did, err := os.ReadFile("counter/counter.did")
	require.NoError(t, err)
	require.Equal(t, counter.Did, string(did), "counter/counter.did is stale: copy the .did icgo build writes")

	svc, err := candidtext.ParseDID(string(did))
	require.NoError(t, err)
	code, err := bind.Generate(svc, bind.Options{Package: "counterclient", Source: "counter.did"})
	require.NoError(t, err)
	have, err := os.ReadFile("counterclient/counterclient.go")
	require.NoError(t, err)
	require.Equal(t, string(code), string(have), "counterclient is stale: go generate ./examples/calls/...")
}
