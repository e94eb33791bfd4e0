// Package http is a net/http-shaped HTTP client for canisters, over the
// IC's HTTPS outcalls (the management canister's http_request, reference
// 4.2):
//
//	resp, err := http.Get("https://api.example.com/quote/ICP") // parks this goroutine, not the canister
//	if err != nil {
//		return err // names the URL, the reject code and the IC's message
//	}
//	defer resp.Body.Close()
//	body, err := io.ReadAll(resp.Body)
//
// # Why not net/http's types
//
// Request, Response and Header have the field and method names of
// net/http's, but they are this package's own: importing net/http adds about
// 2.3 MB of Wasm (575 KB gzipped) to a canister even when only its types are
// used (client, server, TLS and HTTP/2 come along), and net/url another
// 0.3 MB. So Request.URL is a string, and the fields that mean nothing for
// an outcall (Proto, TLS, Trailer, Form, ...) are absent.
//
// # What an outcall is
//
// Every node of the subnet (13 or more) makes the request and the responses
// must agree byte for byte, after the transform, before the canister sees
// one. Responses that differ between nodes (a Date header, a request id, a
// timestamp in the body) make the call fail with "no consensus"; a
// transform removes what differs: a query method of this canister that the
// IC calls on each node's raw response (RegisterTransform, Client.Transform).
// StripHeaders is the usual one.
//
//	URL                  https:// only (the IC refuses http://); at most 8192 characters
//	methods              GET, HEAD, POST; PUT, DELETE and PATCH only with NonReplicated
//	request              headers and body at most 2,000,000 bytes; at most 64 headers
//	response             at most Client.MaxResponseBytes (default and maximum 2,000,000),
//	                     after the transform and counting the Candid encoding; larger fails
//	cycles               Client.Cycles, or 0 for what ic0.cost_http_request quotes for this
//	                     request and MaxResponseBytes (unused cycles are refunded); the
//	                     price grows with MaxResponseBytes, so set it low
//	user-agent           the IC adds "ic/1.0" if the request has none
//	redirects            not followed; a 3xx response is returned as it is
//
// # Where it works
//
//	context (spec "Overview of imports")                               Get, Head, Post, Do
//	update method (U), reply/reject callback (Ry/Rt),    sends the request and parks the calling
//	timer or heartbeat (T)                                goroutine until the response, usually
//	                                                      a few seconds (the state before is
//	                                                      committed, as at any await)
//	query, composite query, transform, inspect_message,   error: inter-canister calls are not
//	init, post_upgrade, pre_upgrade, cleanup              allowed there (from the cdk)
//
// A transform registered with RegisterTransform runs as a query in context
// TQ; it answers only the management canister (aaaaa-aa) and rejects other
// callers.
//
// Outside a canister (GOOS other than wasip1) there is no IC to make the
// request: Do returns an error.
//
// Section names quoted as spec "..." are those of the IC interface
// specification, https://internetcomputer.org/docs/references/ic-interface-spec.
package http

import (
	"bytes"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/management"
)

// HTTP methods the IC supports.
const (
	MethodGet    = "GET"
	MethodHead   = "HEAD"
	MethodPost   = "POST"
	MethodPut    = "PUT"    // NonReplicated only
	MethodDelete = "DELETE" // NonReplicated only
	MethodPatch  = "PATCH"  // NonReplicated only
)

// MaxResponseBytes is the default and largest Client.MaxResponseBytes.
const MaxResponseBytes = management.MaxResponseBytes

// Request is an outgoing HTTP request, like net/http's.
type Request struct {
	Method        string    // "" means GET
	URL           string    // https://host[:port]/path?query
	Header        Header    // sent in sorted order, each value as its own header
	Body          io.Reader // nil: no body; read to the end by Do
	ContentLength int64     // informational; the body's length is what is sent
}

// NewRequest returns a Request for method, url and body (nil for none).
func NewRequest(method, url string, body io.Reader) (*Request, error) {
	if method == "" {
		method = MethodGet
	}
	if _, ok := management.Method(method); !ok {
		return nil, errors.New("icstd/http: method " + strconv.Quote(method) + " is not supported by HTTPS outcalls (GET, HEAD, POST; PUT, DELETE, PATCH non-replicated)")
	}
	if err := checkURL(url); err != nil {
		return nil, err
	}
	r := &Request{Method: method, URL: url, Header: Header{}, Body: body}
	switch b := body.(type) {
	case *bytes.Buffer:
		r.ContentLength = int64(b.Len())
	case *bytes.Reader:
		r.ContentLength = int64(b.Len())
	case *strings.Reader:
		r.ContentLength = int64(b.Len())
	}
	return r, nil
}

