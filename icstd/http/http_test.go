package http

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/management"
	"github.com/icgo/icgo/principal"
)

func TestHeader(t *testing.T) {
	h := Header{}
	h.Add("content-type", "a")
	h.Add("Content-Type", "b")
	h.Set("x-request-ID", "1")
	h.Add("Accept", "*/*")
	require.Equal(t, "a", h.Get("CONTENT-TYPE"))
	require.Equal(t, []string{"a", "b"}, h.Values("content-type"))
	require.Equal(t, "1", h.Get("X-Request-Id"))
	require.Equal(t, []management.HTTPHeader{
		{Name: "Accept", Value: "*/*"}, {Name: "Content-Type", Value: "a"}, {Name: "Content-Type", Value: "b"}, {Name: "X-Request-Id", Value: "1"},
	}, h.list(), "sorted by key, one entry per value")
	c := h.Clone()
	h.Del("accept")
	require.Empty(t, h.Get("Accept"))
	require.Equal(t, "*/*", c.Get("Accept"))
	require.Equal(t, "weird key", CanonicalHeaderKey("weird key"))
	require.Equal(t, "X-1a-B", CanonicalHeaderKey("x-1A-b"))
	require.Equal(t, []management.HTTPHeader{}, Header(nil).list())
}

func TestArgs(t *testing.T) {
	self := principal.MustDecode("lxzze-o7777-77777-aaaaa-cai")
	saved := selfID
	selfID = func() principal.Principal { return self }
	defer func() { selfID = saved }()

	req, err := NewRequest("post", "https://example.com/api?q=1", strings.NewReader(`{"a":1}`))
	require.NoError(t, err)
	require.Equal(t, int64(7), req.ContentLength)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("X-B", "2")

	c := &Client{MaxResponseBytes: 4096, Transform: "transform", TransformContext: []byte("ctx")}
	args, err := c.args(req)
	require.NoError(t, err)
	require.Equal(t, "https://example.com/api?q=1", args.URL)
	require.Equal(t, uint64(4096), *args.MaxResponseBytes)
	require.Equal(t, "POST", args.Method.String())
	require.Equal(t, []byte(`{"a":1}`), *args.Body)
	require.Equal(t, management.TransformFunc{Service: self, Method: "transform"}, args.Transform.Function)
	require.Equal(t, []byte("ctx"), args.Transform.Context)
	require.Nil(t, args.IsReplicated)

	// The request size that prices the outcall (spec "IC method http_request"): URL +
	// header names and values + body + transform name + context.
	want := len("https://example.com/api?q=1") + len("Content-Type") + len("application/json") +
		len("X-B") + len("2") + len(`{"a":1}`) + len("transform") + len("ctx")
	require.Equal(t, uint64(want), management.HTTPRequestSize(args))

	// Defaults: no body, no transform, the IC's response limit.
	req, err = NewRequest("", "https://example.com", nil)
	require.NoError(t, err)
	args, err = (&Client{}).args(req)
	require.NoError(t, err)
	require.Equal(t, "GET", args.Method.String())
	require.Equal(t, uint64(MaxResponseBytes), *args.MaxResponseBytes)
	require.Nil(t, args.Body)
	require.Nil(t, args.Transform)
	require.Equal(t, uint64(len("https://example.com")), management.HTTPRequestSize(args))

	// Non-replicated, and the methods that need it.
	req, err = NewRequest("PUT", "https://example.com", bytes.NewReader([]byte("x")))
	require.NoError(t, err)
	_, err = (&Client{}).args(req)
	require.ErrorContains(t, err, "PUT needs a non-replicated outcall")
	args, err = (&Client{NonReplicated: true}).args(req)
	require.NoError(t, err)
	require.False(t, *args.IsReplicated)
	require.Equal(t, "PUT", args.Method.String())

	_, err = (&Client{MaxResponseBytes: 2_000_001}).args(&Request{Method: "GET", URL: "https://x"})
	require.ErrorContains(t, err, "above the IC's limit")
}

func TestRequestErrors(t *testing.T) {
	_, err := NewRequest("GET", "http://example.com", nil)
	require.ErrorContains(t, err, "need an https:// URL")
	_, err = NewRequest("OPTIONS", "https://example.com", nil)
	require.ErrorContains(t, err, `method "OPTIONS" is not supported`)
	_, err = NewRequest("GET", "https://example.com/"+strings.Repeat("a", 8192), nil)
	require.ErrorContains(t, err, "8192")

	_, err = Get("http://example.com")
	var e *Error
	require.True(t, errors.As(err, &e))
	require.Equal(t, "Get", e.Op)
	require.Equal(t, `Get "http://example.com": URL "http://example.com": HTTPS outcalls need an https:// URL`, err.Error())

	// Outside a canister there is no IC to send the request.
	_, err = Post("https://example.com", "text/plain", strings.NewReader("x"))
	require.ErrorContains(t, err, `Post "https://example.com": management canister http_request: `)
	var me *management.Error
	require.True(t, errors.As(err, &me))
}

func TestTransform(t *testing.T) {
	in := management.TransformArgs{
		Response: management.HTTPRequestResult{
			Status:  200,
			Headers: []management.HTTPHeader{{Name: "date", Value: "Tue, 24 Nov 2026 14:00:00 GMT"}, {Name: "content-type", Value: "text/plain"}},
			Body:    []byte("hello"),
		},
		Context: []byte("c"),
	}
	require.Equal(t, management.HTTPRequestResult{Status: 200, Headers: []management.HTTPHeader{}, Body: []byte("hello")},
		transform(StripHeaders, in))

	var gotCtx []byte
	out := transform(func(r RawResponse, ctx []byte) RawResponse {
		gotCtx = ctx
		require.Equal(t, "text/plain", r.Header.Get("Content-Type"))
		r.Header.Del("Date")
		r.Header.Set("X-Z", "z")
		r.StatusCode = 201
		r.Body = nil
		return r
	}, in)
	require.Equal(t, []byte("c"), gotCtx)
	require.Equal(t, management.HTTPRequestResult{Status: 201,
		Headers: []management.HTTPHeader{{Name: "Content-Type", Value: "text/plain"}, {Name: "X-Z", Value: "z"}}, Body: []byte{}}, out)
}

func TestResponse(t *testing.T) {
	req := &Request{Method: "GET", URL: "https://x"}
	r := newResponse(&management.HTTPRequestResult{Status: 404, Headers: []management.HTTPHeader{{Name: "x-a", Value: "1"}}, Body: []byte("nope")}, req)
	require.Equal(t, "404 Not Found", r.Status)
	require.Equal(t, 404, r.StatusCode)
	require.Equal(t, "1", r.Header.Get("X-A"))
	require.Equal(t, int64(4), r.ContentLength)
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	require.Equal(t, "nope", string(b))
	require.NoError(t, r.Body.Close())
	require.Same(t, req, r.Request)
}
