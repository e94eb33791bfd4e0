package serve

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
	"sync"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica"
)

// The system canisters icp needs to create and delete canisters, hosted by
// the server in Go: the cycles minting canister (CMC) answers
// get_default_subnets, and the cycles ledger keeps a balance per account,
// funded for every identity's default account as a local network's is,
// creates canisters with create_canister (through the management
// canister's provisional_create_canister_with_cycles, with the caller as
// the controller unless the settings name others), and takes canisters'
// deposits (replica.HostNative), as icp's cycle recovery before
// `icp canister delete` makes them. The CMC also converts ICP (icpledger.go)
// to cycles for `icp cycles mint`: notify_mint_cycles, and an uncertified
// get_icp_xdr_conversion_rate. Their interfaces are
// those of DFINITY's cycles ledger and CMC; only these methods exist,
// others are rejected as missing (IC0536).

var (
	// CMCID is the cycles minting canister, rkp4c-7iaaa-aaaaa-aaaca-cai.
	CMCID = principal.MustDecode("rkp4c-7iaaa-aaaaa-aaaca-cai")
	// CyclesLedgerID is the cycles ledger, um5iw-rqaaa-aaaaq-qaaba-cai.
	CyclesLedgerID = principal.MustDecode("um5iw-rqaaa-aaaaq-qaaba-cai")
)

// FundedCycles is every principal's starting cycles ledger balance.
const FundedCycles = 1_000_000_000_000_000 // 1000 T

const systemDID = `
type log_visibility = variant { controllers; public; allowed_viewers : vec principal };
type environment_variable = record { name : text; value : text };
type canister_settings = record {
  controllers : opt vec principal;
  compute_allocation : opt nat;
  memory_allocation : opt nat;
  freezing_threshold : opt nat;
  reserved_cycles_limit : opt nat;
  minimum_incoming_canister_call_cycles : opt nat;
  log_visibility : opt log_visibility;
  log_memory_limit : opt nat;
  snapshot_visibility : opt log_visibility;
  status_visibility : opt log_visibility;
  wasm_memory_limit : opt nat;
  wasm_memory_threshold : opt nat;
  environment_variables : opt vec environment_variable;
};
type subnet_selection = variant { Filter : record { subnet_type : opt text }; Subnet : record { subnet : principal } };
type create_canister_args = record {
  from_subaccount : opt blob; created_at_time : opt nat64; amount : nat;
  creation_args : opt record { subnet_selection : opt subnet_selection; settings : opt canister_settings };
};
type create_canister_error = variant {
  GenericError : record { message : text; error_code : nat }; TemporarilyUnavailable;
  Duplicate : record { duplicate_of : nat; canister_id : opt principal };
  CreatedInFuture : record { ledger_time : nat64 };
  FailedToCreate : record { error : text; refund_block : opt nat; fee_block : opt nat };
  TooOld; InsufficientFunds : record { balance : nat };
};
type create_canister_result = variant { Ok : record { block_id : nat; canister_id : principal }; Err : create_canister_error };
type account = record { owner : principal; subaccount : opt blob };
type provisional_args = record { amount : opt nat; settings : opt canister_settings; specified_id : opt principal; sender_canister_version : opt nat64 };
type provisional_result = record { canister_id : principal };
type principals = vec principal;
type balance = nat;
type deposit_args = record { to : account; memo : opt blob };
type conversion_rate = record { data : record { timestamp_seconds : nat64; xdr_permyriad_per_icp : nat64 }; certificate : blob; hash_tree : blob };
type notify_mint_cycles_arg = record { block_index : nat64; to_subaccount : opt blob; deposit_memo : opt blob };
type notify_error = variant {
  Refunded : record { reason : text; block_index : opt nat64 };
  InvalidTransaction : text;
  TransactionTooOld : nat64;
  Processing;
  Other : record { error_code : nat64; error_message : text };
};
type notify_mint_cycles_result = variant { Ok : record { block_index : nat; minted : nat; balance : nat }; Err : notify_error };
type deposit_result = record { block_index : nat; balance : nat };
`

var systemTypes = func() *candidtext.Service {
	s, err := candidtext.ParseDID(systemDID + icpLedgerDID)
	if err != nil {
		panic("serve: system canister interfaces: " + err.Error())
	}
	return s
}()

