package replica

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/stretchr/testify/require"
)

type outcall struct {
	url         string
	method      string
	maxResponse uint64 // 0: absent
	headers     []HTTPHeader
	body        []byte
	transform   []byte // the caller's id: use its "transform" query
	replicated  *bool
}

func (o outcall) arg() []byte {
	var hs []candidtext.Value
	for _, h := range o.headers {
		hs = append(hs, cvRecord(cvField("name", cvText(h.Name)), cvField("value", cvText(h.Value))))
	}
	fields := []candidtext.FieldValue{
		cvField("url", cvText(o.url)),
		cvField("method", cvVariant(o.method, cvNull())),
		cvField("headers", cvVec(hs...)),
	}
	if o.maxResponse != 0 {
		fields = append(fields, cvField("max_response_bytes", cvOpt(ptr(cvNat64(o.maxResponse)))))
	}
	if o.body != nil {
		fields = append(fields, cvField("body", cvOpt(ptr(cvBlob(o.body)))))
	}
	if o.transform != nil {
		fn := candidtext.Value{Kind: candidtext.KindFunc, Bytes: o.transform, Method: "transform"}
		fields = append(fields, cvField("transform", cvOpt(ptr(cvRecord(cvField("function", fn), cvField("context", cvBlob([]byte("ctx"))))))))
	}
	if o.replicated != nil {
		fields = append(fields, cvField("is_replicated", cvOpt(ptr(cvBool(*o.replicated)))))
	}
	return encodeMgmt(cvRecord(fields...), "http_request_args")
}

func httpResult(t *testing.T, b []byte) (status uint64, body string) {
	t.Helper()
	v := decodeOne(t, b, "http_request_result")
	status, err := uint64Of(fieldOf(v, "status"), "status")
	require.NoError(t, err)
	bb, err := blobOf(fieldOf(v, "body"), "body")
	require.NoError(t, err)
	return status, string(bb)
}

const outcallCycles = 100_000_000_000

func TestHTTPOutcallTLSWithTransform(t *testing.T) {
	var userAgent atomic.Value
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		hits.Add(1)
		userAgent.Store(req.Header.Get("User-Agent"))
		w.Header().Set("X-Now", fmt.Sprint(time.Now().UnixNano()))
		fmt.Fprint(w, "hello from "+req.Method)
	}))
	defer srv.Close()
	r := newReplica(t, WithHTTPClient(srv.Client()))
	caller := installWat(t, r, callerCanister)

	arg := outcall{url: srv.URL + "/x", method: "get", maxResponse: 10_000}.arg()
	before, _ := r.CyclesBalance(caller)
	o := mgmtViaCaller(t, r, caller, "http_request", arg, outcallCycles)
	require.False(t, o.rejected, o.msg)
	status, body := httpResult(t, o.data)
	require.Equal(t, uint64(200), status)
	require.Equal(t, "hello from GET", body)
	require.Equal(t, "ic/1.0", userAgent.Load())
	require.Equal(t, int32(1), hits.Load())
	after, _ := r.CyclesBalance(caller)
	size := uint64(len(srv.URL + "/x")) // + no headers or body
	fee := costHTTPRequest(size, 10_000).lo
	require.Equal(t, outcallCycles-fee, o.refunded)
	require.Equal(t, before-fee, after)

	// With a transform: it runs in context TQ, called by aaaaa-aa, and its
	// answer is what the canister gets.
	canned := encodeMgmt(httpResultValue(&HTTPResponse{Status: 201, Body: []byte("transformed")}), "http_request_result")
	reply(t)(r.Update(caller, "set_transform", canned))
	o = mgmtViaCaller(t, r, caller, "http_request", outcall{url: srv.URL, method: "post", body: []byte("data"), transform: caller.Bytes()}.arg(), outcallCycles)
	require.False(t, o.rejected, o.msg)
	status, body = httpResult(t, o.data)
	require.Equal(t, uint64(201), status)
	require.Equal(t, "transformed", body)
}

