package candid

import (
	"errors"
	"strconv"
)

var (
	errLEBTruncated = errors.New("truncated leb128")
	errLEBOverflow  = errors.New("leb128 value overflows 64 bits")
)

// AppendLEB128 appends the unsigned LEB128 encoding of x to dst.
func AppendLEB128(dst []byte, x uint64) []byte {
	for x >= 0x80 {
		dst = append(dst, byte(x)|0x80)
		x >>= 7
	}
	return append(dst, byte(x))
}

// AppendSLEB128 appends the signed LEB128 encoding of x to dst.
func AppendSLEB128(dst []byte, x int64) []byte {
	for {
		b := byte(x & 0x7f)
		x >>= 7
		if (x == 0 && b&0x40 == 0) || (x == -1 && b&0x40 != 0) {
			return append(dst, b)
		}
		dst = append(dst, b|0x80)
	}
}

// lebLen returns the length of the LEB128 number at the start of b, or 0
// if b holds no complete number.
func lebLen(b []byte) int {
	for i, c := range b {
		if c < 0x80 {
			return i + 1
		}
	}
	return 0
}

// ReadLEB128 decodes an unsigned LEB128 number from the start of b and
// returns it with the number of bytes read. Over-long encodings are
// accepted as long as the value fits in 64 bits.
func ReadLEB128(b []byte) (uint64, int, error) {
	n := lebLen(b)
	if n == 0 {
		return 0, 0, errLEBTruncated
	}
	var x uint64
	for i := 0; i < n; i++ {
		p := uint64(b[i] & 0x7f)
		switch {
		case i < 9:
			x |= p << (7 * i)
		case i == 9:
			if p > 1 {
				return 0, n, errLEBOverflow
			}
			x |= p << 63
		default:
			if p != 0 {
				return 0, n, errLEBOverflow
			}
		}
	}
	return x, n, nil
}

// ReadSLEB128 decodes a signed LEB128 number from the start of b and returns
// it with the number of bytes read.
func ReadSLEB128(b []byte) (int64, int, error) {
	n := lebLen(b)
	if n == 0 {
		return 0, 0, errLEBTruncated
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
		return 0, n, errLEBOverflow
	}
	for i := 10; i < n; i++ {
		if b[i]&0x7f != sign {
			return 0, n, errLEBOverflow
		}
	}
	if sign != 0 {
		x |= 1 << 63
	}
	return int64(x), n, nil
}

// Hash returns the Candid field id of a record or variant label
// (Candid spec, "Records": idhash).
func Hash(label string) uint32 {
	var h uint32
	for i := 0; i < len(label); i++ {
		h = h*223 + uint32(label[i])
	}
	return h
}

func itoa(x int64) string { return strconv.FormatInt(x, 10) }

func utoa(x uint64) string { return strconv.FormatUint(x, 10) }
