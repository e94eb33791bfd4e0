// Command apican uses the unchanged quoteapi client over HTTPS outcalls,
// with nethttp.Transport and with http.DefaultTransport after Install.
package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/icgo/icgo/cdk"
	ichttp "github.com/icgo/icgo/icstd/http"
	"github.com/icgo/icgo/icstd/http/nethttp"
	"github.com/icgo/icgo/icstd/http/nethttp/testdata/quoteapi"
)

func init() {
	ichttp.RegisterTransform("strip", ichttp.StripHeaders)
	nethttp.Install(nethttp.Transport{MaxResponseBytes: 4096, Transform: "strip"})

	client := &http.Client{Transport: nethttp.Transport{MaxResponseBytes: 4096, Transform: "strip"}}
	cdk.Update("quote", func(base, symbol string) (string, error) {
		api := &quoteapi.Client{HTTP: client, BaseURL: base, APIKey: "k1"}
		q, err := api.Quote(context.Background(), symbol)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s %.2f", q.Symbol, q.Price), nil
	})
	// A client with a timeout, as many libraries set one.
	timed := &http.Client{Transport: nethttp.Transport{MaxResponseBytes: 4096, Transform: "strip"}, Timeout: 30 * time.Second}
	cdk.Update("quote_timeout", func(base, symbol string) (string, error) {
		api := &quoteapi.Client{HTTP: timed, BaseURL: base, APIKey: "k3"}
		q, err := api.Quote(context.Background(), symbol)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s %.2f", q.Symbol, q.Price), nil
	})
	// The same client with http.DefaultClient.
	cdk.Update("quote_default", func(base, symbol string) (string, error) {
		api := &quoteapi.Client{BaseURL: base, APIKey: "k2"}
		q, err := api.Quote(context.Background(), symbol)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s %.2f", q.Symbol, q.Price), nil
	})
	// A Transport cloned from http.DefaultTransport dials, and fails.
	cdk.Update("quote_clone", func(base, symbol string) (string, error) {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		api := &quoteapi.Client{HTTP: &http.Client{Transport: tr}, BaseURL: base}
		_, err := api.Quote(context.Background(), symbol)
		return "", err
	})
	cdk.Query("quote_in_query", func(base, symbol string) (string, error) {
		api := &quoteapi.Client{HTTP: client, BaseURL: base}
		_, err := api.Quote(context.Background(), symbol)
		return "", err
	})
}

func main() {}