func TestHTTPOutcallConsensus(t *testing.T) {
	r := newReplica(t)
	caller := installWat(t, r, callerCanister)
	// Every node sees a different body (say, a timestamp).
	r.MockHTTP(func(req *HTTPRequest, node int) (*HTTPResponse, error) {
		return &HTTPResponse{Status: 200, Body: []byte(fmt.Sprintf("node %d at %s", node, req.URL))}, nil
	})
	o := mgmtViaCaller(t, r, caller, "http_request", outcall{url: "https://example.com/", method: "get"}.arg(), outcallCycles)
	require.True(t, o.rejected)
	require.Equal(t, SysTransient, o.code)
	require.Contains(t, o.msg, "no consensus")

	// A transform that removes the difference makes them agree.
	reply(t)(r.Update(caller, "set_transform", encodeMgmt(httpResultValue(&HTTPResponse{Status: 200, Body: []byte("same")}), "http_request_result")))
	o = mgmtViaCaller(t, r, caller, "http_request", outcall{url: "https://example.com/", method: "get", transform: caller.Bytes()}.arg(), outcallCycles)
	require.False(t, o.rejected, o.msg)
	_, body := httpResult(t, o.data)
	require.Equal(t, "same", body)

	// Canned answers: 9 of 13 agreeing is consensus, 8 is not.
	for _, agree := range []int{9, 8} {
		var resps []*HTTPResponse
		for i := range subnetSize {
			b := "agreed"
			if i >= agree {
				b = fmt.Sprint("odd ", i)
			}
			resps = append(resps, &HTTPResponse{Status: 200, Body: []byte(b)})
		}
		require.NoError(t, r.QueueHTTPResponses(resps...))
		o = mgmtViaCaller(t, r, caller, "http_request", outcall{url: "https://example.com/", method: "get"}.arg(), outcallCycles)
		require.Equal(t, agree < 9, o.rejected, "%d agreeing: %s", agree, o.msg)
	}
	// Non-replicated: one node, no consensus needed.
	o = mgmtViaCaller(t, r, caller, "http_request", outcall{url: "https://example.com/", method: "put", replicated: ptr(false)}.arg(), outcallCycles)
	require.False(t, o.rejected, o.msg)
}

func TestHTTPOutcallLimits(t *testing.T) {
	r := newReplica(t)
	caller := installWat(t, r, callerCanister)
	r.MockHTTP(func(req *HTTPRequest, node int) (*HTTPResponse, error) {
		return &HTTPResponse{Status: 200, Body: []byte(strings.Repeat("z", 100))}, nil
	})
	many := make([]HTTPHeader, 65)
	for i := range many {
		many[i] = HTTPHeader{fmt.Sprint("h", i), "v"}
	}
	for _, tc := range []struct {
		name     string
		o        outcall
		cycles   uint64
		code     RejectCode
		contains string
	}{
		{"http scheme", outcall{url: "http://example.com/", method: "get"}, outcallCycles, CanisterReject, "only https://"},
		{"long url", outcall{url: "https://example.com/" + strings.Repeat("a", 8200), method: "get"}, outcallCycles, CanisterReject, "at most 8192"},
		{"put replicated", outcall{url: "https://example.com/", method: "put"}, outcallCycles, CanisterReject, "non-replicated"},
		{"max response", outcall{url: "https://example.com/", method: "get", maxResponse: 3_000_000}, outcallCycles, CanisterReject, "max_response_bytes"},
		{"headers", outcall{url: "https://example.com/", method: "get", headers: many}, outcallCycles, CanisterReject, "65 headers"},
		{"cycles", outcall{url: "https://example.com/", method: "get"}, 1_000, CanisterReject, "not enough cycles"},
		{"response too large", outcall{url: "https://example.com/", method: "get", maxResponse: 10}, outcallCycles, SysFatal, "exceeds max_response_bytes"},
		{"transform elsewhere", outcall{url: "https://example.com/", method: "get", transform: []byte{1, 2, 3}}, outcallCycles, CanisterReject, "transform function must be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := mgmtViaCaller(t, r, caller, "http_request", tc.o.arg(), tc.cycles)
			require.True(t, o.rejected)
			require.Equal(t, tc.code, o.code, o.msg)
			require.Contains(t, o.msg, tc.contains)
			if tc.code == CanisterReject {
				require.Equal(t, tc.cycles, o.refunded, "a refused request refunds everything")
			}
		})
	}
	// Users cannot make outcalls.
	res, err := r.Update(ManagementCanister, "http_request", outcall{url: "https://example.com/", method: "get"}.arg())
	reject(t, res, err, CanisterReject, "IC0406", "only be called by canisters")

	// http:// only behind the option.
	r2 := newReplica(t, WithInsecureHTTPOutcalls())
	caller2 := installWat(t, r2, callerCanister)
	r2.MockHTTP(func(req *HTTPRequest, node int) (*HTTPResponse, error) { return &HTTPResponse{Status: 200}, nil })
	o := mgmtViaCaller(t, r2, caller2, "http_request", outcall{url: "http://example.com/", method: "get"}.arg(), outcallCycles)
	require.False(t, o.rejected, o.msg)
}

