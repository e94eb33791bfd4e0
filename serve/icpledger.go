package serve

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/big"
	"sync"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica"
)

// ICPLedgerID is the ICP ledger, ryjl3-tyaaa-aaaaa-aaaba-cai.
var ICPLedgerID = principal.MustDecode("ryjl3-tyaaa-aaaaa-aaaba-cai")

// Figures of the ICP ledger that icgo serve hosts: every principal's
// default account starts with FundedICP e8s, and a transfer costs ICPFee.
const (
	FundedICP = 1_000_000 * 100_000_000 // 1,000,000 ICP, in e8s
	ICPFee    = 10_000
)

// icpLedgerDID holds the ICP ledger's types, parsed with systemDID (whose
// account type it uses).
const icpLedgerDID = `
type transfer_arg = record {
  from_subaccount : opt blob; to : account; amount : nat;
  fee : opt nat; memo : opt blob; created_at_time : opt nat64;
};
type transfer_error = variant {
  BadFee : record { expected_fee : nat };
  BadBurn : record { min_burn_amount : nat };
  InsufficientFunds : record { balance : nat };
  TooOld;
  CreatedInFuture : record { ledger_time : nat64 };
  TemporarilyUnavailable;
  Duplicate : record { duplicate_of : nat };
  GenericError : record { error_code : nat; message : text };
};
type transfer_result = variant { Ok : nat; Err : transfer_error };
type value = variant { Nat : nat; Int : int; Text : text; Blob : blob };
type tokens = record { e8s : nat64 };
type legacy_transfer_args = record {
  memo : nat64; amount : tokens; fee : tokens; from_subaccount : opt blob;
  to : blob; created_at_time : opt record { timestamp_nanos : nat64 };
};
type legacy_transfer_error = variant {
  BadFee : record { expected_fee : tokens };
  InsufficientFunds : record { balance : tokens };
  TxTooOld : record { allowed_window_nanos : nat64 };
  TxCreatedInFuture;
  TxDuplicate : record { duplicate_of : nat64 };
};
type legacy_transfer_result = variant { Ok : nat64; Err : legacy_transfer_error };
type metadata = vec record { text; value };
type standards = vec record { name : text; url : text };
`

// icpLedger is the ICRC-1 interface of the ICP ledger, enough for
// `icp token balance` and `icp token transfer`: balances, metadata and
// transfers, kept as per-account spending and receipts as the cycles
// ledger's are. It has no blocks to query, no ICRC-2 approvals and no
// legacy (account identifier) methods.
type icpLedger struct {
	mu       sync.Mutex
	spent    map[string]*big.Int
	received map[string]*big.Int // by account key, and by account identifier (32 bytes)
	blocks   uint64
	// legacy are the transfers made by the legacy transfer method, by
	// block index: the CMC's notify_mint_cycles reads them.
	legacy map[uint64]legacyTransfer
}

// legacyTransfer is a transfer to an account identifier.
type legacyTransfer struct {
	from   []byte // the sender
	to     [32]byte
	amount uint64
	memo   uint64
}

func (l *icpLedger) call(s *Server, method string, arg, caller []byte, query bool) (outcome, error) {
	return l.icrc1(method, arg, caller, query), nil
}

// native answers canisters' calls (replica.HostNative).
func (l *icpLedger) native(req replica.NativeRequest) replica.NativeResponse {
	out := l.icrc1(req.Method, req.Arg, req.Caller.Bytes(), false)
	return replica.NativeResponse{Reply: out.reply, Reject: out.reject}
}

