// Command counter is the callee of the calls example: a counter that
// other canisters add to.
package main

import "github.com/icgo/icgo/cdk"

var total uint64

func init() {
	cdk.Update("add", func(n uint64) uint64 { total += n; return total })
	cdk.Query("get", func() uint64 { return total })
}

func main() {}
