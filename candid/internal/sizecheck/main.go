// Command sizecheck is a tiny wasip1 program used to measure what the candid
// codec adds to a canister and to check that math/big is not linked when
// Nat and Int are unused:
//
//	GOOS=wasip1 GOARCH=wasm go build -o /tmp/x.wasm ./candid/internal/sizecheck
//	go tool nm /tmp/x.wasm | grep math/big   # prints nothing
package main

import (
	"os"

	"github.com/icgo/icgo/candid"
)

func main() {
	var name string
	if err := candid.Unmarshal([]byte(os.Args[0]), []any{&name}); err != nil {
		os.Stdout.WriteString(err.Error())
	}
	b, err := candid.Marshal([]any{"hello " + name})
	if err != nil {
		os.Exit(1)
	}
	os.Stdout.Write(b)
}
