package candid

import (
	"errors"

	"github.com/icgo/icgo/internal/candidwire"
)

// NatU64 is a Candid nat held in a uint64: it encodes as nat (unsigned
// LEB128, opcode -3), not as nat64, so it fits interfaces such as the
// management canister's whose cycles, sizes and allocations are nat, without
// linking math/big as Nat does.
//
// Decoding accepts only a wire nat (nat64 and the other fixed-width types are
// different Candid types). A value above 2^64-1 fails to decode with an
// error saying so; inside an opt it decodes as none, as the Candid rules for
// opt require. Use Nat where values may be that large.
type NatU64 uint64

// errNatU64Range is returned when a wire nat does not fit in 64 bits.
var errNatU64Range = errors.New("nat value does not fit in 64 bits (candid.NatU64); decode it into candid.Nat")

// CandidOpcode implements Marshaler: a NatU64 is a nat.
func (NatU64) CandidOpcode() Opcode { return OpNat }

// MarshalCandid implements Marshaler.
func (n NatU64) MarshalCandid(dst []byte) ([]byte, error) {
	return AppendLEB128(dst, uint64(n)), nil
}

// UnmarshalCandid implements Unmarshaler. Only a wire nat decodes.
func (n *NatU64) UnmarshalCandid(wire Opcode, value []byte) error {
	if wire != OpNat {
		return errors.New("expected nat, got " + wire.String())
	}
	x, _, err := ReadLEB128(value)
	if err == candidwire.ErrOverflow {
		return errNatU64Range
	}
	if err != nil {
		return err
	}
	*n = NatU64(x)
	return nil
}

// Uint64 returns n as a uint64.
func (n NatU64) Uint64() uint64 { return uint64(n) }

// String returns n in decimal.
func (n NatU64) String() string { return utoa(uint64(n)) }