// TestHTTPOutcallNoRedirect: the IC does not follow redirects; the
// canister gets the 3xx response (also for an https -> http redirect).
func TestHTTPOutcallNoRedirect(t *testing.T) {
	var followed atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		followed.Add(1)
		fmt.Fprint(w, "followed")
	}))
	defer plain.Close()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/here" {
			followed.Add(1)
		}
		target := plain.URL
		if req.URL.Path == "/same" {
			target = "/here"
		}
		http.Redirect(w, req, target, http.StatusFound)
	}))
	defer srv.Close()
	r := newReplica(t, WithHTTPClient(srv.Client()))
	caller := installWat(t, r, callerCanister)
	for _, path := range []string{"/same", "/to-http"} {
		o := mgmtViaCaller(t, r, caller, "http_request", outcall{url: srv.URL + path, method: "get", maxResponse: 10_000}.arg(), outcallCycles)
		require.False(t, o.rejected, o.msg)
		status, _ := httpResult(t, o.data)
		require.Equal(t, uint64(http.StatusFound), status, path)
	}
	require.Zero(t, followed.Load(), "a redirect was followed")
}

// TestHTTPOutcallResponseLimits: a response breaking the IC's header limits
// is refused, and a server that floods headers is cut off while they are
// read, without holding up the replica.
func TestHTTPOutcallResponseLimits(t *testing.T) {
	many := make([]HTTPHeader, maxOutcallHeaders+1)
	for i := range many {
		many[i] = HTTPHeader{fmt.Sprintf("x-%d", i), "v"}
	}
	for _, tc := range []struct {
		name string
		resp *HTTPResponse
		want string
	}{
		{"65 headers", &HTTPResponse{Status: 200, Headers: many}, "65 headers; at most 64"},
		{"long value", &HTTPResponse{Status: 200, Headers: []HTTPHeader{{"x", strings.Repeat("v", maxOutcallHeaderBytes+1)}}}, "at most 8192 bytes"},
		{"headers total", &HTTPResponse{Status: 200, Headers: []HTTPHeader{
			{"a", strings.Repeat("v", 8000)}, {"b", strings.Repeat("v", 8000)}, {"c", strings.Repeat("v", 8000)},
			{"d", strings.Repeat("v", 8000)}, {"e", strings.Repeat("v", 8000)}, {"f", strings.Repeat("v", 8000)},
			{"g", strings.Repeat("v", 8000)}}}, "headers total 56007 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReplica(t)
			caller := installWat(t, r, callerCanister)
			require.NoError(t, r.QueueHTTPResponses(tc.resp))
			o := mgmtViaCaller(t, r, caller, "http_request", outcall{url: "https://example.com", method: "get"}.arg(), outcallCycles)
			require.True(t, o.rejected)
			require.Contains(t, o.msg, tc.want)
		})
	}

	// A server sending 200,000 headers (1.6 MB): reading stops at the limit.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		// Answer after the request (its headers) has arrived: a response
		// on an idle connection is one the client may refuse instead.
		br := bufio.NewReader(conn)
		for {
			line, err := br.ReadString('\n')
			if err != nil || line == "\r\n" {
				break
			}
		}
		go io.Copy(io.Discard, br)
		w := bufio.NewWriter(conn)
		w.WriteString("HTTP/1.1 200 OK\r\n")
		for i := range 200_000 {
			fmt.Fprintf(w, "X-%d: v\r\n", i%10)
		}
		w.WriteString("Content-Length: 0\r\n\r\n")
		w.Flush()
	}()
	r := newReplica(t, WithInsecureHTTPOutcalls())
	caller := installWat(t, r, callerCanister)
	o := mgmtViaCaller(t, r, caller, "http_request", outcall{url: "http://" + ln.Addr().String(), method: "get"}.arg(), outcallCycles)
	require.True(t, o.rejected)
	require.Contains(t, o.msg, "header")
}

// TestHTTPOutcallWithoutLock: while an outcall is in flight, the replica
// answers queries and runs updates that do not need a round to wait for it.
func TestHTTPOutcallWithoutLock(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		close(arrived)
		<-release
		fmt.Fprint(w, "late")
	}))
	defer srv.Close()
	r := newReplica(t, WithInsecureHTTPOutcalls())
	caller := installWat(t, r, callerCanister)
	done := make(chan callOutcome, 1)
	go func() {
		res, err := r.Update(caller, "call", callSpec{cycles: outcallCycles, timeout: -1, method: "http_request",
			payload: outcall{url: srv.URL, method: "get"}.arg()}.arg())
		if err == nil && res.Reject == nil {
			done <- parseOutcome(t, res.Reply)
		}
		close(done)
	}()
	<-arrived
	_, err := r.Status(caller)
	require.NoError(t, err)
	res, err := r.Query(caller, "no_such_query", nil)
	require.NoError(t, err)
	require.NotNil(t, res.Reject)
	close(release)
	o, ok := <-done
	require.True(t, ok, "the outcall's update failed")
	require.False(t, o.rejected, o.msg)
	_, body := httpResult(t, o.data)
	require.Equal(t, "late", body)
}