// Response is the response of an outcall (after the transform), like
// net/http's.
type Response struct {
	Status        string // e.g. "200 OK"
	StatusCode    int    // e.g. 200
	Header        Header
	Body          io.ReadCloser // the whole body, already in memory
	ContentLength int64         // the body's length
	Request       *Request
}

// Client makes outcalls. Its zero value is usable: a replicated request
// with the default response limit (2,000,000 bytes, which makes the
// outcall expensive: set MaxResponseBytes) and no transform.
type Client struct {
	// MaxResponseBytes bounds the response (after the transform); 0 means
	// MaxResponseBytes. The fee is computed from this bound, not from the
	// actual size.
	MaxResponseBytes uint64
	// Cycles attached to each request; 0 means the fee ic0.cost_http_request
	// quotes. The IC refunds what it does not use.
	Cycles uint64
	// Transform is the name of a query method of this canister that
	// rewrites each node's raw response (see RegisterTransform); "" means
	// none. TransformContext is passed to it.
	Transform        string
	TransformContext []byte
	// NonReplicated makes one node (not every node of the subnet) send the
	// request: cheaper, and needed for PUT, DELETE and PATCH, but the
	// response is not agreed on by the subnet (is_replicated = false;
	// experimental on the IC).
	NonReplicated bool
}

// selfID is the canister's id, the service of transform references
// (replaced in host tests).
var selfID = cdk.Self

// DefaultClient is the Client used by Get, Head and Post.
var DefaultClient = &Client{}

// Get issues a GET with DefaultClient.
func Get(url string) (*Response, error) { return DefaultClient.Get(url) }

// Head issues a HEAD with DefaultClient.
func Head(url string) (*Response, error) { return DefaultClient.Head(url) }

// Post issues a POST with DefaultClient.
func Post(url, contentType string, body io.Reader) (*Response, error) {
	return DefaultClient.Post(url, contentType, body)
}

// Get issues a GET.
func (c *Client) Get(url string) (*Response, error) { return c.simple(MethodGet, url, "", nil) }

// Head issues a HEAD.
func (c *Client) Head(url string) (*Response, error) { return c.simple(MethodHead, url, "", nil) }

// Post issues a POST with the given Content-Type and body.
func (c *Client) Post(url, contentType string, body io.Reader) (*Response, error) {
	return c.simple(MethodPost, url, contentType, body)
}

func (c *Client) simple(method, url, contentType string, body io.Reader) (*Response, error) {
	req, err := NewRequest(method, url, body)
	if err != nil {
		return nil, &Error{Op: opName(method), URL: url, Err: err}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return c.Do(req)
}

// Do sends req as an HTTPS outcall and returns the response, parking the
// calling goroutine until it arrives. A non-2xx status is not an error.
func (c *Client) Do(req *Request) (*Response, error) {
	args, err := c.args(req)
	if err != nil {
		return nil, &Error{Op: opName(req.Method), URL: req.URL, Err: err}
	}
	res, err := management.HTTPRequest(args, c.Cycles)
	if err != nil {
		return nil, &Error{Op: opName(req.Method), URL: req.URL, Err: err}
	}
	return newResponse(res, req), nil
}

// Cost returns the cycles the System API quotes for sending req with c
// (ic0.cost_http_request), what Do attaches when c.Cycles is 0.
func (c *Client) Cost(req *Request) (uint64, error) {
	args, err := c.args(req)
	if err != nil {
		return 0, err
	}
	return management.HTTPRequestCost(args)
}

// args builds the management canister's http_request argument.
func (c *Client) args(req *Request) (*management.HTTPRequestArgs, error) {
	if err := checkURL(req.URL); err != nil {
		return nil, err
	}
	m, ok := management.Method(req.Method)
	if !ok {
		return nil, errors.New("method " + strconv.Quote(req.Method) + " is not supported by HTTPS outcalls")
	}
	if !c.NonReplicated && (m.Put != nil || m.Delete != nil || m.Patch != nil) {
		return nil, errors.New(m.String() + " needs a non-replicated outcall (Client.NonReplicated): the IC sends only GET, HEAD and POST from every node")
	}
	max := c.MaxResponseBytes
	if max == 0 {
		max = MaxResponseBytes
	}
	if max > MaxResponseBytes {
		return nil, errors.New("MaxResponseBytes " + strconv.FormatUint(max, 10) + " is above the IC's limit of 2000000")
	}
	args := &management.HTTPRequestArgs{
		URL:              req.URL,
		MaxResponseBytes: &max,
		Method:           m,
		Headers:          req.Header.list(),
	}
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, errors.New("reading the request body: " + err.Error())
		}
		if rc, ok := req.Body.(io.Closer); ok {
			rc.Close()
		}
		args.Body = &b
	}
	if c.Transform != "" {
		args.Transform = &management.HTTPTransform{
			Function: management.TransformFunc{Service: selfID(), Method: c.Transform},
			Context:  c.TransformContext,
		}
		if args.Transform.Context == nil {
			args.Transform.Context = []byte{}
		}
	}
	if c.NonReplicated {
		f := false
		args.IsReplicated = &f
	}
	return args, nil
}

