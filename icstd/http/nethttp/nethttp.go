// Package nethttp is a net/http RoundTripper over the IC's HTTPS outcalls
// (IC interface specification, section "Management canister >
// IC method http_request"), so that code written for net/http, and
// third-party API clients that take an *http.Client, work in a canister:
//
//	client := &http.Client{Transport: nethttp.Transport{MaxResponseBytes: 64 << 10}}
//	api := weather.NewClient(client) // any library that takes an *http.Client
//
// or, for code that uses http.Get, http.DefaultClient or a zero
// http.Client:
//
//	nethttp.Install() // http.DefaultTransport now makes outcalls
//
// The outcall itself is package icstd/http's (Client.Do): the same limits,
// fees, transforms and contexts apply (https:// only; GET, HEAD and POST,
// PUT, DELETE and PATCH only non-replicated; a response of at most
// MaxResponseBytes; from updates, callbacks, timers and heartbeats, not
// from queries or init). The request waits in the calling goroutine until
// the response arrives; the context of the request is checked before the
// outcall is sent, but an outcall in flight cannot be cancelled.
//
// # Size
//
// Importing net/http adds about 575 KB (gzip) to a canister; this package
// is opt-in for that reason. Canisters that need only outcalls should use
// icstd/http, which has net/http's names without its weight.
//
// # Dials fail loudly
//
// A canister cannot open sockets: Go's net package on wasip1 serves a fake
// in-memory network, and a net/http dial fails there with a misleading
// "connect: connection refused". Importing this package (which icgo build
// does by itself for every canister that links net/http) makes the dialers
// of http.DefaultTransport, and of every Transport cloned from it, fail
// with ErrNoDial, which names this package and icstd/http.
package nethttp

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"runtime"

	ichttp "github.com/icgo/icgo/icstd/http"
)

// Transport is an http.RoundTripper that sends each request as an HTTPS
// outcall. Its fields are icstd/http.Client's (MaxResponseBytes, Cycles,
// Transform, TransformContext, NonReplicated) and mean the same; the zero
// value makes replicated requests with the IC's largest response limit
// (2,000,000 bytes, the most expensive: set MaxResponseBytes).
type Transport ichttp.Client

// RoundTrip sends req as an HTTPS outcall and returns the response, parking
// the calling goroutine until it arrives. A non-2xx status is not an
// error. The request body is read to the end and closed.
func (t Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if req.URL == nil {
		return nil, errors.New("icstd/http/nethttp: request has no URL")
	}
	out, err := ichttp.NewRequest(req.Method, req.URL.String(), req.Body)
	if err != nil {
		return nil, err
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			out.Header.Add(k, v)
		}
	}
	if req.Host != "" && req.Host != req.URL.Host {
		out.Header.Set("Host", req.Host)
	}
	c := ichttp.Client(t)
	resp, err := c.Do(out)
	if err != nil {
		// http.Client wraps the error in a *url.Error naming the method
		// and URL: return the cause, not icstd/http's own wrapper.
		var e *ichttp.Error
		if errors.As(err, &e) {
			return nil, e.Err
		}
		return nil, err
	}
	return &http.Response{
		Status:        resp.Status,
		StatusCode:    resp.StatusCode,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header(resp.Header),
		Body:          resp.Body,
		ContentLength: resp.ContentLength,
		Request:       req,
	}, nil
}

// Install makes http.DefaultTransport send https:// requests (and report
// http:// ones as unsupported) through a Transport with the given
// settings, so that http.Get, http.DefaultClient and clients with a nil
// Transport make outcalls. http.DefaultTransport stays an *http.Transport
// (code that clones it keeps working, but a clone dials and fails with
// ErrNoDial: give such code an *http.Client with a Transport instead).
// Call it once, in an init function; a second call panics.
func Install(t Transport) {
	dt, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		http.DefaultTransport = t
		return
	}
	dt.RegisterProtocol("https", t)
	dt.RegisterProtocol("http", t)
}

// ErrNoDial is the error of every dial by http.DefaultTransport (and its
// clones) inside a canister.
var ErrNoDial = errors.New("a canister cannot open network connections: " +
	"make HTTPS requests with icstd/http, or give net/http clients the outcall transport of " +
	"icstd/http/nethttp (&http.Client{Transport: nethttp.Transport{}}, or nethttp.Install for http.DefaultTransport)")

func noDial(context.Context, string, string) (net.Conn, error) { return nil, ErrNoDial }

func init() {
	if runtime.GOOS != "wasip1" {
		return // a host program's network is real
	}
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		disableDials(dt)
	}
}

// disableDials makes t's dials fail with ErrNoDial.
func disableDials(dt *http.Transport) {
	dt.DialContext = noDial
	dt.DialTLSContext = noDial
	// No HTTP/2 set-up on first use: it would try to register its own
	// "https" protocol next to Install's and log that it could not.
	if dt.TLSNextProto == nil {
		dt.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
}
