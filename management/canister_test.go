package management_test

import (
	"context"
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica"
)

type status struct {
	Status      string                `ic:"status"`
	ModuleHash  []byte                `ic:"module_hash"`
	Controllers []principal.Principal `ic:"controllers"`
	Freezing    uint64                `ic:"freezing_threshold"`
	Cycles      uint64                `ic:"cycles"`
	EnvVars     []struct {
		Name  string `ic:"name"`
		Value string `ic:"value"`
	} `ic:"env"`
}

func buildPkg(t *testing.T, pkg string) *build.Result {
	t.Helper()
	res, err := build.Build(context.Background(), build.Options{Dir: "..", Pkg: pkg, Strip: true})
	require.NoError(t, err)
	return res
}

func call(t *testing.T, r *replica.Replica, id replica.CanisterID, method string, args []any, results ...any) {
	t.Helper()
	arg, err := candid.Marshal(args)
	require.NoError(t, err)
	res, err := r.Update(id, method, arg)
	require.NoError(t, err)
	require.Nil(t, res.Reject, "%s", method)
	require.NoError(t, candid.Unmarshal(res.Reply, results))
}

func TestManagementFromCanister(t *testing.T) {
	mgmt := buildPkg(t, "./management/testdata/mgmtcan")
	hello := buildPkg(t, "./examples/hello")

	r, err := replica.New(replica.WithRandSeed(3))
	require.NoError(t, err)
	defer r.Close()
	self, err := r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, r.Install(self, mgmt.Gzip, nil))
	selfP := principal.FromBytes(self.Bytes())

	var rr []byte
	call(t, r, self, "raw_rand", nil, &rr)
	require.Len(t, rr, 32)

	// create_canister + install_code from the canister.
	var child principal.Principal
	call(t, r, self, "create_and_install", []any{hello.Gzip}, &child)
	childID, err := replica.CanisterIDFromBytes(child.Bytes())
	require.NoError(t, err)
	greet, err := candid.Marshal([]any{"mgmt"})
	require.NoError(t, err)
	res, err := r.Query(childID, "greet", greet)
	require.NoError(t, err)
	require.Nil(t, res.Reject)
	var hi string
	require.NoError(t, candid.Unmarshal(res.Reply, []any{&hi}))
	require.Equal(t, "Hello, mgmt!", hi)

	// canister_status: the creator is the controller, the settings apply.
	var st status
	call(t, r, self, "status", []any{child}, &st)
	require.Equal(t, "running", st.Status)
	require.Equal(t, []principal.Principal{selfP}, st.Controllers)
	require.Equal(t, uint64(1234), st.Freezing)
	sum := sha256.Sum256(hello.Wasm)
	require.Equal(t, sum[:], st.ModuleHash)
	require.Greater(t, st.Cycles, uint64(0))

	call(t, r, self, "settings", []any{child})
	call(t, r, self, "status", []any{child}, &st)
	require.Equal(t, uint64(99), st.Freezing)
	require.Len(t, st.EnvVars, 1)
	require.Equal(t, "MODE", st.EnvVars[0].Name)

	before := st.Cycles
	call(t, r, self, "deposit", []any{child, uint64(5_000_000)})
	call(t, r, self, "status", []any{child}, &st)
	require.GreaterOrEqual(t, st.Cycles+1_000_000, before+5_000_000, "deposit_cycles arrived (minus a little idle burn)")

	var seen []string
	call(t, r, self, "stop_start", []any{child}, &seen)
	require.Equal(t, []string{"stopped", "running"}, seen)

	// Chunked reinstall of the same (gzipped) module, in chunks of 500 KB.
	var stored [][]byte
	call(t, r, self, "chunked", []any{child, hello.Gzip}, &stored)
	require.Len(t, stored, (len(hello.Gzip)+499_999)/500_000)
	res, err = r.Query(childID, "greet", greet)
	require.NoError(t, err)
	require.Nil(t, res.Reject, "the chunked install runs")

	var kinds []string
	call(t, r, self, "snapshots", []any{child}, &kinds)
	require.Equal(t, []string{"code_deployment", "load_snapshot"}, kinds)

	call(t, r, self, "uninstall", []any{child})
	call(t, r, self, "status", []any{child}, &st)
	require.Empty(t, st.ModuleHash, "no code after uninstall_code")

	call(t, r, self, "delete", []any{child})

	// From a query the management canister cannot be called.
	arg, err := candid.Marshal([]any{child})
	require.NoError(t, err)
	res, err = r.Query(self, "status_in_query", arg)
	require.NoError(t, err)
	require.NotNil(t, res.Reject)
	require.Contains(t, res.Reject.Message, "management canister canister_status")
	require.Contains(t, res.Reject.Message, "not allowed")
}
