package replica

import (
	"fmt"
	"math/big"
	"strings"
	"testing"

	"crypto/ed25519"

	bls "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/internal/tkeystest"
	"github.com/icgo/icgo/replica/internal/tkeys"
)

func keyIDValue(field, variant, name string) candidtext.Value {
	return cvRecord(cvField(field, cvVariant(variant, cvNull())), cvField("name", cvText(name)))
}

func pathValue(path [][]byte) candidtext.Value {
	var vs []candidtext.Value
	for _, p := range path {
		vs = append(vs, cvBlob(p))
	}
	return cvVec(vs...)
}

// scheme describes one signature scheme for the table-driven tests.
type scheme struct {
	name, pkMethod, signMethod, field, variant string
	signArg                                    func(key candidtext.Value, path [][]byte, msg []byte) []byte
	verify                                     func(pub, msg, sig []byte) bool
	message                                    []byte
}

var ecdsaScheme = scheme{
	name: "ecdsa", pkMethod: "ecdsa_public_key", signMethod: "sign_with_ecdsa", field: "curve", variant: "secp256k1",
	signArg: func(key candidtext.Value, path [][]byte, msg []byte) []byte {
		return encodeMgmt(cvRecord(cvField("message_hash", cvBlob(msg)), cvField("derivation_path", pathValue(path)), cvField("key_id", key)), "sign_with_ecdsa_args")
	},
	verify: func(pub, hash, sig []byte) bool {
		pk, err := secp256k1.ParsePubKey(pub)
		if err != nil || len(sig) != 64 {
			return false
		}
		var r, s secp256k1.ModNScalar
		r.SetByteSlice(sig[:32])
		s.SetByteSlice(sig[32:])
		return !s.IsOverHalfOrder() && ecdsa.NewSignature(&r, &s).Verify(hash, pk)
	},
	message: []byte("0123456789abcdef0123456789abcdef"),
}

func schnorrScheme(variant string, verify func(pub, msg, sig []byte) bool) scheme {
	return scheme{
		name: variant, pkMethod: "schnorr_public_key", signMethod: "sign_with_schnorr", field: "algorithm", variant: variant,
		signArg: func(key candidtext.Value, path [][]byte, msg []byte) []byte {
			return schnorrSignArg(key, path, msg, nil)
		},
		verify:  verify,
		message: []byte("a message of any length, signed as it is"),
	}
}

func schnorrSignArg(key candidtext.Value, path [][]byte, msg []byte, merkleRoot []byte) []byte {
	fields := []candidtext.FieldValue{cvField("message", cvBlob(msg)), cvField("derivation_path", pathValue(path)), cvField("key_id", key)}
	if merkleRoot != nil {
		aux := cvVariant("bip341", cvRecord(cvField("merkle_root_hash", cvBlob(merkleRoot))))
		fields = append(fields, cvField("aux", cvOpt(&aux)))
	}
	return encodeMgmt(cvRecord(fields...), "sign_with_schnorr_args")
}

var (
	bip340Scheme = schnorrScheme("bip340secp256k1", func(pub, msg, sig []byte) bool {
		return len(pub) == 33 && tkeystest.VerifyBIP340(pub[1:], msg, sig)
	})
	ed25519Scheme = schnorrScheme("ed25519", func(pub, msg, sig []byte) bool {
		return len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, msg, sig)
	})
)

func pkArg(s scheme, key candidtext.Value, canister []byte, path [][]byte) []byte {
	fields := []candidtext.FieldValue{cvField("derivation_path", pathValue(path)), cvField("key_id", key)}
	if canister != nil {
		c := cvPrincipal(canister)
		fields = append(fields, cvField("canister_id", cvOpt(&c)))
	}
	return encodeMgmt(cvRecord(fields...), s.pkMethod+"_args")
}

func blobField(t *testing.T, data []byte, typeName, field string) []byte {
	t.Helper()
	b, err := blobOf(fieldOf(decodeOne(t, data, typeName), field), field)
	require.NoError(t, err)
	return b
}

