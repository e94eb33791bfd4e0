// Command withnat is sizecheck using candid.Nat, which links math/big.
package main

import (
	"os"

	"github.com/icgo/icgo/candid"
)

func main() {
	var n candid.Nat
	_ = candid.Unmarshal([]byte(os.Args[0]), []any{&n})
	b, _ := candid.Marshal([]any{n})
	os.Stdout.Write(b)
}
