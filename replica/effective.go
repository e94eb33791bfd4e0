package replica

import (
	"fmt"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/principal"
)

// ManagementEffectiveCanisterID returns the effective canister id of a
// user's call to the management canister, which the IC reads from the
// argument (IC interface specification, "Effective canister id"): its
// canister_id field, or target_canister for install_chunked_code. For
// provisional_create_canister_with_cycles any canister id is effective,
// and anyID is true. An argument without the field (or not Candid) is an
// error: no canister id can be derived from it.
func ManagementEffectiveCanisterID(method string, arg []byte) (id principal.Principal, anyID bool, err error) {
	if method == "provisional_create_canister_with_cycles" {
		return principal.Principal{}, true, nil
	}
	field := "canister_id"
	if method == "install_chunked_code" {
		field = "target_canister"
	}
	vs, err := candidtext.DecodeValues(arg, nil)
	if err != nil {
		return principal.Principal{}, false, fmt.Errorf("the effective canister id of management method %s: the argument is not Candid: %w", method, err)
	}
	var v *candidtext.Value
	if len(vs) > 0 {
		v = &vs[0]
	}
	b, err := principalOf(fieldOf(v, field), field)
	if err != nil {
		return principal.Principal{}, false, fmt.Errorf("the effective canister id of management method %s: the argument has no principal field %s", method, field)
	}
	return principal.FromBytes(b), false, nil
}