// expectedPublicKey derives the public key from the replica's master public
// key with the IC's derivation (tkeys' published-vector-checked code).
func expectedPublicKey(t *testing.T, s scheme, name string, path [][]byte) []byte {
	m := thresholdMasters()
	switch s.name {
	case "ed25519":
		mpk, err := tkeys.ParseEd25519(m.ed25519[name].PublicKey())
		require.NoError(t, err)
		pub, _, _, err := tkeys.DeriveEd25519(mpk, tkeys.ChainCode{}, path)
		require.NoError(t, err)
		return pub.Bytes()
	}
	master := m.ecdsa[name]
	if s.name != "ecdsa" {
		master = m.bip340[name]
	}
	mpk, err := secp256k1.ParsePubKey(master.PublicKey())
	require.NoError(t, err)
	pub, _, _ := tkeys.DeriveSecp256k1(mpk, tkeys.ChainCode{}, path)
	return pub.SerializeCompressed()
}

// Every scheme, key name, canister and path: the public key a canister
// reads verifies the signature it gets for the same path, is the IC's
// derivation from the master key, and differs from every other; the fee
// is taken and the rest refunded.
func TestThresholdSignatures(t *testing.T) {
	r := newReplica(t)
	canisters := []CanisterID{installWat(t, r, callerCanister), installWat(t, r, callerCanister)}
	paths := [][][]byte{{}, {[]byte("a")}, {{0, 0, 0, 1}, {}}}
	seen := map[string]string{}
	for _, s := range []scheme{ecdsaScheme, bip340Scheme, ed25519Scheme} {
		for _, name := range []string{"dfx_test_key", "test_key_1", "key_1"} {
			key := keyIDValue(s.field, s.variant, name)
			for ci, c := range canisters {
				for pi, path := range paths {
					label := fmt.Sprintf("%s/%s/canister %d/path %d", s.name, name, ci, pi)
					o := mgmtViaCaller(t, r, c, s.pkMethod, pkArg(s, key, nil, path), 0)
					require.False(t, o.rejected, "%s: %s", label, o.msg)
					pub := blobField(t, o.data, "public_key_result", "public_key")
					require.Len(t, blobField(t, o.data, "public_key_result", "chain_code"), 32)
					full := append([][]byte{c.Bytes()}, path...)
					require.Equal(t, expectedPublicKey(t, s, name, full), pub, label)
					require.Empty(t, seen[string(pub)], "%s: the same key as %s", label, seen[string(pub)])
					seen[string(pub)] = label

					// Another canister reads the same key with canister_id.
					other := canisters[1-ci]
					o = mgmtViaCaller(t, r, other, s.pkMethod, pkArg(s, key, c.Bytes(), path), 0)
					require.False(t, o.rejected, o.msg)
					require.Equal(t, pub, blobField(t, o.data, "public_key_result", "public_key"))

					before, _ := r.CyclesBalance(c)
					o = mgmtViaCaller(t, r, c, s.signMethod, s.signArg(key, path, s.message), thresholdSignatureFee+777)
					require.False(t, o.rejected, "%s: %s", label, o.msg)
					require.Equal(t, uint64(777), o.refunded)
					after, _ := r.CyclesBalance(c)
					require.Equal(t, before-thresholdSignatureFee, after, "the fee is charged")
					sig := blobField(t, o.data, "signature_result", "signature")
					require.Len(t, sig, 64)
					require.True(t, s.verify(pub, s.message, sig), label)
					require.False(t, s.verify(pub, s.message[1:], sig), "another message")
				}
			}
		}
	}
}

func TestThresholdTaproot(t *testing.T) {
	r := newReplica(t)
	c := installWat(t, r, callerCanister)
	key := keyIDValue("algorithm", "bip340secp256k1", "test_key_1")
	path := [][]byte{[]byte("wallet")}
	o := mgmtViaCaller(t, r, c, "schnorr_public_key", pkArg(bip340Scheme, key, nil, path), 0)
	require.False(t, o.rejected, o.msg)
	internal := blobField(t, o.data, "public_key_result", "public_key")[1:]
	msg := []byte("taproot sighash")
	for _, root := range [][]byte{{}, []byte(strings.Repeat("r", 32))} {
		o := mgmtViaCaller(t, r, c, "sign_with_schnorr", schnorrSignArg(key, path, msg, root), thresholdSignatureFee)
		require.False(t, o.rejected, o.msg)
		sig := blobField(t, o.data, "signature_result", "signature")
		out, ok := tkeystest.TaprootOutputKey(internal, root)
		require.True(t, ok)
		require.True(t, tkeystest.VerifyBIP340(out, msg, sig), "verifies with the BIP-341 output key")
		require.False(t, tkeystest.VerifyBIP340(internal, msg, sig), "not with the internal key")
	}
}