func sysType(name string) *candidtext.Type { return systemTypes.Types[name] }

type systemCanister interface {
	call(s *Server, method string, arg, caller []byte, query bool) (outcome, error)
}

type systemCanisters struct {
	cmc    cmc
	ledger *cyclesLedger
	icp    *icpLedger
}

func newSystemCanisters() *systemCanisters {
	return &systemCanisters{
		ledger: &cyclesLedger{spent: map[string]*big.Int{}, deposited: map[string]*big.Int{}},
		icp:    &icpLedger{spent: map[string]*big.Int{}, received: map[string]*big.Int{}},
	}
}

func (sc *systemCanisters) lookup(id []byte) (systemCanister, bool) {
	switch principal.FromBytes(id) {
	case CMCID:
		return sc.cmc, true
	case CyclesLedgerID:
		return sc.ledger, true
	case ICPLedgerID:
		return sc.icp, true
	}
	return nil, false
}

func methodNotFound(id principal.Principal, method string) outcome {
	return outcome{reject: &replica.Reject{Code: replica.CanisterError, ErrorCode: "IC0536",
		Message: fmt.Sprintf("Canister %s has no method %q (icgo serve implements only what icp needs of this system canister)", id, method)}}
}

func badArgument(id principal.Principal, method string, err error) outcome {
	return outcome{reject: &replica.Reject{Code: replica.CanisterError, ErrorCode: "IC0503",
		Message: fmt.Sprintf("Canister %s trapped: %s: failed to decode the argument: %v", id, method, err)}}
}

func encode(v candidtext.Value, typ string) (outcome, error) {
	b, err := candidtext.Encode([]candidtext.Value{v}, []*candidtext.Type{sysType(typ)})
	if err != nil {
		return outcome{}, fmt.Errorf("serve: encoding a %s: %w", typ, err)
	}
	return outcome{reply: b}, nil
}

func decode(arg []byte, typ string) (*candidtext.Value, error) {
	vs, err := candidtext.DecodeValues(arg, []*candidtext.Type{sysType(typ)})
	if err != nil {
		return nil, err
	}
	if len(vs) != 1 {
		return nil, fmt.Errorf("expected one argument, got %d", len(vs))
	}
	return &vs[0], nil
}

// field returns a record's field by name (nil when absent or a null opt
// unwrapped).
func field(v *candidtext.Value, name string) *candidtext.Value {
	if v == nil {
		return nil
	}
	id := candidtext.Hash(name)
	for i := range v.Fields {
		if v.Fields[i].ID == id {
			f := &v.Fields[i].Value
			if f.Kind == candidtext.KindOpt {
				return f.Elem
			}
			return f
		}
	}
	return nil
}

// cmc is the cycles minting canister.
type cmc struct{}

func (cmc) call(s *Server, method string, arg, caller []byte, query bool) (outcome, error) {
	switch method {
	case "get_default_subnets":
		// () -> (vec principal) query
		return encode(candidtext.Value{Kind: candidtext.KindVec,
			Elems: []candidtext.Value{{Kind: candidtext.KindPrincipal, Bytes: s.keys.subnetID}}}, "principals")
	case "get_icp_xdr_conversion_rate":
		// () -> (record { data; certificate; hash_tree }) query. The rate
		// is not certified here: certificate and hash_tree are empty.
		return encode(record(
			fv("data", record(
				fv("timestamp_seconds", candidtext.Value{Kind: candidtext.KindNat64, Int: big.NewInt(s.be.now().Unix())}),
				fv("xdr_permyriad_per_icp", candidtext.Value{Kind: candidtext.KindNat64, Int: big.NewInt(XDRPermyriadPerICP)}),
			)),
			fv("certificate", candidtext.Value{Kind: candidtext.KindBlob, Bytes: []byte{}}),
			fv("hash_tree", candidtext.Value{Kind: candidtext.KindBlob, Bytes: []byte{}}),
		), "conversion_rate")
	case "notify_mint_cycles":
		if query {
			return outcome{reject: &replica.Reject{Code: replica.CanisterError, ErrorCode: "IC0406", Message: "notify_mint_cycles is an update method"}}, nil
		}
		return notifyMintCycles(s, arg, caller)
	}
	return methodNotFound(CMCID, method), nil
}

