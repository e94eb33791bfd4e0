package tkeys

import (
	"crypto/hkdf"
	"crypto/sha512"
	"errors"
	"math/big"
	"slices"

	"filippo.io/edwards25519"
)

// ed25519Order is L, the order of Ed25519's prime-order subgroup.
var ed25519Order, _ = new(big.Int).SetString("7237005577332262213973186563042994763628975240106521599398686416224271462373", 10)

// Ed25519Master is an Ed25519 master key: a scalar (the IC's keys are not
// clamped seeds, so derived keys are scalars too).
type Ed25519Master struct {
	sk  *edwards25519.Scalar
	pub *edwards25519.Point
}

// NewEd25519Master derives the master key of name from seed.
func NewEd25519Master(seed, name string) *Ed25519Master {
	s := masterScalar(seed, Ed25519, name, ed25519Order)
	sk := scalarFromBig(s)
	return &Ed25519Master{sk: sk, pub: new(edwards25519.Point).ScalarBaseMult(sk)}
}

func scalarFromBig(s *big.Int) *edwards25519.Scalar {
	b := s.FillBytes(make([]byte, 32))
	slices.Reverse(b)
	sc, err := new(edwards25519.Scalar).SetCanonicalBytes(b)
	if err != nil {
		panic("tkeys: scalar above the Ed25519 order")
	}
	return sc
}

// PublicKey is the master public key (RFC 8032 encoding).
func (m *Ed25519Master) PublicKey() []byte { return m.pub.Bytes() }

// Ed25519Key is a derived Ed25519 key.
type Ed25519Key struct {
	sk  *edwards25519.Scalar
	pub []byte
}

// PublicKey is the key's RFC 8032 encoding.
func (k *Ed25519Key) PublicKey() []byte { return k.pub }

// Derive returns the key and chain code of path.
func (m *Ed25519Master) Derive(path [][]byte) (*Ed25519Key, ChainCode, error) {
	pub, chain, off, err := DeriveEd25519(m.pub, ChainCode{}, path)
	if err != nil {
		return nil, chain, err
	}
	sk := new(edwards25519.Scalar).Add(m.sk, off)
	return &Ed25519Key{sk: sk, pub: pub.Bytes()}, chain, nil
}

// DeriveEd25519 applies path to the extended public key (pub, chain) as the
// IC interface specification's section "Ed25519 hierarchical key
// derivation" says: OKM = HKDF-SHA512(salt = chain, IKM = ser(K) || i,
// info = "Ed25519", 96 bytes), K' = K + point(parse512(OKM[:64]) mod L),
// chain' = OKM[64:]. It also returns the sum of the offsets.
func DeriveEd25519(pub *edwards25519.Point, chain ChainCode, path [][]byte) (*edwards25519.Point, ChainCode, *edwards25519.Scalar, error) {
	pt := new(edwards25519.Point).Set(pub)
	sum := edwards25519.NewScalar()
	for _, idx := range path {
		okm, err := hkdf.Key(sha512.New, append(pt.Bytes(), idx...), chain[:], "Ed25519", 96)
		if err != nil {
			return nil, chain, nil, err
		}
		wide := slices.Clone(okm[:64])
		slices.Reverse(wide) // parse512 is big-endian; SetUniformBytes reads little-endian
		off, err := new(edwards25519.Scalar).SetUniformBytes(wide)
		if err != nil {
			return nil, chain, nil, err
		}
		pt.Add(pt, new(edwards25519.Point).ScalarBaseMult(off))
		sum.Add(sum, off)
		copy(chain[:], okm[64:])
	}
	return pt, chain, sum, nil
}

// ParseEd25519 decodes an RFC 8032 public key.
func ParseEd25519(b []byte) (*edwards25519.Point, error) {
	p, err := new(edwards25519.Point).SetBytes(b)
	if err != nil {
		return nil, ErrBadKey
	}
	return p, nil
}

// Sign signs msg as RFC 8032, 5.1.6 does, with the key's scalar and a
// nonce r = SHA-512(nonce || SHA-512(s) || M) mod L, where nonce makes the
// signatures non-deterministic as the IC's are.
func (k *Ed25519Key) Sign(msg []byte, nonce [32]byte) ([]byte, error) {
	if k.sk.Equal(edwards25519.NewScalar()) == 1 {
		return nil, errors.New("zero secret key")
	}
	prefix := sha512.Sum512(k.sk.Bytes())
	h := sha512.New()
	h.Write(nonce[:])
	h.Write(prefix[:])
	h.Write(msg)
	r, err := new(edwards25519.Scalar).SetUniformBytes(h.Sum(nil))
	if err != nil {
		return nil, err
	}
	R := new(edwards25519.Point).ScalarBaseMult(r).Bytes()
	h.Reset()
	h.Write(R)
	h.Write(k.pub)
	h.Write(msg)
	c, err := new(edwards25519.Scalar).SetUniformBytes(h.Sum(nil))
	if err != nil {
		return nil, err
	}
	s := new(edwards25519.Scalar).MultiplyAdd(c, k.sk, r)
	return append(R, s.Bytes()...), nil
}