func vetkdKey(name string) candidtext.Value { return keyIDValue("curve", "bls12_381_g2", name) }

func vetkdDeriveArg(name string, context, input, tpk []byte) []byte {
	return encodeMgmt(cvRecord(cvField("input", cvBlob(input)), cvField("context", cvBlob(context)),
		cvField("transport_public_key", cvBlob(tpk)), cvField("key_id", vetkdKey(name))), "vetkd_derive_key_args")
}

func vetkdPublicKeyArg(name string, canister, context []byte) []byte {
	fields := []candidtext.FieldValue{cvField("context", cvBlob(context)), cvField("key_id", vetkdKey(name))}
	if canister != nil {
		c := cvPrincipal(canister)
		fields = append(fields, cvField("canister_id", cvOpt(&c)))
	}
	return encodeMgmt(cvRecord(fields...), "vetkd_public_key_args")
}

// vetKD: the derived key decrypts and verifies as in DFINITY's vetKeys
// libraries, under the public key of the same canister and context, and
// only for its own identity.
func TestVetKD(t *testing.T) {
	r := newReplica(t)
	a, b := installWat(t, r, callerCanister), installWat(t, r, callerCanister)
	tsk := big.NewInt(987654321)
	var tpk bls.G1Affine
	tpk.ScalarMultiplicationBase(tsk)
	tpkB := tpk.Bytes()
	for _, name := range []string{"dfx_test_key", "test_key_1", "key_1"} {
		dpk := func(c CanisterID, context []byte) []byte {
			o := mgmtViaCaller(t, r, c, "vetkd_public_key", vetkdPublicKeyArg(name, nil, context), 0)
			require.False(t, o.rejected, o.msg)
			return blobField(t, o.data, "vetkd_public_key_result", "public_key")
		}
		derive := func(c CanisterID, context, input []byte) []byte {
			before, _ := r.CyclesBalance(c)
			o := mgmtViaCaller(t, r, c, "vetkd_derive_key", vetkdDeriveArg(name, context, input, tpkB[:]), thresholdSignatureFee+5)
			require.False(t, o.rejected, o.msg)
			require.Equal(t, uint64(5), o.refunded)
			after, _ := r.CyclesBalance(c)
			require.Equal(t, before-thresholdSignatureFee, after)
			return blobField(t, o.data, "vetkd_derive_key_result", "encrypted_key")
		}
		pkA, pkActx, pkB := dpk(a, nil), dpk(a, []byte("ctx")), dpk(b, nil)
		require.Len(t, pkA, tkeys.G2Size)
		require.NotEqual(t, pkA, pkActx)
		require.NotEqual(t, pkA, pkB)
		m := thresholdMasters().vetkd[name]
		require.Equal(t, m.PublicKeyFor(a.Bytes(), []byte("ctx")), pkActx, "the IC's derivation")
		o := mgmtViaCaller(t, r, b, "vetkd_public_key", vetkdPublicKeyArg(name, a.Bytes(), []byte("ctx")), 0)
		require.False(t, o.rejected, o.msg)
		require.Equal(t, pkActx, blobField(t, o.data, "vetkd_public_key_result", "public_key"), "canister_id given")

		ek := derive(a, []byte("ctx"), []byte("alice"))
		key, err := tkeystest.VetKDDecryptAndVerify(ek, tsk, pkActx, []byte("alice"))
		require.NoError(t, err)
		_, err = tkeystest.VetKDDecryptAndVerify(ek, tsk, pkActx, []byte("bob"))
		require.Error(t, err, "a vetKey for alice is not bob's")
		_, err = tkeystest.VetKDDecryptAndVerify(ek, tsk, pkA, []byte("alice"))
		require.Error(t, err, "nor another context's")
		_, err = tkeystest.VetKDDecryptAndVerify(ek, big.NewInt(1), pkActx, []byte("alice"))
		require.Error(t, err, "nor decrypted with another transport key")

		again, err := tkeystest.VetKDDecryptAndVerify(derive(a, []byte("ctx"), []byte("alice")), tsk, pkActx, []byte("alice"))
		require.NoError(t, err)
		require.Equal(t, key, again, "the same vetKey each time")
		bobs, err := tkeystest.VetKDDecryptAndVerify(derive(a, []byte("ctx"), []byte("bob")), tsk, pkActx, []byte("bob"))
		require.NoError(t, err)
		require.NotEqual(t, key, bobs)
		other, err := tkeystest.VetKDDecryptAndVerify(derive(b, []byte("ctx"), []byte("alice")), tsk, dpk(b, []byte("ctx")), []byte("alice"))
		require.NoError(t, err)
		require.NotEqual(t, key, other, "another canister's alice")
	}
}

