package http_test

import (
	"io"
	"strings"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/icstd/http"
)

// A GET from an update method: the goroutine parks until the response; the
// canister goes on serving other messages.
func ExampleGet() {
	cdk.Update("fetch", func(url string) (string, error) {
		resp, err := http.Get(url)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	})
}

// Nodes see different Date headers: a transform that drops the headers
// makes their responses identical, and a small MaxResponseBytes makes the
// outcall cheaper.
func ExampleRegisterTransform() {
	http.RegisterTransform("strip_headers", http.StripHeaders)

	client := &http.Client{Transform: "strip_headers", MaxResponseBytes: 16 << 10}
	cdk.Update("price", func(symbol string) (string, error) {
		resp, err := client.Post("https://api.example.com/price", "application/json",
			strings.NewReader(`{"symbol":"`+symbol+`"}`))
		if err != nil {
			return "", err
		}
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	})
}

// A transform that keeps one field of the body and drops the rest.
func ExampleTransformFunc() {
	http.RegisterTransform("status_only", func(resp http.RawResponse, context []byte) http.RawResponse {
		return http.RawResponse{StatusCode: resp.StatusCode}
	})
}
