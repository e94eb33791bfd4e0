package candidtext

import "math/big"

func appendULEB(b []byte, x uint64) []byte {
	for x >= 0x80 {
		b = append(b, byte(x)|0x80)
		x >>= 7
	}
	return append(b, byte(x))
}

func appendSLEB(b []byte, x int64) []byte {
	for {
		c := byte(x & 0x7f)
		x >>= 7
		if (x == 0 && c&0x40 == 0) || (x == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

var big7f = big.NewInt(0x7f)

func appendBigULEB(b []byte, n *big.Int) []byte {
	if n.IsUint64() {
		return appendULEB(b, n.Uint64())
	}
	x := new(big.Int).Set(n)
	c := new(big.Int)
	for {
		c.And(x, big7f)
		x.Rsh(x, 7)
		if x.Sign() == 0 {
			return append(b, byte(c.Uint64()))
		}
		b = append(b, byte(c.Uint64())|0x80)
	}
}

func appendBigSLEB(b []byte, n *big.Int) []byte {
	if n.IsInt64() {
		return appendSLEB(b, n.Int64())
	}
	x := new(big.Int).Set(n)
	c := new(big.Int)
	for {
		c.And(x, big7f) // two's complement semantics for negative x
		x.Rsh(x, 7)     // arithmetic shift
		cb := byte(c.Uint64())
		if (x.Sign() == 0 && cb&0x40 == 0) || (x.IsInt64() && x.Int64() == -1 && cb&0x40 != 0) {
			return append(b, cb)
		}
		b = append(b, cb|0x80)
	}
}

// reader is a bounds-checked cursor over the message.
type reader struct {
	b   []byte
	off int
}

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, r.errf("unexpected end of input")
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) bytes(n uint64) ([]byte, error) {
	if n > uint64(len(r.b)-r.off) {
		return nil, r.errf("length %d exceeds the remaining %d bytes", n, len(r.b)-r.off)
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s, nil
}

// uleb reads an unsigned LEB128 that must fit in 64 bits.
func (r *reader) uleb() (uint64, error) {
	var x uint64
	for shift := uint(0); ; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if shift == 63 && c > 1 || shift > 63 {
			return 0, r.errf("LEB128 number overflows 64 bits")
		}
		x |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return x, nil
		}
	}
}

func (r *reader) sleb() (int64, error) {
	x, err := r.bigSLEB()
	if err != nil {
		return 0, err
	}
	if !x.IsInt64() {
		return 0, r.errf("SLEB128 number overflows 64 bits")
	}
	return x.Int64(), nil
}

func (r *reader) bigULEB() (*big.Int, error) {
	start := r.off
	for {
		c, err := r.byte()
		if err != nil {
			return nil, err
		}
		if c&0x80 == 0 {
			break
		}
	}
	bs := r.b[start:r.off]
	if len(bs) <= 9 {
		var v uint64
		for i := len(bs) - 1; i >= 0; i-- {
			v = v<<7 | uint64(bs[i]&0x7f)
		}
		return new(big.Int).SetUint64(v), nil
	}
	// pack 7-bit groups into little-endian bytes, then convert
	le := make([]byte, 0, len(bs)*7/8+1)
	var acc uint32
	var nbits uint
	for _, c := range bs {
		acc |= uint32(c&0x7f) << nbits
		nbits += 7
		for nbits >= 8 {
			le = append(le, byte(acc))
			acc >>= 8
			nbits -= 8
		}
	}
	if nbits > 0 {
		le = append(le, byte(acc))
	}
	for i, j := 0, len(le)-1; i < j; i, j = i+1, j-1 {
		le[i], le[j] = le[j], le[i]
	}
	return new(big.Int).SetBytes(le), nil
}

func (r *reader) bigSLEB() (*big.Int, error) {
	start := r.off
	x, err := r.bigULEB()
	if err != nil {
		return nil, err
	}
	n := r.off - start
	if r.b[r.off-1]&0x40 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(7*n)))
	}
	return x, nil
}
