// Command runcan is icgo run's test canister: an install argument, the
// caller, and an update that answers only after the clock moves.
package main

import (
	"time"

	"github.com/icgo/icgo/cdk"
)

var greeting = "Hello"

func init() {
	cdk.Init(func(g string) { greeting = g })
	cdk.Query("greet", func(name string) string { return greeting + ", " + name + "!" })
	cdk.Query("whoami", func() string { return cdk.Caller().String() })
	cdk.Update("later", func() string {
		cdk.Sleep(10 * time.Second)
		return "woke up"
	})
}

func main() {}
