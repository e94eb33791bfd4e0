package http_test

import (
	"context"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/replica"
)

type reply struct {
	Status  uint32     `ic:"status"`
	Headers [][]string `ic:"headers"`
	Body    string     `ic:"body"`
}

type options struct {
	Method           string `ic:"method"`
	Body             string `ic:"body"`
	Transform        string `ic:"transform"`
	MaxResponseBytes uint64 `ic:"max_response_bytes"`
	NonReplicated    bool   `ic:"non_replicated"`
}

var (
	buildOnce sync.Once
	built     *build.Result
	buildErr  error
)

// setup builds httpcan and installs it in a replica whose outcalls reach
// the test's TLS server on 127.0.0.1 (its certificate is trusted through
// the server's own client).
func setup(t *testing.T, h nethttp.HandlerFunc) (*replica.Replica, replica.CanisterID, *httptest.Server) {
	t.Helper()
	buildOnce.Do(func() {
		built, buildErr = build.Build(context.Background(), build.Options{Dir: "../..", Pkg: "./icstd/http/testdata/httpcan"})
	})
	require.NoError(t, buildErr)
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	r, err := replica.New(replica.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	id, err := r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, r.Install(id, built.Gzip, nil))
	return r, id, srv
}

func update(t *testing.T, r *replica.Replica, id replica.CanisterID, method string, args []any, result any) *replica.Reject {
	t.Helper()
	arg, err := candid.Marshal(args)
	require.NoError(t, err)
	res, err := r.Update(id, method, arg)
	require.NoError(t, err)
	if res.Reject != nil {
		return res.Reject
	}
	require.NoError(t, candid.Unmarshal(res.Reply, []any{result}))
	return nil
}

func TestOutcallToTLSServer(t *testing.T) {
	var got struct {
		method, path, test, ua, body string
	}
	r, id, srv := setup(t, func(w nethttp.ResponseWriter, req *nethttp.Request) {
		b, _ := io.ReadAll(req.Body)
		got.method, got.path, got.test, got.ua, got.body = req.Method, req.URL.RequestURI(), req.Header.Get("X-Test"), req.UserAgent(), string(b)
		w.Header().Set("X-Served-By", "test")
		w.WriteHeader(201)
		io.WriteString(w, "hello "+req.Method)
	})

	var rep reply
	require.Nil(t, update(t, r, id, "fetch", []any{srv.URL + "/a?b=c", options{Method: "POST", Body: "payload", MaxResponseBytes: 10_000}}, &rep))
	require.Equal(t, uint32(201), rep.Status)
	require.Equal(t, "hello POST", rep.Body)
	require.Contains(t, rep.Headers, []string{"X-Served-By", "test"})
	require.Equal(t, "POST", got.method)
	require.Equal(t, "/a?b=c", got.path)
	require.Equal(t, "1", got.test)
	require.Equal(t, "payload", got.body)
	require.Equal(t, "ic/1.0", got.ua, "the IC adds its user agent")

	var s string
	require.Nil(t, update(t, r, id, "get", []any{srv.URL}, &s))
	require.Equal(t, "201 Created hello GET", s)

	// A transform with its context.
	require.Nil(t, update(t, r, id, "fetch", []any{srv.URL, options{Transform: "upper"}}, &rep))
	require.Equal(t, "HELLO GET", rep.Body)
	require.Equal(t, [][]string{{"X-Context", "ctx"}}, rep.Headers)
}