func (l *icpLedger) icrc1(method string, arg, caller []byte, query bool) outcome {
	nat := func(n *big.Int) candidtext.Value { return candidtext.Value{Kind: candidtext.KindNat, Int: n} }
	text := func(t string) candidtext.Value { return candidtext.Value{Kind: candidtext.KindText, Text: t} }
	var v candidtext.Value
	typ := ""
	switch method {
	case "icrc1_balance_of":
		a, err := decode(arg, "account")
		if err != nil {
			return badArgument(ICPLedgerID, method, err)
		}
		key, err := account(a)
		if err != nil {
			return badArgument(ICPLedgerID, method, err)
		}
		l.mu.Lock()
		v = nat(balanceOf(key, FundedICP, l.received, l.spent))
		l.mu.Unlock()
	case "icrc1_decimals":
		v = candidtext.Value{Kind: candidtext.KindNat8, Int: big.NewInt(8)}
	case "icrc1_symbol":
		v = text("ICP")
	case "icrc1_name":
		v = text("Internet Computer")
	case "icrc1_fee":
		v = nat(big.NewInt(ICPFee))
	case "icrc1_metadata":
		v, typ = candidtext.Value{Kind: candidtext.KindVec, Elems: []candidtext.Value{
			metaEntry("icrc1:decimals", "Nat", candidtext.Value{Kind: candidtext.KindNat, Int: big.NewInt(8)}),
			metaEntry("icrc1:name", "Text", text("Internet Computer")),
			metaEntry("icrc1:symbol", "Text", text("ICP")),
			metaEntry("icrc1:fee", "Nat", nat(big.NewInt(ICPFee))),
		}}, "metadata"
	case "icrc1_supported_standards":
		v, typ = candidtext.Value{Kind: candidtext.KindVec, Elems: []candidtext.Value{
			record(fv("name", text("ICRC-1")), fv("url", text("https://github.com/dfinity/ICRC-1/tree/main/standards/ICRC-1"))),
		}}, "standards"
	case "transfer":
		if query {
			return outcome{reject: &replica.Reject{Code: replica.CanisterError, ErrorCode: "IC0406", Message: "transfer is an update method"}}
		}
		return l.legacyTransfer(arg, caller)
	case "icrc1_transfer":
		if query {
			return outcome{reject: &replica.Reject{Code: replica.CanisterError, ErrorCode: "IC0406", Message: "icrc1_transfer is an update method"}}
		}
		return l.transfer(arg, caller)
	default:
		return methodNotFound(ICPLedgerID, method)
	}
	var types []*candidtext.Type // nil: the values' own types
	if typ != "" {
		types = []*candidtext.Type{sysType(typ)}
	}
	b, err := candidtext.Encode([]candidtext.Value{v}, types)
	if err != nil {
		return outcome{reject: &replica.Reject{Code: replica.CanisterError, ErrorCode: "IC0503", Message: "encoding the reply: " + err.Error()}}
	}
	return outcome{reply: b}
}

func metaEntry(key, kind string, v candidtext.Value) candidtext.Value {
	return candidtext.Value{Kind: candidtext.KindRecord, Fields: []candidtext.FieldValue{
		{ID: 0, Value: candidtext.Value{Kind: candidtext.KindText, Text: key}},
		{ID: 1, Value: variant(kind, v)},
	}}
}

// transfer is icrc1_transfer : (transfer_arg) -> (transfer_result).
func (l *icpLedger) transfer(arg, caller []byte) outcome {
	v, err := decode(arg, "transfer_arg")
	if err != nil {
		return badArgument(ICPLedgerID, "icrc1_transfer", err)
	}
	from, err := accountKey(caller, optBlob(field(v, "from_subaccount")))
	if err != nil {
		return badArgument(ICPLedgerID, "icrc1_transfer", err)
	}
	to, err := account(field(v, "to"))
	if err != nil {
		return badArgument(ICPLedgerID, "icrc1_transfer", err)
	}
	amount := field(v, "amount")
	if amount == nil || amount.Int == nil {
		return badArgument(ICPLedgerID, "icrc1_transfer", fmt.Errorf("no amount"))
	}
	fee := big.NewInt(ICPFee)
	if f := field(v, "fee"); f != nil && f.Int != nil && f.Int.Cmp(fee) != 0 {
		return encodeICP(variant("Err", variant("BadFee", record(natField("expected_fee", fee)))), "transfer_result")
	}
	cost := new(big.Int).Add(amount.Int, fee)
	l.mu.Lock()
	defer l.mu.Unlock()
	if bal := balanceOf(from, FundedICP, l.received, l.spent); bal.Cmp(cost) < 0 {
		return encodeICP(variant("Err", variant("InsufficientFunds", record(natField("balance", bal)))), "transfer_result")
	}
	add(l.spent, from, cost)
	add(l.received, to, amount.Int)
	l.blocks++
	return encodeICP(variant("Ok", candidtext.Value{Kind: candidtext.KindNat, Int: new(big.Int).SetUint64(l.blocks)}), "transfer_result")
}

