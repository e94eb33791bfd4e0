package replica

import (
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
)

// CanisterID is a canister's principal: its raw bytes (10 for the ids this
// replica allocates, at most 29 for any principal). It is comparable and
// can key maps. String gives the IC textual form.
//
// (When the project's principal package lands, CanisterID converts to and
// from it through Bytes and CanisterIDFromBytes.)
type CanisterID struct{ raw string }

// maxPrincipalLen is the longest principal (IC interface spec, "Principals").
const maxPrincipalLen = 29

// CanisterIDFromBytes wraps raw principal bytes.
func CanisterIDFromBytes(b []byte) (CanisterID, error) {
	if len(b) > maxPrincipalLen {
		return CanisterID{}, fmt.Errorf("principal of %d bytes is longer than %d", len(b), maxPrincipalLen)
	}
	return CanisterID{string(b)}, nil
}

// canisterIDFromIndex returns the id of the n-th canister of a subnet
// range: an opaque id, a big-endian u64 followed by 0x01 0x01
// (IC interface spec, "Principals": opaque ids end in 0x01).
func canisterIDFromIndex(n uint64) CanisterID {
	var b [10]byte
	binary.BigEndian.PutUint64(b[:8], n)
	b[8], b[9] = 0x01, 0x01
	return CanisterID{string(b[:])}
}

// Bytes returns a copy of the raw bytes.
func (c CanisterID) Bytes() []byte { return []byte(c.raw) }

// IsZero reports whether c is the zero CanisterID (which is also the
// management canister's principal, aaaaa-aa).
func (c CanisterID) IsZero() bool { return c.raw == "" }

var principalEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// String returns the textual form: base32 (lower case, no padding) of
// crc32(bytes) big-endian followed by the bytes, in groups of 5 separated
// by dashes (IC interface spec, "Textual representation of principals").
func (c CanisterID) String() string { return principalText([]byte(c.raw)) }

func principalText(b []byte) string {
	buf := binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(b))
	s := strings.ToLower(principalEncoding.EncodeToString(append(buf, b...)))
	var out strings.Builder
	for i := 0; i < len(s); i += 5 {
		if i > 0 {
			out.WriteByte('-')
		}
		out.WriteString(s[i:min(i+5, len(s))])
	}
	return out.String()
}

// ParseCanisterID parses the textual form and checks its checksum.
func ParseCanisterID(s string) (CanisterID, error) {
	raw, err := parsePrincipal(s)
	if err != nil {
		return CanisterID{}, err
	}
	return CanisterID{string(raw)}, nil
}

func parsePrincipal(s string) ([]byte, error) {
	b, err := principalEncoding.DecodeString(strings.ToUpper(strings.ReplaceAll(s, "-", "")))
	if err != nil {
		return nil, fmt.Errorf("principal %q: %w", s, err)
	}
	if len(b) < 4 {
		return nil, fmt.Errorf("principal %q is too short", s)
	}
	raw := b[4:]
	if len(raw) > maxPrincipalLen {
		return nil, fmt.Errorf("principal %q is longer than %d bytes", s, maxPrincipalLen)
	}
	if principalText(raw) != s {
		return nil, fmt.Errorf("principal %q has a bad checksum or is not in canonical form", s)
	}
	return raw, nil
}

// AnonymousPrincipal is the anonymous principal (0x04, "2vxsx-fae"), the
// default caller of ingress messages and the default controller.
var AnonymousPrincipal = []byte{0x04}
