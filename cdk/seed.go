package cdk

import (
	"errors"
	"time"

	"github.com/icgo/icgo/internal/icctx"
	"github.com/icgo/icgo/principal"
)

// The CSPRNG behind crypto/rand (WASI random_get, replaced by the
// post-processor) is keyed from the management canister's raw_rand. raw_rand
// cannot be called in canister_init or canister_post_upgrade, and an
// upgrade replaces the memory the key lives in, so init and post_upgrade
// arm a zero-delay timer (as Rust canisters do) whose goroutine calls
// raw_rand and keys the CSPRNG with the reply, one or two rounds after
// install or upgrade. Until then, crypto/rand reads outside initialization
// trap with a message saying so (icstd/rand.Read waits instead).

// seedTimer is the pending seeding timer (0: none); PendingTimers does not
// count it.
var seedTimer TimerID

// seedRetry is how long a failed raw_rand call waits before the next try.
const seedRetry = 5 * time.Second

func armSeed(d time.Duration) {
	seedTimer = SetTimerNotify(d, 0, func(time.Time) {
		seedTimer = 0
		spawn("the cdk's seeding of crypto/rand", seedFromRawRand)
	})
}

// seedFromRawRand keys the CSPRNG with 32 bytes of raw_rand, unless
// icstd/rand did it first.
func seedFromRawRand() {
	var b []byte
	err := Call(principal.ManagementCanister, "raw_rand", nil, &b)
	if icctx.Seeded() {
		return
	}
	if err == nil && len(b) < 32 {
		err = errors.New("raw_rand returned " + itoa(len(b)) + " bytes, want 32")
	}
	if err != nil {
		Print("cdk: seeding crypto/rand from raw_rand failed (" + err.Error() + "); retrying in " + seedRetry.String())
		armSeed(seedRetry)
		return
	}
	var k [32]byte
	copy(k[:], b)
	icctx.Seed(&k)
}
