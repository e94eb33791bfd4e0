package replica

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"

	bls "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// defaultSubnetID is the id of the replica's one subnet: a
// self-authenticating principal (SHA-224 of a fixed string, then 0x02), as
// real subnet ids are (SHA-224 of the subnet's public key, then 0x02).
func defaultSubnetID() []byte {
	h := sha256.Sum224([]byte("icgo embedded replica subnet"))
	return append(h[:], 0x02)
}

// derPrefixBLS is the DER prefix of an IC BLS12-381 G2 public key
// (IC interface spec, "Certification": the root key is DER-encoded;
// algorithm OID 1.3.6.1.4.1.44668.5.3.1.2.1, curve OID 1.3.6.1.4.1.44668.5.3.2.1).
var derPrefixBLS = []byte{
	0x30, 0x81, 0x82, 0x30, 0x1d, 0x06, 0x0d, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xdc, 0x7c, 0x05,
	0x03, 0x01, 0x02, 0x01, 0x06, 0x0c, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xdc, 0x7c, 0x05, 0x03,
	0x02, 0x01, 0x03, 0x61, 0x00,
}

// rootKeyDER returns this replica's root public key (ic0.root_key_*): a
// real BLS12-381 G2 point, compressed, with the DER prefix. Its secret key
// is derived from the seed; certification (when it lands) signs with it.
func rootKeyDER(seed uint64) []byte {
	sk := rootSecretKey(seed)
	_, _, _, g2 := bls.Generators()
	var pk bls.G2Affine
	pk.ScalarMultiplication(&g2, sk)
	b := pk.Bytes()
	return append(append([]byte{}, derPrefixBLS...), b[:]...)
}

func rootSecretKey(seed uint64) *big.Int {
	h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("icgo replica root key"), seed))
	return new(big.Int).SetBytes(h[:])
}
