// Command swapcache uses github.com/google/uuid, a module from the module
// cache, with its crypto/rand import swapped to icstd/rand by icgo.swap.
package main

import (
	"github.com/google/uuid"

	"github.com/icgo/icgo/cdk"
)

func init() {
	cdk.Update("new", func() (string, error) {
		u, err := uuid.NewRandom()
		return u.String(), err
	})
}

func main() {}
