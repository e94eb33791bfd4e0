// Package rand is randomness for canisters: a crypto/rand-shaped secure
// reader (Reader, Read) and math/rand/v2-shaped functions (IntN, Float64,
// Shuffle, Perm, N, ...), both seeded from the management canister's
// raw_rand.
//
// The IC gives a canister randomness only through raw_rand (IC interface
// specification, section "Management canister > raw_rand"): an
// inter-canister call that returns 32 unpredictable bytes a round later.
// It cannot be called from queries, init or post_upgrade, and the memory
// (where the generator's key lives) does not survive an upgrade. Inside a
// canister, the standard library's crypto/rand is served by the same
// generator as this package's secure reads: a ChaCha20 keystream that the
// cdk keys from raw_rand by itself in the first rounds after install and
// upgrade (crypto/rand traps in queries and before that seed; see
// docs/semantics.md, "Randomness"). This package adds what crypto/rand
// cannot do synchronously: a secure read that waits for the seed (where the
// IC allows a call) or fails with an error that says why, never predictable
// bytes handed out as if they were secret.
//
// # Threat model
//
// Secret from callers, not from nodes. The subnet's nodes can read the
// canister's memory, the generator's key included: for secrets that nodes
// must not see, use vetKeys (management.VetKDDeriveKey). Callers cannot
// predict the bytes: the key comes from raw_rand (unpredictable to anyone
// until the round that produces it), and no query ever gets bytes, since a
// query's state changes are discarded and the same bytes would be handed out
// again (a caller could learn a key before an update generates it). Bytes
// served during initialization with `icgo build -init-rand=public` are
// public and predictable (derived from the block time): only for
// non-secret generators.
//
// # Secure reads: Reader, Read, NewSecure
//
//	context (spec, "System API imports")     not seeded yet                          seeded
//	update method (U), reply/reject          calls raw_rand and parks the            returns at once
//	callback (Ry/Rt), timer, heartbeat (T)   goroutine until the reply (one round;
//	                                         the state before is committed, as at
//	                                         any await)
//	query, composite query, transform        ErrQuery                                ErrQuery
//	(RQ NRQ CQ TQ), inspect_message (F)
//	init, post_upgrade (I)                   ErrNotSeeded (the heap is new, and       (cannot happen)
//	                                         calls are not allowed)
//	pre_upgrade (G), cleanup callback (C)    ErrNotSeeded (calls not allowed)        returns at once
//
// Queries always fail, seeded or not: a query's state changes are
// discarded, so the generator would hand out the same bytes again to the
// next query or update (a caller could learn a key before an update
// generates it).
//
// The generator is ChaCha20 keyed with 32 bytes of raw_rand. Every seeding
// after the first XORs the new 32 bytes into the current key, so the key
// never gets weaker. It reseeds itself after ReseedInterval of block time
// or ReseedBytes of output: the next secure read from a context that can
// call starts a raw_rand call on a background goroutine (cdk.Go) and goes
// on with the current key. Since the cdk seeds the generator one or two
// rounds after install and upgrade, only reads in those first rounds wait.
//
// # Package-level functions (IntN, Float64, Shuffle, ...): not secret
//
// They work in every context and never wait or fail. They draw from a second
// ChaCha8 keyed from the secure generator each time that one is seeded;
// before the first seed they are keyed from ic0.time and the canister id,
// which anyone can know. In a query the values repeat between queries run
// on the same state. Use them for sampling, load spreading, simulations and
// tests; use Reader or NewSecure for keys, nonces, lotteries and anything an
// attacker should not predict.
//
// Outside a canister (GOOS other than wasip1), raw_rand is replaced by
// crypto/rand and every context counts as an update, so host tests run the
// same code.
package rand

import (
	"errors"
	"io"
	mrand "math/rand/v2"
	"time"
)

// ReseedInterval and ReseedBytes bound how long and how much the secure
// generator runs on one key before it reseeds from raw_rand.
const (
	ReseedInterval = time.Hour
	ReseedBytes    = 64 << 20
)

// ErrQuery is returned by secure reads in queries, composite queries,
// transforms and inspect_message.
var ErrQuery = errors.New("icstd/rand: no secure random bytes in a query: its state changes are discarded, so the same bytes would be handed out again; read them in an update, a timer or a heartbeat")

// ErrNotSeeded is returned by secure reads before the first seed, in
// contexts that cannot call raw_rand (init, post_upgrade, pre_upgrade,
// cleanup callbacks).
var ErrNotSeeded = errors.New("icstd/rand: not seeded yet, and raw_rand cannot be called here (init, post_upgrade, pre_upgrade and cleanup callbacks cannot make calls); read from an update, a timer or a heartbeat, or call rand.Reseed from one first (e.g. a timer armed in init)")

