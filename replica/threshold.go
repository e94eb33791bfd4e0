package replica

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/replica/internal/tkeys"
)

// Threshold signatures and vetKD (IC interface specification, sections
// "IC method ecdsa_public_key", "IC method sign_with_ecdsa", "IC method
// schnorr_public_key", "IC method sign_with_schnorr", "IC method
// vetkd_public_key" and "IC method vetkd_derive_key"). The replica holds
// every master key whole, derived from tkeys.DefaultSeed (see package
// tkeys), for the key names of thresholdKeyNames; keys are derived for the
// canister id and derivation path (or context) as on the IC, so public
// keys can be checked against the IC's published derivations. Signing
// answers in the round of the request, like any management call, and
// costs the fee ic0.cost_sign_with_ecdsa, cost_sign_with_schnorr and
// cost_vetkd_derive_key report.

// thresholdDID is the part of ic.did for these methods.
const thresholdDID = `
type ecdsa_curve = variant { secp256k1 };
type ecdsa_key_id = record { curve : ecdsa_curve; name : text };
type ecdsa_public_key_args = record { canister_id : opt canister_id; derivation_path : vec blob; key_id : ecdsa_key_id };
type sign_with_ecdsa_args = record { message_hash : blob; derivation_path : vec blob; key_id : ecdsa_key_id };
type schnorr_algorithm = variant { bip340secp256k1; ed25519 };
type schnorr_key_id = record { algorithm : schnorr_algorithm; name : text };
type schnorr_public_key_args = record { canister_id : opt canister_id; derivation_path : vec blob; key_id : schnorr_key_id };
type schnorr_aux = variant { bip341 : record { merkle_root_hash : blob } };
type sign_with_schnorr_args = record { message : blob; derivation_path : vec blob; key_id : schnorr_key_id; aux : opt schnorr_aux };
type public_key_result = record { public_key : blob; chain_code : blob };
type signature_result = record { signature : blob };
type vetkd_curve = variant { bls12_381_g2 };
type vetkd_key_id = record { curve : vetkd_curve; name : text };
type vetkd_public_key_args = record { canister_id : opt canister_id; context : blob; key_id : vetkd_key_id };
type vetkd_public_key_result = record { public_key : blob };
type vetkd_derive_key_args = record { input : blob; context : blob; transport_public_key : blob; key_id : vetkd_key_id };
type vetkd_derive_key_result = record { encrypted_key : blob };
`

// masterKeys are the replica's master keys, the same for every replica.
type masterKeys struct {
	ecdsa, bip340 map[string]*tkeys.Secp256k1Master
	ed25519       map[string]*tkeys.Ed25519Master
	vetkd         map[string]*tkeys.VetKDMaster
}

var thresholdMasters = sync.OnceValue(func() *masterKeys {
	m := &masterKeys{
		ecdsa: map[string]*tkeys.Secp256k1Master{}, bip340: map[string]*tkeys.Secp256k1Master{},
		ed25519: map[string]*tkeys.Ed25519Master{}, vetkd: map[string]*tkeys.VetKDMaster{},
	}
	for name := range thresholdKeyNames {
		m.ecdsa[name] = tkeys.NewSecp256k1Master(tkeys.DefaultSeed, tkeys.ECDSASecp256k1, name)
		m.bip340[name] = tkeys.NewSecp256k1Master(tkeys.DefaultSeed, tkeys.BIP340Secp256k1, name)
		m.ed25519[name] = tkeys.NewEd25519Master(tkeys.DefaultSeed, name)
		m.vetkd[name] = tkeys.NewVetKDMaster(tkeys.DefaultSeed, name)
	}
	return m
})

// keyID is a decoded key_id with the IC's display name of its scheme
// (MasterPublicKeyId: "ecdsa:Secp256k1", "schnorr:Bip340Secp256k1",
// "schnorr:Ed25519", "vetkd:Bls12_381_G2").
type keyID struct {
	scheme, name string
}

func (k keyID) String() string { return k.scheme + ":" + k.name }

// thresholdRequest is a decoded request: the key, the full derivation path
// (canister id first) or the vetKD canister and context, and the arguments
// of signing.
type thresholdRequest struct {
	key            keyID
	path           [][]byte
	canister       []byte
	context, input []byte
	message        []byte
	merkleRoot     []byte // with taproot
	taproot        bool
	transportKey   []byte
}

