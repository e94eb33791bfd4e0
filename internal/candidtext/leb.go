package candidtext

import (
	"math/big"

	"github.com/icgo/icgo/candid"
)

var big7f = big.NewInt(0x7f)

func appendBigULEB(b []byte, n *big.Int) []byte {
	if n.IsUint64() {
		return candid.AppendLEB128(b, n.Uint64())
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
		return candid.AppendSLEB128(b, n.Int64())
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
	x, n, err := candid.ReadLEB128(r.b[r.off:])
	return x, r.leb(n, err, "LEB128")
}

// sleb reads a signed LEB128 that must fit in 64 bits.
func (r *reader) sleb() (int64, error) {
	x, n, err := candid.ReadSLEB128(r.b[r.off:])
	return x, r.leb(n, err, "SLEB128")
}

// leb advances past a number of n bytes read by the candid package and
// turns its error into a DecodeError at the number's offset.
func (r *reader) leb(n int, err error, what string) error {
	if err == nil {
		r.off += n
		return nil
	}
	if n == 0 { // no complete number before the end
		r.off = len(r.b)
		return r.errf("unexpected end of input")
	}
	r.off += n
	return r.errf("%s number overflows 64 bits", what)
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
