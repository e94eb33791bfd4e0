package replica

import (
	"encoding/binary"
	"fmt"

	"github.com/icgo/icgo/principal"
)

// CanisterID is a canister's principal: its raw bytes (10 for the ids this
// replica allocates, at most 29 for any principal). It is comparable and
// can key maps. String gives the IC textual form.
// It converts to and from principal.Principal through Bytes and
// CanisterIDFromBytes (principal.FromBytes(id.Bytes())).
type CanisterID struct{ raw string }

// maxPrincipalLen is the longest principal (IC interface spec, "Principals").
const maxPrincipalLen = principal.MaxLength

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

// String returns the textual form: base32 (lower case, no padding) of
// crc32(bytes) big-endian followed by the bytes, in groups of 5 separated
// by dashes (IC interface spec, "Textual representation of principals").
func (c CanisterID) String() string { return principalText([]byte(c.raw)) }

func principalText(b []byte) string { return principal.FromBytes(b).String() }

// ParseCanisterID parses the textual form and checks its checksum, length
// and grouping (principal.Decode; upper case is accepted).
func ParseCanisterID(s string) (CanisterID, error) {
	p, err := principal.Decode(s)
	if err != nil {
		return CanisterID{}, fmt.Errorf("principal %q: %w", s, err)
	}
	return CanisterID{string(p.Bytes())}, nil
}

// AnonymousPrincipal is the anonymous principal (0x04, "2vxsx-fae"), the
// default caller of ingress messages and the default controller. It is
// principal.Anonymous, a value: no caller can change what another sees.
var AnonymousPrincipal = principal.Anonymous

// Principal returns c as a principal.Principal.
func (c CanisterID) Principal() principal.Principal { return principal.FromBytes([]byte(c.raw)) }

// CanisterIDFromPrincipal returns the canister id with p's bytes.
func CanisterIDFromPrincipal(p principal.Principal) (CanisterID, error) {
	return CanisterIDFromBytes(p.Bytes())
}
