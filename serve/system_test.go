package serve

import (
	"math/big"
	"testing"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica"
	"github.com/stretchr/testify/require"
)

// A canister's deposit to the cycles ledger (replica.HostNative) credits
// the account it names, default or not, and takes all attached cycles.
func TestCyclesLedgerDeposit(t *testing.T) {
	l := newSystemCanisters().ledger
	owner := principal.MustDecode("2vxsx-fae")
	enc := func(text string) []byte {
		vs, err := candidtext.ParseArgs(text)
		require.NoError(t, err)
		b, err := candidtext.Encode(vs, nil)
		require.NoError(t, err)
		return b
	}
	balance := func(acct string) *big.Int {
		res := l.native(replica.NativeRequest{Method: "icrc1_balance_of", Arg: enc("(" + acct + ")"), Cycles: new(big.Int)})
		require.Nil(t, res.Reject)
		vs, err := candidtext.DecodeValues(res.Reply, nil)
		require.NoError(t, err)
		return vs[0].Int
	}
	def := `record { owner = principal "` + owner.String() + `" }`
	sub := `record { owner = principal "` + owner.String() + `"; subaccount = opt blob "\01\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00" }`
	require.Equal(t, big.NewInt(FundedCycles), balance(def))
	require.Equal(t, new(big.Int), balance(sub))

	for _, to := range []string{def, sub} {
		res := l.native(replica.NativeRequest{Method: "deposit", Arg: enc("(record { to = " + to + " })"), Cycles: big.NewInt(7_000)})
		require.Nil(t, res.Reject)
		require.Equal(t, big.NewInt(7_000), res.Accepted)
	}
	require.Equal(t, big.NewInt(FundedCycles+7_000), balance(def))
	require.Equal(t, big.NewInt(7_000), balance(sub))

	res := l.native(replica.NativeRequest{Method: "deposit", Arg: enc(`(record { to = record { owner = principal "aaaaa-aa"; subaccount = opt blob "\01" } })`), Cycles: big.NewInt(1)})
	require.NotNil(t, res.Reject)
	require.Nil(t, res.Accepted)
	require.Contains(t, res.Reject.Message, "32 bytes")
	res = l.native(replica.NativeRequest{Method: "create_canister", Arg: enc("()"), Cycles: new(big.Int)})
	require.Equal(t, "IC0536", res.Reject.ErrorCode)
}
