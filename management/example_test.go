package management_test

import (
	"errors"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/management"
	"github.com/icgo/icgo/principal"
)

// A canister that creates canisters and installs code in them. Calls to
// the management canister park the calling goroutine until the reply.
func ExampleCreateCanister() {
	cdk.Update("spawn", func(wasm []byte) (principal.Principal, error) {
		id, err := management.CreateCanister(&management.CanisterSettings{
			Controllers: &[]principal.Principal{cdk.Self(), cdk.Caller()},
		}, 1_000_000_000_000) // the creation fee comes out of these cycles, the rest is the new balance
		if err != nil {
			return principal.Principal{}, err
		}
		return id, management.InstallCode(management.InstallCodeArgs{
			Mode:       management.ModeInstall(),
			CanisterID: id,
			WasmModule: wasm,
			Arg:        []byte("DIDL\x00\x00"),
		})
	})
}

// Rejects carry the reject code and message of the IC.
func ExampleCanisterStatus() {
	cdk.Update("cycles_of", func(id principal.Principal) (uint64, error) {
		st, err := management.CanisterStatus(id)
		var ce *cdk.CallError
		if errors.As(err, &ce) && ce.Code == cdk.CanisterReject {
			return 0, errors.New("not a controller of " + id.String())
		}
		if err != nil {
			return 0, err
		}
		return uint64(st.Cycles), nil
	})
}

// An outcall at the management canister's level; package icstd/http wraps
// it in a net/http-shaped client.
func ExampleHTTPRequest() {
	cdk.Update("fetch", func(url string) ([]byte, error) {
		max := uint64(10_000)
		res, err := management.HTTPRequest(&management.HTTPRequestArgs{
			URL:              url,
			MaxResponseBytes: &max, // the fee is computed from this bound
			Method:           mustMethod("GET"),
			Headers:          []management.HTTPHeader{{Name: "Accept", Value: "application/json"}},
		}, 0) // 0: attach what ic0.cost_http_request quotes
		if err != nil {
			return nil, err
		}
		return res.Body, nil
	})
}

func mustMethod(name string) management.HTTPMethod {
	m, ok := management.Method(name)
	if !ok {
		panic(name)
	}
	return m
}
