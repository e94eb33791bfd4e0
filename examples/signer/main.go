// Command signer is an Ethereum signer canister on threshold ECDSA: every
// caller has its own secp256k1 key (derivation path: the caller's
// principal), whose private key exists nowhere; the canister tells the
// caller its Ethereum address and signs 32-byte message hashes with it.
//
//	icgo run ./examples/signer
//	> address
//	> sign (blob "\00\01...32 bytes...")
//
// The key is dfx_test_key, the local test key; on the IC use key_1 (or
// test_key_1) and attach the fee that ic0.cost_sign_with_ecdsa reports
// (management.SignWithEcdsa does with cycles 0).
package main

import (
	"encoding/hex"
	"errors"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/crypto/sha3"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/management"
)

const keyName = "dfx_test_key"

var keyID = management.Secp256k1Key(keyName)

// publicKey is the caller's SEC1 compressed public key.
func publicKey() ([]byte, error) {
	res, err := management.EcdsaPublicKey(management.EcdsaPublicKeyArgs{
		DerivationPath: [][]byte{cdk.Caller().Bytes()}, KeyID: keyID,
	})
	if err != nil {
		return nil, err
	}
	return res.PublicKey, nil
}

// ethAddress is the EIP-55 (checksummed) Ethereum address of a SEC1
// public key: the last 20 bytes of the Keccak-256 of the uncompressed key
// without its 0x04 prefix.
func ethAddress(sec1 []byte) (string, error) {
	pub, err := secp256k1.ParsePubKey(sec1)
	if err != nil {
		return "", err
	}
	h := sha3.NewLegacyKeccak256()
	h.Write(pub.SerializeUncompressed()[1:])
	return checksummed(hex.EncodeToString(h.Sum(nil)[12:])), nil
}

// checksummed writes a lower-case hex address with EIP-55's mixed-case
// checksum: a letter is upper case where the Keccak-256 of the lower-case
// address has a nibble of 8 or more.
func checksummed(addr string) string {
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte(addr))
	sum := h.Sum(nil)
	out := []byte(addr)
	for i, c := range out {
		nibble := sum[i/2] >> 4
		if i%2 == 1 {
			nibble = sum[i/2] & 0xf
		}
		if c >= 'a' && nibble >= 8 {
			out[i] = c - 'a' + 'A'
		}
	}
	return "0x" + string(out)
}

// recoveryID finds v (0 or 1) such that the signature r || s recovers pub:
// Ethereum transactions carry it.
func recoveryID(sig, hash, pub []byte) (byte, error) {
	for v := byte(0); v < 2; v++ {
		compact := append([]byte{27 + 4 + v}, sig...)
		got, _, err := ecdsa.RecoverCompact(compact, hash)
		if err == nil && string(got.SerializeCompressed()) == string(pub) {
			return v, nil
		}
	}
	return 0, errors.New("the signature does not recover the public key")
}

func init() {
	cdk.Update("public_key", publicKey)

	// address is the caller's Ethereum address.
	cdk.Update("address", func() (string, error) {
		pub, err := publicKey()
		if err != nil {
			return "", err
		}
		return ethAddress(pub)
	})

	// sign signs a 32-byte hash (say, a transaction's Keccak-256) with the
	// caller's key: r || s || v, 65 bytes, v the recovery id (0 or 1).
	cdk.Update("sign", func(hash []byte) ([]byte, error) {
		if len(hash) != 32 {
			return nil, errors.New("sign: the message hash must be 32 bytes")
		}
		pub, err := publicKey()
		if err != nil {
			return nil, err
		}
		sig, err := management.SignWithEcdsa(management.SignWithEcdsaArgs{
			MessageHash: hash, DerivationPath: [][]byte{cdk.Caller().Bytes()}, KeyID: keyID,
		}, 0)
		if err != nil {
			return nil, err
		}
		v, err := recoveryID(sig, hash, pub)
		if err != nil {
			return nil, err
		}
		return append(sig, v), nil
	})
}

func main() {}
