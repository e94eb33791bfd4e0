package candidtext

import (
	"fmt"
	"strings"

	"github.com/icgo/icgo/principal"
)

// PrincipalToText renders principal bytes in the textual form
// (base32 of crc32 ++ bytes, lower case, dash-separated groups of five).
func PrincipalToText(b []byte) string { return principal.FromBytes(b).String() }

// PrincipalFromText parses and validates the textual form of a principal
// (upper case is accepted; the grouping must be canonical).
func PrincipalFromText(s string) ([]byte, error) {
	p, err := principal.Decode(s)
	if err != nil {
		return nil, fmt.Errorf("invalid principal %q: %s", s, strings.TrimPrefix(err.Error(), "principal: "))
	}
	return p.Bytes(), nil
}
