// Command initrand reads crypto/rand during package initialization, as
// libraries that seed a non-secret generator do: it needs
// `icgo build -init-rand=public`.
package main

import (
	crand "crypto/rand"
	"encoding/binary"

	"github.com/icgo/icgo/cdk"
)

var initSeed = func() uint64 {
	var b [8]byte
	crand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}()

func init() {
	cdk.Query("init_seed", func() uint64 { return initSeed })
}

func main() {}
