package rand_test

import (
	"context"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/icstd/rand"
	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/replica"
)

var (
	buildOnce sync.Once
	built     *build.Result
	buildErr  error
)

func randcan(t *testing.T) []byte {
	t.Helper()
	buildOnce.Do(func() {
		built, buildErr = build.Build(context.Background(), build.Options{Dir: "../..", Pkg: "./icstd/rand/testdata/randcan"})
	})
	require.NoError(t, buildErr)
	return built.Gzip
}

func install(t *testing.T, r *replica.Replica) replica.CanisterID {
	t.Helper()
	id, err := r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, r.Install(id, randcan(t), []byte("DIDL\x00\x00")))
	return id
}

func call(t *testing.T, r *replica.Replica, query bool, id replica.CanisterID, method string, args []any, results ...any) *replica.Reject {
	t.Helper()
	arg, err := candid.Marshal(args)
	require.NoError(t, err)
	var res *replica.Result
	if query {
		res, err = r.Query(id, method, arg)
	} else {
		res, err = r.Update(id, method, arg)
	}
	require.NoError(t, err)
	if res.Reject != nil {
		return res.Reject
	}
	require.NoError(t, candid.Unmarshal(res.Reply, results))
	return nil
}

func secure(t *testing.T, r *replica.Replica, id replica.CanisterID) []byte {
	t.Helper()
	var b []byte
	require.Nil(t, call(t, r, false, id, "secure", []any{uint32(32)}, &b))
	require.Len(t, b, 32)
	return b
}

