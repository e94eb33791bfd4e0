package nethttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/management"
)

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

// Outside a canister the outcall itself fails (there is no IC); what is
// checked here is what RoundTrip does before and around it.
func TestRoundTrip(t *testing.T) {
	body := &closeRecorder{Reader: strings.NewReader("x")}
	req, err := http.NewRequest("POST", "https://example.com/a", body)
	require.NoError(t, err)
	_, err = Transport{}.RoundTrip(req)
	var me *management.Error
	require.True(t, errors.As(err, &me), "the outcall was attempted: %v", err)
	require.True(t, body.closed, "the body is closed, as RoundTripper requires")

	// Errors are the cause: http.Client adds the method and URL.
	_, err = (&http.Client{Transport: Transport{}}).Get("https://example.com/b")
	require.ErrorContains(t, err, `Get "https://example.com/b": management canister http_request: `)
	require.Equal(t, 1, strings.Count(err.Error(), "example.com/b"))

	_, err = (&http.Client{Transport: Transport{}}).Get("http://example.com/c")
	require.EqualError(t, err, `Get "http://example.com/c": URL "http://example.com/c": HTTPS outcalls need an https:// URL`)

	req, err = http.NewRequest("OPTIONS", "https://example.com", nil)
	require.NoError(t, err)
	_, err = Transport{}.RoundTrip(req)
	require.ErrorContains(t, err, `method "OPTIONS" is not supported by HTTPS outcalls`)

	_, err = Transport{MaxResponseBytes: 2_000_001}.RoundTrip(req.Clone(context.Background()))
	require.Error(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, err = http.NewRequestWithContext(ctx, "GET", "https://example.com", nil)
	require.NoError(t, err)
	_, err = Transport{}.RoundTrip(req)
	require.ErrorIs(t, err, context.Canceled)
}

func TestInstallAndNoDial(t *testing.T) {
	tr := &http.Transport{}
	disableDials(tr)
	_, err := tr.DialContext(context.Background(), "tcp", "127.0.0.1:443")
	require.ErrorIs(t, err, ErrNoDial)
	_, err = tr.Clone().DialTLSContext(context.Background(), "tcp", "127.0.0.1:443")
	require.ErrorIs(t, err, ErrNoDial, "clones keep the dialers")
	require.EqualError(t, ErrNoDial, "a canister cannot open network connections: make HTTPS requests with icstd/http, or give net/http clients the outcall transport of icstd/http/nethttp (&http.Client{Transport: nethttp.Transport{}}, or nethttp.Install for http.DefaultTransport)")

	// Install on a copy of the default transport's setup: https and http
	// go to the outcall transport; the type stays *http.Transport.
	saved := http.DefaultTransport
	defer func() { http.DefaultTransport = saved }()
	http.DefaultTransport = tr
	Install(Transport{})
	_, err = http.Get("https://example.com/d")
	require.ErrorContains(t, err, `Get "https://example.com/d": management canister http_request: `)
	_, err = http.Get("http://example.com/e")
	require.ErrorContains(t, err, "HTTPS outcalls need an https:// URL")
	require.Panics(t, func() { Install(Transport{}) }, "a second Install panics")
	_, ok := http.DefaultTransport.(*http.Transport)
	require.True(t, ok)

	// A DefaultTransport that is not an *http.Transport is replaced.
	http.DefaultTransport = Transport{Cycles: 1}
	Install(Transport{Cycles: 2})
	require.Equal(t, Transport{Cycles: 2}, http.DefaultTransport)
}