func TestThresholdRejects(t *testing.T) {
	r := newReplica(t)
	c := installWat(t, r, callerCanister)
	const fee = thresholdSignatureFee
	var tpk bls.G1Affine
	tpk.ScalarMultiplicationBase(big.NewInt(5))
	tpkB := tpk.Bytes()
	ecdsaKey := keyIDValue("curve", "secp256k1", "key_1")
	bip340Key := keyIDValue("algorithm", "bip340secp256k1", "key_1")
	edKey := keyIDValue("algorithm", "ed25519", "key_1")
	hash := make([]byte, 32)
	long := make([][]byte, 256)
	for i := range long {
		long[i] = []byte{}
	}
	cases := []struct {
		name, method string
		arg          []byte
		cycles       uint64
		code         RejectCode
		msg          string
	}{
		{"unknown ecdsa key", "ecdsa_public_key", pkArg(ecdsaScheme, keyIDValue("curve", "secp256k1", "nope"), nil, nil), 0, DestinationInvalid,
			`Unable to route management canister request ecdsa_public_key: ChainKeyError("Requested unknown threshold key: ecdsa:Secp256k1:nope, existing keys: [ecdsa:Secp256k1:dfx_test_key, ecdsa:Secp256k1:key_1, ecdsa:Secp256k1:test_key_1]")`},
		{"unknown signing key", "sign_with_ecdsa", ecdsaScheme.signArg(keyIDValue("curve", "secp256k1", "nope"), nil, hash), fee, DestinationInvalid,
			"Requested unknown or disabled threshold key: ecdsa:Secp256k1:nope, existing enabled keys: ["},
		{"unknown schnorr key", "schnorr_public_key", pkArg(ed25519Scheme, keyIDValue("algorithm", "ed25519", "x"), nil, nil), 0, DestinationInvalid, "schnorr:Ed25519:x"},
		{"unknown schnorr signing key", "sign_with_schnorr", schnorrSignArg(keyIDValue("algorithm", "bip340secp256k1", "x"), nil, nil, nil), fee, DestinationInvalid, "schnorr:Bip340Secp256k1:x"},
		{"unknown vetkd key", "vetkd_public_key", vetkdPublicKeyArg("x", nil, nil), 0, DestinationInvalid, "vetkd:Bls12_381_G2:x"},
		{"unknown vetkd derive key", "vetkd_derive_key", vetkdDeriveArg("x", nil, nil, tpkB[:]), fee, DestinationInvalid, "vetkd:Bls12_381_G2:x, existing enabled keys"},
		{"ecdsa without cycles", "sign_with_ecdsa", ecdsaScheme.signArg(ecdsaKey, nil, hash), fee - 1, CanisterReject,
			"sign_with_ecdsa request sent with 9_999_999_999 cycles, but 10_000_000_000 cycles are required."},
		{"schnorr without cycles", "sign_with_schnorr", schnorrSignArg(edKey, nil, nil, nil), 0, CanisterReject,
			"sign_with_schnorr request sent with 0 cycles, but 10_000_000_000 cycles are required."},
		{"vetkd without cycles", "vetkd_derive_key", vetkdDeriveArg("key_1", nil, nil, tpkB[:]), 1, CanisterReject,
			"vetkd_derive_key request sent with 1 cycles, but 10_000_000_000 cycles are required."},
		{"ecdsa 31-byte hash", "sign_with_ecdsa", ecdsaScheme.signArg(ecdsaKey, nil, hash[:31]), fee, CanisterReject, "message hash of 31 bytes; it must be 32"},
		{"ecdsa 33-byte hash", "sign_with_ecdsa", ecdsaScheme.signArg(ecdsaKey, nil, append(hash, 0)), fee, CanisterReject, "it must be 32"},
		{"bip341 root of 8 bytes", "sign_with_schnorr", schnorrSignArg(bip340Key, nil, nil, make([]byte, 8)), fee, CanisterReject, "Invalid aux field for Bip340Secp256k1"},
		{"ed25519 with aux", "sign_with_schnorr", schnorrSignArg(edKey, nil, nil, make([]byte, 32)), fee, CanisterReject, "Schnorr algorithm Ed25519 does not support aux input"},
		{"256 path elements", "ecdsa_public_key", pkArg(ecdsaScheme, ecdsaKey, nil, long), 0, CanisterReject, "256 elements; at most 255"},
		{"256 path elements signing", "sign_with_schnorr", schnorrSignArg(bip340Key, long, nil, nil), fee, CanisterReject, "256 elements; at most 255"},
		{"bad transport key", "vetkd_derive_key", vetkdDeriveArg("key_1", nil, nil, make([]byte, 48)), fee, CanisterReject, "transport_public_key"},
		{"short transport key", "vetkd_derive_key", vetkdDeriveArg("key_1", nil, nil, tpkB[:47]), fee, CanisterReject, "a G1 point is 48 bytes"},
		{"wrong curve", "ecdsa_public_key", wrongCurve(t), 0, CanisterReject, "invalid argument"},
		{"not candid", "sign_with_ecdsa", []byte("nope"), fee, CanisterReject, "invalid argument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := r.CyclesBalance(c)
			o := mgmtViaCaller(t, r, c, tc.method, tc.arg, tc.cycles)
			require.True(t, o.rejected)
			require.Equal(t, tc.code, o.code, o.msg)
			require.Contains(t, o.msg, tc.msg)
			require.Equal(t, tc.cycles, o.refunded, "a reject refunds every cycle")
			after, _ := r.CyclesBalance(c)
			require.Equal(t, before, after)
		})
	}

	// Users cannot call them; queries cannot either.
	for _, m := range []string{"ecdsa_public_key", "sign_with_ecdsa", "schnorr_public_key", "sign_with_schnorr", "vetkd_public_key", "vetkd_derive_key"} {
		res, err := r.Update(ManagementCanister, m, pkArg(ecdsaScheme, ecdsaKey, c.Bytes(), nil))
		require.NoError(t, err)
		require.NotNil(t, res.Reject, m)
		require.Contains(t, res.Reject.Message, "can only be called by canisters")

		res, err = r.Query(c, "cq_call", callSpec{timeout: -1, method: m, payload: pkArg(ecdsaScheme, ecdsaKey, nil, nil)}.arg())
		require.NoError(t, err)
		if res.Reject == nil {
			o := parseOutcome(t, res.Reply)
			require.True(t, o.rejected, m)
			require.Contains(t, o.msg, "cannot be called from a query")
		} else {
			require.Contains(t, res.Reject.Message, "cannot be called from a query")
		}
	}
}

