package candid

import (
	"encoding/binary"
	"math"
	"unicode/utf8"

	"github.com/icgo/icgo/internal/candidwire"
)

// Fast paths for a single value of a basic Go type, the usual argument
// and result of a canister method: the general codec builds or looks up a
// header and goes through reflection, which costs a canister about 13k
// instructions for one string. They give the same bytes, values and errors
// as the general path (TestFastPaths compares them); anything else takes
// the general path.

// magic1 starts a message without type table entries and with one
// argument, whose primitive type opcode follows.
const magic1 = "DIDL\x00\x01"

// appendOne encodes args[0] when it is of a basic type.
func appendOne(dst []byte, a any) ([]byte, bool) {
	var op byte
	var le [8]byte
	var n int
	switch v := a.(type) {
	case string:
		dst = append(dst, magic1+"\x71"...)
		dst = candidwire.AppendULEB(dst, uint64(len(v)))
		return append(dst, v...), true
	case bool:
		op, n = 0x7e, 1
		if v {
			le[0] = 1
		}
	case uint64:
		op, n = 0x78, 8
		binary.LittleEndian.PutUint64(le[:], v)
	case uint:
		op, n = 0x78, 8
		binary.LittleEndian.PutUint64(le[:], uint64(v))
	case uint32:
		op, n = 0x79, 4
		binary.LittleEndian.PutUint32(le[:], v)
	case uint16:
		op, n = 0x7a, 2
		binary.LittleEndian.PutUint16(le[:], v)
	case uint8:
		op, n = 0x7b, 1
		le[0] = v
	case int64:
		op, n = 0x74, 8
		binary.LittleEndian.PutUint64(le[:], uint64(v))
	case int:
		op, n = 0x74, 8
		binary.LittleEndian.PutUint64(le[:], uint64(v))
	case int32:
		op, n = 0x75, 4
		binary.LittleEndian.PutUint32(le[:], uint32(v))
	case int16:
		op, n = 0x76, 2
		binary.LittleEndian.PutUint16(le[:], uint16(v))
	case int8:
		op, n = 0x77, 1
		le[0] = byte(v)
	case float64:
		op, n = 0x72, 8
		binary.LittleEndian.PutUint64(le[:], math.Float64bits(v))
	case float32:
		op, n = 0x73, 4
		binary.LittleEndian.PutUint32(le[:], math.Float32bits(v))
	default:
		return dst, false
	}
	dst = append(dst, magic1...)
	dst = append(dst, op)
	return append(dst, le[:n]...), true
}

// unmarshalOne decodes a message of exactly one text, bool, nat64 or int64
// value into a non-nil pointer of the same Go type; ok is false for
// anything else, which the general decoder handles (with its errors).
func unmarshalOne(data []byte, p any) (ok bool, err error) {
	if len(data) < len(magic1)+1 || string(data[:len(magic1)]) != magic1 {
		return false, nil
	}
	op, v := data[len(magic1)], data[len(magic1)+1:]
	switch p := p.(type) {
	case *string:
		if p == nil || op != 0x71 {
			return false, nil
		}
		n, k, err := candidwire.ReadULEB(v)
		if err != nil || n != uint64(len(v)-k) || !utf8.Valid(v[k:]) {
			return false, nil
		}
		*p = string(v[k:])
	case *bool:
		if p == nil || op != 0x7e || len(v) != 1 || v[0] > 1 {
			return false, nil
		}
		*p = v[0] == 1
	case *uint64:
		if p == nil || op != 0x78 || len(v) != 8 {
			return false, nil
		}
		*p = binary.LittleEndian.Uint64(v)
	case *int64:
		if p == nil || op != 0x74 || len(v) != 8 {
			return false, nil
		}
		*p = int64(binary.LittleEndian.Uint64(v))
	default:
		return false, nil
	}
	return true, nil
}
