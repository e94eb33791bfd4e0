// Package principal implements Internet Computer principals: opaque
// identifiers of 0 to 29 bytes with a checksummed textual form.
//
// The textual form (spec "Principals", "Textual representation of
// principals") is the lower-case RFC 4648 base32 encoding,
// without padding, of the big-endian CRC-32 of the bytes followed by the
// bytes, split into groups of five characters by dashes. For example the
// bytes ABCD01 are written "em77e-bvlzu-aq".
//
// The package is small and imports nothing heavier than hash/crc32, so it can
// be linked into canisters.
//
// Section names quoted as spec "..." are those of the IC interface
// specification, https://internetcomputer.org/docs/references/ic-interface-spec.
package principal

import (
	"errors"
	"hash/crc32"
	"strings"
)

// MaxLength is the maximum length of a principal in bytes.
const MaxLength = 29

// Principal is an Internet Computer principal. The zero value is the
// management canister (the empty principal). Principals are comparable and
// can be used as map keys.
type Principal struct {
	b string
}

var (
	// ManagementCanister is the empty principal "aaaaa-aa".
	ManagementCanister = Principal{}
	// Anonymous is the anonymous principal (the single byte 0x04), "2vxsx-fae".
	Anonymous = Principal{b: "\x04"}
)

// FromBytes returns the principal with the given raw bytes. It does not
// check the length; use Decode or Validate for untrusted input.
func FromBytes(b []byte) Principal { return Principal{b: string(b)} }

// Bytes returns a copy of the raw bytes of p.
func (p Principal) Bytes() []byte { return []byte(p.b) }

// Len returns the length of p in bytes.
func (p Principal) Len() int { return len(p.b) }

// IsAnonymous reports whether p is the anonymous principal.
func (p Principal) IsAnonymous() bool { return p.b == "\x04" }

// Equal reports whether p and q are the same principal.
func (p Principal) Equal(q Principal) bool { return p.b == q.b }

// Validate reports an error if p is longer than MaxLength bytes.
func (p Principal) Validate() error {
	if len(p.b) > MaxLength {
		return errTooLong
	}
	return nil
}

const alphabet = "abcdefghijklmnopqrstuvwxyz234567"

var (
	errTooLong  = errors.New("principal: longer than 29 bytes")
	errChecksum = errors.New("principal: checksum mismatch")
	errShort    = errors.New("principal: text too short")
	errFormat   = errors.New("principal: text is not in canonical form (groups of 5 separated by dashes)")
)

// String returns the textual form of p.
func (p Principal) String() string {
	var raw [4 + 64]byte
	c := crc32.ChecksumIEEE([]byte(p.b))
	buf := append(raw[:0], byte(c>>24), byte(c>>16), byte(c>>8), byte(c))
	buf = append(buf, p.b...)

	var sb strings.Builder
	n := (len(buf)*8 + 4) / 5
	sb.Grow(n + n/5)
	var acc uint32
	bits := 0
	chars := 0
	emit := func(i uint32) {
		if chars > 0 && chars%5 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[i&31])
		chars++
	}
	for _, b := range buf {
		acc = acc<<8 | uint32(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			emit(acc >> bits)
		}
	}
	if bits > 0 {
		emit(acc << (5 - bits))
	}
	return sb.String()
}

// Decode parses the textual form of a principal. Upper-case letters are
// accepted; the checksum, length and grouping are verified.
func Decode(text string) (Principal, error) {
	var acc uint32
	bits := 0
	buf := make([]byte, 0, 4+MaxLength)
	n := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '-' {
			continue
		}
		var v byte
		switch {
		case c >= 'a' && c <= 'z':
			v = c - 'a'
		case c >= 'A' && c <= 'Z':
			v = c - 'A'
		case c >= '2' && c <= '7':
			v = c - '2' + 26
		default:
			return Principal{}, errors.New("principal: invalid character " + strconvQuote(c) + " at offset " + itoa(i))
		}
		n++
		acc = acc<<5 | uint32(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			if len(buf) == 4+MaxLength {
				return Principal{}, errTooLong
			}
			buf = append(buf, byte(acc>>bits))
		}
	}
	if bits >= 5 || acc&(1<<bits-1) != 0 {
		return Principal{}, errors.New("principal: invalid base32 padding bits")
	}
	if len(buf) < 4 {
		return Principal{}, errShort
	}
	body := buf[4:]
	want := uint32(buf[0])<<24 | uint32(buf[1])<<16 | uint32(buf[2])<<8 | uint32(buf[3])
	if crc32.ChecksumIEEE(body) != want {
		return Principal{}, errChecksum
	}
	p := Principal{b: string(body)}
	// Require the canonical grouping so that every principal has exactly
	// one accepted textual form (modulo case).
	if !strings.EqualFold(p.String(), text) {
		return Principal{}, errFormat
	}
	return p, nil
}

// MustDecode is like Decode but panics on error. It is meant for constants.
func MustDecode(text string) Principal {
	p, err := Decode(text)
	if err != nil {
		panic(err)
	}
	return p
}

func strconvQuote(c byte) string {
	const hex = "0123456789abcdef"
	if c >= 0x20 && c < 0x7f {
		return "'" + string(rune(c)) + "'"
	}
	return "0x" + string([]byte{hex[c>>4], hex[c&15]})
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}
