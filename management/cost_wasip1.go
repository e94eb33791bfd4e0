//go:build wasip1

package management

import (
	"unsafe"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/cdk/ic0"
)

// The cost functions for threshold signatures are not in package ic0 yet.

//go:wasmimport ic0 cost_sign_with_ecdsa
//go:noescape
func costSignWithEcdsa(src unsafe.Pointer, size uint32, curve int32, dst unsafe.Pointer) int32

//go:wasmimport ic0 cost_sign_with_schnorr
//go:noescape
func costSignWithSchnorr(src unsafe.Pointer, size uint32, algorithm int32, dst unsafe.Pointer) int32

//go:wasmimport ic0 cost_vetkd_derive_key
//go:noescape
func costVetkdDeriveKey(src unsafe.Pointer, size uint32, curve int32, dst unsafe.Pointer) int32

// costHTTPRequest is ic0.cost_http_request.
func costHTTPRequest(requestSize, maxResponseBytes uint64) (uint64, error) {
	var b [16]byte
	ic0.CostHttpRequest(int64(requestSize), int64(maxResponseBytes), unsafe.Pointer(&b))
	return u128(&b)
}

// costCreateCanister is ic0.cost_create_canister.
func costCreateCanister() (uint64, error) {
	var b [16]byte
	ic0.CostCreateCanister(unsafe.Pointer(&b))
	return u128(&b)
}

// costThreshold is ic0.cost_sign_with_ecdsa, cost_sign_with_schnorr or
// cost_vetkd_derive_key for a key name and curve or algorithm.
func costThreshold(fn string, keyName string, alg int32) (uint64, error) {
	var b [16]byte
	name := unsafe.Pointer(unsafe.StringData(keyName))
	var code int32
	switch fn {
	case "cost_sign_with_ecdsa":
		code = costSignWithEcdsa(name, uint32(len(keyName)), alg, unsafe.Pointer(&b))
	case "cost_sign_with_schnorr":
		code = costSignWithSchnorr(name, uint32(len(keyName)), alg, unsafe.Pointer(&b))
	default:
		code = costVetkdDeriveKey(name, uint32(len(keyName)), alg, unsafe.Pointer(&b))
	}
	if err := thresholdCostError(fn, code, keyName); err != nil {
		return 0, err
	}
	return u128(&b)
}

// canisterVersion is the sender_canister_version this package fills in.
func canisterVersion() uint64 { return cdk.CanisterVersion() }
