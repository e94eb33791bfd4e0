//go:build !wasip1

package rand

import (
	crand "crypto/rand"
	"time"
)

// Outside a canister raw_rand and the CSPRNG are crypto/rand, every
// context is an update and background reseeds run at once, so host
// programs and tests run the same code.
type host struct{ seeded bool }

var thePlatform platform = &host{}

func (*host) context() execContext { return ctxCall }

func (*host) rawRand() ([]byte, error) {
	b := make([]byte, 32)
	_, err := crand.Read(b)
	return b, err
}

func (*host) now() int64 { return time.Now().UnixNano() }

func (*host) selfID() []byte { return nil }

func (*host) spawn(fn func()) { fn() }

func (h *host) keyed() bool { return h.seeded }

func (h *host) key(*[32]byte) { h.seeded = true }

func (*host) stream(b []byte) { crand.Read(b) }
