package management

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// Threshold signature schemes, as the ic0.cost_sign_with_* functions number
// them (spec "Overview of imports").
const (
	curveSecp256k1      = 0 // cost_sign_with_ecdsa
	algoBip340Secp256k1 = 0 // cost_sign_with_schnorr
	algoEd25519         = 1
	curveBls12381G2     = 0 // cost_vetkd_derive_key
)

var errHost = errors.New("the management canister can only be called from inside a canister (build with icgo build)")

// u128 converts a 16-byte little-endian cycles amount (ic0 cost_* output)
// into a uint64.
func u128(b *[16]byte) (uint64, error) {
	if binary.LittleEndian.Uint64(b[8:]) != 0 {
		return 0, errors.New("the fee does not fit in 64 bits")
	}
	return binary.LittleEndian.Uint64(b[:8]), nil
}

// thresholdCostError turns the result code of ic0.cost_sign_with_ecdsa,
// cost_sign_with_schnorr or cost_vetkd_derive_key into an error.
func thresholdCostError(fn string, code int32, keyName string) error {
	switch code {
	case 0:
		return nil
	case 1:
		return errors.New("ic0." + fn + ": unknown curve or algorithm")
	case 2:
		return errors.New("ic0." + fn + ": unknown key name " + strconv.Quote(keyName))
	}
	return errors.New("ic0." + fn + ": error code " + strconv.Itoa(int(code)))
}
