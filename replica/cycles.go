package replica

import (
	"encoding/binary"
	"math/bits"
)

// u128 is a 128-bit cycles amount (spec "Blob-typed arguments and results": passed as (high, low)
// i64s, written as 16 little-endian bytes).
type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

func (a u128) sub(b u128) u128 {
	lo, borrow := bits.Sub64(a.lo, b.lo, 0)
	hi, _ := bits.Sub64(a.hi, b.hi, borrow)
	return u128{hi, lo}
}

func minU128(a, b u128) u128 {
	if a.less(b) {
		return a
	}
	return b
}

func (a u128) bytes() []byte {
	b := binary.LittleEndian.AppendUint64(nil, a.lo)
	return binary.LittleEndian.AppendUint64(b, a.hi)
}

// Cycle prices of a 13-node application subnet (spec "Cycles"; DFINITY's replica's
// CyclesAccountManagerConfig::application_subnet; spec "IC method http_request" for
// outcalls). The replica prices everything as such a subnet.
const (
	subnetSize = 13

	xnetCallFee                = 260_000 // per inter-canister call
	xnetByteTransmissionFee    = 1_000   // per byte of request and response
	updateMessageExecutionFee  = 5_000_000
	instructionFeePerInstr     = 1 // ten_update_instructions_execution_fee = 10 per 10
	maxInstructionsPerMessage  = 40_000_000_000
	maxInterCanisterPayload    = 2 << 20 // MAX_INTER_CANISTER_PAYLOAD_IN_BYTES: 2 MiB
	canisterCreationFee        = 500_000_000_000
	thresholdSignatureFee      = 10_000_000_000 // ECDSA, Schnorr, vetKD
	httpRequestBaseFeePerNode  = 3_000_000
	httpRequestPerNodeFee      = 60_000
	httpRequestPerRequestByte  = 400
	httpRequestPerResponseByte = 800
)

// costCall is ic0.cost_call: the fee for sending a call plus the
// prepayments the IC reserves for executing and transmitting its largest
// possible response (DFINITY's replica: xnet_call_performed_fee +
// xnet_call_bytes_transmitted_fee, and the response prepayment of
// execution_cost(MAX_INSTRUCTIONS_PER_MESSAGE) and
// xnet_call_bytes_transmitted_fee(MAX_INTER_CANISTER_PAYLOAD_IN_BYTES);
// the breakdown is an inference from spec "Overview of imports" "base fee + bytes +
// reservations for the largest response/callback").
func costCall(methodNameSize, payloadSize uint64) u128 {
	c := newCost()
	c.add(xnetCallFee)
	c.mulAdd(xnetByteTransmissionFee, methodNameSize)
	c.mulAdd(xnetByteTransmissionFee, payloadSize)
	c.add(updateMessageExecutionFee)
	c.mulAdd(instructionFeePerInstr, maxInstructionsPerMessage)
	c.mulAdd(xnetByteTransmissionFee, maxInterCanisterPayload)
	return c.v
}

// costHTTPRequest is ic0.cost_http_request (spec "IC method http_request"):
// (3_000_000 + 60_000·n)·n + (400·request_bytes + 800·max_response_bytes)·n.
func costHTTPRequest(requestSize, maxResponseBytes uint64) u128 {
	c := newCost()
	c.add((httpRequestBaseFeePerNode + httpRequestPerNodeFee*subnetSize) * subnetSize)
	c.mulAdd(httpRequestPerRequestByte*subnetSize, requestSize)
	c.mulAdd(httpRequestPerResponseByte*subnetSize, maxResponseBytes)
	return c.v
}

type cost struct{ v u128 }

func newCost() *cost { return &cost{} }

func (c *cost) add(n uint64) {
	var carry uint64
	c.v.lo, carry = bits.Add64(c.v.lo, n, 0)
	c.v.hi += carry
}

func (c *cost) mulAdd(price, n uint64) {
	hi, lo := bits.Mul64(price, n)
	var carry uint64
	c.v.lo, carry = bits.Add64(c.v.lo, lo, 0)
	c.v.hi += hi + carry
}

// Threshold key names the replica knows (PocketIC's and dfx's test keys and
// mainnet's production key).
var thresholdKeyNames = map[string]bool{"key_1": true, "test_key_1": true, "dfx_test_key": true}
