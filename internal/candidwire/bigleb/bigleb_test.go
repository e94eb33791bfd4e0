package bigleb

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/icgo/icgo/internal/candidwire"
)

// slowRead is the obvious (quadratic) decoding, the reference for Read.
func slowRead(b []byte, signed bool) *big.Int {
	x := new(big.Int)
	for i := len(b) - 1; i >= 0; i-- {
		x.Lsh(x, 7)
		x.Or(x, big.NewInt(int64(b[i]&0x7f)))
	}
	if signed && b[len(b)-1]&0x40 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(7*len(b))))
	}
	return x
}

// FuzzBigLEB checks Read against the reference decoding, and that Append
// and Read are inverse.
func FuzzBigLEB(f *testing.F) {
	for _, s := range [][]byte{{0}, {0x7f}, {0x80, 0x7f}, bytes.Repeat([]byte{0xff}, 20), append(bytes.Repeat([]byte{0x80}, 12), 0x40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := candidwire.Len(data)
		if n == 0 {
			return
		}
		b := data[:n]
		for _, signed := range []bool{false, true} {
			x := Read(b, signed)
			if want := slowRead(b, signed); x.Cmp(want) != 0 {
				t.Fatalf("Read(%x, %v) = %v, want %v", b, signed, x, want)
			}
			enc := Append(nil, x, signed)
			if y := Read(enc, signed); y.Cmp(x) != 0 {
				t.Fatalf("Read(Append(%v)) = %v", x, y)
			}
			if len(enc) > n {
				t.Fatalf("Append(%v) = %x is longer than %x", x, enc, b)
			}
		}
	})
}
