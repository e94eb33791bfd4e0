package env_test

import (
	"fmt"

	"github.com/icgo/icgo/icstd/env"
)

// In a canister, LOG_LEVEL comes from the canister's settings when a
// controller set it there, else from `icgo build -env LOG_LEVEL=...`.
func ExampleGetenv() {
	level := env.Getenv("LOG_LEVEL")
	if level == "" {
		level = "info"
	}
	fmt.Println(level)
	// Output: info
}