// mgmtThreshold answers the six threshold methods.
func (r *Replica) mgmtThreshold(call *mgmtCall) mgmtResult {
	res := mgmtResult{refund: call.cycles}
	req, err := decodeThreshold(call)
	if err != nil {
		res.rej = badArg(call.method, err)
		return res
	}
	signing := strings.HasPrefix(call.method, "sign_with_") || call.method == "vetkd_derive_key"
	if !thresholdKeyNames[req.key.name] {
		res.rej = unknownKey(call.method, req.key, signing)
		return res
	}
	if !signing {
		res.reply = publicKey(call.method, req)
		return res
	}
	fee := u128{lo: thresholdSignatureFee}
	if call.cycles.less(fee) {
		res.rej = &Reject{Code: CanisterReject, ErrorCode: "IC0406",
			Message: fmt.Sprintf("%s request sent with %s cycles, but %s cycles are required.", call.method, groupDigits(call.cycles.String()), groupDigits(fee.String()))}
		return res
	}
	var rnd [64]byte
	r.sched.rng.Read(rnd[:])
	reply, rej := sign(call.method, req, rnd)
	if rej != nil {
		res.rej = rej
		return res
	}
	res.reply, res.refund = reply, call.cycles.sub(fee)
	return res
}

// decodeThreshold decodes the argument of a threshold method.
func decodeThreshold(call *mgmtCall) (*thresholdRequest, error) {
	v, err := decodeMgmt(call.arg, call.method+"_args")
	if err != nil {
		return nil, err
	}
	req := &thresholdRequest{}
	if req.key, err = keyIDOf(call.method, fieldOf(v, "key_id")); err != nil {
		return nil, err
	}
	req.canister = call.caller
	if c := optOf(fieldOf(v, "canister_id")); c != nil {
		if req.canister, err = principalOf(c, "canister_id"); err != nil {
			return nil, err
		}
	}
	if strings.HasPrefix(call.method, "vetkd_") {
		if req.context, err = blobOf(fieldOf(v, "context"), "context"); err != nil {
			return nil, err
		}
		if call.method == "vetkd_derive_key" {
			if req.input, err = blobOf(fieldOf(v, "input"), "input"); err != nil {
				return nil, err
			}
			req.transportKey, err = blobOf(fieldOf(v, "transport_public_key"), "transport_public_key")
		}
		return req, err
	}
	dp := fieldOf(v, "derivation_path")
	if dp == nil {
		return nil, &argErr{"missing field derivation_path"}
	}
	if dp.Kind == candidtext.KindBlob { // an empty vec may decode as a blob
		if len(dp.Bytes) > 0 {
			return nil, &argErr{"field derivation_path: expected a vector of blobs"}
		}
	} else if len(dp.Elems) > tkeys.MaxPathLen {
		return nil, &argErr{fmt.Sprintf("field derivation_path: %d elements; at most %d", len(dp.Elems), tkeys.MaxPathLen)}
	}
	req.path = [][]byte{req.canister}
	for i := range dp.Elems {
		b, err := blobOf(&dp.Elems[i], "derivation_path")
		if err != nil {
			return nil, err
		}
		req.path = append(req.path, b)
	}
	switch call.method {
	case "sign_with_ecdsa":
		req.message, err = blobOf(fieldOf(v, "message_hash"), "message_hash")
	case "sign_with_schnorr":
		if req.message, err = blobOf(fieldOf(v, "message"), "message"); err != nil {
			return nil, err
		}
		if aux := optOf(fieldOf(v, "aux")); aux != nil {
			_, payload, err := variantOf(aux, "aux", "bip341")
			if err != nil {
				return nil, err
			}
			req.taproot = true
			req.merkleRoot, err = blobOf(fieldOf(payload, "merkle_root_hash"), "aux.bip341.merkle_root_hash")
			if err != nil {
				return nil, err
			}
		}
	}
	return req, err
}

// keyIDOf decodes an ecdsa_key_id, schnorr_key_id or vetkd_key_id.
func keyIDOf(method string, v *candidtext.Value) (keyID, error) {
	if v == nil {
		return keyID{}, &argErr{"missing field key_id"}
	}
	name, err := textOf(fieldOf(v, "name"), "key_id.name")
	if err != nil {
		return keyID{}, err
	}
	switch {
	case strings.Contains(method, "ecdsa"):
		_, _, err = variantOf(fieldOf(v, "curve"), "key_id.curve", "secp256k1")
		return keyID{"ecdsa:Secp256k1", name}, err
	case strings.Contains(method, "schnorr"):
		alg, _, err := variantOf(fieldOf(v, "algorithm"), "key_id.algorithm", "bip340secp256k1", "ed25519")
		if alg == "ed25519" {
			return keyID{"schnorr:Ed25519", name}, err
		}
		return keyID{"schnorr:Bip340Secp256k1", name}, err
	}
	_, _, err = variantOf(fieldOf(v, "curve"), "key_id.curve", "bls12_381_g2")
	return keyID{"vetkd:Bls12_381_G2", name}, err
}

