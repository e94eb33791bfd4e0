// Command envcan is a test canister for package env.
package main

import (
	"os"
	"strings"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/icstd/env"
)

func init() {
	cdk.Query("get", func(key string) *string {
		v, ok := env.LookupEnv(key)
		if !ok {
			return nil
		}
		return &v
	})
	cdk.Query("os_get", func(key string) string { return os.Getenv(key) })
	cdk.Query("environ", func() string { return strings.Join(env.Environ(), ";") })
}

func main() {}
