// Command hellonet is examples/hello with the net/http transport
// installed, to measure what net/http costs a canister.
package main

import (
	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/icstd/http/nethttp"
)

func init() {
	nethttp.Install(nethttp.Transport{})
	cdk.Query("greet", func(name string) string {
		return "Hello, " + name + "!"
	})
}

func main() {}