// wrongCurve is an ecdsa_public_key argument whose curve is a case the IC
// does not know.
func wrongCurve(t *testing.T) []byte {
	svc, err := candidtext.ParseDID(`type a = record { derivation_path : vec blob; key_id : record { curve : variant { p256 }; name : text } };`)
	require.NoError(t, err)
	b, err := candidtext.Encode([]candidtext.Value{cvRecord(cvField("derivation_path", cvVec()), cvField("key_id", keyIDValue("curve", "p256", "key_1")))},
		[]*candidtext.Type{svc.Types["a"]})
	require.NoError(t, err)
	return b
}

// Signing is an ordinary management call: the canister's request and its
// answer are both in the round of the request (raw_rand, for contrast,
// answers in the next round).
func TestThresholdOneRound(t *testing.T) {
	r := newReplica(t)
	c := installWat(t, r, callerCanister)
	arg := ecdsaScheme.signArg(keyIDValue("curve", "secp256k1", "key_1"), nil, make([]byte, 32))
	mid, err := r.SubmitUpdate(c, "call", callSpec{cycles: thresholdSignatureFee, timeout: -1, method: "sign_with_ecdsa", payload: arg}.arg())
	require.NoError(t, err)
	require.NoError(t, r.Tick())
	res, done, err := r.IngressStatus(mid)
	require.NoError(t, err)
	require.True(t, done, "answered in one round")
	o := parseOutcome(t, replyOf(t, res, nil))
	require.False(t, o.rejected, o.msg)

	mid, err = r.SubmitUpdate(c, "call", callSpec{timeout: -1, method: "raw_rand", payload: emptyReply}.arg())
	require.NoError(t, err)
	require.NoError(t, r.Tick())
	_, done, err = r.IngressStatus(mid)
	require.NoError(t, err)
	require.False(t, done, "raw_rand takes another round")
}
