package icctx

// The CSPRNG behind crypto/rand and WASI random_get lives in the
// post-processor's replacement of random_get (a ChaCha20 keystream in wasm,
// see internal/postproc), so that the standard library's synchronous reads
// get bytes without calling Go. The cdk keys it from raw_rand after install
// and after every upgrade; icstd/rand reads from it and may reseed it.

// RandMode is what the random_get replacement does in an execution.
type RandMode int32

// Modes (internal/abi documents the pseudo-import that sets them).
const (
	RandInitializing RandMode = 0 // package initialization, canister_init, canister_post_upgrade
	RandAllowed      RandMode = 1 // state is kept: serve the keystream once keyed
	RandDiscarded    RandMode = 2 // queries: never serve (the bytes would repeat)
)

// ModeOf returns the random_get mode of context k.
func ModeOf(k Kind) RandMode {
	switch {
	case k.Discarded():
		return RandDiscarded
	case k == Init || k == None:
		return RandInitializing
	}
	return RandAllowed
}

var seeded bool

// Seeded reports whether the CSPRNG was keyed from raw_rand since the
// canister was installed or upgraded (the key lives in linear memory,
// which an upgrade replaces).
func Seeded() bool { return seeded }

// Seed mixes 32 bytes of raw_rand into the CSPRNG's key (XOR: the key never
// gets weaker) and restarts its keystream.
func Seed(b *[32]byte) {
	randSeed(b)
	seeded = true
}

func randContext(k Kind) { randMode(ModeOf(k)) }
