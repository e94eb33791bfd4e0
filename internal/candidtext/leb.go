package candidtext

import (
	"math/big"

	"github.com/icgo/icgo/internal/candidwire"
	"github.com/icgo/icgo/internal/candidwire/bigleb"
)

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
	x, n, err := candidwire.ReadULEB(r.b[r.off:])
	return x, r.leb(n, err, "LEB128")
}

// sleb reads a signed LEB128 that must fit in 64 bits.
func (r *reader) sleb() (int64, error) {
	x, n, err := candidwire.ReadSLEB(r.b[r.off:])
	return x, r.leb(n, err, "SLEB128")
}

// leb advances past a number of n bytes read by candidwire and turns its
// error into a DecodeError at the number's offset.
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

// bigLEB reads a LEB128 (signed: SLEB128) number of any length.
func (r *reader) bigLEB(signed bool) (*big.Int, error) {
	n := candidwire.Len(r.b[r.off:])
	if n == 0 {
		r.off = len(r.b)
		return nil, r.errf("unexpected end of input")
	}
	x := bigleb.Read(r.b[r.off:r.off+n], signed)
	r.off += n
	return x, nil
}