func TestCanisterSeedsFromRawRand(t *testing.T) {
	r, err := replica.New(replica.WithRandSeed(1))
	require.NoError(t, err)
	defer r.Close()
	a, b := install(t, r), install(t, r)

	// Init cannot call raw_rand: the read failed with ErrNotSeeded.
	var initErr string
	require.Nil(t, call(t, r, true, a, "init_error", nil, &initErr))
	require.Equal(t, rand.ErrNotSeeded.Error(), initErr)

	// Before the first secure read: not seeded; a query cannot read.
	var seeded bool
	require.Nil(t, call(t, r, true, a, "seeded", nil, &seeded))
	require.False(t, seeded)
	rej := call(t, r, true, a, "secure_query", nil)
	require.NotNil(t, rej)
	require.Contains(t, rej.Message, rand.ErrQuery.Error())

	// The first update read waits for raw_rand; later ones do not.
	a1 := secure(t, r, a)
	require.Nil(t, call(t, r, true, a, "seeded", nil, &seeded))
	require.True(t, seeded)
	a2 := secure(t, r, a)
	require.NotEqual(t, a1, a2)

	// Seeded or not, a query never gets secure bytes (its state is
	// discarded, so they would repeat).
	rej = call(t, r, true, a, "secure_query", nil)
	require.NotNil(t, rej)
	require.Contains(t, rej.Message, rand.ErrQuery.Error())

	// Another canister gets other bytes.
	b1 := secure(t, r, b)
	require.NotEqual(t, a1, b1)

	// Reseed waits for raw_rand again and changes the stream.
	require.Nil(t, call(t, r, false, a, "reseed", nil))
	require.NotEqual(t, a2, secure(t, r, a))

	// A secure permutation.
	var perm []int64
	require.Nil(t, call(t, r, false, a, "shuffle", nil, &perm))
	sorted := append([]int64(nil), perm...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	require.Equal(t, []int64{0, 1, 2, 3, 4, 5, 6, 7}, sorted)
}

// The replica's seed makes raw_rand, and so everything derived from it,
// reproducible; another seed gives other bytes.
func TestCanisterReproducibleWithReplicaSeed(t *testing.T) {
	first := func(seed uint64) []byte {
		r, err := replica.New(replica.WithRandSeed(seed))
		require.NoError(t, err)
		defer r.Close()
		return secure(t, r, install(t, r))
	}
	require.Equal(t, first(42), first(42))
	require.NotEqual(t, first(42), first(43))
}

func TestCanisterWeakFunctions(t *testing.T) {
	r, err := replica.New(replica.WithRandSeed(7))
	require.NoError(t, err)
	defer r.Close()
	id := install(t, r)

	// Not secret: they work in queries, before any seed (then keyed from
	// the block time and the canister id).
	var q1, q2 []uint64
	require.Nil(t, call(t, r, true, id, "weak_query", nil, &q1))
	require.Len(t, q1, 2)
	require.Less(t, q1[1], uint64(1000))

	// Once the secure generator is seeded, they are keyed from it.
	var w1, w2 []uint64
	require.Nil(t, call(t, r, false, id, "weak", nil, &w1))
	secure(t, r, id)
	require.Nil(t, call(t, r, false, id, "weak", nil, &w2))
	require.NotEqual(t, w1, w2)

	// A query's state is discarded: two queries on the same state draw the
	// same values.
	require.Nil(t, call(t, r, true, id, "weak_query", nil, &q1))
	require.Nil(t, call(t, r, true, id, "weak_query", nil, &q2))
	require.Equal(t, q1, q2)
}

// A replicated query (a query method called as an update, context RQ) is a
// query: its state changes are discarded, so it never gets secure bytes,
// seeded or not.
func TestReplicatedQueryNeverReads(t *testing.T) {
	r, err := replica.New(replica.WithRandSeed(1))
	require.NoError(t, err)
	defer r.Close()
	id := install(t, r)
	for _, seeded := range []bool{false, true} {
		if seeded {
			secure(t, r, id)
		}
		rej := call(t, r, false, id, "secure_query", nil)
		require.NotNil(t, rej, "seeded=%v", seeded)
		require.Contains(t, rej.Message, rand.ErrQuery.Error())
	}
}

// crypto/rand, unported: the cdk seeds the CSPRNG behind it from raw_rand
// within the first rounds after install (no call to icstd/rand needed);
// updates then read it, queries trap with a message saying why.
func TestCryptoRand(t *testing.T) {
	r, err := replica.New(replica.WithRandSeed(1))
	require.NoError(t, err)
	defer r.Close()
	id := install(t, r)
	require.NoError(t, r.TickN(3))
	var seeded bool
	require.Nil(t, call(t, r, true, id, "seeded", nil, &seeded))
	require.True(t, seeded, "the cdk seeds crypto/rand by itself")
	var a, b []byte
	require.Nil(t, call(t, r, false, id, "crypto", []any{uint32(32)}, &a))
	require.Nil(t, call(t, r, false, id, "crypto", []any{uint32(32)}, &b))
	require.Len(t, a, 32)
	require.NotEqual(t, a, b)
	require.NotEqual(t, make([]byte, 32), a)

	for _, query := range []bool{true, false} { // a query, then a replicated query
		rej := call(t, r, query, id, "crypto_query", nil)
		require.NotNil(t, rej)
		require.Contains(t, rej.Message, "crypto/rand (WASI random_get) was read in a query")
	}

	var ins uint64
	require.Nil(t, call(t, r, false, id, "crypto_instructions", []any{uint32(1024)}, &ins))
	t.Logf("1 KiB of crypto/rand: %d instructions", ins)
	require.Less(t, ins, uint64(200_000))

	// Another install of the same module seeds differently.
	other := install(t, r)
	require.NoError(t, r.TickN(3))
	var c []byte
	require.Nil(t, call(t, r, false, other, "crypto", []any{uint32(32)}, &c))
	require.NotEqual(t, a, c)
}

// Before the seed arrives, a crypto/rand read in an update traps, naming
// the seed and icstd/rand.Read, which waits.
func TestCryptoRandBeforeSeed(t *testing.T) {
	r, err := replica.New(replica.WithRandSeed(1))
	require.NoError(t, err)
	defer r.Close()
	id := install(t, r)
	mid, err := r.SubmitUpdate(id, "crypto", []byte("DIDL\x00\x01\x79\x08\x00\x00\x00"))
	require.NoError(t, err)
	require.NoError(t, r.Tick())
	res, done, err := r.IngressStatus(mid)
	require.NoError(t, err)
	require.True(t, done, "the update runs in the first round")
	require.NotNil(t, res.Reject, "the seed cannot have arrived: raw_rand answers in the round after the timer calls it")
	require.Contains(t, res.Reject.Message, "before the canister's CSPRNG was seeded")
	require.Contains(t, res.Reject.Message, "icstd/rand.Read")
}
