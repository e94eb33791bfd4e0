// Command randcan exercises icstd/rand in every context, for the e2e test.
package main

import (
	crand "crypto/rand"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/icstd/rand"
)

var initErr string

func init() {
	// The parameter works around the cdk decoding a zero-parameter Init's
	// argument from nothing (it traps with "missing DIDL magic number").
	cdk.Init(func(*string) {
		if _, err := rand.Read(make([]byte, 8)); err != nil {
			initErr = err.Error()
		}
	})
	// secure reads n secure bytes; the first call waits for raw_rand.
	cdk.Update("secure", func(n uint32) ([]byte, error) {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		return b, nil
	})
	cdk.Query("secure_query", func() ([]byte, error) {
		b := make([]byte, 8)
		if _, err := rand.Reader.Read(b); err != nil {
			return nil, err
		}
		return b, nil
	})
	cdk.Query("seeded", func() bool { return rand.Seeded() })
	// crypto/rand, unported: served by the cdk's CSPRNG once seeded; a
	// query traps.
	cdk.Update("crypto", func(n uint32) []byte {
		b := make([]byte, n)
		crand.Read(b)
		return b
	})
	cdk.Query("crypto_query", func() []byte {
		b := make([]byte, 8)
		crand.Read(b)
		return b
	})
	// crypto_instructions reads n bytes of crypto/rand and returns the
	// instructions it took.
	cdk.Update("crypto_instructions", func(n uint32) uint64 {
		b := make([]byte, n)
		a := cdk.InstructionCounter()
		crand.Read(b)
		return cdk.InstructionCounter() - a
	})
	cdk.Query("init_error", func() string { return initErr })
	cdk.Update("reseed", func() error { return rand.Reseed() })
	// weak draws not-secret values; it works in queries too.
	cdk.Update("weak", func() []uint64 { return []uint64{rand.Uint64(), uint64(rand.IntN(1000))} })
	cdk.Query("weak_query", func() []uint64 { return []uint64{rand.Uint64(), uint64(rand.IntN(1000))} })
	cdk.Update("shuffle", func() []int64 {
		p := rand.NewSecure().Perm(8)
		out := make([]int64, len(p))
		for i, v := range p {
			out[i] = int64(v)
		}
		return out
	})
}

func main() {}
