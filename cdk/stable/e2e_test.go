package stable_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica"
	"github.com/stretchr/testify/require"
)

// End-to-end tests on the embedded replica: testdata/stablecan (a
// BTreeMap[uint64, uint64]) and examples/stable (the user registry).

var builds sync.Map // package path -> *buildResult

type buildResult struct {
	once sync.Once
	wasm []byte
	err  error
}

func buildPkg(tb testing.TB, pkg string) []byte {
	tb.Helper()
	if testing.Short() {
		tb.Skip("builds a canister")
	}
	v, _ := builds.LoadOrStore(pkg, &buildResult{})
	b := v.(*buildResult)
	b.once.Do(func() {
		res, err := build.Build(context.Background(), build.Options{Pkg: pkg})
		if err == nil {
			b.wasm = res.Gzip
		}
		b.err = err
	})
	require.NoError(tb, b.err)
	return b.wasm
}

type canister struct {
	tb   testing.TB
	r    *replica.Replica
	id   replica.CanisterID
	wasm []byte
}

func install(tb testing.TB, pkg string, opts ...replica.Option) *canister {
	wasm := buildPkg(tb, pkg)
	r, err := replica.New(opts...)
	require.NoError(tb, err)
	tb.Cleanup(func() { r.Close() })
	id, err := r.CreateCanister()
	require.NoError(tb, err)
	require.NoError(tb, r.Install(id, wasm, nil))
	return &canister{tb: tb, r: r, id: id, wasm: wasm}
}

func args(tb testing.TB, a ...any) []byte {
	b, err := candid.Marshal(a)
	require.NoError(tb, err)
	return b
}

// call makes an update (or query) and decodes the reply into out.
func (c *canister) call(query bool, method string, a []any, out ...any) *replica.Result {
	c.tb.Helper()
	var res *replica.Result
	var err error
	if query {
		res, err = c.r.Query(c.id, method, args(c.tb, a...))
	} else {
		res, err = c.r.Update(c.id, method, args(c.tb, a...))
	}
	require.NoError(c.tb, err)
	require.Nil(c.tb, res.Reject, "%s", method)
	if len(out) > 0 {
		require.NoError(c.tb, candid.Unmarshal(res.Reply, out))
	}
	return res
}

func (c *canister) u64(query bool, method string, a ...any) uint64 {
	c.tb.Helper()
	var n uint64
	c.call(query, method, a, &n)
	return n
}

// fill inserts keys from..from+n-1 in batches that stay within the
// instruction limit of a message.
func (c *canister) fill(from, n uint64) { c.fillBatch(from, n, 100_000) }

func (c *canister) fillBatch(from, n, batch uint64) {
	for i := from; i < from+n; i += batch {
		c.u64(false, "insert", i, min(batch, from+n-i))
	}
}

// scanSum is the sum of 0..n-1, which scan returns for keys 0..n-1.
func scanSum(n uint64) uint64 { return n * (n - 1) / 2 }

// Entries survive an upgrade; the map is in stable memory all along, so
// the upgrade does no work for it.
func TestUpgradeKeepsMap(t *testing.T) {
	c := install(t, "./testdata/stablecan")
	const n = 20_000 // BenchmarkBTreeMapReplica does 1,000,000
	c.fill(0, n)
	require.NoError(t, c.r.Upgrade(c.id, c.wasm, nil))
	require.Equal(t, uint64(n), c.u64(true, "len"))
	var per, count, sum uint64
	c.call(true, "scan", nil, &per, &count, &sum)
	require.Equal(t, uint64(n), count)
	require.Equal(t, scanSum(n), sum)
	c.u64(true, "get", uint64(0), uint64(n))
	c.u64(false, "remove", uint64(0), uint64(n/2))
	require.Equal(t, uint64(n-n/2), c.u64(true, "len"))
}

// A trap in the middle of inserts leaves the map as it was: the replica
// rolls the message's stable memory writes back.
func TestTrapRollsBackInsert(t *testing.T) {
	c := install(t, "./testdata/stablecan")
	c.fill(0, 5000)
	res, err := c.r.Update(c.id, "insert_then_trap", args(t, uint64(5000), uint64(3000)))
	require.NoError(t, err)
	require.NotNil(t, res.Reject)
	require.Contains(t, res.Reject.Message, "trap after inserting")
	require.Equal(t, uint64(5000), c.u64(true, "len"))
	var per, count, sum uint64
	c.call(true, "scan", nil, &per, &count, &sum)
	require.Equal(t, uint64(5000), count)
	require.Equal(t, scanSum(5000), sum)
	c.u64(true, "get", uint64(0), uint64(5000))
	// And the map still works.
	c.fill(5000, 3000)
	require.Equal(t, uint64(8000), c.u64(true, "len"))
}

