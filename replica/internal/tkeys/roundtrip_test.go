package tkeys

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
	"testing"

	bls "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/icgo/icgo/internal/tkeystest"
	"github.com/stretchr/testify/require"
)

var testPaths = [][][]byte{
	{{0, 0, 0, 0, 0, 0x10, 0, 1, 1, 1}},
	{{0, 0, 0, 0, 0, 0x10, 0, 1, 1, 1}, []byte("a")},
	{{0, 0, 0, 0, 0, 0x10, 0, 2, 1, 1}, []byte("a")},
	{{0, 0, 0, 0, 0, 0x10, 0, 1, 1, 1}, {}, {0, 0, 0, 7}},
}

// The secret key Derive returns belongs to the public key DeriveSecp256k1
// computes, the signatures verify (decred's ECDSA verifier, low s;
// the independent BIP-340 verifier), and every path gets another key.
func TestSecp256k1RoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for _, alg := range []Algorithm{ECDSASecp256k1, BIP340Secp256k1} {
		for _, name := range []string{"dfx_test_key", "test_key_1", "key_1"} {
			m := NewSecp256k1Master(DefaultSeed, alg, name)
			mpub, err := secp256k1.ParsePubKey(m.PublicKey())
			require.NoError(t, err)
			for i, path := range testPaths {
				t.Run(fmt.Sprintf("%s/%s/%d", alg, name, i), func(t *testing.T) {
					key, pub, chain := m.Derive(path)
					want, wantChain, _ := DeriveSecp256k1(mpub, ChainCode{}, path)
					require.Equal(t, want.SerializeCompressed(), pub)
					require.Equal(t, wantChain, chain)
					require.Equal(t, pub, key.PubKey().SerializeCompressed())
					require.False(t, seen[string(pub)], "keys differ")
					seen[string(pub)] = true

					hash := make([]byte, 32)
					hash[0] = byte(i)
					sig, err := SignECDSA(key, hash)
					require.NoError(t, err)
					require.Len(t, sig, 64)
					var r, s secp256k1.ModNScalar
					r.SetByteSlice(sig[:32])
					s.SetByteSlice(sig[32:])
					require.False(t, s.IsOverHalfOrder(), "low s")
					require.True(t, ecdsa.NewSignature(&r, &s).Verify(hash, want))
					hash[1] = 1
					require.False(t, ecdsa.NewSignature(&r, &s).Verify(hash, want))

					msg := []byte("any length message")
					bsig, err := SignBIP340(key, msg, [32]byte{byte(i)})
					require.NoError(t, err)
					require.True(t, tkeystest.VerifyBIP340(pub[1:], msg, bsig))
					require.False(t, tkeystest.VerifyBIP340(pub[1:], msg[1:], bsig))
				})
			}
		}
	}
	_, err := SignECDSA(secp256k1.NewPrivateKey(new(secp256k1.ModNScalar).SetInt(5)), make([]byte, 31))
	require.ErrorContains(t, err, "must be 32")
}

func TestEd25519RoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range []string{"dfx_test_key", "test_key_1", "key_1"} {
		m := NewEd25519Master(DefaultSeed, name)
		mpub, err := ParseEd25519(m.PublicKey())
		require.NoError(t, err)
		for i, path := range testPaths {
			key, chain, err := m.Derive(path)
			require.NoError(t, err)
			want, wantChain, _, err := DeriveEd25519(mpub, ChainCode{}, path)
			require.NoError(t, err)
			require.Equal(t, want.Bytes(), key.PublicKey())
			require.Equal(t, wantChain, chain)
			require.False(t, seen[string(key.PublicKey())])
			seen[string(key.PublicKey())] = true
			msg := []byte(fmt.Sprintf("message %d", i))
			sig, err := key.Sign(msg, [32]byte{byte(i)})
			require.NoError(t, err)
			require.True(t, ed25519.Verify(key.PublicKey(), msg, sig), "crypto/ed25519 verifies")
			require.False(t, ed25519.Verify(key.PublicKey(), msg[1:], sig))
		}
	}
}

