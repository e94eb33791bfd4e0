package replica

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/icgo/icgo/internal/candidtext"
)

// HTTPS outcalls: the management canister's http_request (spec "IC method http_request").
//
// The replica makes the request itself, once, with net/http (the client of
// WithHTTPClient, or a default one with a 30 s timeout), without its lock:
// the management canister's request starts it, and the next round waits
// for the answer (Tick waits without the lock), transforms it and
// responds. Redirects are not followed (the canister gets the 3xx
// response), and the response's limits are checked as it is read. Each of the subnet's 13 "nodes" gets the same answer, unless
// a mock gives different ones (MockHTTP, QueueHTTPResponses): every node's
// response goes through the canister's transform (context TQ, caller
// aaaaa-aa, changes discarded), and the call succeeds only if at least
// 2f+1 = 9 of the 13 transformed responses are identical, as IC consensus
// requires; otherwise it is rejected with SYS_TRANSIENT ("no consensus").
// In non-replicated mode (is_replicated = opt false) one node answers.

// HTTPHeader is an HTTP header.
type HTTPHeader struct{ Name, Value string }

// HTTPRequest is an outcall as the replica makes it (after validation; the
// user-agent header added when absent).
type HTTPRequest struct {
	URL              string
	Method           string // GET, HEAD, POST, PUT, DELETE, PATCH
	Headers          []HTTPHeader
	Body             []byte
	MaxResponseBytes uint64
	Replicated       bool
	Canister         CanisterID // the calling canister
}

// HTTPResponse is a server's response to an outcall.
type HTTPResponse struct {
	Status  uint64
	Headers []HTTPHeader
	Body    []byte
}

// Outcall limits (spec "IC method http_request").
const (
	maxOutcallURL          = 8192
	maxOutcallRequestBytes = 2_000_000
	maxOutcallResponse     = 2_000_000
	maxOutcallHeaders      = 64
	maxOutcallHeaderBytes  = 8 << 10
	maxOutcallHeadersTotal = 48 << 10
	outcallConsensus       = 2*((subnetSize-1)/3) + 1 // 9 of 13
)

// WithHTTPClient sets the client the replica uses for HTTPS outcalls, for
// example one that trusts a test server's certificate
// (httptest.Server.Client()). The default is a client with a 30 s timeout
// and the system's roots.
//
// Outcalls are fetched without the replica's lock: while one is in flight,
// queries and the other methods of the replica go on; the next round
// (Tick) waits for it. The replica uses a copy of c that never follows
// redirects (its CheckRedirect is replaced) and, when c's Transport is an
// *http.Transport, limits the response headers it reads to the IC's
// 48 KiB.
func WithHTTPClient(c *http.Client) Option { return func(cfg *config) { cfg.sched.httpClient = c } }

// WithInsecureHTTPOutcalls lets canisters make outcalls to http:// URLs
// (the IC accepts only https://), for tests against plain HTTP servers.
func WithInsecureHTTPOutcalls() Option { return func(cfg *config) { cfg.sched.allowHTTP = true } }

type httpState struct {
	mock   func(req *HTTPRequest, node int) (*HTTPResponse, error)
	queued [][]*HTTPResponse
}

