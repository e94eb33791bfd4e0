package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/icgo/icgo/replica"
)

// flagError ends a command whose flags did not parse: -h is a success (the
// flag package printed the usage), anything else a usage error.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return exitCode(2)
}

// userCacheDir is icgo's cache directory for what (builds, compiled
// modules), or "" if the user has none.
func userCacheDir(what string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "icgo", what)
}

// didYouMean suggests the names closest to s, if any is close.
func didYouMean(s string, names []string) string {
	var best []string
	bestD := len(s)/2 + 1
	for _, n := range names {
		switch d := editDistance(s, n); {
		case d < bestD:
			best, bestD = []string{n}, d
		case d == bestD && best != nil:
			best = append(best, n)
		}
	}
	if best == nil {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", strings.Join(best, " or "))
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// httpClientTrusting is an HTTP client for outcalls that trusts the CA
// certificates in the PEM file path (and only those).
func httpClientTrusting(path string) (*http.Client, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-cacert: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("-cacert: %s holds no PEM certificate", path)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}, nil
}

// mockResponse is one outcall response in an -http-mock file.
type mockResponse struct {
	Status  uint64            `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
	// Nodes, if set, gives each node its own response (the replica asks
	// 13 nodes for a replicated outcall); the fields above are then unused.
	Nodes []mockResponse `json:"nodes"`
}

const httpMockHelp = `an -http-mock file maps URLs to responses, e.g.
  {"https://api.example.com/price": {"status": 200, "headers": {"content-type": "application/json"}, "body": "{\"usd\": 1.5}"}}
a response may instead list one response per node: {"nodes": [{...}, {...}]}`

// loadHTTPMock reads an -http-mock file into a replica mock: URLs it does
// not list fail the outcall, naming the URL.
func loadHTTPMock(path string) (func(*replica.HTTPRequest, int) (*replica.HTTPResponse, error), error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-http-mock: %w", err)
	}
	var m map[string]mockResponse
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("-http-mock %s: %w\n%s", path, err, httpMockHelp)
	}
	return func(req *replica.HTTPRequest, node int) (*replica.HTTPResponse, error) {
		r, ok := m[req.URL]
		if !ok {
			return nil, fmt.Errorf("icgo run: %s is not in the -http-mock file %s", req.URL, path)
		}
		if len(r.Nodes) > 0 {
			r = r.Nodes[node%len(r.Nodes)]
		}
		resp := &replica.HTTPResponse{Status: r.Status, Body: []byte(r.Body)}
		if resp.Status == 0 {
			resp.Status = 200
		}
		for k, v := range r.Headers {
			resp.Headers = append(resp.Headers, replica.HTTPHeader{Name: k, Value: v})
		}
		return resp, nil
	}, nil
}

// isHelpFlag reports whether arg asks for a command's usage.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}
