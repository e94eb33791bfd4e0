// Command nodialcan uses net/http without icstd/http/nethttp: its dials
// must fail with an error naming icstd/http.
package main

import (
	"context"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/icstd/http/nethttp/testdata/quoteapi"
)

func init() {
	cdk.Update("quote_default", func(base, symbol string) (string, error) {
		api := &quoteapi.Client{BaseURL: base}
		_, err := api.Quote(context.Background(), symbol)
		return "", err
	})
}

func main() {}
