package candid

import (
	"errors"
	"math/big"
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

// appendBigLEB appends the (s)leb128 encoding of x in time linear in its
// length.
func appendBigLEB(dst []byte, x *big.Int, signed bool) []byte {
	if x.IsInt64() && signed {
		return AppendSLEB128(dst, x.Int64())
	}
	if x.IsUint64() && !signed {
		return AppendLEB128(dst, x.Uint64())
	}
	// k groups of 7 bits: enough for the magnitude and, when signed, the
	// sign bit. A negative x is written as x + 2^(7k).
	bits := x.BitLen()
	if signed {
		if x.Sign() < 0 {
			bits = new(big.Int).Not(x).BitLen() // |x| - 1
		}
		bits++
	}
	k := (bits + 6) / 7
	u := x
	if x.Sign() < 0 {
		u = new(big.Int).Lsh(big.NewInt(1), uint(7*k))
		u.Add(u, x)
	}
	mag := u.Bytes() // big-endian
	var acc uint
	var nbits uint
	j := len(mag) - 1
	for g := 0; g < k; g++ {
		for nbits < 7 && j >= 0 {
			acc |= uint(mag[j]) << nbits
			nbits += 8
			j--
		}
		b := byte(acc & 0x7f)
		acc >>= 7
		if nbits >= 7 {
			nbits -= 7
		} else {
			nbits = 0
		}
		if g < k-1 {
			b |= 0x80
		}
		dst = append(dst, b)
	}
	return dst
}

// readBigLEB decodes a complete (s)leb128 number in time linear in its
// length: the 7-bit groups are packed into bytes for big.Int.SetBytes.
func readBigLEB(b []byte, signed bool) *big.Int {
	if len(b) <= 9 {
		if signed {
			x, _, _ := ReadSLEB128(b)
			return big.NewInt(x)
		}
		x, _, _ := ReadLEB128(b)
		return new(big.Int).SetUint64(x)
	}
	be := make([]byte, (7*len(b)+7)/8)
	j := len(be) - 1
	var acc uint
	var nbits uint
	for _, c := range b {
		acc |= uint(c&0x7f) << nbits
		nbits += 7
		if nbits >= 8 {
			be[j] = byte(acc)
			j--
			acc >>= 8
			nbits -= 8
		}
	}
	if nbits > 0 {
		be[j] = byte(acc)
	}
	x := new(big.Int).SetBytes(be)
	if signed && b[len(b)-1]&0x40 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(7*len(b))))
	}
	return x
}
