package replica

import (
	"testing"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/principal"
	"github.com/stretchr/testify/require"
)

// canister_info gives a canister's history (creation, deployments,
// controllers changes, uninstallation, snapshot loads), module hash and
// controllers; only canisters may call it.
func TestCanisterInfo(t *testing.T) {
	r := newReplica(t)
	caller := installWat(t, r, callerCanister)
	id := installWat(t, r, counter)
	require.NoError(t, r.Upgrade(id, wat(t, counter), nil))
	snap := snapshotID(t, reply(t)(snapshotCall(r, id, "take_canister_snapshot", nil)))
	require.NoError(t, r.Uninstall(id))
	reply(t)(snapshotCall(r, id, "load_canister_snapshot", nil, cvField("snapshot_id", cvBlob(snap))))
	require.NoError(t, r.SetControllers(id, []principal.Principal{principal.Anonymous, caller.Principal()}))

	info := func(n uint64) *candidtext.Value {
		arg := encodeMgmt(cvRecord(cvField("canister_id", cvPrincipal(id.Bytes())), cvField("num_requested_changes", cvOpt(&[]candidtext.Value{cvNat64(n)}[0]))), "canister_info_args")
		o := mgmtViaCaller(t, r, caller, "canister_info", arg, 0)
		require.False(t, o.rejected, o.msg)
		return decodeOne(t, o.data, "canister_info_result")
	}
	v := info(20)
	require.Equal(t, uint64(6), fieldOf(v, "total_num_changes").Int.Uint64())
	var kinds []string
	var versions []uint64
	for _, ch := range fieldOf(v, "recent_changes").Elems {
		d := fieldOf(&ch, "details")
		kinds = append(kinds, d.Fields[0].Name)
		versions = append(versions, fieldOf(&ch, "canister_version").Int.Uint64())
		require.Equal(t, "from_user", fieldOf(&ch, "origin").Fields[0].Name)
	}
	require.Equal(t, []string{"creation", "code_deployment", "code_deployment", "code_uninstall", "load_snapshot", "controllers_change"}, kinds)
	require.IsIncreasing(t, versions[1:])
	mode := fieldOf(&fieldOf(v, "recent_changes").Elems[2], "details").Fields[0].Value
	require.Equal(t, "upgrade", fieldOf(&mode, "mode").Fields[0].Name)
	require.Len(t, fieldOf(v, "controllers").Elems, 2)
	require.NotNil(t, optOf(fieldOf(v, "module_hash")))

	require.Len(t, fieldOf(info(2), "recent_changes").Elems, 2)
	require.Empty(t, fieldOf(info(0), "recent_changes").Elems)

	// A change made by a canister names it; users cannot call canister_info.
	arg := encodeMgmt(cvRecord(cvField("canister_id", cvPrincipal(id.Bytes()))), "uninstall_code_args")
	require.False(t, mgmtViaCaller(t, r, caller, "uninstall_code", arg, 0).rejected)
	last := fieldOf(info(1), "recent_changes").Elems[0]
	require.Equal(t, "from_canister", fieldOf(&last, "origin").Fields[0].Name)
	res, err := r.Update(ManagementCanister, "canister_info", arg)
	reject(t, res, err, CanisterReject, ErrCodeCanisterRejectedMessage, "can only be called by canisters")

	// The most recent maxHistory changes are kept; the count goes on.
	for range maxHistory {
		require.NoError(t, r.SetControllers(id, []principal.Principal{principal.Anonymous, caller.Principal()}))
	}
	v = info(100)
	require.Equal(t, uint64(7+maxHistory), fieldOf(v, "total_num_changes").Int.Uint64())
	require.Len(t, fieldOf(v, "recent_changes").Elems, maxHistory)
}
