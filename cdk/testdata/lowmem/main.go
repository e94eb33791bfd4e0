// Command lowmem counts the runs of its low Wasm memory hook.
package main

import "github.com/icgo/icgo/cdk"

var runs uint64

func init() {
	cdk.OnLowWasmMemory(func() { runs++ })
	cdk.Query("runs", func() uint64 { return runs })
}

func main() {}
