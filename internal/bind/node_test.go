package bind_test

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/internal/bind/testdata/icrc1"
	"github.com/icgo/icgo/internal/crosscheck"
	"github.com/icgo/icgo/principal"
)

// icrc1JS is the ICRC-1 transfer types written for @dfinity/candid, from
// testdata/icrc1.did.
const icrc1JS = `
const {IDL} = require("@dfinity/candid");
const Subaccount = IDL.Vec(IDL.Nat8);
const Account = IDL.Record({owner: IDL.Principal, subaccount: IDL.Opt(Subaccount)});
const TransferArgs = IDL.Record({from_subaccount: IDL.Opt(Subaccount), to: Account, amount: IDL.Nat,
  fee: IDL.Opt(IDL.Nat), memo: IDL.Opt(IDL.Vec(IDL.Nat8)), created_at_time: IDL.Opt(IDL.Nat64)});
const TransferError = IDL.Variant({BadFee: IDL.Record({expected_fee: IDL.Nat}),
  BadBurn: IDL.Record({min_burn_amount: IDL.Nat}), InsufficientFunds: IDL.Record({balance: IDL.Nat}),
  TooOld: IDL.Null, CreatedInFuture: IDL.Record({ledger_time: IDL.Nat64}),
  Duplicate: IDL.Record({duplicate_of: IDL.Nat}), TemporarilyUnavailable: IDL.Null,
  GenericError: IDL.Record({error_code: IDL.Nat, message: IDL.Text})});
const Result = IDL.Variant({Ok: IDL.Nat, Err: TransferError});
const hex = (b) => Buffer.from(b).toString("hex");
const args = IDL.decode([TransferArgs], new Uint8Array(Buffer.from(process.argv[2], "hex")));
console.log(hex(IDL.encode([TransferArgs], args)));
console.log(args[0].amount.toString() + " " + args[0].to.owner.toText() + " " + Buffer.from(args[0].memo[0]).toString());
console.log(hex(IDL.encode([Result], [{Err: {InsufficientFunds: {balance: 42n}}}])));
`

// Values of the types icgo bind generated round-trip through
// @dfinity/candid: it decodes what package candid encodes (checking the
// wire types against its own IDL), and its encoding decodes into the
// generated types.
func TestNodeCandidRoundTrip(t *testing.T) {
	node := crosscheck.NodeCandid(t)
	memo := []byte("memo")
	fee := candid.NatFromUint64(10_000)
	args := icrc1.TransferArgs{
		To:     icrc1.Account{Owner: principal.MustDecode("rrkah-fqaaa-aaaaa-aaaaq-cai")},
		Amount: candid.NatFromUint64(1_500_000),
		Fee:    &fee,
		Memo:   &memo,
	}
	b, err := candid.Marshal([]any{args})
	require.NoError(t, err)

	lines := crosscheck.RunNode(t, node, icrc1JS, hex.EncodeToString(b))
	require.Len(t, lines, 3)

	require.Equal(t, "1500000 rrkah-fqaaa-aaaaa-aaaaq-cai memo", lines[1])
	jsArgs, err := hex.DecodeString(lines[0])
	require.NoError(t, err)
	var back icrc1.TransferArgs
	require.NoError(t, candid.Unmarshal(jsArgs, []any{&back}))
	require.Equal(t, args.Amount.String(), back.Amount.String())
	require.Equal(t, args.To.Owner, back.To.Owner)
	require.Equal(t, memo, *back.Memo)
	require.Equal(t, "10000", back.Fee.String())
	require.Nil(t, back.CreatedAtTime)

	jsResult, err := hex.DecodeString(lines[2])
	require.NoError(t, err)
	var res icrc1.Icrc1TransferResult
	require.NoError(t, candid.Unmarshal(jsResult, []any{&res}))
	require.NotNil(t, res.Err)
	require.NotNil(t, res.Err.InsufficientFunds)
	require.Equal(t, "42", res.Err.InsufficientFunds.Balance.String())
}
