package rand

import (
	"bytes"
	"errors"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fake is a platform whose context, raw_rand and clock the test controls.
type fake struct {
	ctx     execContext
	raws    [][]byte // what raw_rand returns, in order
	rawErr  error
	calls   int
	t       int64
	id      []byte
	spawned []func()

	k *[32]byte // the CSPRNG's key, nil until keyed
	c *mrand.ChaCha8
}

func (f *fake) keyed() bool { return f.k != nil }
func (f *fake) key(seed *[32]byte) {
	if f.k == nil {
		f.k = new([32]byte)
	}
	for i := range f.k {
		f.k[i] ^= seed[i]
	}
	f.c = mrand.NewChaCha8(*f.k)
}
func (f *fake) stream(b []byte) { f.c.Read(b) }

func (f *fake) context() execContext { return f.ctx }
func (f *fake) rawRand() ([]byte, error) {
	f.calls++
	if f.rawErr != nil {
		return nil, f.rawErr
	}
	r := f.raws[0]
	f.raws = f.raws[1:]
	return r, nil
}
func (f *fake) now() int64      { return f.t }
func (f *fake) selfID() []byte  { return f.id }
func (f *fake) spawn(fn func()) { f.spawned = append(f.spawned, fn) }
func (f *fake) runSpawned() {
	s := f.spawned
	f.spawned = nil
	for _, fn := range s {
		fn()
	}
}
func seed(b byte) []byte           { return bytes.Repeat([]byte{b}, 32) }
func newFake(raws ...[]byte) *fake { return &fake{raws: raws, t: 1e18, id: []byte{1, 2, 3}} }

func read(t *testing.T, g *generator, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	got, err := g.read(b)
	require.NoError(t, err)
	require.Equal(t, n, got)
	return b
}

func TestFirstReadSeedsInUpdate(t *testing.T) {
	f := newFake(seed(1))
	g := &generator{p: f}
	a := read(t, g, 32)
	require.Equal(t, 1, f.calls, "the first read waits for raw_rand")
	b := read(t, g, 32)
	require.Equal(t, 1, f.calls, "later reads do not call")
	require.NotEqual(t, a, b)
	require.NotEqual(t, seed(1), a, "the raw bytes are a key, not the output")

	// Same raw_rand bytes, same stream (reproducible with the replica's
	// seed); different bytes, different stream.
	g2 := &generator{p: newFake(seed(1))}
	require.Equal(t, a, read(t, g2, 32))
	g3 := &generator{p: newFake(seed(2))}
	require.NotEqual(t, a, read(t, g3, 32))
}

func TestQueryAlwaysFails(t *testing.T) {
	f := newFake(seed(1))
	g := &generator{p: f}
	f.ctx = ctxQuery
	_, err := g.read(make([]byte, 8))
	require.ErrorIs(t, err, ErrQuery)
	require.Zero(t, f.calls)

	f.ctx = ctxCall
	read(t, g, 8)
	f.ctx = ctxQuery
	b := make([]byte, 8)
	n, err := g.read(b)
	require.ErrorIs(t, err, ErrQuery, "seeded or not: a query's state is discarded")
	require.Zero(t, n)
	require.Equal(t, make([]byte, 8), b)
	require.ErrorIs(t, g.reseedNow(), ErrQuery)
}

func TestNoCallContexts(t *testing.T) {
	f := newFake(seed(1))
	g := &generator{p: f}
	f.ctx = ctxNoCall
	_, err := g.read(make([]byte, 8))
	require.ErrorIs(t, err, ErrNotSeeded)
	require.ErrorIs(t, g.reseedNow(), ErrNotSeeded)
	require.Zero(t, f.calls)

	f.ctx = ctxCall
	read(t, g, 8)
	f.ctx = ctxNoCall // pre_upgrade, cleanup: a seeded generator serves
	read(t, g, 8)
	require.Equal(t, 1, f.calls)
}

func TestRawRandErrors(t *testing.T) {
	boom := errors.New("call rejected (SYS_TRANSIENT): busy")
	f := newFake()
	f.rawErr = boom
	g := &generator{p: f}
	_, err := g.read(make([]byte, 8))
	require.ErrorIs(t, err, boom)
	require.ErrorContains(t, err, "icstd/rand: seeding from raw_rand: call rejected")
	require.False(t, f.keyed(), "still not seeded")

	f.rawErr = ErrNotSeeded // the cdk refused the call (init-like context)
	_, err = g.read(make([]byte, 8))
	require.Same(t, ErrNotSeeded, err)

	f.rawErr = nil
	f.raws = [][]byte{{1, 2, 3}}
	_, err = g.read(make([]byte, 8))
	require.ErrorContains(t, err, "raw_rand returned 3 bytes, want 32")
}

func TestReseedInBackground(t *testing.T) {
	f := newFake(seed(1), seed(2))
	g := &generator{p: f}
	read(t, g, 8)

	f.t += int64(ReseedInterval) - 1
	read(t, g, 8)
	require.Empty(t, f.spawned, "not due yet")

	f.t++
	before := *f.c
	read(t, g, 8)
	require.Len(t, f.spawned, 1, "due: a reseed starts in the background")
	read(t, g, 8)
	require.Len(t, f.spawned, 1, "one reseed at a time")
	f.t += int64(reseedStale) + 1
	read(t, g, 8)
	require.Len(t, f.spawned, 2, "unless the one in flight never finished")
	f.spawned = f.spawned[:1]
	f.raws = append(f.raws, seed(3))
	require.Equal(t, 1, f.calls, "the reads did not wait")

	f.runSpawned()
	require.Equal(t, 2, f.calls)
	require.Zero(t, g.reseeding)
	require.Equal(t, f.t, g.seededAt)
	require.Zero(t, g.sinceSeed)

	// The new key mixes the new bytes into the old stream: it is neither
	// the old stream nor a fresh seed(2) stream.
	old := before
	fresh := &generator{p: newFake(seed(2))}
	next := read(t, g, 16)
	oldNext := make([]byte, 16)
	old.Read(oldNext)
	require.NotEqual(t, oldNext, next)
	require.NotEqual(t, read(t, fresh, 16), next)
}

func TestReseedAfterBytes(t *testing.T) {
	f := newFake(seed(1), seed(2))
	g := &generator{p: f}
	read(t, g, 8)
	g.sinceSeed = ReseedBytes - 8
	read(t, g, 8)
	require.Empty(t, f.spawned)
	read(t, g, 1)
	require.Len(t, f.spawned, 1)
}

func TestReseedNowWaits(t *testing.T) {
	f := newFake(seed(1), seed(2))
	g := &generator{p: f}
	require.NoError(t, g.reseedNow())
	require.Equal(t, 1, f.calls)
	require.True(t, f.keyed())
	require.NoError(t, g.reseedNow())
	require.Equal(t, 2, f.calls)
}

func TestWeakStream(t *testing.T) {
	f := newFake(seed(1))
	g := &generator{p: f}
	f.ctx = ctxQuery // works everywhere, never calls
	a := g.weakUint64()
	require.Zero(t, f.calls)
	require.False(t, g.weakSecure)

	// Before the first seed: a function of block time and canister id.
	same := &generator{p: newFake()}
	require.Equal(t, a, same.weakUint64())
	other := newFake()
	other.id = []byte{9}
	require.NotEqual(t, a, (&generator{p: other}).weakUint64())

	// Seeding re-keys it from the secure stream.
	f.ctx = ctxCall
	read(t, g, 1)
	require.True(t, g.weakSecure)
	require.NotEqual(t, a, g.weakUint64())
}

func TestPackageFunctions(t *testing.T) {
	f := newFake(seed(7))
	saved := secure
	secure = &generator{p: f}
	defer func() { secure = saved }()

	require.False(t, Seeded())
	b := make([]byte, 4)
	_, err := Read(b)
	require.NoError(t, err)
	require.True(t, Seeded())

	perm := Perm(10)
	require.ElementsMatch(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, perm)
	require.Less(t, IntN(5), 5)
	d := N(10 * time.Second)
	require.True(t, d >= 0 && d < 10*time.Second)
	x := Float64()
	require.True(t, x >= 0 && x < 1)

	f.ctx = ctxQuery
	require.Panics(t, func() { NewSecure().Uint64() }, "NewSecure panics where Read fails")
	require.NotPanics(t, func() { Uint64() }, "the not-secret functions work in queries")
	f.ctx = ctxCall
	require.NotPanics(t, func() { NewSecure().IntN(100) })
}
