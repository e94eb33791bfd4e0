package serve

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"math/big"

	"github.com/aviate-labs/agent-go/certification"
	"github.com/aviate-labs/agent-go/certification/bls"
	"github.com/aviate-labs/agent-go/principal"
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// keys are the server's signing keys, as a one-node subnet has them (IC
// interface specification, section "Certification > Delegation"): the
// replica's root key signs a delegation to the subnet's BLS key, which
// signs every certificate; the node's Ed25519 key signs query responses
// (section "Query call > Query response signatures").
//
// They are derived from the root key, so a restarted server (same root
// key) has the same subnet and node keys: this is a development network,
// and its keys are not secret.
type keys struct {
	rootDER   []byte
	subnetID  []byte
	subnetSK  *bls.SecretKey
	subnetDER []byte // DER BLS key
	nodeSK    ed25519.PrivateKey
	nodeDER   []byte // DER Ed25519 key
	nodeID    []byte // self-authenticating principal of nodeDER
}

// derPrefixEd25519 is the DER SubjectPublicKeyInfo prefix of an Ed25519
// key (RFC 8410; IC interface specification, section "Signatures >
// Ed25519 and ECDSA signatures").
var derPrefixEd25519 = []byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}

func newKeys(rootDER, subnetID []byte) (*keys, error) {
	k := &keys{rootDER: rootDER, subnetID: subnetID}
	h := sha256.Sum256(append([]byte("icgo serve subnet key"), rootDER...))
	var e fr.Element
	e.SetBytes(h[:]) // reduced modulo the group order
	k.subnetSK = (*bls.SecretKey)(&e)
	// Not bls.SecretKey.PublicKey: in agent-go v0.6.1 it overwrites the
	// package's generator, corrupting every later call.
	_, _, _, g2 := bls12381.Generators()
	var pk bls12381.G2Affine
	pk.ScalarMultiplication(&g2, e.BigInt(new(big.Int)))
	pkb := pk.Bytes()
	der, err := certification.PublicBLSKeyToDER(pkb[:])
	if err != nil {
		return nil, fmt.Errorf("serve: subnet key: %w", err)
	}
	k.subnetDER = der
	seed := sha256.Sum256(append([]byte("icgo serve node key"), rootDER...))
	k.nodeSK = ed25519.NewKeyFromSeed(seed[:])
	k.nodeDER = append(append([]byte{}, derPrefixEd25519...), k.nodeSK.Public().(ed25519.PublicKey)...)
	k.nodeID = principal.NewSelfAuthenticating(k.nodeDER).Raw
	return k, nil
}

// signSubnet is a BLS12-381 min-sig signature by the subnet key
// (agent-go's bls.SecretKey.Sign: hash-to-curve with the IC's DST).
func (k *keys) signSubnet(msg []byte) ([]byte, error) {
	sig, err := k.subnetSK.Sign(msg)
	if err != nil {
		return nil, err
	}
	b := (*bls12381.G1Affine)(sig).Bytes()
	return b[:], nil
}

func ed25519Sign(sk ed25519.PrivateKey, msg []byte) []byte { return ed25519.Sign(sk, msg) }
