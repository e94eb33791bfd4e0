package candidtext

import (
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// PrincipalToText renders principal bytes in the textual form
// (base32 of crc32 ++ bytes, lower case, dash-separated groups of five).
func PrincipalToText(b []byte) string {
	buf := make([]byte, 4, 4+len(b))
	binary.BigEndian.PutUint32(buf, crc32.ChecksumIEEE(b))
	buf = append(buf, b...)
	s := strings.ToLower(b32.EncodeToString(buf))
	var out strings.Builder
	for i := 0; i < len(s); i += 5 {
		if i > 0 {
			out.WriteByte('-')
		}
		out.WriteString(s[i:min(i+5, len(s))])
	}
	return out.String()
}

// PrincipalFromText parses and validates the textual form of a principal.
func PrincipalFromText(s string) ([]byte, error) {
	raw := strings.ReplaceAll(strings.ToLower(s), "-", "")
	dec, err := b32.DecodeString(strings.ToUpper(raw))
	if err != nil || len(dec) < 4 {
		return nil, fmt.Errorf("invalid principal %q: not base32 text of the form xxxxx-xxxxx-...", s)
	}
	b := dec[4:]
	if len(b) > 29 {
		return nil, fmt.Errorf("invalid principal %q: longer than 29 bytes", s)
	}
	if binary.BigEndian.Uint32(dec[:4]) != crc32.ChecksumIEEE(b) {
		return nil, fmt.Errorf("invalid principal %q: checksum mismatch", s)
	}
	if PrincipalToText(b) != strings.ToLower(s) {
		return nil, fmt.Errorf("invalid principal %q: not in canonical form (expected %q)", s, PrincipalToText(b))
	}
	return b, nil
}