// Reader is a cryptographically secure random number generator seeded from
// raw_rand; see the package documentation for when it waits or fails.
var Reader io.Reader = reader{}

type reader struct{}

func (reader) Read(b []byte) (int, error) { return secure.read(b) }

// Read fills b with secure random bytes, like crypto/rand.Read. It waits
// for the first seed or fails, as the package documentation describes; on
// error it returns 0 and b holds no random data.
func Read(b []byte) (n int, err error) { return secure.read(b) }

// Reseed calls raw_rand, waits for its reply (parking the goroutine) and
// mixes the 32 bytes into the secure generator. It needs a context that can
// make calls: an update, a callback, a timer or a heartbeat; elsewhere it
// returns ErrQuery or ErrNotSeeded.
func Reseed() error { return secure.reseedNow() }

// Seeded reports whether the secure generator has been seeded since the
// canister was installed or upgraded.
func Seeded() bool { return secure.p.keyed() }

// NewSecure returns a Rand whose values come from Reader, for secure
// shuffles, draws and the like. Where Reader would fail (see the package
// documentation), its methods panic with the error, which traps the message.
func NewSecure() *Rand { return mrand.New(secureSource{}) }

type secureSource struct{}

func (secureSource) Uint64() uint64 {
	var b [8]byte
	if _, err := secure.read(b[:]); err != nil {
		panic(err)
	}
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// Rand, Source, ChaCha8 and PCG are math/rand/v2's.
type (
	Rand    = mrand.Rand
	Source  = mrand.Source
	ChaCha8 = mrand.ChaCha8
	PCG     = mrand.PCG
)

// New returns a Rand over src (math/rand/v2.New).
func New(src Source) *Rand { return mrand.New(src) }

// NewChaCha8 returns a ChaCha8 seeded with seed (math/rand/v2.NewChaCha8).
func NewChaCha8(seed [32]byte) *ChaCha8 { return mrand.NewChaCha8(seed) }

// NewPCG returns a PCG seeded with seed1 and seed2 (math/rand/v2.NewPCG).
func NewPCG(seed1, seed2 uint64) *PCG { return mrand.NewPCG(seed1, seed2) }

// global is the Rand of the package-level functions (not secret).
var global = mrand.New(weakSource{})

type weakSource struct{}

func (weakSource) Uint64() uint64 { return secure.weakUint64() }

// Int returns a non-negative int. Not secret.
func Int() int { return global.Int() }

// IntN returns an int in [0, n); it panics if n <= 0. Not secret.
func IntN(n int) int { return global.IntN(n) }

// Int32 returns a non-negative int32. Not secret.
func Int32() int32 { return global.Int32() }

// Int32N returns an int32 in [0, n); it panics if n <= 0. Not secret.
func Int32N(n int32) int32 { return global.Int32N(n) }

// Int64 returns a non-negative int64. Not secret.
func Int64() int64 { return global.Int64() }

// Int64N returns an int64 in [0, n); it panics if n <= 0. Not secret.
func Int64N(n int64) int64 { return global.Int64N(n) }

// Uint returns a uint. Not secret.
func Uint() uint { return global.Uint() }

// UintN returns a uint in [0, n); it panics if n == 0. Not secret.
func UintN(n uint) uint { return global.UintN(n) }

// Uint32 returns a uint32. Not secret.
func Uint32() uint32 { return global.Uint32() }

// Uint32N returns a uint32 in [0, n); it panics if n == 0. Not secret.
func Uint32N(n uint32) uint32 { return global.Uint32N(n) }

// Uint64 returns a uint64. Not secret.
func Uint64() uint64 { return global.Uint64() }

// Uint64N returns a uint64 in [0, n); it panics if n == 0. Not secret.
func Uint64N(n uint64) uint64 { return global.Uint64N(n) }

// Float32 returns a float32 in [0.0, 1.0). Not secret.
func Float32() float32 { return global.Float32() }

// Float64 returns a float64 in [0.0, 1.0). Not secret.
func Float64() float64 { return global.Float64() }

// NormFloat64 returns a normally distributed float64 (mean 0, standard
// deviation 1). Not secret.
func NormFloat64() float64 { return global.NormFloat64() }

// ExpFloat64 returns an exponentially distributed float64 (rate 1). Not
// secret.
func ExpFloat64() float64 { return global.ExpFloat64() }

// Perm returns a random permutation of [0, n). Not secret.
func Perm(n int) []int { return global.Perm(n) }

// Shuffle shuffles n elements with swap. Not secret.
func Shuffle(n int, swap func(i, j int)) { global.Shuffle(n, swap) }

type intType interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// N returns a value in [0, n) of any integer type (a time.Duration, for
// example); it panics if n <= 0. Not secret.
func N[Int intType](n Int) Int {
	if n <= 0 {
		panic("icstd/rand: invalid argument to N")
	}
	return Int(global.Uint64N(uint64(n)))
}
