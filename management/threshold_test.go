package management_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"math/big"
	"testing"

	bls "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/tkeystest"
	"github.com/icgo/icgo/replica"
)

// The typed calls of package management decode the replica's answers to
// the six threshold methods, and the signatures verify on the host.
func TestThresholdFromCanister(t *testing.T) {
	mgmt := buildPkg(t, "./management/testdata/mgmtcan")
	r, err := replica.New()
	require.NoError(t, err)
	defer r.Close()
	id, err := r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, r.Install(id, mgmt.Gzip, nil))

	hash := sha256.Sum256([]byte("message"))
	var out [][]byte
	call(t, r, id, "ecdsa", []any{hash[:]}, &out)
	require.Len(t, out, 2)
	pub, err := secp256k1.ParsePubKey(out[0])
	require.NoError(t, err)
	require.Len(t, out[0], 33, "compressed SEC1 public key")
	require.Len(t, out[1], 64, "r || s")
	var rr, ss secp256k1.ModNScalar
	rr.SetByteSlice(out[1][:32])
	ss.SetByteSlice(out[1][32:])
	require.True(t, ecdsa.NewSignature(&rr, &ss).Verify(hash[:], pub))

	path := [][]byte{[]byte("user"), {0, 0, 0, 7}}
	msg := []byte("hello schnorr")
	call(t, r, id, "schnorr", []any{"bip340secp256k1", path, msg, (*[]byte)(nil)}, &out)
	require.Len(t, out[0], 33)
	require.Len(t, out[1], 32, "chain code")
	require.True(t, tkeystest.VerifyBIP340(out[0][1:], msg, out[2]))

	root := make([]byte, 32)
	root[0] = 9
	call(t, r, id, "schnorr", []any{"bip340secp256k1", path, msg, &root}, &out)
	outKey, ok := tkeystest.TaprootOutputKey(out[0][1:], root)
	require.True(t, ok)
	require.True(t, tkeystest.VerifyBIP340(outKey, msg, out[2]), "taproot signature")

	call(t, r, id, "schnorr", []any{"ed25519", path, msg, (*[]byte)(nil)}, &out)
	require.Len(t, out[0], ed25519.PublicKeySize)
	require.True(t, ed25519.Verify(out[0], msg, out[2]))

	tsk := big.NewInt(424242)
	var tpk bls.G1Affine
	tpk.ScalarMultiplicationBase(tsk)
	tpkB := tpk.Bytes()
	call(t, r, id, "vetkd", []any{[]byte("ctx"), []byte("alice"), tpkB[:]}, &out)
	_, err = tkeystest.VetKDDecryptAndVerify(out[1], tsk, out[0], []byte("alice"))
	require.NoError(t, err)

	var rejectMsg string
	call(t, r, id, "sign_unknown", nil, &rejectMsg)
	require.Contains(t, rejectMsg, "Requested unknown or disabled threshold key: ecdsa:Secp256k1:nope")
}