// The CMC's conversion: XDRPermyriadPerICP is its ICP/XDR rate (3.52 XDR
// per ICP, as on icp's local networks), and one XDR buys a trillion
// cycles, so an e8s buys XDRPermyriadPerICP cycles.
const XDRPermyriadPerICP = 35_200

// CyclesLedgerFee is the cycles ledger's fee: what a deposit must at least
// bring, and what the CMC's deposit of minted cycles costs.
const CyclesLedgerFee = 100_000_000

// memoMint is the memo of a transfer to the CMC that mints cycles
// ("MINT", little-endian).
const memoMint = 0x544e494d

// cmcSubaccount is the CMC subaccount of a principal: its length, then its
// bytes, zero-padded to 32 bytes.
func cmcSubaccount(p []byte) []byte {
	sub := make([]byte, 32)
	sub[0] = byte(len(p))
	copy(sub[1:], p)
	return sub
}

// notifyMintCycles is notify_mint_cycles : (notify_mint_cycles_arg) ->
// (notify_mint_cycles_result), after a legacy transfer with memo MINT to
// the caller's CMC subaccount (as icp cycles mint makes): the ICP is
// burnt and the cycles deposited to the caller's cycles ledger account.
func notifyMintCycles(s *Server, arg, caller []byte) (outcome, error) {
	v, err := decode(arg, "notify_mint_cycles_arg")
	if err != nil {
		return badArgument(CMCID, "notify_mint_cycles", err), nil
	}
	block := field(v, "block_index")
	if block == nil || block.Int == nil {
		return badArgument(CMCID, "notify_mint_cycles", fmt.Errorf("no block_index")), nil
	}
	key, err := accountKey(caller, optBlob(field(v, "to_subaccount")))
	if err != nil {
		return badArgument(CMCID, "notify_mint_cycles", err), nil
	}
	// The minted cycles must pay the cycles ledger's fee; a smaller
	// transfer stays unspent (the IC's CMC refunds it).
	minted := func(e8s uint64) *big.Int {
		return new(big.Int).Mul(new(big.Int).SetUint64(e8s), big.NewInt(XDRPermyriadPerICP))
	}
	to := accountIdentifier(CMCID.Bytes(), cmcSubaccount(caller))
	e8s, err := s.system.icp.takeMint(block.Int.Uint64(), caller, to, memoMint, func(e8s uint64) error {
		if minted(e8s).Cmp(big.NewInt(CyclesLedgerFee)) < 0 {
			return fmt.Errorf("%v cycles do not pay the cycles ledger's fee of %d", minted(e8s), CyclesLedgerFee)
		}
		return nil
	})
	if err != nil {
		return encode(variant("Err", variant("InvalidTransaction", candidtext.Value{Kind: candidtext.KindText, Text: err.Error()})), "notify_mint_cycles_result")
	}
	m := minted(e8s)
	credit := new(big.Int).Sub(m, big.NewInt(CyclesLedgerFee))
	l := s.system.ledger
	l.mu.Lock()
	add(l.deposited, key, credit)
	l.blocks++
	idx, bal := l.blocks, l.balance(key)
	l.mu.Unlock()
	return encode(variant("Ok", record(natField("block_index", new(big.Int).SetUint64(idx)), natField("minted", m), natField("balance", bal))), "notify_mint_cycles_result")
}

// cyclesLedger keeps, per account, what was spent from it and deposited
// to it; an account's balance is what it was funded with (FundedCycles for
// a principal's default account, nothing for a subaccount) plus its
// deposits minus its spending. Accounts are keyed by accountKey.
type cyclesLedger struct {
	mu        sync.Mutex
	spent     map[string]*big.Int
	deposited map[string]*big.Int
	blocks    uint64
}

// accountKey is the owner's bytes for its default account (no
// subaccount, or 32 zero bytes), and the owner's bytes followed by the
// subaccount for the others. A subaccount other than nil must have 32
// bytes (ICRC-1 "Account"), so that no key can stand for another.
func accountKey(owner, sub []byte) (string, error) {
	if sub != nil && len(sub) != 32 {
		return "", fmt.Errorf("a subaccount has 32 bytes, not %d", len(sub))
	}
	if len(sub) == 0 || allZero(sub) {
		return string(owner), nil
	}
	return string(owner) + string(sub), nil
}

func (l *cyclesLedger) balance(key string) *big.Int {
	return balanceOf(key, FundedCycles, l.deposited, l.spent)
}

