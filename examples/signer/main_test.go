package main

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica"
)

// Well-known addresses: of the secret keys 1 and 2, and EIP-55's checksum
// examples.
func TestEthAddress(t *testing.T) {
	for sk, want := range map[uint32]string{
		1: "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
		2: "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
	} {
		pub := secp256k1.NewPrivateKey(new(secp256k1.ModNScalar).SetInt(sk)).PubKey()
		got, err := ethAddress(pub.SerializeCompressed())
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	for _, want := range []string{
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	} {
		require.Equal(t, want, checksummed(strings.ToLower(want[2:])))
	}
	_, err := ethAddress([]byte{2, 3})
	require.Error(t, err)
}

func update(t *testing.T, r *replica.Replica, id replica.CanisterID, caller []byte, method string, args []any, results ...any) {
	t.Helper()
	arg, err := candid.Marshal(args)
	require.NoError(t, err)
	res, err := r.Update(id, method, arg, replica.WithCaller(principal.FromBytes(caller)))
	require.NoError(t, err)
	require.Nil(t, res.Reject, "%s", method)
	require.NoError(t, candid.Unmarshal(res.Reply, results))
}

// The canister on the replica: each caller has an address; the signatures
// verify on the host (decred's ECDSA verifier) and recover the address.
func TestSigner(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a canister")
	}
	b, err := build.Build(context.Background(), build.Options{Dir: "../..", Pkg: "./examples/signer", Strip: true})
	require.NoError(t, err)
	r, err := replica.New()
	require.NoError(t, err)
	defer r.Close()
	id, err := r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, r.Install(id, b.Gzip, nil))

	seen := map[string]bool{}
	for _, caller := range [][]byte{{4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 2}} {
		var addr string
		var pubBytes, sig []byte
		update(t, r, id, caller, "address", nil, &addr)
		update(t, r, id, caller, "public_key", nil, &pubBytes)
		require.Regexp(t, "^0x[0-9a-fA-F]{40}$", addr)
		require.False(t, seen[addr], "every caller has its own address")
		seen[addr] = true
		want, err := ethAddress(pubBytes)
		require.NoError(t, err)
		require.Equal(t, want, addr)

		hash := sha256.Sum256([]byte("a transaction"))
		update(t, r, id, caller, "sign", []any{hash[:]}, &sig)
		require.Len(t, sig, 65)
		pub, err := secp256k1.ParsePubKey(pubBytes)
		require.NoError(t, err)
		var rr, ss secp256k1.ModNScalar
		rr.SetByteSlice(sig[:32])
		ss.SetByteSlice(sig[32:64])
		require.False(t, ss.IsOverHalfOrder(), "low s")
		require.True(t, ecdsa.NewSignature(&rr, &ss).Verify(hash[:], pub))
		other := sha256.Sum256([]byte("another transaction"))
		require.False(t, ecdsa.NewSignature(&rr, &ss).Verify(other[:], pub))
		recovered, _, err := ecdsa.RecoverCompact(append([]byte{27 + sig[64]}, sig[:64]...), hash[:])
		require.NoError(t, err)
		got, err := ethAddress(recovered.SerializeCompressed())
		require.NoError(t, err)
		require.Equal(t, addr, got, "v recovers the address")
	}

	arg, err := candid.Marshal([]any{[]byte("short")})
	require.NoError(t, err)
	res, err := r.Update(id, "sign", arg)
	require.NoError(t, err)
	require.NotNil(t, res.Reject)
	require.Contains(t, res.Reject.Message, "must be 32 bytes")
}
