package cdk_test

import (
	"strconv"

	"testing"

	"github.com/icgo/icgo/candid"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/icgotest"
	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica"
)

// Cycles move between two canisters through the cdk's cycles API: what
// the callee accepts leaves the caller, the rest is refunded.
func TestCyclesAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a canister")
	}
	a := icgotest.New(t, "./testdata/cyclescan")
	b := a.Deploy("./testdata/cyclescan")
	var before, after, got string
	a.Query("balance").Into(t, &before)

	a.Update("send", principal.FromBytes(b.ID.Bytes()), uint64(1_000_000), uint64(300_000)).Into(t, &got)
	require.Equal(t, "available 1000000, accepted 300000; refunded 700000", got)

	a.Query("balance").Into(t, &after)
	balA, err := a.Replica.CyclesBalance(a.ID)
	require.NoError(t, err)
	require.Equal(t, after, strconv.FormatUint(balA, 10), "CanisterBalance is the replica's balance")
	balB, err := b.Replica.CyclesBalance(b.ID)
	require.NoError(t, err)
	require.Equal(t, uint64(replica.DefaultCycles+300_000), balB, "the callee kept what it accepted")

	// A user's message carries no cycles (ingress cannot)...
	b.Update("take", uint64(5)).Into(t, &got)
	require.Equal(t, "available 0, accepted 0", got)

	// ...unless the replica attaches them (WithCallCycles, icgo run -cycles).
	arg, err := candid.Marshal([]any{uint64(300)})
	require.NoError(t, err)
	res, err := b.Replica.Update(b.ID, "take", arg, replica.WithCallCycles(1_000))
	require.NoError(t, err)
	require.NoError(t, candid.Unmarshal(res.Reply, []any{&got}))
	require.Equal(t, "available 1000, accepted 300", got)
	require.Equal(t, uint64(700), res.Refunded)
	balAfter, err := b.Replica.CyclesBalance(b.ID)
	require.NoError(t, err)
	require.Equal(t, balB+300, balAfter)
	_, err = b.Replica.Query(b.ID, "balance", nil, replica.WithCallCycles(1))
	require.ErrorContains(t, err, "a query carries no cycles")
}
