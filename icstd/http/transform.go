package http

import (
	"errors"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/management"
	"github.com/icgo/icgo/principal"
)

// RawResponse is a response as a transform sees and returns it: one node's
// response before consensus, or the transform's result.
type RawResponse struct {
	StatusCode int
	Header     Header
	Body       []byte
}

// TransformFunc rewrites one node's raw response so that all nodes agree;
// context is Client.TransformContext. It runs as a query (context TQ): it
// cannot make calls, its state changes are discarded, and it must be
// deterministic.
type TransformFunc func(resp RawResponse, context []byte) RawResponse

// StripHeaders is a TransformFunc that keeps the status and the body and
// drops every header (Date, Set-Cookie, request ids and the like differ
// between nodes).
func StripHeaders(resp RawResponse, _ []byte) RawResponse {
	resp.Header = nil
	return resp
}

// errNotManagement is the reject of a transform called by anyone but the
// management canister.
var errNotManagement = errors.New("icstd/http: this transform can only be called by the management canister (aaaaa-aa) during an HTTPS outcall")

// RegisterTransform registers fn as the query method name with the
// signature the IC calls transforms with:
//
//	name : (record { response : http_request_result; context : blob }) -> (http_request_result) query
//
// Set Client.Transform to name to use it. It answers only the management
// canister: other callers are rejected (the method is public, like every
// query). Call it in an init function, as for cdk.Query. Headers are
// returned sorted by name.
func RegisterTransform(name string, fn TransformFunc) {
	if fn == nil {
		panic("icstd/http.RegisterTransform: nil func")
	}
	cdk.Query(name, func(args management.TransformArgs) (management.HTTPRequestResult, error) {
		if !cdk.Caller().Equal(principal.ManagementCanister) {
			return management.HTTPRequestResult{}, errNotManagement
		}
		return transform(fn, args), nil
	})
}

// transform applies fn to the management canister's types.
func transform(fn TransformFunc, args management.TransformArgs) management.HTTPRequestResult {
	in := RawResponse{
		StatusCode: int(args.Response.Status),
		Header:     headerOf(args.Response.Headers),
		Body:       args.Response.Body,
	}
	out := fn(in, args.Context)
	body := out.Body
	if body == nil {
		body = []byte{}
	}
	status := out.StatusCode
	if status < 0 {
		status = 0
	}
	return management.HTTPRequestResult{
		Status:  candid.NatU64(status),
		Headers: out.Header.list(),
		Body:    body,
	}
}
