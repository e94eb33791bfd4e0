// Package bigleb converts between LEB128 numbers of any length and
// math/big integers in time linear in their length. It is apart from
// candidwire so that canisters that use no big numbers do not link
// math/big.
package bigleb

import (
	"math/big"

	"github.com/icgo/icgo/internal/candidwire"
)

// Append appends the LEB128 (signed: SLEB128) encoding of x to dst. x must
// not be negative unless signed.
func Append(dst []byte, x *big.Int, signed bool) []byte {
	if signed && x.IsInt64() {
		return candidwire.AppendSLEB(dst, x.Int64())
	}
	if !signed && x.IsUint64() {
		return candidwire.AppendULEB(dst, x.Uint64())
	}
	// k groups of 7 bits hold the magnitude and, when signed, the sign bit.
	// A negative x is written as x + 2^(7k).
	bits := x.BitLen()
	if signed {
		if x.Sign() < 0 {
			bits = new(big.Int).Not(x).BitLen() // of |x| - 1
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
	var acc, nbits uint
	j := len(mag) - 1
	for g := 0; g < k; g++ {
		for nbits < 7 && j >= 0 {
			acc |= uint(mag[j]) << nbits
			nbits += 8
			j--
		}
		b := byte(acc & 0x7f)
		acc >>= 7
		nbits -= min(nbits, 7)
		if g < k-1 {
			b |= 0x80
		}
		dst = append(dst, b)
	}
	return dst
}

// Read decodes b, which holds exactly one complete LEB128 (signed:
// SLEB128) number.
func Read(b []byte, signed bool) *big.Int {
	if len(b) <= 9 {
		if signed {
			x, _, _ := candidwire.ReadSLEB(b)
			return big.NewInt(x)
		}
		x, _, _ := candidwire.ReadULEB(b)
		return new(big.Int).SetUint64(x)
	}
	// Pack the 7-bit groups into big-endian bytes for SetBytes.
	be := make([]byte, (7*len(b)+7)/8)
	j := len(be) - 1
	var acc, nbits uint
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