// balanceOf is the balance of an account funded with funded (if it is a
// default account), given what it received and spent.
func balanceOf(key string, funded int64, received, spent map[string]*big.Int) *big.Int {
	b := new(big.Int)
	if len(key) <= principal.MaxLength { // a default account
		b.SetInt64(funded)
	}
	if d, ok := received[key]; ok {
		b.Add(b, d)
	}
	if s, ok := spent[key]; ok {
		b.Sub(b, s)
	}
	return b
}

// add adds n (which may be negative) to m[key].
func add(m map[string]*big.Int, key string, n *big.Int) {
	v, ok := m[key]
	if !ok {
		v = new(big.Int)
		m[key] = v
	}
	v.Add(v, n)
}

// account decodes an ICRC-1 account value into its key.
func account(v *candidtext.Value) (string, error) {
	owner := field(v, "owner")
	if owner == nil || owner.Kind != candidtext.KindPrincipal {
		return "", fmt.Errorf("the account has no owner")
	}
	return accountKey(owner.Bytes, optBlob(field(v, "subaccount")))
}

// optBlob is the bytes of an opt blob field (nil when absent).
func optBlob(f *candidtext.Value) []byte {
	if f == nil {
		return nil
	}
	if f.Bytes == nil {
		return []byte{}
	}
	return f.Bytes
}

func (l *cyclesLedger) call(s *Server, method string, arg, caller []byte, query bool) (outcome, error) {
	switch method {
	case "icrc1_balance_of":
		return l.balanceOf(arg)
	case "create_canister":
		if query {
			return outcome{reject: &replica.Reject{Code: replica.CanisterError, ErrorCode: "IC0406",
				Message: "create_canister is an update method"}}, nil
		}
		return l.createCanister(s, arg, caller)
	}
	return methodNotFound(CyclesLedgerID, method), nil
}

// balanceOf is icrc1_balance_of : (account) -> (nat) query.
func (l *cyclesLedger) balanceOf(arg []byte) (outcome, error) {
	v, err := decode(arg, "account")
	if err != nil {
		return badArgument(CyclesLedgerID, "icrc1_balance_of", err), nil
	}
	key, err := account(v)
	if err != nil {
		return badArgument(CyclesLedgerID, "icrc1_balance_of", err), nil
	}
	l.mu.Lock()
	b := l.balance(key)
	l.mu.Unlock()
	return encode(candidtext.Value{Kind: candidtext.KindNat, Int: b}, "balance")
}

// native answers canisters' calls (replica.HostNative): deposit, which
// icp's cycle recovery calls before it deletes a canister, and
// icrc1_balance_of. It runs under the replica's lock, so it never calls
// the replica; create_canister, which would, is for users only here.
func (l *cyclesLedger) native(req replica.NativeRequest) replica.NativeResponse {
	var out outcome
	var err error
	var accepted *big.Int
	switch req.Method {
	case "deposit":
		out, err = l.deposit(req.Arg, req.Cycles)
		if err == nil && out.reject == nil {
			accepted = req.Cycles
		}
	case "icrc1_balance_of":
		out, err = l.balanceOf(req.Arg)
	default:
		out = methodNotFound(CyclesLedgerID, req.Method)
	}
	if err != nil {
		return replica.NativeResponse{Reject: &replica.Reject{Code: replica.CanisterError, ErrorCode: "IC0503", Message: err.Error()}}
	}
	return replica.NativeResponse{Reply: out.reply, Reject: out.reject, Accepted: accepted}
}

