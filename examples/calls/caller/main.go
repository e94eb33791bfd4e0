// Command caller calls the counter canister through the typed client that
// icgo bind generated from the counter's .did (package counterclient): no
// hand-written Candid types, and the compiler checks every call.
//
//	go generate ./examples/calls/...   # regenerates counterclient after the counter changes
package main

import (
	"fmt"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/examples/calls/counterclient"
	"github.com/icgo/icgo/principal"
)

var counter *counterclient.Client

func init() {
	// The counter's id is the install argument.
	cdk.Init(func(id principal.Principal) { counter = counterclient.New(id) })
	cdk.Update("bump", func(n uint64) (string, error) {
		total, err := counter.Add(n) // parks this goroutine until the counter answers
		if err != nil {
			return "", fmt.Errorf("calling the counter: %w", err)
		}
		seen, err := counter.Get()
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("counter at %d (read back %d)", total, seen), nil
	})
}

func main() {}
