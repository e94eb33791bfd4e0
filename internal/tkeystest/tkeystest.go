// Package tkeystest has reference verifiers for tests of threshold
// signatures and vetKD, written independently of package tkeys: BIP-340
// verification and the BIP-341 output key in math/big affine arithmetic
// (checked against BIP-340's published vectors in package tkeys), and the
// vetKD decryption of DFINITY's vetKeys libraries on gnark-crypto.
package tkeystest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"

	bls "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// secp256k1's parameters (SEC 2).
var (
	bigP, _ = new(big.Int).SetString("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F", 16)
	bigN, _ = new(big.Int).SetString("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16)
	bigGx   = mustBig("79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798")
	bigGy   = mustBig("483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8")
)

func mustBig(h string) *big.Int { n, _ := new(big.Int).SetString(h, 16); return n }

type apt struct{ x, y *big.Int } // nil x: infinity

func ptAdd(a, b apt) apt {
	if a.x == nil {
		return b
	}
	if b.x == nil {
		return a
	}
	var lam *big.Int
	if a.x.Cmp(b.x) == 0 {
		if new(big.Int).Add(a.y, b.y).Mod(new(big.Int).Add(a.y, b.y), bigP).Sign() == 0 {
			return apt{}
		}
		num := new(big.Int).Mul(big.NewInt(3), new(big.Int).Mul(a.x, a.x))
		den := new(big.Int).ModInverse(new(big.Int).Mul(big.NewInt(2), a.y), bigP)
		lam = num.Mul(num, den)
	} else {
		num := new(big.Int).Sub(b.y, a.y)
		den := new(big.Int).ModInverse(new(big.Int).Mod(new(big.Int).Sub(b.x, a.x), bigP), bigP)
		lam = num.Mul(num, den)
	}
	lam.Mod(lam, bigP)
	x := new(big.Int).Sub(new(big.Int).Mul(lam, lam), a.x)
	x.Sub(x, b.x).Mod(x, bigP)
	y := new(big.Int).Sub(a.x, x)
	y.Mul(y, lam).Sub(y, a.y).Mod(y, bigP)
	return apt{x, y}
}

func ptMul(p apt, k *big.Int) apt {
	r := apt{}
	for i := k.BitLen() - 1; i >= 0; i-- {
		r = ptAdd(r, r)
		if k.Bit(i) == 1 {
			r = ptAdd(r, p)
		}
	}
	return r
}

func liftX(x *big.Int) (apt, bool) {
	if x.Cmp(bigP) >= 0 {
		return apt{}, false
	}
	c := new(big.Int).Exp(x, big.NewInt(3), bigP)
	c.Add(c, big.NewInt(7)).Mod(c, bigP)
	e := new(big.Int).Add(bigP, big.NewInt(1))
	e.Rsh(e, 2)
	y := new(big.Int).Exp(c, e, bigP)
	if new(big.Int).Exp(y, big.NewInt(2), bigP).Cmp(c) != 0 {
		return apt{}, false
	}
	if y.Bit(0) == 1 {
		y.Sub(bigP, y)
	}
	return apt{x, y}, true
}

func taggedHash(tag string, parts ...[]byte) []byte {
	th := sha256.Sum256([]byte(tag))
	h := sha256.New()
	h.Write(th[:])
	h.Write(th[:])
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// VerifyBIP340 is BIP-340's Verify(pk, m, sig) for a 32-byte x-only public
// key, a message of any length and a 64-byte signature.
func VerifyBIP340(pubX, msg, sig []byte) bool {
	if len(pubX) != 32 || len(sig) != 64 {
		return false
	}
	P, ok := liftX(new(big.Int).SetBytes(pubX))
	if !ok {
		return false
	}
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	if r.Cmp(bigP) >= 0 || s.Cmp(bigN) >= 0 {
		return false
	}
	e := new(big.Int).SetBytes(taggedHash("BIP0340/challenge", sig[:32], pubX, msg))
	e.Mod(e, bigN)
	negE := new(big.Int).Sub(bigN, e)
	R := ptAdd(ptMul(apt{bigGx, bigGy}, s), ptMul(P, negE))
	return R.x != nil && R.y.Bit(0) == 0 && R.x.Cmp(r) == 0
}

// TaprootOutputKey is BIP-341's taproot_tweak_pubkey: the x-only output
// key of an x-only internal key and a merkle root (empty or 32 bytes).
func TaprootOutputKey(internalX, merkleRoot []byte) ([]byte, bool) {
	P, ok := liftX(new(big.Int).SetBytes(internalX))
	if !ok {
		return nil, false
	}
	tw := new(big.Int).SetBytes(taggedHash("TapTweak", internalX, merkleRoot))
	if tw.Cmp(bigN) >= 0 {
		return nil, false
	}
	Q := ptAdd(P, ptMul(apt{bigGx, bigGy}, tw))
	if Q.x == nil {
		return nil, false
	}
	return Q.x.FillBytes(make([]byte, 32)), true
}

// VetKDDecryptAndVerify is EncryptedVetKey::decrypt_and_verify of DFINITY's
// vetKeys library: the encrypted key is E1 · E2 · E3 (compressed G1, G2,
// G1); it checks e(E1, g2) = e(g1, E2), computes k = E3 · E1^-tsk and
// checks that k is a BLS signature of input under dpk (e(k, g2) =
// e(H(dpk · input), dpk), H the augmented hash to G1). It returns k
// compressed.
func VetKDDecryptAndVerify(ek []byte, tsk *big.Int, dpkBytes, input []byte) ([]byte, error) {
	const g1Size, g2Size = bls.SizeOfG1AffineCompressed, bls.SizeOfG2AffineCompressed
	if len(ek) != 2*g1Size+g2Size {
		return nil, fmt.Errorf("encrypted key of %d bytes", len(ek))
	}
	var e1, e3 bls.G1Affine
	var e2, dpk bls.G2Affine
	for _, p := range []struct {
		set func([]byte) (int, error)
		b   []byte
	}{{e1.SetBytes, ek[:g1Size]}, {e2.SetBytes, ek[g1Size : g1Size+g2Size]}, {e3.SetBytes, ek[g1Size+g2Size:]}, {dpk.SetBytes, dpkBytes}} {
		if _, err := p.set(p.b); err != nil {
			return nil, err
		}
	}
	_, _, g1, g2 := bls.Generators()
	var negG2 bls.G2Affine
	negG2.Neg(&g2)
	if ok, err := bls.PairingCheck([]bls.G1Affine{e1, g1}, []bls.G2Affine{negG2, e2}); err != nil || !ok {
		return nil, errors.New("invalid encrypted key: E1 inconsistent with E2")
	}
	var k, mask, negK bls.G1Affine
	mask.ScalarMultiplication(&e1, tsk)
	k.Sub(&e3, &mask)
	db := dpk.Bytes()
	h, err := bls.HashToG1(append(db[:], input...), []byte("BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_AUG_"))
	if err != nil {
		return nil, err
	}
	negK.Neg(&k)
	if ok, err := bls.PairingCheck([]bls.G1Affine{negK, h}, []bls.G2Affine{g2, dpk}); err != nil || !ok || k.IsInfinity() {
		return nil, errors.New("invalid encrypted key: verification failed")
	}
	b := k.Bytes()
	return b[:], nil
}
