//go:build wasip1

package rand

import (
	crand "crypto/rand"
	"errors"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/cdk/ic0"
	"github.com/icgo/icgo/internal/icctx"
	"github.com/icgo/icgo/management"
)

type canister struct{}

var thePlatform platform = canister{}

// context is the cdk's execution context (internal/icctx): replicated
// queries are queries too.
func (canister) context() execContext {
	k := icctx.Current()
	switch {
	case k.Discarded():
		return ctxQuery
	case k.CanCall():
		return ctxCall
	}
	return ctxNoCall
}

func (canister) rawRand() ([]byte, error) {
	b, err := management.RawRand()
	if errors.Is(err, cdk.ErrCallNotAllowed) {
		return nil, ErrNotSeeded
	}
	return b, err
}

func (canister) now() int64 { return ic0.Time() }

func (canister) selfID() []byte { return cdk.Self().Bytes() }

func (canister) spawn(fn func()) { cdk.Go(fn) }

func (canister) keyed() bool { return icctx.Seeded() }

func (canister) key(seed *[32]byte) { icctx.Seed(seed) }

// stream reads crypto/rand, which the post-processor serves from the
// ChaCha20 keystream that icctx.Seed keys.
func (canister) stream(b []byte) { crand.Read(b) }
