// Command httpcan makes HTTPS outcalls with icstd/http, for the e2e test.
package main

import (
	"io"
	"strings"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/icstd/http"
)

// Reply is what fetch returns.
type Reply struct {
	Status  uint32     `ic:"status"`
	Headers [][]string `ic:"headers"` // [name, value] pairs, sorted
	Body    string     `ic:"body"`
}

// Options configure one request.
type Options struct {
	Method           string `ic:"method"`
	Body             string `ic:"body"`
	Transform        string `ic:"transform"`
	MaxResponseBytes uint64 `ic:"max_response_bytes"`
	NonReplicated    bool   `ic:"non_replicated"`
}

func init() {
	http.RegisterTransform("strip", http.StripHeaders)
	http.RegisterTransform("upper", func(r http.RawResponse, ctx []byte) http.RawResponse {
		r.Header = http.Header{"X-Context": {string(ctx)}}
		r.Body = []byte(strings.ToUpper(string(r.Body)))
		return r
	})

	cdk.Update("fetch", func(url string, o Options) (Reply, error) {
		c := &http.Client{Transform: o.Transform, TransformContext: []byte("ctx"), MaxResponseBytes: o.MaxResponseBytes, NonReplicated: o.NonReplicated}
		var body io.Reader
		if o.Body != "" {
			body = strings.NewReader(o.Body)
		}
		req, err := http.NewRequest(o.Method, url, body)
		if err != nil {
			return Reply{}, err
		}
		req.Header.Set("X-Test", "1")
		resp, err := c.Do(req)
		if err != nil {
			return Reply{}, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return Reply{}, err
		}
		r := Reply{Status: uint32(resp.StatusCode), Body: string(b), Headers: [][]string{}}
		for k, vs := range resp.Header {
			for _, v := range vs {
				r.Headers = append(r.Headers, []string{k, v})
			}
		}
		return r, nil
	})
	cdk.Update("get", func(url string) (string, error) {
		resp, err := http.Get(url)
		if err != nil {
			return "", err
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.Status + " " + string(b), nil
	})
	cdk.Query("get_in_query", func(url string) (string, error) {
		_, err := http.Get(url)
		if err != nil {
			return "", err
		}
		return "unexpected", nil
	})
	cdk.Query("cost", func(url string, max uint64, transform string) (uint64, error) {
		req, err := http.NewRequest("POST", url, strings.NewReader("0123456789"))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "text/plain")
		return (&http.Client{MaxResponseBytes: max, Transform: transform, TransformContext: []byte("ctx")}).Cost(req)
	})
}

func main() {}