// unknownKey is the IC's reject for a key it does not have (the routing
// of management requests fails).
func unknownKey(method string, k keyID, signing bool) *Reject {
	var names []string
	for n := range thresholdKeyNames {
		names = append(names, k.scheme+":"+n)
	}
	sort.Strings(names)
	msg := fmt.Sprintf("Requested unknown threshold key: %s, existing keys: [%s]", k, strings.Join(names, ", "))
	if signing {
		msg = fmt.Sprintf("Requested unknown or disabled threshold key: %s, existing enabled keys: [%s]", k, strings.Join(names, ", "))
	}
	return &Reject{Code: DestinationInvalid,
		Message: fmt.Sprintf("Unable to route management canister request %s: ChainKeyError(%q)", method, msg)}
}

func publicKey(method string, req *thresholdRequest) []byte {
	m := thresholdMasters()
	switch req.key.scheme {
	case "ecdsa:Secp256k1", "schnorr:Bip340Secp256k1":
		master := m.ecdsa[req.key.name]
		if req.key.scheme != "ecdsa:Secp256k1" {
			master = m.bip340[req.key.name]
		}
		_, pub, chain := master.Derive(req.path)
		return encodeMgmt(cvRecord(cvField("public_key", cvBlob(pub)), cvField("chain_code", cvBlob(chain[:]))), "public_key_result")
	case "schnorr:Ed25519":
		key, chain, err := m.ed25519[req.key.name].Derive(req.path)
		if err != nil {
			panic("replica: ed25519 derivation: " + err.Error()) // HKDF of 96 bytes cannot fail
		}
		return encodeMgmt(cvRecord(cvField("public_key", cvBlob(key.PublicKey())), cvField("chain_code", cvBlob(chain[:]))), "public_key_result")
	}
	pub := m.vetkd[req.key.name].PublicKeyFor(req.canister, req.context)
	return encodeMgmt(cvRecord(cvField("public_key", cvBlob(pub))), "vetkd_public_key_result")
}

// sign answers sign_with_ecdsa, sign_with_schnorr and vetkd_derive_key;
// rnd is the randomness of the signature (BIP-340 aux_rand, the Ed25519
// nonce, the vetKD encryption scalar).
func sign(method string, req *thresholdRequest, rnd [64]byte) ([]byte, *Reject) {
	m := thresholdMasters()
	reject := func(format string, args ...any) *Reject {
		return &Reject{Code: CanisterReject, ErrorCode: "IC0406", Message: fmt.Sprintf(format, args...)}
	}
	var aux [32]byte
	copy(aux[:], rnd[:])
	switch req.key.scheme {
	case "ecdsa:Secp256k1":
		key, _, _ := m.ecdsa[req.key.name].Derive(req.path)
		sig, err := tkeys.SignECDSA(key, req.message)
		if err != nil {
			return nil, reject("sign_with_ecdsa: %v", err)
		}
		return encodeMgmt(cvRecord(cvField("signature", cvBlob(sig))), "signature_result"), nil
	case "schnorr:Bip340Secp256k1":
		key, _, _ := m.bip340[req.key.name].Derive(req.path)
		if req.taproot {
			var err error
			if key, err = tkeys.TaprootTweak(key, req.merkleRoot); err != nil {
				return nil, reject("Invalid aux field for Bip340Secp256k1: %v", err)
			}
		}
		sig, err := tkeys.SignBIP340(key, req.message, aux)
		if err != nil {
			return nil, reject("sign_with_schnorr: %v", err)
		}
		return encodeMgmt(cvRecord(cvField("signature", cvBlob(sig))), "signature_result"), nil
	case "schnorr:Ed25519":
		if req.taproot {
			return nil, reject("Schnorr algorithm Ed25519 does not support aux input")
		}
		key, _, err := m.ed25519[req.key.name].Derive(req.path)
		if err != nil {
			return nil, reject("sign_with_schnorr: %v", err)
		}
		sig, err := key.Sign(req.message, aux)
		if err != nil {
			return nil, reject("sign_with_schnorr: %v", err)
		}
		return encodeMgmt(cvRecord(cvField("signature", cvBlob(sig))), "signature_result"), nil
	}
	ek, err := m.vetkd[req.key.name].DeriveEncryptedKey(req.canister, req.context, req.input, req.transportKey, tkeys.RandomScalar(rnd))
	if err != nil {
		return nil, reject("vetkd_derive_key: %v", err)
	}
	return encodeMgmt(cvRecord(cvField("encrypted_key", cvBlob(ek))), "vetkd_derive_key_result"), nil
}

// groupDigits writes a decimal number with _ every three digits, as the
// IC's messages do (1_999_999).
func groupDigits(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('_')
		}
		b.WriteRune(c)
	}
	return b.String()
}
