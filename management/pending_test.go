//go:build icgo_pending

package management_test

// Blocked: the replica's management canister does not implement
// ecdsa_public_key and sign_with_ecdsa yet (it rejects them with
// DESTINATION_INVALID, "the icgo replica does not implement it").

import (
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/replica"
)

func TestThresholdECDSA(t *testing.T) {
	mgmt := buildPkg(t, "./management/testdata/mgmtcan")
	r, err := replica.New()
	require.NoError(t, err)
	defer r.Close()
	id, err := r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, r.Install(id, mgmt.Gzip, nil))
	hash := sha256.Sum256([]byte("message"))
	var out [][]byte
	call(t, r, id, "ecdsa", []any{hash[:]}, &out)
	require.Len(t, out, 2)
	require.Len(t, out[0], 33, "compressed SEC1 public key")
	require.Len(t, out[1], 64, "r || s")
}
