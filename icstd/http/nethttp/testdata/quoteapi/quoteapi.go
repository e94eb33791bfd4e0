// Package quoteapi is a tiny third-party-style API client, as found on
// the internet: it knows nothing of canisters, takes an *http.Client and
// decodes JSON. The nethttp tests use it unchanged.
package quoteapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// Quote is a price quote.
type Quote struct {
	Symbol string  `json:"symbol"`
	Price  float64 `json:"price"`
}

// Client talks to a quote service.
type Client struct {
	HTTP    *http.Client // nil means http.DefaultClient
	BaseURL string
	APIKey  string
}

// Quote fetches the quote of symbol.
func (c *Client) Quote(ctx context.Context, symbol string) (*Quote, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/v1/quote?symbol="+url.QueryEscape(symbol), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Api-Key", c.APIKey)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("quoteapi: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("quoteapi: %s", resp.Status)
	}
	var q Quote
	if err := json.NewDecoder(resp.Body).Decode(&q); err != nil {
		return nil, fmt.Errorf("quoteapi: decoding the quote: %w", err)
	}
	return &q, nil
}
