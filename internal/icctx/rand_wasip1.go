//go:build wasip1

package icctx

import "unsafe"

//go:wasmimport icgo rand_mode
func randModeImport(mode int32)

//go:wasmimport icgo rand_seed
func randSeedImport(key unsafe.Pointer)

func randMode(m RandMode) { randModeImport(int32(m)) }

func randSeed(b *[32]byte) { randSeedImport(unsafe.Pointer(&b[0])) }
