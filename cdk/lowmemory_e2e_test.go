package cdk_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/icgotest"
	"github.com/icgo/icgo/management"
	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica"
)

// cdk.OnLowWasmMemory runs when free Wasm memory falls below the
// canister's wasm_memory_threshold, once per crossing.
func TestOnLowWasmMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a canister")
	}
	c := icgotest.New(t, "./testdata/lowmem")
	var runs uint64
	require.NoError(t, c.Replica.TickN(2))
	c.Query("runs").Into(t, &runs)
	require.Zero(t, runs, "no threshold, no hook")

	// A threshold as large as the limit: the condition holds at once.
	arg, err := candid.Marshal([]any{management.UpdateSettingsArgs{
		CanisterID: principal.FromBytes(c.ID.Bytes()),
		Settings:   management.CanisterSettings{WasmMemoryThreshold: management.Some(management.Nat(replica.DefaultWasmMemoryLimit))},
	}})
	require.NoError(t, err)
	res, err := c.Replica.Update(replica.ManagementCanister, "update_settings", arg)
	require.NoError(t, err)
	require.Nil(t, res.Reject)
	require.NoError(t, c.Replica.TickN(3))
	c.Query("runs").Into(t, &runs)
	require.Equal(t, uint64(1), runs)
}
