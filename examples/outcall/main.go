// Command outcall fetches JSON over an HTTPS outcall: every node of the
// subnet makes the request, a transform strips what differs between their
// responses (headers), and the canister decodes the agreed body.
//
//	icgo run -http-mock examples/outcall/mock.json ./examples/outcall price '("ICP")'
package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/icstd/http"
)

// Quote is what the price API answers.
type Quote struct {
	Symbol string  `json:"symbol" ic:"symbol"`
	USD    float64 `json:"usd" ic:"usd"`
}

// BaseURL is where quotes come from (icgo build -env PRICE_API=... to
// change it, read in init).
var BaseURL = "https://api.example.com/price/"

var client = &http.Client{
	Transform:        "strip", // the query below, run on each node's response
	MaxResponseBytes: 4 << 10, // the fee grows with this bound: keep it small
}

func init() {
	http.RegisterTransform("strip", http.StripHeaders)
	cdk.Update("price", func(symbol string) (Quote, error) {
		resp, err := client.Get(BaseURL + symbol)
		if err != nil {
			return Quote{}, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			return Quote{}, fmt.Errorf("price of %s: %s", symbol, resp.Status)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return Quote{}, err
		}
		var q Quote
		if err := json.Unmarshal(body, &q); err != nil {
			return Quote{}, fmt.Errorf("price of %s: decoding %q: %w", symbol, body, err)
		}
		return q, nil
	})
}

func main() {}
