package rand_test

import (
	"encoding/hex"
	"fmt"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/icstd/rand"
)

// A session token from the secure reader: the first read of the canister's
// life waits for raw_rand; a query would get rand.ErrQuery.
func ExampleRead() {
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(hex.EncodeToString(token)))
	// Output: 32
}

// The math/rand/v2-shaped functions work everywhere and never wait, but
// are not secret.
func ExampleIntN() {
	die := rand.IntN(6) + 1
	fmt.Println(die >= 1 && die <= 6)
	// Output: true
}

// Seed the generator as soon as the canister can call, so that no request
// waits for raw_rand: from a zero-delay timer armed in init and after each
// upgrade (the Go heap, and the generator with it, is new then).
func ExampleReseed() {
	seed := func() {
		cdk.SetTimer(0, func() {
			if err := rand.Reseed(); err != nil {
				cdk.Print("seeding: " + err.Error())
			}
		})
	}
	cdk.Init(func(*string) { seed() })
	cdk.PostUpgrade(func(*string) { seed() })
}

// A draw nobody can predict: NewSecure's methods read from rand.Reader.
func ExampleNewSecure() {
	cdk.Update("draw", func(tickets []string) (string, error) {
		if len(tickets) == 0 {
			return "", fmt.Errorf("no tickets")
		}
		return tickets[rand.NewSecure().IntN(len(tickets))], nil
	})
}
