package tkeys

import (
	"encoding/binary"
	"fmt"
	"math/big"

	bls "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// Domain separators of the vetKD derivation (DFINITY's vetKeys libraries)
// and of the BLS signature scheme with message augmentation (BLS
// Signatures Draft RFC, named by the IC interface specification, section
// "IC method vetkd_derive_key").
const (
	vetkdCanisterDST = "ic-vetkd-bls12-381-g2-canister-id"
	vetkdContextDST  = "ic-vetkd-bls12-381-g2-context"
	blsAugDST        = "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_AUG_"
)

// Sizes of compressed BLS12-381 points.
const (
	G1Size = bls.SizeOfG1AffineCompressed
	G2Size = bls.SizeOfG2AffineCompressed
)

// VetKDMaster is a vetKD master key: msk and mpk = g2^msk.
type VetKDMaster struct {
	sk  fr.Element
	pub bls.G2Affine
}

// NewVetKDMaster derives the master key of name from seed.
func NewVetKDMaster(seed, name string) *VetKDMaster {
	var m VetKDMaster
	s := masterScalar(seed, VetKDBLS12381G2, name, fr.Modulus())
	m.sk.SetBigInt(s)
	m.pub.ScalarMultiplicationBase(s)
	return &m
}

// PublicKey is the master public key, compressed.
func (m *VetKDMaster) PublicKey() []byte { b := m.pub.Bytes(); return b[:] }

// hashToScalar is hash_to_field for the scalar field with
// expand_message_xmd(SHA-256) over u64be(len(a)) || a || u64be(len(b)) ||
// b.
func hashToScalar(a, b []byte, dst string) fr.Element {
	in := binary.BigEndian.AppendUint64(nil, uint64(len(a)))
	in = append(in, a...)
	in = binary.BigEndian.AppendUint64(in, uint64(len(b)))
	in = append(in, b...)
	es, err := fr.Hash(in, []byte(dst), 1)
	if err != nil {
		panic("tkeys: hash to scalar: " + err.Error())
	}
	return es[0]
}

// DeriveVetKD derives the public key of a canister and a context from a
// master public key: the canister key is mpk + g2^H(mpk, canister), and a
// non-empty context adds g2^H(canister key, context). It also returns the
// sum of the offsets.
func DeriveVetKD(mpk *bls.G2Affine, canister, context []byte) (bls.G2Affine, fr.Element) {
	var sum fr.Element
	key := *mpk
	step := func(data []byte, dst string) {
		b := key.Bytes()
		off := hashToScalar(b[:], data, dst)
		var offG bls.G2Affine
		offG.ScalarMultiplicationBase(off.BigInt(new(big.Int)))
		key.Add(&key, &offG)
		sum.Add(&sum, &off)
	}
	step(canister, vetkdCanisterDST)
	if len(context) > 0 {
		step(context, vetkdContextDST)
	}
	return key, sum
}

// PublicKeyFor is the derived public key of canister and context,
// compressed.
func (m *VetKDMaster) PublicKeyFor(canister, context []byte) []byte {
	k, _ := DeriveVetKD(&m.pub, canister, context)
	b := k.Bytes()
	return b[:]
}

// AugmentedHash is H(dpk · input): hash to G1 with the augmentation
// ciphersuite's DST.
func AugmentedHash(dpk *bls.G2Affine, input []byte) (bls.G1Affine, error) {
	b := dpk.Bytes()
	return bls.HashToG1(append(b[:], input...), []byte(blsAugDST))
}

// ParseG1 decodes a compressed G1 point of the prime-order subgroup.
func ParseG1(b []byte) (bls.G1Affine, error) {
	var p bls.G1Affine
	if len(b) != G1Size {
		return p, fmt.Errorf("%w: a G1 point is %d bytes, not %d", ErrBadKey, G1Size, len(b))
	}
	if _, err := p.SetBytes(b); err != nil {
		return p, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return p, nil
}

// ParseG2 decodes a compressed G2 point of the prime-order subgroup.
func ParseG2(b []byte) (bls.G2Affine, error) {
	var p bls.G2Affine
	if len(b) != G2Size {
		return p, fmt.Errorf("%w: a G2 point is %d bytes, not %d", ErrBadKey, G2Size, len(b))
	}
	if _, err := p.SetBytes(b); err != nil {
		return p, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return p, nil
}

// DeriveEncryptedKey is vetkd_derive_key: the vetKey H(dpk · input)^dsk
// encrypted under the transport public key tpk with randomness r (a
// nonzero scalar below the group order): E1 = g1^r, E2 = g2^r, E3 =
// tpk^r · vetKey, each compressed (IC interface specification, section
// "IC method vetkd_derive_key").
func (m *VetKDMaster) DeriveEncryptedKey(canister, context, input, tpkBytes []byte, r *big.Int) ([]byte, error) {
	tpk, err := ParseG1(tpkBytes)
	if err != nil {
		return nil, fmt.Errorf("transport_public_key: %w", err)
	}
	dpk, off := DeriveVetKD(&m.pub, canister, context)
	var dsk fr.Element
	dsk.Add(&m.sk, &off)
	h, err := AugmentedHash(&dpk, input)
	if err != nil {
		return nil, err
	}
	var e1, e3, key bls.G1Affine
	var e2 bls.G2Affine
	e1.ScalarMultiplicationBase(r)
	e2.ScalarMultiplicationBase(r)
	key.ScalarMultiplication(&h, dsk.BigInt(new(big.Int)))
	e3.ScalarMultiplication(&tpk, r)
	e3.Add(&e3, &key)
	b1, b2, b3 := e1.Bytes(), e2.Bytes(), e3.Bytes()
	out := append(b1[:], b2[:]...)
	return append(out, b3[:]...), nil
}

// RandomScalar reduces 64 bytes to a nonzero scalar (1 if they reduce to
// zero).
func RandomScalar(wide [64]byte) *big.Int {
	s := new(big.Int).SetBytes(wide[:])
	s.Mod(s, fr.Modulus())
	if s.Sign() == 0 {
		s.SetInt64(1)
	}
	return s
}
