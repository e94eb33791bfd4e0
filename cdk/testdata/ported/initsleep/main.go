// Command initsleep waits for a std timer in its Init hook, which must
// return within canister_init: the install fails naming the waiter and
// icstd/time.
package main

import (
	"time"

	"github.com/icgo/icgo/cdk"
)

func init() {
	cdk.Init(func(*string) { time.Sleep(time.Second) })
}

func main() {}
