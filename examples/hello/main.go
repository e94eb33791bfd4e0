// Command hello is the smallest useful icgo canister: a query that greets
// and an update that counts.
//
//	icgo run ./examples/hello greet '("world")'
package main

import (
	"errors"

	"github.com/icgo/icgo/cdk"
)

var counter uint64

func init() {
	cdk.Query("greet", func(name string) string {
		return "Hello, " + name + "!"
	})
	cdk.Update("inc", func() uint64 {
		counter++
		return counter
	})
	cdk.Query("get", func() uint64 { return counter })
	// fail shows that a trap rolls the message back: the counter is
	// incremented, then the message traps, and the increment is undone.
	cdk.Update("fail", func() uint64 {
		counter++
		panic("fail always traps")
	})
	// dec shows a rejected call: an error result rejects the call.
	cdk.Update("dec", func() (uint64, error) {
		if counter == 0 {
			return 0, errors.New("the counter is already zero")
		}
		counter--
		return counter, nil
	})
}

func main() {}
