package replica

import (
	"math/big"
	"testing"

	"github.com/icgo/icgo/principal"
	"github.com/stretchr/testify/require"
)

// A native canister answers canisters' calls in the round that delivers
// them; what it does not accept of the attached cycles is refunded, and a
// reject refunds everything.
func TestNativeCanister(t *testing.T) {
	ledger := principal.MustDecode("um5iw-rqaaa-aaaaq-qaaba-cai")
	var got []NativeRequest
	r := newReplica(t)
	require.NoError(t, r.HostNative(ledger, func(req NativeRequest) NativeResponse {
		got = append(got, req)
		switch req.Method {
		case "deposit":
			return NativeResponse{Reply: append([]byte("took "), req.Arg...), Accepted: big.NewInt(600)}
		case "greedy":
			return NativeResponse{Reply: []byte("x"), Accepted: big.NewInt(1 << 40)} // more than offered: nothing
		case "silent":
			return NativeResponse{}
		}
		return NativeResponse{Reject: &Reject{Code: CanisterReject, Message: "no " + req.Method}, Accepted: big.NewInt(5)}
	}))
	caller := installWat(t, r, callerCanister)
	require.ErrorContains(t, r.HostNative(caller.Principal(), nil), "is a canister of the replica")
	call := func(method string) callOutcome {
		res, err := r.Update(caller, "call", callSpec{cycles: 1000, timeout: -1, callee: ledger.Bytes(), method: method, payload: []byte("all")}.arg())
		return parseOutcome(t, replyOf(t, res, err))
	}

	o := call("deposit")
	require.False(t, o.rejected)
	require.Equal(t, "took all", string(o.data))
	require.Equal(t, uint64(400), o.refunded)
	require.Equal(t, caller.Principal(), got[0].Caller)
	require.Equal(t, big.NewInt(1000), got[0].Cycles)

	o = call("greedy")
	require.Equal(t, uint64(1000), o.refunded)

	o = call("other")
	require.True(t, o.rejected)
	require.Equal(t, CanisterReject, o.code)
	require.Equal(t, "no other", o.msg)
	require.Equal(t, uint64(1000), o.refunded)

	o = call("silent")
	require.True(t, o.rejected)
	require.Contains(t, o.msg, "did not reply")

	// Users' messages do not reach it: the embedder answers those.
	_, err := r.Update(CanisterID{string(ledger.Bytes())}, "deposit", nil)
	require.ErrorIs(t, err, ErrCanisterNotFound)
	require.Len(t, got, 4)

	// No canister can be created at its id.
	arg := encodeMgmt(cvRecord(cvField("specified_id", cvOpt(ptr(cvPrincipal(ledger.Bytes()))))), "provisional_create_canister_with_cycles_args")
	res, err := r.Update(ManagementCanister, "provisional_create_canister_with_cycles", arg)
	require.NoError(t, err)
	require.NotNil(t, res.Reject)
	require.Contains(t, res.Reject.Message, "is not available")
}
