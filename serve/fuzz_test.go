package serve

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/identity"
	"github.com/fxamacker/cbor/v2"
	"github.com/icgo/icgo/replica"
)

// FuzzDecodeRequest feeds arbitrary bodies to the envelope decoder and
// authenticator: it must return a request or an error, never panic.
func FuzzDecodeRequest(f *testing.F) {
	ed, err := identity.NewRandomEd25519Identity()
	if err != nil {
		f.Fatal(err)
	}
	k1, err := identity.NewRandomSecp256k1Identity()
	if err != nil {
		f.Fatal(err)
	}
	id := []byte{0, 0, 0, 0, 0, 0, 0, 1, 1, 1}
	for _, signer := range []identity.Identity{nil, ed, k1} {
		f.Add(signed(f, signer, callContent(id, "inc")))
		f.Add(signed(f, signer, queryContent(id, "greet", []byte("DIDL\x00\x00"))))
	}
	f.Add([]byte{0xd9, 0xd9, 0xf7, 0xa1, 0x67, 'c', 'o', 'n', 't', 'e', 'n', 't', 0xa0})
	deep, _ := cbor.Marshal(map[string]any{"content": map[string]any{"request_type": "read_state",
		"paths": []any{[]any{[]byte("a"), []any{[]any{[]any{}}}}}}})
	f.Add(deep)
	now := time.Now()
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, typ := range []string{"call", "query", "read_state"} {
			req, err := decodeRequest(body, typ, now)
			if err == nil && req.RequestType != typ {
				t.Fatalf("accepted a %q request as %q", req.RequestType, typ)
			}
			if err != nil {
				if _, ok := err.(*requestError); !ok {
					t.Fatalf("error %T is not a requestError: %v", err, err)
				}
			}
		}
	})
}

// FuzzServe sends arbitrary bodies to every POST endpoint of a server
// without canisters: each gets an HTTP answer, never a panic or a 5xx.
func FuzzServe(f *testing.F) {
	r, err := replica.New()
	if err != nil {
		f.Fatal(err)
	}
	defer r.Close()
	s, err := New(r)
	if err != nil {
		f.Fatal(err)
	}
	id := []byte{0, 0, 0, 0, 0, 0, 0, 1, 1, 1}
	f.Add(uint8(0), signed(f, nil, callContent(id, "inc")))
	f.Add(uint8(2), signed(f, nil, queryContent(id, "greet", []byte("DIDL\x00\x00"))))
	rs, _ := cbor.Marshal(map[string]any{"content": map[string]any{"request_type": "read_state", "sender": []byte{4},
		"ingress_expiry": expiry(time.Minute), "paths": []any{[]any{[]byte("time")}, []any{[]byte("subnet")}}}})
	f.Add(uint8(3), rs)
	f.Add(uint8(4), rs)
	paths := []string{"/api/v2/canister/aaaaa-aa/call", "/api/v3/canister/aaaaa-aa/call", "/api/v2/canister/aaaaa-aa/query",
		"/api/v2/canister/aaaaa-aa/read_state", "/api/v3/subnet/aaaaa-aa/read_state"}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		w := httptest.NewRecorder()
		start := time.Now()
		s.ServeHTTP(w, httptest.NewRequest("POST", paths[int(which)%len(paths)], bytes.NewReader(body)))
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v: status %d: %s", d, w.Code, w.Body.Bytes())
		}
		if w.Code >= 500 {
			t.Fatalf("status %d: %s", w.Code, w.Body.Bytes())
		}
	})
}