// encodeICP encodes a reply of the ICP ledger; a value that does not fit
// its type (a bug here) is a reject rather than a failed request.
func encodeICP(v candidtext.Value, typ string) outcome {
	out, err := encode(v, typ)
	if err != nil {
		return outcome{reject: &replica.Reject{Code: replica.CanisterError, ErrorCode: "IC0503", Message: err.Error()}}
	}
	return out
}

// accountIdentifier is the ledger's account identifier of (owner,
// subaccount): a CRC-32 of the SHA-224 hash of "\x0Aaccount-id", owner
// and subaccount, then that hash.
func accountIdentifier(owner, sub []byte) [32]byte {
	h := sha256.New224()
	h.Write([]byte("\x0Aaccount-id"))
	h.Write(owner)
	var s32 [32]byte
	copy(s32[:], sub)
	h.Write(s32[:])
	var out [32]byte
	sum := h.Sum(nil)
	binary.BigEndian.PutUint32(out[:4], crc32.ChecksumIEEE(sum))
	copy(out[4:], sum)
	return out
}

// legacyTransfer is transfer : (legacy_transfer_args) ->
// (legacy_transfer_result), to an account identifier: what icp cycles mint
// sends to the CMC. The amount is credited to the identifier (an ICRC-1
// account cannot be recovered from it) and the transfer kept for the CMC.
func (l *icpLedger) legacyTransfer(arg, caller []byte) outcome {
	v, err := decode(arg, "legacy_transfer_args")
	if err != nil {
		return badArgument(ICPLedgerID, "transfer", err)
	}
	to := field(v, "to")
	amount, fee, memo := field(field(v, "amount"), "e8s"), field(field(v, "fee"), "e8s"), field(v, "memo")
	if to == nil || len(to.Bytes) != 32 || amount == nil || fee == nil || memo == nil {
		return badArgument(ICPLedgerID, "transfer", fmt.Errorf("expected a 32-byte account identifier, an amount, a fee and a memo"))
	}
	tokens := func(n *big.Int) candidtext.Value { return record(natField("e8s", n)) }
	if fee.Int.Cmp(big.NewInt(ICPFee)) != 0 {
		return encodeICP(variant("Err", variant("BadFee", record(fv("expected_fee", tokens(big.NewInt(ICPFee)))))), "legacy_transfer_result")
	}
	from, err := accountKey(caller, optBlob(field(v, "from_subaccount")))
	if err != nil {
		return badArgument(ICPLedgerID, "transfer", err)
	}
	cost := new(big.Int).Add(amount.Int, fee.Int)
	l.mu.Lock()
	defer l.mu.Unlock()
	if bal := balanceOf(from, FundedICP, l.received, l.spent); bal.Cmp(cost) < 0 {
		return encodeICP(variant("Err", variant("InsufficientFunds", record(fv("balance", tokens(bal))))), "legacy_transfer_result")
	}
	add(l.spent, from, cost)
	add(l.received, string(to.Bytes), amount.Int)
	l.blocks++
	if l.legacy == nil {
		l.legacy = map[uint64]legacyTransfer{}
	}
	lt := legacyTransfer{from: caller, amount: amount.Int.Uint64(), memo: memo.Int.Uint64()}
	copy(lt.to[:], to.Bytes)
	l.legacy[l.blocks] = lt
	return encodeICP(variant("Ok", candidtext.Value{Kind: candidtext.KindNat64, Int: new(big.Int).SetUint64(l.blocks)}), "legacy_transfer_result")
}

// takeMint removes and returns the legacy transfer at block if it is a
// transfer to the account identifier to with memo, sent by from, whose
// amount check accepts; otherwise the transfer stays.
func (l *icpLedger) takeMint(block uint64, from []byte, to [32]byte, memo uint64, check func(e8s uint64) error) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.legacy[block]
	switch {
	case !ok:
		return 0, fmt.Errorf("block %d is not a transfer to the CMC, or was notified already", block)
	case t.to != to || string(t.from) != string(from):
		return 0, fmt.Errorf("block %d is not a transfer from the caller to its CMC subaccount", block)
	case t.memo != memo:
		return 0, fmt.Errorf("block %d has memo %d, not %d", block, t.memo, memo)
	}
	if err := check(t.amount); err != nil {
		return 0, err
	}
	delete(l.legacy, block)
	// The CMC burns what it receives.
	add(l.received, string(to[:]), new(big.Int).Neg(new(big.Int).SetUint64(t.amount)))
	return t.amount, nil
}
