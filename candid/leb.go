package candid

import (
	"strconv"

	"github.com/icgo/icgo/internal/candidwire"
)

// AppendLEB128 appends the unsigned LEB128 encoding of x to dst.
func AppendLEB128(dst []byte, x uint64) []byte { return candidwire.AppendULEB(dst, x) }

// AppendSLEB128 appends the signed LEB128 encoding of x to dst.
func AppendSLEB128(dst []byte, x int64) []byte { return candidwire.AppendSLEB(dst, x) }

// lebLen returns the length of the LEB128 number at the start of b, or 0
// if b holds no complete number.
func lebLen(b []byte) int { return candidwire.Len(b) }

// ReadLEB128 decodes an unsigned LEB128 number from the start of b and
// returns it with the number of bytes read. Over-long encodings are
// accepted as long as the value fits in 64 bits.
func ReadLEB128(b []byte) (uint64, int, error) { return candidwire.ReadULEB(b) }

// ReadSLEB128 decodes a signed LEB128 number from the start of b and returns
// it with the number of bytes read.
func ReadSLEB128(b []byte) (int64, int, error) { return candidwire.ReadSLEB(b) }

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