// deposit is deposit : (deposit_args) -> (deposit_result): the attached
// cycles go to the account, without a fee, but at least the fee's worth
// must be attached.
func (l *cyclesLedger) deposit(arg []byte, cycles *big.Int) (outcome, error) {
	v, err := decode(arg, "deposit_args")
	if err != nil {
		return badArgument(CyclesLedgerID, "deposit", err), nil
	}
	key, err := account(field(v, "to"))
	if err != nil {
		return badArgument(CyclesLedgerID, "deposit", err), nil
	}
	if cycles.Cmp(big.NewInt(CyclesLedgerFee)) < 0 {
		return outcome{reject: &replica.Reject{Code: replica.CanisterReject, ErrorCode: "IC0406",
			Message: fmt.Sprintf("deposit: %v cycles attached, fewer than the fee of %d", cycles, CyclesLedgerFee)}}, nil
	}
	l.mu.Lock()
	add(l.deposited, key, cycles)
	l.blocks++
	block, bal := l.blocks, l.balance(key)
	l.mu.Unlock()
	return encode(record(natField("block_index", new(big.Int).SetUint64(block)), natField("balance", bal)), "deposit_result")
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

func (l *cyclesLedger) createCanister(s *Server, arg, caller []byte) (outcome, error) {
	v, err := decode(arg, "create_canister_args")
	if err != nil {
		return badArgument(CyclesLedgerID, "create_canister", err), nil
	}
	amount := field(v, "amount")
	if amount == nil || amount.Int == nil {
		return badArgument(CyclesLedgerID, "create_canister", fmt.Errorf("no amount")), nil
	}
	from, err := accountKey(caller, optBlob(field(v, "from_subaccount")))
	if err != nil {
		return badArgument(CyclesLedgerID, "create_canister", err), nil
	}
	// Charge first, and refund if the creation fails: the replica is
	// called without the ledger's lock (native holds the replica's lock
	// and then takes the ledger's).
	l.mu.Lock()
	if bal := l.balance(from); bal.Cmp(amount.Int) < 0 {
		l.mu.Unlock()
		return encode(variant("Err", variant("InsufficientFunds", record(natField("balance", bal)))), "create_canister_result")
	}
	add(l.spent, from, amount.Int)
	l.mu.Unlock()
	refund := func() {
		l.mu.Lock()
		add(l.spent, from, new(big.Int).Neg(amount.Int))
		l.mu.Unlock()
	}
	var settings *candidtext.Value
	if ca := field(v, "creation_args"); ca != nil {
		settings = field(ca, "settings")
	}
	pargs := record(
		fv("amount", opt(&candidtext.Value{Kind: candidtext.KindNat, Int: amount.Int})),
		fv("settings", opt(settings)),
		fv("specified_id", opt(nil)),
		fv("sender_canister_version", opt(nil)),
	)
	pb, err := candidtext.Encode([]candidtext.Value{pargs}, []*candidtext.Type{sysType("provisional_args")})
	if err != nil {
		refund()
		return outcome{}, err
	}
	out, err := s.be.update(nil, "provisional_create_canister_with_cycles", pb, caller)
	if err != nil {
		refund()
		return outcome{}, err
	}
	if out.reject != nil {
		refund()
		return encode(variant("Err", variant("FailedToCreate", record(
			fv("error", candidtext.Value{Kind: candidtext.KindText, Text: out.reject.Error()}),
			fv("refund_block", opt(nil)),
			fv("fee_block", opt(nil)),
		))), "create_canister_result")
	}
	res, err := decode(out.reply, "provisional_result")
	if err != nil {
		return outcome{}, fmt.Errorf("serve: decoding provisional_create_canister_with_cycles' result: %w", err)
	}
	id := field(res, "canister_id")
	l.mu.Lock()
	l.blocks++
	block := l.blocks
	l.mu.Unlock()
	return encode(variant("Ok", record(
		natField("block_id", new(big.Int).SetUint64(block)),
		fv("canister_id", candidtext.Value{Kind: candidtext.KindPrincipal, Bytes: id.Bytes}),
	)), "create_canister_result")
}

// record builds a record value; fields are sorted by id, as the encoder
// expects.
func record(fs ...candidtext.FieldValue) candidtext.Value {
	slices.SortFunc(fs, func(a, b candidtext.FieldValue) int { return cmp.Compare(a.ID, b.ID) })
	return candidtext.Value{Kind: candidtext.KindRecord, Fields: fs}
}

func variant(name string, v candidtext.Value) candidtext.Value {
	return candidtext.Value{Kind: candidtext.KindVariant, Fields: []candidtext.FieldValue{fv(name, v)}}
}

func natField(name string, n *big.Int) candidtext.FieldValue {
	return fv(name, candidtext.Value{Kind: candidtext.KindNat, Int: n})
}

func opt(v *candidtext.Value) candidtext.Value {
	return candidtext.Value{Kind: candidtext.KindOpt, Elem: v}
}

func fv(name string, v candidtext.Value) candidtext.FieldValue {
	return candidtext.FieldValue{Name: name, ID: candidtext.Hash(name), Value: v}
}