func TestTransformMakesNodesAgree(t *testing.T) {
	r, id, _ := setup(t, nil)
	// Each of the 13 nodes sees another Date and request id.
	var n atomic.Int64
	r.MockHTTP(func(req *replica.HTTPRequest, node int) (*replica.HTTPResponse, error) {
		n.Add(1)
		return &replica.HTTPResponse{Status: 200, Body: []byte("same body"), Headers: []replica.HTTPHeader{
			{Name: "Date", Value: "node " + strconv.Itoa(node)}, {Name: "Content-Type", Value: "text/plain"},
		}}, nil
	})

	var rep reply
	rej := update(t, r, id, "fetch", []any{"https://example.com/quote", options{}}, &rep)
	require.NotNil(t, rej, "without a transform the nodes disagree")
	require.Contains(t, rej.Message, "no consensus")
	require.Contains(t, rej.Message, `Get "https://example.com/quote"`)
	require.Contains(t, rej.Message, "SYS_TRANSIENT")
	require.Equal(t, int64(13), n.Load())

	require.Nil(t, update(t, r, id, "fetch", []any{"https://example.com/quote", options{Transform: "strip"}}, &rep))
	require.Equal(t, reply{Status: 200, Body: "same body", Headers: [][]string{}}, rep)

	// Non-replicated: one node asks, no transform needed.
	n.Store(0)
	require.Nil(t, update(t, r, id, "fetch", []any{"https://example.com/quote", options{NonReplicated: true, Method: "PUT", Body: "x"}}, &rep))
	require.Equal(t, int64(1), n.Load())
}

func TestOutcallErrors(t *testing.T) {
	r, id, srv := setup(t, func(w nethttp.ResponseWriter, req *nethttp.Request) {
		io.WriteString(w, strings.Repeat("x", 5000))
	})

	// The response is bounded by MaxResponseBytes.
	var rep reply
	rej := update(t, r, id, "fetch", []any{srv.URL, options{MaxResponseBytes: 1000}}, &rep)
	require.NotNil(t, rej)
	require.Contains(t, rej.Message, "management canister http_request: call to http_request rejected")
	require.Nil(t, update(t, r, id, "fetch", []any{srv.URL, options{MaxResponseBytes: 6000}}, &rep))
	require.Len(t, rep.Body, 5000)

	// Not from a query.
	arg, err := candid.Marshal([]any{srv.URL})
	require.NoError(t, err)
	res, err := r.Query(id, "get_in_query", arg)
	require.NoError(t, err)
	require.NotNil(t, res.Reject)
	require.Contains(t, res.Reject.Message, "not allowed")

	// http:// is refused before any call.
	rej = update(t, r, id, "get", []any{"http://example.com"}, new(string))
	require.NotNil(t, rej)
	require.Contains(t, rej.Message, "https://")

	// The transform answers only the management canister.
	targ, err := candid.Marshal([]any{struct {
		Response struct {
			Status  candid.NatU64 `ic:"status"`
			Headers []struct {
				Name  string `ic:"name"`
				Value string `ic:"value"`
			} `ic:"headers"`
			Body []byte `ic:"body"`
		} `ic:"response"`
		Context []byte `ic:"context"`
	}{}})
	require.NoError(t, err)
	res, err = r.Query(id, "strip", targ)
	require.NoError(t, err)
	require.NotNil(t, res.Reject)
	require.Contains(t, res.Reject.Message, "only be called by the management canister")
}

// The fee attached is what ic0.cost_http_request quotes for the request
// size (URL + headers + body + transform name + context) and
// max_response_bytes: on the replica's 13-node subnet,
// (3_000_000 + 60_000·13)·13 + (400·request + 800·max)·13.
func TestCostFromSystemAPI(t *testing.T) {
	r, id, _ := setup(t, nil)
	cost := func(url string, max uint64, transform string) uint64 {
		arg, err := candid.Marshal([]any{url, max, transform})
		require.NoError(t, err)
		res, err := r.Query(id, "cost", arg)
		require.NoError(t, err)
		require.Nil(t, res.Reject)
		var c uint64
		require.NoError(t, candid.Unmarshal(res.Reply, []any{&c}))
		return c
	}
	url := "https://example.com/x"
	request := uint64(len(url) + len("Content-Type") + len("text/plain") + len("0123456789"))
	formula := func(request, max uint64) uint64 {
		return (3_000_000+60_000*13)*13 + (400*request+800*max)*13
	}
	require.Equal(t, formula(request, 2_000_000), cost(url, 0, ""))
	require.Equal(t, formula(request, 1000), cost(url, 1000, ""))
	require.Equal(t, formula(request+uint64(len("strip")+len("ctx")), 1000), cost(url, 1000, "strip"))
}