// MockHTTP makes the replica answer outcalls with fn instead of the
// network: fn is called once per node (node 0 to 12; once, node 0, in
// non-replicated mode) and may answer differently per node. An error is
// that node's failure. nil restores the network.
//
// fn runs inside a round, with the replica locked: it must not call any
// method of the replica (that would deadlock), and while it runs (say, a
// real fetch it makes) every other caller of the replica blocks.
func (r *Replica) MockHTTP(fn func(req *HTTPRequest, node int) (*HTTPResponse, error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sched.mgmt.http.mock = fn
}

// QueueHTTPResponses queues the answers to one future outcall, before
// MockHTTP and the network: one response is every node's answer; 13 give
// each node its own. Calls queue answers for successive outcalls.
func (r *Replica) QueueHTTPResponses(perNode ...*HTTPResponse) error {
	if len(perNode) != 1 && len(perNode) != subnetSize {
		return fmt.Errorf("replica: QueueHTTPResponses: give 1 or %d responses, not %d", subnetSize, len(perNode))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sched.mgmt.http.queued = append(r.sched.mgmt.http.queued, perNode)
	return nil
}

func outcallReject(code RejectCode, format string, args ...any) *Reject {
	return &Reject{Code: code, Message: "http_request: " + fmt.Sprintf(format, args...)}
}

func (r *Replica) mgmtHTTPRequest(call *mgmtCall) mgmtResult {
	res := mgmtResult{refund: call.cycles}
	v, err := decodeMgmt(call.arg, "http_request_args")
	if err != nil {
		res.rej = badArg(call.method, err)
		return res
	}
	req, transform, tctx, rej := r.parseOutcall(v, call)
	if rej != nil {
		res.rej = rej
		return res
	}
	// The fee (ic0.cost_http_request): request size = URL + header names
	// and values + body + transform method name + transform context.
	size := uint64(len(req.URL) + len(req.Body) + len(tctx))
	if transform != nil {
		size += uint64(len(transform.Method))
	}
	for _, h := range req.Headers {
		if !strings.EqualFold(h.Name, "user-agent") || h.Value != "ic/1.0" {
			size += uint64(len(h.Name) + len(h.Value))
		}
	}
	fee := costHTTPRequest(size, req.MaxResponseBytes)
	if call.cycles.less(fee) {
		res.rej = outcallReject(CanisterReject, "not enough cycles attached: %s attached, %s required (ic0.cost_http_request)", call.cycles, fee)
		return res
	}
	res.refund = call.cycles.sub(fee)
	nodes := subnetSize
	if !req.Replicated {
		nodes = 1
	}
	res.outcall = r.startOutcall(req, nodes)
	res.outcall.caller, res.outcall.transform, res.outcall.tctx, res.outcall.refund = call.caller, transform, tctx, res.refund
	return res
}

// outcallJob is an outcall in flight: its answers are fetched (or mocked)
// without the replica's lock; the round after they arrive transforms them
// and responds (finishOutcall).
type outcallJob struct {
	req       *HTTPRequest
	caller    []byte
	transform *candidtext.Value
	tctx      []byte
	refund    u128
	cb        *callback // gets the response
	done      chan struct{}
	answers   []outcallAnswer
}

// startOutcall starts getting each node's answer: queued answers at once,
// the mock or the network in a goroutine, without r.mu.
func (r *Replica) startOutcall(req *HTTPRequest, nodes int) *outcallJob {
	job := &outcallJob{req: req, done: make(chan struct{})}
	hs := &r.sched.mgmt.http
	if len(hs.queued) > 0 {
		q := hs.queued[0]
		hs.queued = hs.queued[1:]
		job.answers = make([]outcallAnswer, nodes)
		for i := range job.answers {
			job.answers[i].resp = q[0]
			if len(q) == subnetSize {
				job.answers[i].resp = q[i]
			}
		}
		checkAnswers(req, job.answers)
		close(job.done)
		return job
	}
	mock, client := hs.mock, r.sched.client
	go func() {
		defer close(job.done)
		defer func() {
			if p := recover(); p != nil { // a panicking mock: every node fails
				job.answers = make([]outcallAnswer, nodes)
				for i := range job.answers {
					job.answers[i].rej = outcallReject(SysTransient, "request to %s failed: the mock panicked: %v", req.URL, p)
				}
			}
		}()
		job.answers = outcallAnswers(req, nodes, mock, client)
	}()
	return job
}

// waitOutcalls waits, without r.mu, for the outcalls in flight: a round
// delivers the responses of the outcalls made in earlier rounds.
func (r *Replica) waitOutcalls() {
	r.mu.Lock()
	var jobs []*outcallJob
	jobs = append(jobs, r.sched.outcalls...)
	r.mu.Unlock()
	for _, j := range jobs {
		<-j.done
	}
}

// finishOutcalls responds to the outcalls whose answers have arrived.
func (r *Replica) finishOutcalls() error {
	s := &r.sched
	pending := s.outcalls[:0]
	var ready []*outcallJob
	for _, j := range s.outcalls {
		select {
		case <-j.done:
			ready = append(ready, j)
		default:
			pending = append(pending, j)
		}
	}
	s.outcalls = pending
	for _, j := range ready {
		reply, rej, err := r.finishOutcall(j)
		if err != nil {
			return err
		}
		s.enqueueResponse(j.cb, reply, rej, j.refund)
	}
	return nil
}

// finishOutcall transforms each node's answer and applies consensus.
func (r *Replica) finishOutcall(j *outcallJob) ([]byte, *Reject, error) {
	nodes := len(j.answers)
	results := make([][]byte, nodes)
	var firstErr *Reject
	for i, a := range j.answers {
		if a.rej != nil {
			if firstErr == nil {
				firstErr = a.rej
			}
			continue
		}
		out, rej, err := r.transformOutcall(j.caller, j.transform, j.tctx, a.resp, j.req.MaxResponseBytes)
		if err != nil { // an internal replica error, not the canister's fault (deliverRequest does the same)
			return nil, nil, err
		}
		if rej != nil {
			if firstErr == nil {
				firstErr = rej
			}
			continue
		}
		results[i] = out
	}
	// Consensus: the most common response must come from enough nodes.
	need := outcallConsensus
	if nodes == 1 {
		need = 1
	}
	votes := map[[32]byte]int{}
	best, bestN := []byte(nil), 0
	for _, res := range results {
		if res == nil {
			continue
		}
		h := sha256.Sum256(res)
		votes[h]++
		if votes[h] > bestN {
			best, bestN = res, votes[h]
		}
	}
	switch {
	case bestN >= need:
		return best, nil, nil
	case bestN == 0 && firstErr != nil:
		return nil, firstErr, nil
	}
	return nil, outcallReject(SysTransient, "no consensus could be reached: only %d of %d replicas got the same response (at least %d must); make the response deterministic with a transform function", bestN, nodes, need), nil
}

// parseOutcall validates http_request_args (spec "IC method http_request").
func (r *Replica) parseOutcall(v *candidtext.Value, call *mgmtCall) (*HTTPRequest, *candidtext.Value, []byte, *Reject) {
	bad := func(err error) (*HTTPRequest, *candidtext.Value, []byte, *Reject) {
		return nil, nil, nil, badArg("http_request", err)
	}
	req := &HTTPRequest{Replicated: true, MaxResponseBytes: maxOutcallResponse, Canister: CanisterID{string(call.caller)}}
	var err error
	if req.URL, err = textOf(fieldOf(v, "url"), "url"); err != nil {
		return bad(err)
	}
	if len(req.URL) > maxOutcallURL {
		return nil, nil, nil, outcallReject(CanisterReject, "the URL has %d characters; at most %d", len(req.URL), maxOutcallURL)
	}
	u, err := url.Parse(req.URL)
	if err != nil || u.Host == "" {
		return nil, nil, nil, outcallReject(CanisterReject, "invalid URL %q", req.URL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && r.sched.cfg.allowHTTP) {
		return nil, nil, nil, outcallReject(CanisterReject, "URL %q: only https:// URLs are allowed", req.URL)
	}
	if rep := optOf(fieldOf(v, "is_replicated")); rep != nil {
		if rep.Kind != candidtext.KindBool {
			return bad(&argErr{"field is_replicated: expected a bool"})
		}
		req.Replicated = rep.Bool
	}
	method, _, err := variantOf(fieldOf(v, "method"), "method", "get", "head", "post", "put", "delete", "patch")
	if err != nil {
		return bad(err)
	}
	req.Method = strings.ToUpper(method)
	if req.Replicated && (method == "put" || method == "delete" || method == "patch") {
		return nil, nil, nil, outcallReject(CanisterReject, "method %s is only allowed in non-replicated mode (is_replicated = opt false)", req.Method)
	}
	if m := optOf(fieldOf(v, "max_response_bytes")); m != nil {
		n, err := uint64Of(m, "max_response_bytes")
		if err != nil {
			return bad(err)
		}
		if n > maxOutcallResponse {
			return nil, nil, nil, outcallReject(CanisterReject, "max_response_bytes %d exceeds the maximum of %d", n, maxOutcallResponse)
		}
		req.MaxResponseBytes = n
	}
	if b := optOf(fieldOf(v, "body")); b != nil {
		if req.Body, err = blobOf(b, "body"); err != nil {
			return bad(err)
		}
	}
	hs := fieldOf(v, "headers")
	if hs == nil {
		return bad(&argErr{"missing field headers"})
	}
	total, hasUA := 0, false
	for i := range hs.Elems {
		name, err := textOf(fieldOf(&hs.Elems[i], "name"), "headers.name")
		if err != nil {
			return bad(err)
		}
		value, err := textOf(fieldOf(&hs.Elems[i], "value"), "headers.value")
		if err != nil {
			return bad(err)
		}
		if len(name) > maxOutcallHeaderBytes || len(value) > maxOutcallHeaderBytes {
			return nil, nil, nil, outcallReject(CanisterReject, "header %q: names and values must be at most %d bytes", printable([]byte(name), 64), maxOutcallHeaderBytes)
		}
		total += len(name) + len(value)
		hasUA = hasUA || strings.EqualFold(name, "user-agent")
		req.Headers = append(req.Headers, HTTPHeader{name, value})
	}
	if len(req.Headers) > maxOutcallHeaders {
		return nil, nil, nil, outcallReject(CanisterReject, "%d headers; at most %d", len(req.Headers), maxOutcallHeaders)
	}
	if total > maxOutcallHeadersTotal {
		return nil, nil, nil, outcallReject(CanisterReject, "the headers total %d bytes; at most %d", total, maxOutcallHeadersTotal)
	}
	if total+len(req.Body) > maxOutcallRequestBytes {
		return nil, nil, nil, outcallReject(CanisterReject, "the request (headers and body) is %d bytes; at most %d", total+len(req.Body), maxOutcallRequestBytes)
	}
	if !hasUA {
		req.Headers = append(req.Headers, HTTPHeader{"user-agent", "ic/1.0"})
	}
	var transform *candidtext.Value
	var tctx []byte
	if t := optOf(fieldOf(v, "transform")); t != nil {
		f := fieldOf(t, "function")
		if f == nil || f.Kind != candidtext.KindFunc {
			return bad(&argErr{"field transform.function: expected a func reference"})
		}
		if !bytes.Equal(f.Bytes, call.caller) {
			return nil, nil, nil, outcallReject(CanisterReject, "the transform function must be a query of the calling canister %s, not of %s", principalText(call.caller), principalText(f.Bytes))
		}
		if tctx, err = blobOf(fieldOf(t, "context"), "transform.context"); err != nil {
			return bad(err)
		}
		transform = f
	}
	return req, transform, tctx, nil
}

type outcallAnswer struct {
	resp *HTTPResponse
	rej  *Reject
}

// outcallAnswers gets each node's answer from the mock or the network. It
// runs without r.mu.
func outcallAnswers(req *HTTPRequest, nodes int, mock func(*HTTPRequest, int) (*HTTPResponse, error), client *http.Client) []outcallAnswer {
	out := make([]outcallAnswer, nodes)
	if mock != nil {
		for i := range out {
			resp, err := mock(req, i)
			if err != nil {
				out[i].rej = outcallReject(SysTransient, "request to %s failed: %v", req.URL, err)
			} else {
				out[i].resp = resp
			}
		}
	} else {
		a := fetch(client, req)
		for i := range out {
			out[i] = a
		}
	}
	checkAnswers(req, out)
	return out
}

// checkAnswers applies the response limits (spec "IC method http_request": at most 64
// headers, names and values of at most 8 KiB, 48 KiB of headers, and
// max_response_bytes for headers and body) and sorts the headers of the
// answers that pass. Its work is bounded: it stops at the 65th header.
func checkAnswers(req *HTTPRequest, out []outcallAnswer) {
	for i := range out {
		if out[i].rej == nil && out[i].resp == nil {
			out[i].rej = outcallReject(SysTransient, "no response from %s", req.URL)
		}
		if out[i].rej == nil {
			if rej := checkResponse(out[i].resp, req.MaxResponseBytes); rej != nil {
				out[i] = outcallAnswer{rej: rej}
			}
		}
	}
}

func checkResponse(resp *HTTPResponse, maxBytes uint64) *Reject {
	if len(resp.Headers) > maxOutcallHeaders {
		return outcallReject(SysFatal, "the response has %d headers; at most %d", len(resp.Headers), maxOutcallHeaders)
	}
	size, headers := uint64(len(resp.Body)), 0
	for _, h := range resp.Headers {
		if len(h.Name) > maxOutcallHeaderBytes || len(h.Value) > maxOutcallHeaderBytes {
			return outcallReject(SysFatal, "response header %q: names and values must be at most %d bytes", printable([]byte(h.Name), 64), maxOutcallHeaderBytes)
		}
		headers += len(h.Name) + len(h.Value)
	}
	if headers > maxOutcallHeadersTotal {
		return outcallReject(SysFatal, "the response headers total %d bytes; at most %d", headers, maxOutcallHeadersTotal)
	}
	if size += uint64(headers); size > maxBytes {
		return outcallReject(SysFatal, "the response of %d bytes exceeds max_response_bytes = %d", size, maxBytes)
	}
	return nil
}

// fetch makes the request over the network, without r.mu. client never
// follows redirects and limits the response headers (outcallClient).
func fetch(client *http.Client, req *HTTPRequest) outcallAnswer {
	ctx, cancel := context.WithTimeout(context.Background(), outcallTimeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return outcallAnswer{rej: outcallReject(CanisterReject, "%v", err)}
	}
	for _, h := range req.Headers {
		hr.Header.Add(h.Name, h.Value)
	}
	resp, err := client.Do(hr)
	if err != nil {
		return outcallAnswer{rej: outcallReject(SysTransient, "connecting to %s: %v", req.URL, err)}
	}
	defer resp.Body.Close()
	out := &HTTPResponse{Status: uint64(resp.StatusCode)}
	n := 0
	for _, values := range resp.Header {
		n += len(values)
	}
	if n > maxOutcallHeaders {
		return outcallAnswer{rej: outcallReject(SysFatal, "the response of %s has %d headers; at most %d", req.URL, n, maxOutcallHeaders)}
	}
	for name, values := range resp.Header {
		for _, v := range values {
			out.Headers = append(out.Headers, HTTPHeader{strings.ToLower(name), v})
		}
	}
	sortHeaders(out.Headers)
	out.Body, err = io.ReadAll(io.LimitReader(resp.Body, int64(req.MaxResponseBytes)+1))
	if err != nil {
		return outcallAnswer{rej: outcallReject(SysTransient, "reading the response of %s: %v", req.URL, err)}
	}
	return outcallAnswer{resp: out}
}

// outcallTimeout bounds a real outcall.
const outcallTimeout = 30 * time.Second

// outcallClient returns the client outcalls use: a copy of c (default: a
// 30 s timeout and the system's roots) that never follows redirects (the
// IC returns a 3xx response to the canister as it is) and whose transport,
// when it is an *http.Transport, stops reading response headers past the
// IC's limit.
func outcallClient(c *http.Client) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out.Timeout = outcallTimeout
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t, ok := out.Transport.(*http.Transport)
	if out.Transport == nil {
		t, ok = http.DefaultTransport.(*http.Transport)
	}
	if ok {
		t = t.Clone()
		// Header bytes on the wire: names, values and per-header framing.
		t.MaxResponseHeaderBytes = maxOutcallHeadersTotal + maxOutcallHeaders*64
		out.Transport = t
	}
	return &out
}

// sortHeaders orders headers by name, then value: the network's header
// map has no order, and every node must see the same response.
func sortHeaders(hs []HTTPHeader) {
	sort.Slice(hs, func(i, j int) bool {
		if hs[i].Name != hs[j].Name {
			return hs[i].Name < hs[j].Name
		}
		return hs[i].Value < hs[j].Value
	})
}

func httpResultValue(resp *HTTPResponse) candidtext.Value {
	var hs []candidtext.Value
	for _, h := range resp.Headers {
		hs = append(hs, cvRecord(cvField("name", cvText(h.Name)), cvField("value", cvText(h.Value))))
	}
	return cvRecord(cvField("status", cvNat(resp.Status)), cvField("headers", cvVec(hs...)), cvField("body", cvBlob(resp.Body)))
}

// transformOutcall runs the canister's transform on one response (or just
// encodes it when there is none) and checks the size limit. An error is an
// internal replica error (re-instantiating the canister after a trap
// failed), which the caller propagates instead of rejecting the call.
func (r *Replica) transformOutcall(caller []byte, transform *candidtext.Value, tctx []byte, resp *HTTPResponse, maxBytes uint64) ([]byte, *Reject, error) {
	if transform == nil {
		return encodeMgmt(httpResultValue(resp), "http_request_result"), nil, nil
	}
	arg := encodeMgmt(cvRecord(cvField("response", httpResultValue(resp)), cvField("context", cvBlob(tctx))), "transform_args")
	c, ok := r.canisters[CanisterID{string(caller)}]
	if !ok || c.code == nil {
		return nil, outcallReject(CanisterError, "the calling canister %s has no code to run its transform", principalText(caller)), nil
	}
	if c.code.methods[transform.Method] != MethodQuery {
		if _, exists := c.code.methods[transform.Method]; !exists {
			return nil, outcallReject(CanisterError, "canister %s has no query method %q for the transform", c.id, transform.Method), nil
		}
		return nil, outcallReject(CanisterError, "the transform %q of canister %s must be a query method", transform.Method, c.id), nil
	}
	export := MethodQuery.exportPrefix() + transform.Method
	e := r.newExecution(c, ctxTQ, export, arg, nil) // the caller is aaaaa-aa
	e.needsResponse = true
	trap, err := r.execute(c, e, false, export)
	switch {
	case err != nil:
		return nil, nil, err
	case trap != nil:
		return nil, outcallReject(CanisterError, "the transform function trapped: %s", trap.desc), nil
	case e.reject != nil:
		return nil, outcallReject(CanisterError, "the transform function rejected: %s", e.reject.Message), nil
	case !e.responded:
		return nil, outcallReject(CanisterError, "the transform function did not reply"), nil
	}
	if _, derr := decodeMgmt(e.reply, "http_request_result"); derr != nil {
		return nil, outcallReject(CanisterError, "the transform function's reply is not an http_request_result: %v", derr), nil
	}
	if uint64(len(e.reply)) > maxBytes {
		return nil, outcallReject(SysFatal, "the transformed response of %d bytes exceeds max_response_bytes = %d", len(e.reply), maxBytes), nil
	}
	return e.reply, nil, nil
}
