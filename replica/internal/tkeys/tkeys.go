// Package tkeys holds the key derivation and signing of the replica's
// threshold keys: ECDSA and BIP-340 Schnorr over secp256k1, Ed25519, and
// vetKD over BLS12-381, with the derivations of the IC interface
// specification (sections "IC method ecdsa_public_key", "IC method
// schnorr_public_key" with "Ed25519 hierarchical key derivation", and "IC
// method vetkd_public_key").
//
// On the IC a master key exists only as secret shares held by the nodes of
// a subnet. The replica is a test network, so it holds each master secret
// key whole: NewMasterKeys derives them from a seed string, per algorithm
// and key name, with HMAC-SHA512 (see masterScalar). The keys are public
// knowledge and must never protect anything of value.
package tkeys

import (
	"crypto/hmac"
	"crypto/sha512"
	"errors"
	"math/big"
)

// MaxPathLen is the largest number of derivation_path elements (IC
// interface specification, section "IC method ecdsa_public_key").
const MaxPathLen = 255

// DefaultSeed is the seed of the replica's master keys.
const DefaultSeed = "icgo replica threshold test keys v1"

// Algorithm names a master key's algorithm.
type Algorithm string

// The algorithms of the IC's threshold keys.
const (
	ECDSASecp256k1  Algorithm = "ecdsa:secp256k1"
	BIP340Secp256k1 Algorithm = "schnorr:bip340secp256k1"
	Ed25519         Algorithm = "schnorr:ed25519"
	VetKDBLS12381G2 Algorithm = "vetkd:bls12_381_g2"
)

// ChainCode is a 32-byte chain code; master keys have the zero chain code,
// as on the IC.
type ChainCode [32]byte

// masterScalar is the master secret key of (alg, name) as an integer below
// order: HMAC-SHA512(seed, alg || 0x00 || name || 0x00 || counter) read big
// endian and reduced modulo order, with the counter incremented in the
// (practically impossible) case of zero.
func masterScalar(seed string, alg Algorithm, name string, order *big.Int) *big.Int {
	for ctr := byte(0); ; ctr++ {
		mac := hmac.New(sha512.New, []byte(seed))
		mac.Write([]byte(alg))
		mac.Write([]byte{0})
		mac.Write([]byte(name))
		mac.Write([]byte{0, ctr})
		s := new(big.Int).SetBytes(mac.Sum(nil))
		s.Mod(s, order)
		if s.Sign() != 0 {
			return s
		}
	}
}

// ErrBadKey reports a public key or transport key that does not decode.
var ErrBadKey = errors.New("tkeys: invalid key encoding")