// A trap inside an insert (the message runs out of instructions at
// whatever point of an Insert it has reached: a node half written, a split
// between its writes) leaves the map as it was.
func TestTrapMidInsert(t *testing.T) {
	c := install(t, "./testdata/stablecan", replica.WithInstructionLimits(replica.InstructionLimits{Update: 100_000_000}))
	c.fillBatch(0, 6000, 1000)
	for _, n := range []uint64{5000, 7001, 9003} { // different stopping points
		res, err := c.r.Update(c.id, "insert", args(t, uint64(6000), n))
		require.NoError(t, err)
		require.NotNil(t, res.Reject, "%d inserts fit in the limit", n)
		require.Contains(t, res.Reject.Message, "instruction limit")
		var per, count, sum uint64
		c.call(true, "scan", nil, &per, &count, &sum)
		require.Equal(t, uint64(6000), count)
		require.Equal(t, scanSum(6000), sum)
	}
	c.fillBatch(6000, 2000, 1000)
	require.Equal(t, uint64(8000), c.u64(true, "len"))
}

// A pre_upgrade that traps fails the upgrade; the old canister keeps
// running with its data.
func TestPreUpgradeTrapKeepsOldCanister(t *testing.T) {
	c := install(t, "./testdata/stablecan")
	c.fill(0, 2000)
	c.call(false, "set_trap_in_pre_upgrade", []any{true})
	err := c.r.Upgrade(c.id, c.wasm, nil)
	require.Error(t, err)
	require.Contains(t, err.Error(), "pre_upgrade traps on purpose")
	require.Equal(t, uint64(2000), c.u64(true, "len"))
	c.u64(true, "get", uint64(0), uint64(2000))
	c.call(false, "set_trap_in_pre_upgrade", []any{false})
	require.NoError(t, c.r.Upgrade(c.id, c.wasm, nil))
	require.Equal(t, uint64(2000), c.u64(true, "len"))
}

type user struct {
	Name   string
	Email  string
	Joined uint64
}

type entry struct {
	ID   principal.Principal
	User user
}

// examples/stable: users registered by several callers survive an upgrade.
func TestExampleRegistry(t *testing.T) {
	c := install(t, "../../examples/stable")
	callers := make([]principal.Principal, 30)
	for i := range callers {
		callers[i] = principal.FromBytes([]byte{byte(i), 1, 2, 3, 4, 5, 6, 7, 8, 1}) // self-authenticating-like, 10 bytes
		res, err := c.r.Update(c.id, "register", args(t, "user"+string(rune('A'+i)), "u@example.org"),
			replica.WithCaller(callers[i]))
		require.NoError(t, err)
		require.Nil(t, res.Reject)
	}
	res, err := c.r.Update(c.id, "register", args(t, "anon", ""))
	require.NoError(t, err)
	require.NotNil(t, res.Reject, "the anonymous caller cannot register")

	require.NoError(t, c.r.Upgrade(c.id, c.wasm, nil))
	require.NoError(t, c.r.Upgrade(c.id, c.wasm, nil))
	require.Equal(t, uint64(30), c.u64(true, "count"))
	require.Equal(t, uint64(2), c.u64(true, "upgrades"))
	var u *user
	c.call(true, "get", []any{callers[7]}, &u)
	require.NotNil(t, u)
	require.Equal(t, "userH", u.Name)

	var page []entry
	c.call(true, "list", []any{(*principal.Principal)(nil), uint32(10)}, &page)
	require.Len(t, page, 10)
	var all []entry
	for len(page) > 0 {
		all = append(all, page...)
		last := page[len(page)-1].ID
		page = nil
		c.call(true, "list", []any{&last, uint32(10)}, &page)
	}
	require.Len(t, all, 30)
	for i := 1; i < len(all); i++ {
		require.Negative(t, strings.Compare(string(all[i-1].ID.Bytes()), string(all[i].ID.Bytes())))
	}

	res, err = c.r.Update(c.id, "unregister", args(t), replica.WithCaller(callers[7]))
	require.NoError(t, err)
	require.Nil(t, res.Reject)
	require.NoError(t, c.r.Upgrade(c.id, c.wasm, nil))
	require.Equal(t, uint64(29), c.u64(true, "count"))
	c.call(true, "get", []any{callers[7]}, &u)
	require.Nil(t, u)
}
