package candid

import (
	"errors"
	"math/big"

	"github.com/icgo/icgo/internal/candidwire/bigleb"
)

// Nat is an arbitrary-precision Candid nat. It is the only part of this
// package that uses math/big, which is linked only if Nat or Int is used.
// The zero value is 0.
type Nat struct {
	v *big.Int
}

// NewNat returns x as a Nat. x must not be negative.
func NewNat(x *big.Int) Nat { return Nat{v: new(big.Int).Set(x)} }

// NatFromUint64 returns x as a Nat.
func NatFromUint64(x uint64) Nat { return Nat{v: new(big.Int).SetUint64(x)} }

// BigInt returns a copy of n's value.
func (n Nat) BigInt() *big.Int {
	if n.v == nil {
		return new(big.Int)
	}
	return new(big.Int).Set(n.v)
}

// String returns n in decimal.
func (n Nat) String() string { return n.BigInt().String() }

// CandidOpcode implements Marshaler.
func (Nat) CandidOpcode() Opcode { return OpNat }

// MarshalCandid implements Marshaler.
func (n Nat) MarshalCandid(dst []byte) ([]byte, error) {
	if n.v == nil {
		return append(dst, 0), nil
	}
	if n.v.Sign() < 0 {
		return nil, errors.New("negative value " + n.v.String() + " for nat")
	}
	return appendBigLEB(dst, n.v, false), nil
}

// UnmarshalCandid implements Unmarshaler.
func (n *Nat) UnmarshalCandid(wire Opcode, value []byte) error {
	if wire != OpNat {
		return errors.New("expected nat, got " + wire.String())
	}
	n.v = readBigLEB(value, false)
	return nil
}

// Int is an arbitrary-precision Candid int. The zero value is 0.
type Int struct {
	v *big.Int
}

// NewInt returns x as an Int.
func NewInt(x *big.Int) Int { return Int{v: new(big.Int).Set(x)} }

// IntFromInt64 returns x as an Int.
func IntFromInt64(x int64) Int { return Int{v: big.NewInt(x)} }

// BigInt returns a copy of i's value.
func (i Int) BigInt() *big.Int {
	if i.v == nil {
		return new(big.Int)
	}
	return new(big.Int).Set(i.v)
}

// String returns i in decimal.
func (i Int) String() string { return i.BigInt().String() }

// CandidOpcode implements Marshaler.
func (Int) CandidOpcode() Opcode { return OpInt }

// MarshalCandid implements Marshaler.
func (i Int) MarshalCandid(dst []byte) ([]byte, error) {
	if i.v == nil {
		return append(dst, 0), nil
	}
	return appendBigLEB(dst, i.v, true), nil
}

// UnmarshalCandid implements Unmarshaler. Both int and nat values decode
// (nat <: int).
func (i *Int) UnmarshalCandid(wire Opcode, value []byte) error {
	switch wire {
	case OpInt:
		i.v = readBigLEB(value, true)
	case OpNat:
		i.v = readBigLEB(value, false)
	default:
		return errors.New("expected int, got " + wire.String())
	}
	return nil
}

func appendBigLEB(dst []byte, x *big.Int, signed bool) []byte { return bigleb.Append(dst, x, signed) }

func readBigLEB(b []byte, signed bool) *big.Int { return bigleb.Read(b, signed) }
