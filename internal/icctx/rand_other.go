//go:build !wasip1

package icctx

// Outside a canister crypto/rand is the operating system's: nothing to key.

func randMode(RandMode) {}

func randSeed(*[32]byte) {}
