package nethttp_test

import (
	"encoding/json"
	"net/http"

	"github.com/icgo/icgo/cdk"
	ichttp "github.com/icgo/icgo/icstd/http"
	"github.com/icgo/icgo/icstd/http/nethttp"
)

// A library that takes an *http.Client gets one whose Transport makes
// outcalls. A transform drops the headers that differ between nodes, and
// a small MaxResponseBytes keeps the fee low.
func ExampleTransport() {
	ichttp.RegisterTransform("strip", ichttp.StripHeaders)
	client := &http.Client{Transport: nethttp.Transport{MaxResponseBytes: 16 << 10, Transform: "strip"}}

	cdk.Update("rate", func(pair string) (float64, error) {
		resp, err := client.Get("https://api.example.com/rate?pair=" + pair)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		var r struct{ Rate float64 }
		err = json.NewDecoder(resp.Body).Decode(&r)
		return r.Rate, err
	})
}

// Code that uses http.Get or http.DefaultClient makes outcalls once the
// transport is installed (in an init function).
func ExampleInstall() {
	nethttp.Install(nethttp.Transport{MaxResponseBytes: 64 << 10})
}
