// Package candidwire holds the parts of the Candid binary format (Candid
// spec, "Binary Format") that package candid, linked into canisters, and
// internal/candidtext, used by the icgo tools, share: LEB128 numbers and
// the decoding of a message's header (magic number, type table and
// argument types). It must stay small: it is guest code.
package candidwire

import "errors"

// Errors of ReadULEB and ReadSLEB.
var (
	ErrTruncated = errors.New("truncated leb128")
	ErrOverflow  = errors.New("leb128 value overflows 64 bits")
)

// AppendULEB appends the unsigned LEB128 encoding of x to dst.
func AppendULEB(dst []byte, x uint64) []byte {
	for x >= 0x80 {
		dst = append(dst, byte(x)|0x80)
		x >>= 7
	}
	return append(dst, byte(x))
}

// AppendSLEB appends the signed LEB128 encoding of x to dst.
func AppendSLEB(dst []byte, x int64) []byte {
	for {
		b := byte(x & 0x7f)
		x >>= 7
		if (x == 0 && b&0x40 == 0) || (x == -1 && b&0x40 != 0) {
			return append(dst, b)
		}
		dst = append(dst, b|0x80)
	}
}

// Len returns the length of the LEB128 number at the start of b, or 0 if
// b holds no complete number.
func Len(b []byte) int {
	for i, c := range b {
		if c < 0x80 {
			return i + 1
		}
	}
	return 0
}

// ReadULEB decodes an unsigned LEB128 number from the start of b and
// returns it with the number of bytes read. Over-long encodings are
// accepted as long as the value fits in 64 bits. On ErrOverflow the count
// is the length of the number; on ErrTruncated it is 0.
func ReadULEB(b []byte) (uint64, int, error) {
	n := Len(b)
	if n == 0 {
		return 0, 0, ErrTruncated
	}
	var x uint64
	for i := 0; i < n; i++ {
		p := uint64(b[i] & 0x7f)
		switch {
		case i < 9:
			x |= p << (7 * i)
		case i == 9:
			if p > 1 {
				return 0, n, ErrOverflow
			}
			x |= p << 63
		default:
			if p != 0 {
				return 0, n, ErrOverflow
			}
		}
	}
	return x, n, nil
}

// ReadSLEB decodes a signed LEB128 number from the start of b and returns
// it with the number of bytes read, like ReadULEB.
func ReadSLEB(b []byte) (int64, int, error) {
	n := Len(b)
	if n == 0 {
		return 0, 0, ErrTruncated
	}
	var x uint64
	for i := 0; i < n && i < 9; i++ {
		x |= uint64(b[i]&0x7f) << (7 * i)
	}
	if n <= 9 {
		shift := 7 * n
		if b[n-1]&0x40 != 0 && shift < 64 {
			x |= ^uint64(0) << shift
		}
		return int64(x), n, nil
	}
	// Bits 63 and above must all equal the sign.
	sign := b[9] & 0x7f
	if sign != 0 && sign != 0x7f {
		return 0, n, ErrOverflow
	}
	for i := 10; i < n; i++ {
		if b[i]&0x7f != sign {
			return 0, n, ErrOverflow
		}
	}
	if sign != 0 {
		x |= 1 << 63
	}
	return int64(x), n, nil
}
