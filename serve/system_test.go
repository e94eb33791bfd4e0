package serve

import (
	"fmt"
	"math/big"
	"strings"
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
		res := l.native(replica.NativeRequest{Method: "deposit", Arg: enc("(record { to = " + to + " })"), Cycles: big.NewInt(7_000_000_000)})
		require.Nil(t, res.Reject)
		require.Equal(t, big.NewInt(7_000_000_000), res.Accepted)
	}
	require.Equal(t, big.NewInt(FundedCycles+7_000_000_000), balance(def))
	require.Equal(t, big.NewInt(7_000_000_000), balance(sub))

	res := l.native(replica.NativeRequest{Method: "deposit", Arg: enc(`(record { to = record { owner = principal "aaaaa-aa"; subaccount = opt blob "\01" } })`), Cycles: big.NewInt(1)})
	require.NotNil(t, res.Reject)
	require.Nil(t, res.Accepted)
	require.Contains(t, res.Reject.Message, "32 bytes")
	res = l.native(replica.NativeRequest{Method: "create_canister", Arg: enc("()"), Cycles: new(big.Int)})
	require.Equal(t, "IC0536", res.Reject.ErrorCode)
}

// icp token and icp cycles mint, as the ledgers see them: an ICRC-1
// transfer, then a legacy transfer to the caller's CMC subaccount with
// memo MINT, which notify_mint_cycles turns into cycles (minus the cycles
// ledger's fee) once.
func TestICPLedgerAndMint(t *testing.T) {
	s := &Server{system: newSystemCanisters()}
	s.be = backend{newTestReplica(t)}
	alice, bob := principal.MustDecode("2vxsx-fae").Bytes(), []byte{1, 2, 3}
	enc := func(text string) []byte {
		vs, err := candidtext.ParseArgs(text)
		require.NoError(t, err)
		b, err := candidtext.Encode(vs, nil)
		require.NoError(t, err)
		return b
	}
	results := map[string]*candidtext.Type{
		"icrc1_transfer": sysType("transfer_result"), "transfer": sysType("legacy_transfer_result"),
		"notify_mint_cycles": sysType("notify_mint_cycles_result"),
	}
	call := func(sc systemCanister, method, arg string, caller []byte) string {
		out, err := sc.call(s, method, enc(arg), caller, false)
		require.NoError(t, err)
		require.Nil(t, out.reject, "%s: %v", method, out.reject)
		var types []*candidtext.Type
		if r := results[method]; r != nil {
			types = []*candidtext.Type{r}
		}
		text, err := candidtext.Decode(out.reply, types)
		require.NoError(t, err)
		return text
	}
	acct := func(p []byte) string { return `record { owner = principal "` + principal.FromBytes(p).String() + `" }` }

	require.Equal(t, "(100_000_000_000_000 : nat)", call(s.system.icp, "icrc1_balance_of", "("+acct(alice)+")", nil))
	require.Contains(t, call(s.system.icp, "icrc1_transfer", "(record { to = "+acct(bob)+"; amount = 150_000_000 : nat })", alice), "Ok")
	require.Equal(t, "(99_999_849_990_000 : nat)", call(s.system.icp, "icrc1_balance_of", "("+acct(alice)+")", nil))
	require.Equal(t, "(100_000_150_000_000 : nat)", call(s.system.icp, "icrc1_balance_of", "("+acct(bob)+")", nil))
	require.Contains(t, call(s.system.icp, "icrc1_transfer", "(record { to = "+acct(bob)+"; amount = 1 : nat; fee = opt (1 : nat) })", alice), "BadFee")

	to := accountIdentifier(CMCID.Bytes(), cmcSubaccount(alice))
	blob := func(b []byte) string {
		var sb strings.Builder
		for _, c := range b {
			fmt.Fprintf(&sb, "\\%02x", c)
		}
		return `blob "` + sb.String() + `"`
	}
	transfer := func(memo uint64) string {
		return call(s.system.icp, "transfer", fmt.Sprintf("(record { memo = %d : nat64; amount = record { e8s = 100_000_000 : nat64 }; fee = record { e8s = 10_000 : nat64 }; to = %s })", memo, blob(to[:])), alice)
	}
	require.Equal(t, "(variant { Ok = 2 : nat64 })", transfer(memoMint))
	require.Contains(t, call(cmc{}, "notify_mint_cycles", "(record { block_index = 2 : nat64 })", bob), "InvalidTransaction")
	require.Contains(t, call(cmc{}, "notify_mint_cycles", "(record { block_index = 2 : nat64 })", alice), "minted = 3_520_000_000_000")
	require.Contains(t, call(cmc{}, "notify_mint_cycles", "(record { block_index = 2 : nat64 })", alice), "notified already")
	require.Equal(t, fmt.Sprintf("(%s : nat)", withUnderscores(FundedCycles+3_519_900_000_000)), call(s.system.ledger, "icrc1_balance_of", "("+acct(alice)+")", nil))
	require.Equal(t, "(variant { Ok = 3 : nat64 })", transfer(1))
	require.Contains(t, call(cmc{}, "notify_mint_cycles", "(record { block_index = 3 : nat64 })", alice), "has memo 1")

	// A mint that cannot pay the cycles ledger's fee leaves the transfer
	// unspent; subaccounts must have 32 bytes, so no key can stand for
	// another account.
	small := call(s.system.icp, "transfer", fmt.Sprintf("(record { memo = %d : nat64; amount = record { e8s = 1 : nat64 }; fee = record { e8s = 10_000 : nat64 }; to = %s })", uint64(memoMint), blob(to[:])), alice)
	require.Equal(t, "(variant { Ok = 4 : nat64 })", small)
	for range 2 {
		require.Contains(t, call(cmc{}, "notify_mint_cycles", "(record { block_index = 4 : nat64 })", alice), "do not pay the cycles ledger")
	}
	bad := func(sc systemCanister, method, arg string) {
		out, err := sc.call(s, method, enc(arg), alice, false)
		require.NoError(t, err)
		require.NotNil(t, out.reject, method)
		require.Contains(t, out.reject.Message, "a subaccount has 32 bytes", method)
	}
	short := blob(bob[:2])
	bad(s.system.icp, "transfer", fmt.Sprintf("(record { memo = 0 : nat64; amount = record { e8s = 1 : nat64 }; fee = record { e8s = 10_000 : nat64 }; from_subaccount = opt %s; to = %s })", short, blob(to[:])))
	bad(s.system.icp, "icrc1_transfer", "(record { to = "+acct(bob)+"; amount = 1 : nat; from_subaccount = opt "+short+" })")
	bad(s.system.ledger, "create_canister", "(record { amount = 1 : nat; from_subaccount = opt "+short+" })")
	bad(cmc{}, "notify_mint_cycles", "(record { block_index = 4 : nat64; to_subaccount = opt "+short+" })")

	// A deposit must bring at least the fee.
	res := s.system.ledger.native(replica.NativeRequest{Method: "deposit", Arg: enc("(record { to = " + acct(bob) + " })"), Cycles: big.NewInt(CyclesLedgerFee - 1)})
	require.NotNil(t, res.Reject)
	require.Contains(t, res.Reject.Message, "fewer than the fee")
}

func newTestReplica(t *testing.T) *replica.Replica {
	r, err := replica.New()
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

func withUnderscores(n int64) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, '_')
		}
		out = append(out, s[i])
	}
	return string(out)
}
