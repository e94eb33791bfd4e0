package tkeys

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// Secp256k1Master is a secp256k1 master key (ECDSA or BIP-340).
type Secp256k1Master struct {
	sk  secp256k1.ModNScalar
	pub *secp256k1.PublicKey
}

// NewSecp256k1Master derives the master key of (alg, name) from seed.
func NewSecp256k1Master(seed string, alg Algorithm, name string) *Secp256k1Master {
	var m Secp256k1Master
	b := masterScalar(seed, alg, name, secp256k1.Params().N).FillBytes(make([]byte, 32))
	m.sk.SetByteSlice(b)
	m.pub = secp256k1.NewPrivateKey(&m.sk).PubKey()
	return &m
}

// PublicKey is the master public key, SEC1 compressed.
func (m *Secp256k1Master) PublicKey() []byte { return m.pub.SerializeCompressed() }

// Derive returns the private key, the SEC1 compressed public key and the
// chain code of path (the canister id first, then the caller's
// derivation_path).
func (m *Secp256k1Master) Derive(path [][]byte) (*secp256k1.PrivateKey, []byte, ChainCode) {
	pub, chain, offset := DeriveSecp256k1(m.pub, ChainCode{}, path)
	var sk secp256k1.ModNScalar
	sk.Add2(&m.sk, &offset)
	return secp256k1.NewPrivateKey(&sk), pub.SerializeCompressed(), chain
}

// DeriveSecp256k1 applies path to the extended public key (pub, chain) with
// the generalization of BIP32 of ia.cr/2021/1330, Appendix D (IC interface
// specification, section "IC method ecdsa_public_key"): each element i
// gives HMAC-SHA512(chain, ser(P) || i) = fb || c', P' = P + fb·G (the
// input is replaced by 0x01 || c' and the step repeated while fb ≥ n or P'
// is the point at infinity). It returns the derived key, its chain code and
// the sum of the offsets, which added to the parent's secret key gives the
// derived secret key.
func DeriveSecp256k1(pub *secp256k1.PublicKey, chain ChainCode, path [][]byte) (*secp256k1.PublicKey, ChainCode, secp256k1.ModNScalar) {
	var pt secp256k1.JacobianPoint
	pub.AsJacobian(&pt)
	var sum secp256k1.ModNScalar
	for _, idx := range path {
		var off secp256k1.ModNScalar
		pt, chain, off = ckdPub(idx, &pt, chain)
		sum.Add(&off)
	}
	pt.ToAffine()
	return secp256k1.NewPublicKey(&pt.X, &pt.Y), chain, sum
}

func ckdPub(idx []byte, pt *secp256k1.JacobianPoint, chain ChainCode) (secp256k1.JacobianPoint, ChainCode, secp256k1.ModNScalar) {
	p := *pt
	p.ToAffine()
	input := secp256k1.NewPublicKey(&p.X, &p.Y).SerializeCompressed()
	for {
		next, off := ckd(idx, input, chain)
		var offG, res secp256k1.JacobianPoint
		secp256k1.ScalarBaseMultNonConst(&off, &offG)
		secp256k1.AddNonConst(&p, &offG, &res)
		if !isInfinity(&res) {
			res.ToAffine()
			return res, next, off
		}
		input = append([]byte{1}, next[:]...)
	}
}

func ckd(idx, input []byte, chain ChainCode) (ChainCode, secp256k1.ModNScalar) {
	for {
		mac := hmac.New(sha512.New, chain[:])
		mac.Write(input)
		mac.Write(idx)
		out := mac.Sum(nil)
		var next ChainCode
		copy(next[:], out[32:])
		var off secp256k1.ModNScalar
		if overflow := off.SetByteSlice(out[:32]); !overflow {
			return next, off
		}
		input = append([]byte{1}, next[:]...)
	}
}

func isInfinity(p *secp256k1.JacobianPoint) bool {
	return p.Z.IsZero() || (p.X.IsZero() && p.Y.IsZero())
}

// SignECDSA signs a 32-byte message hash: r || s, 32 bytes each, with a low
// s (RFC 6979 nonces).
func SignECDSA(key *secp256k1.PrivateKey, hash []byte) ([]byte, error) {
	if len(hash) != 32 {
		return nil, fmt.Errorf("message hash of %d bytes; it must be 32", len(hash))
	}
	return ecdsa.SignCompact(key, hash, true)[1:], nil
}

// taggedHash is BIP-340's hash_tag(x) = SHA256(SHA256(tag) || SHA256(tag)
// || x).
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

// evenKey returns key (negated if its point has an odd y) and its x-only
// public key.
func evenKey(key *secp256k1.ModNScalar) (secp256k1.ModNScalar, []byte) {
	d := *key
	var p secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(&d, &p)
	p.ToAffine()
	if p.Y.IsOdd() {
		d.Negate()
	}
	x := p.X.Bytes()
	return d, x[:]
}

// TaprootTweak is BIP-341's taproot_tweak_seckey: the secret key of the
// output key for the internal key and merkleRoot (empty or 32 bytes).
func TaprootTweak(key *secp256k1.PrivateKey, merkleRoot []byte) (*secp256k1.PrivateKey, error) {
	if len(merkleRoot) != 0 && len(merkleRoot) != 32 {
		return nil, fmt.Errorf("taproot merkle_root_hash of %d bytes; it must be 0 or 32", len(merkleRoot))
	}
	d, px := evenKey(&key.Key)
	var t secp256k1.ModNScalar
	if overflow := t.SetByteSlice(taggedHash("TapTweak", px, merkleRoot)); overflow {
		return nil, errors.New("taproot tweak is not below the group order")
	}
	d.Add(&t)
	if d.IsZero() {
		return nil, errors.New("taproot tweak gives the zero key")
	}
	return secp256k1.NewPrivateKey(&d), nil
}

// SignBIP340 signs msg (of any length) as BIP-340's default signing
// algorithm does, with auxiliary randomness aux.
func SignBIP340(key *secp256k1.PrivateKey, msg []byte, aux [32]byte) ([]byte, error) {
	if key.Key.IsZero() {
		return nil, errors.New("zero secret key")
	}
	d, px := evenKey(&key.Key)
	db := d.Bytes()
	mask := taggedHash("BIP0340/aux", aux[:])
	t := make([]byte, 32)
	for i := range t {
		t[i] = db[i] ^ mask[i]
	}
	var k secp256k1.ModNScalar
	k.SetByteSlice(taggedHash("BIP0340/nonce", t, px, msg))
	if k.IsZero() {
		return nil, errors.New("zero nonce")
	}
	var r secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(&k, &r)
	r.ToAffine()
	if r.Y.IsOdd() {
		k.Negate()
	}
	rx := r.X.Bytes()
	var e secp256k1.ModNScalar
	e.SetByteSlice(taggedHash("BIP0340/challenge", rx[:], px, msg))
	s := new(secp256k1.ModNScalar).Mul2(&e, &d).Add(&k)
	sb := s.Bytes()
	return append(rx[:], sb[:]...), nil
}