// tkeystest.VetKDDecryptAndVerify reproduces the vetkeys library's published
// protocol_flow_with_fixed_rng_has_expected_outputs vector.
func TestVetKDDecryptionVector(t *testing.T) {
	// TransportSecretKey::serialize is little-endian.
	tskLE := unhex(t, "763e63464c55014a26ac6825616867185cc7204283ca46bd34c1a1446e737b16")
	slices.Reverse(tskLE)
	tsk := new(big.Int).SetBytes(tskLE)
	var tpk bls.G1Affine
	tpk.ScalarMultiplicationBase(tsk)
	b := tpk.Bytes()
	require.Equal(t, "911969d56f42875d37a92d7eaa5d43293eff9f9a20ba4c60523e70a695eaeadeb721659b52a49d74e67841ad19033a12", hex.EncodeToString(b[:]))
	dpk := unhex(t, "972c4c6cc184b56121a1d27ef1ca3a2334d1a51be93573bd18e168f78f8fe15ce44fb029ffe8e9c3ee6bea2660f4f35e0774a35a80d6236c050fd8f831475b5e145116d3e83d26c533545f64b08464e4bcc755f990a381efa89804212d4eef5f")
	ek := unhex(t, "b1a13757eaae15a3c8884fc1a3453f8a29b88984418e65f1bd21042ce1d6809b2f8a49f7326c1327f2a3921e8ff1d6c3adde2a801f1f88de98ccb40c62e366a279e7aec5875a0ce2f2a9f3e109d9cb193f0197eadb2c5f5568ee4d6a87e115910662e01e604087246be8b081fc6b8a06b4b0100ed1935d8c8d18d9f70d61718c5dba23a641487e72b3b25884eeede8feb3c71599bfbcebe60d29408795c85b4bdf19588c034d898e7fc513be8dbd04cac702a1672f5625f5833d063b05df7503")
	key, err := tkeystest.VetKDDecryptAndVerify(ek, tsk, dpk, []byte("message"))
	require.NoError(t, err)
	require.Equal(t, "987db5406ce297e729c8564a106dc896943b00216a095fe9c5d32a16a330c02eb80e6f468ede83cde5462b5145b58f65", hex.EncodeToString(key))
	_, err = tkeystest.VetKDDecryptAndVerify(ek, tsk, dpk, []byte("messagf"))
	require.Error(t, err)
}

func TestVetKDRoundTrip(t *testing.T) {
	m := NewVetKDMaster(DefaultSeed, "test_key_1")
	mpk, err := ParseG2(m.PublicKey())
	require.NoError(t, err)
	tsk := big.NewInt(123456789)
	var tpk bls.G1Affine
	tpk.ScalarMultiplicationBase(tsk)
	tpkB := tpk.Bytes()
	canA, canB := []byte{0, 0, 0, 0, 0, 0x10, 0, 1, 1, 1}, []byte{0, 0, 0, 0, 0, 0x10, 0, 2, 1, 1}

	ek, err := m.DeriveEncryptedKey(canA, []byte("ctx"), []byte("alice"), tpkB[:], big.NewInt(42))
	require.NoError(t, err)
	dpk, _ := DeriveVetKD(&mpk, canA, []byte("ctx"))
	dpkB := dpk.Bytes()
	require.Equal(t, dpkB[:], m.PublicKeyFor(canA, []byte("ctx")))
	key, err := tkeystest.VetKDDecryptAndVerify(ek, tsk, dpkB[:], []byte("alice"))
	require.NoError(t, err)

	// Another identity, context or canister: the key does not verify.
	_, err = tkeystest.VetKDDecryptAndVerify(ek, tsk, dpkB[:], []byte("bob"))
	require.Error(t, err)
	other := m.PublicKeyFor(canB, []byte("ctx"))
	_, err = tkeystest.VetKDDecryptAndVerify(ek, tsk, other, []byte("alice"))
	require.Error(t, err)
	// The same derivation with other randomness decrypts to the same key.
	ek2, err := m.DeriveEncryptedKey(canA, []byte("ctx"), []byte("alice"), tpkB[:], big.NewInt(43))
	require.NoError(t, err)
	require.NotEqual(t, ek, ek2)
	key2, err := tkeystest.VetKDDecryptAndVerify(ek2, tsk, dpkB[:], []byte("alice"))
	require.NoError(t, err)
	require.Equal(t, key, key2)
	// The wrong transport secret does not decrypt.
	_, err = tkeystest.VetKDDecryptAndVerify(ek, big.NewInt(7), dpkB[:], []byte("alice"))
	require.Error(t, err)

	for _, bad := range [][]byte{nil, tpkB[:47], make([]byte, 48)} {
		_, err := m.DeriveEncryptedKey(canA, nil, nil, bad, big.NewInt(1))
		require.ErrorIs(t, err, ErrBadKey)
	}
}
