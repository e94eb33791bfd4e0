package rand

import (
	"encoding/binary"
	"errors"
	mrand "math/rand/v2"
	"strconv"
	"time"
)

// execContext is what the running execution allows, for this package.
type execContext uint8

const (
	ctxCall   execContext = iota // U, Ry, Rt, T: calls allowed, state kept
	ctxQuery                     // RQ, NRQ, TQ, CQ, CRy, CRt, F: state discarded
	ctxNoCall                    // I, G, C: state kept, calls not allowed
)

// platform is what the generator needs from the IC (or from the host in
// tests): see platform_wasip1.go and platform_other.go.
type platform interface {
	context() execContext
	rawRand() ([]byte, error) // parks the goroutine until the reply
	now() int64               // block time, ns
	selfID() []byte           // the canister id
	spawn(fn func())          // run fn on a goroutine that may outlive the message

	// The CSPRNG: in a canister, the one behind crypto/rand (WASI
	// random_get, replaced by the post-processor), which the cdk keys from
	// raw_rand after install and upgrade; outside, the operating system's.
	keyed() bool        // keyed since install or upgrade
	key(seed *[32]byte) // mix 32 bytes of raw_rand into the key
	stream(b []byte)    // fill b with the CSPRNG's bytes (keyed only)
}

// generator is the secure generator and the not-secret one derived from
// it. It lives in the Go heap: a trap rolls it back with the rest of the
// message, and an upgrade or reinstall loses it.
type generator struct {
	p platform

	seededAt  int64  // block time of the last seed
	sinceSeed uint64 // bytes handed out since
	reseeding int64  // block time a background reseed started; 0: none in flight

	weak       *mrand.ChaCha8 // not-secret stream; nil until first use
	weakSecure bool           // weak was keyed from the secure stream
}

var secure = &generator{p: thePlatform}

// read fills b with secure bytes (see the package documentation).
func (g *generator) read(b []byte) (int, error) {
	switch g.p.context() {
	case ctxQuery:
		return 0, ErrQuery
	case ctxNoCall:
		if !g.p.keyed() {
			return 0, ErrNotSeeded
		}
	case ctxCall:
		if !g.p.keyed() {
			if err := g.reseedNow(); err != nil {
				return 0, err
			}
		} else if g.due() && (g.reseeding == 0 || g.p.now()-g.reseeding > int64(reseedStale)) {
			g.reseeding = g.p.now()
			g.p.spawn(func() {
				// A failed background reseed leaves the current key,
				// which is still good; the next read tries again.
				_ = g.reseedNow()
				g.reseeding = 0
			})
		}
	}
	g.p.stream(b)
	g.sinceSeed += uint64(len(b))
	return len(b), nil
}

// reseedStale is when a background reseed that never finished (its
// callback trapped, say) no longer blocks the next one.
const reseedStale = 10 * time.Minute

// due reports whether the key is older than ReseedInterval or has produced
// ReseedBytes.
func (g *generator) due() bool {
	return g.sinceSeed >= ReseedBytes || g.p.now()-g.seededAt >= int64(ReseedInterval)
}

// reseedNow fetches 32 bytes from raw_rand (waiting for them) and mixes
// them into the key.
func (g *generator) reseedNow() error {
	switch g.p.context() {
	case ctxQuery:
		return ErrQuery
	case ctxNoCall:
		return ErrNotSeeded
	}
	raw, err := g.p.rawRand()
	if err == ErrNotSeeded || err == ErrQuery {
		return err
	}
	if err != nil {
		return &seedError{err}
	}
	if len(raw) < 32 {
		return errors.New("icstd/rand: raw_rand returned " + strconv.Itoa(len(raw)) + " bytes, want 32")
	}
	g.mix(raw[:32])
	return nil
}

// mix mixes seed into the CSPRNG's key (the platform XORs it in, so the
// key never gets weaker), and re-keys the not-secret stream from it.
func (g *generator) mix(seed []byte) {
	var key [32]byte
	copy(key[:], seed)
	g.p.key(&key)
	g.seededAt = g.p.now()
	g.sinceSeed = 0
	var wk [32]byte
	g.p.stream(wk[:])
	g.weak = mrand.NewChaCha8(wk)
	g.weakSecure = true
}

// weakUint64 is the not-secret stream: keyed from the secure one once that
// is seeded, before that from the block time and the canister id.
func (g *generator) weakUint64() uint64 {
	if g.weak == nil {
		var key [32]byte
		binary.LittleEndian.PutUint64(key[:8], uint64(g.p.now()))
		copy(key[8:], g.p.selfID())
		g.weak = mrand.NewChaCha8(key)
	}
	return g.weak.Uint64()
}

// seedError is a failed raw_rand call; it wraps the call's error (for
// management.Error and the cdk's *cdk.CallError with the reject code).
type seedError struct{ err error }

func (e *seedError) Error() string { return "icstd/rand: seeding from raw_rand: " + e.err.Error() }

func (e *seedError) Unwrap() error { return e.err }