func checkURL(url string) error {
	if !strings.HasPrefix(strings.ToLower(url), "https://") {
		return errors.New("URL " + strconv.Quote(url) + ": HTTPS outcalls need an https:// URL")
	}
	if len(url) > 8192 {
		return errors.New("URL is longer than the IC's limit of 8192 characters")
	}
	return nil
}

func newResponse(res *management.HTTPRequestResult, req *Request) *Response {
	code := int(res.Status)
	if uint64(res.Status) > 999 {
		code = 999
	}
	return &Response{
		Status:        strconv.Itoa(code) + " " + StatusText(code),
		StatusCode:    code,
		Header:        headerOf(res.Headers),
		Body:          io.NopCloser(bytes.NewReader(res.Body)),
		ContentLength: int64(len(res.Body)),
		Request:       req,
	}
}

func opName(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}

// Error is the error of a failed request, like net/url's: the operation,
// the URL and the cause (a *management.Error, which wraps the cdk's
// *cdk.CallError with the reject code and the IC's message).
type Error struct {
	Op  string // "Get", "Post", ...
	URL string
	Err error
}

func (e *Error) Error() string { return e.Op + " " + strconv.Quote(e.URL) + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Header is an HTTP header, like net/http's: canonical keys
// ("Content-Type") to values.
type Header map[string][]string

// Add adds value to key's values.
func (h Header) Add(key, value string) {
	key = CanonicalHeaderKey(key)
	h[key] = append(h[key], value)
}

// Set replaces key's values with value.
func (h Header) Set(key, value string) { h[CanonicalHeaderKey(key)] = []string{value} }

// Get returns key's first value, or "".
func (h Header) Get(key string) string {
	if v := h[CanonicalHeaderKey(key)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Values returns all of key's values.
func (h Header) Values(key string) []string { return h[CanonicalHeaderKey(key)] }

// Del removes key.
func (h Header) Del(key string) { delete(h, CanonicalHeaderKey(key)) }

// Clone returns a copy of h (nil for nil).
func (h Header) Clone() Header {
	if h == nil {
		return nil
	}
	c := make(Header, len(h))
	for k, v := range h {
		c[k] = append([]string(nil), v...)
	}
	return c
}

// list returns the headers sorted by key, one entry per value, so that
// every node sends (and a transform returns) the same bytes.
func (h Header) list() []management.HTTPHeader {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := []management.HTTPHeader{}
	for _, k := range keys {
		for _, v := range h[k] {
			out = append(out, management.HTTPHeader{Name: k, Value: v})
		}
	}
	return out
}

func headerOf(hs []management.HTTPHeader) Header {
	h := make(Header, len(hs))
	for _, x := range hs {
		h.Add(x.Name, x.Value)
	}
	return h
}

// CanonicalHeaderKey returns key with the first letter and every letter
// after a hyphen in upper case, the rest in lower case ("content-type" →
// "Content-Type"). Keys with characters other than letters, digits and
// hyphens are returned as they are.
func CanonicalHeaderKey(key string) string {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return key
		}
	}
	b := []byte(key)
	upper := true
	for i, c := range b {
		switch {
		case upper && 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case !upper && 'A' <= c && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
		upper = c == '-'
	}
	return string(b)
}

// StatusText returns the reason phrase of common status codes, "" for
// others.
func StatusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 202:
		return "Accepted"
	case 204:
		return "No Content"
	case 206:
		return "Partial Content"
	case 301:
		return "Moved Permanently"
	case 302:
		return "Found"
	case 304:
		return "Not Modified"
	case 307:
		return "Temporary Redirect"
	case 308:
		return "Permanent Redirect"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 409:
		return "Conflict"
	case 413:
		return "Request Entity Too Large"
	case 429:
		return "Too Many Requests"
	case 500:
		return "Internal Server Error"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Gateway Timeout"
	}
	return ""
}
