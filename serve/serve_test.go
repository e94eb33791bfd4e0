package serve

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go"
	"github.com/aviate-labs/agent-go/certification"
	"github.com/aviate-labs/agent-go/certification/hashtree"
	"github.com/aviate-labs/agent-go/identity"
	agentprincipal "github.com/aviate-labs/agent-go/principal"
	"github.com/fxamacker/cbor/v2"
	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica"
	"github.com/stretchr/testify/require"
)

var (
	helloOnce sync.Once
	helloWasm []byte // gzip
	helloRaw  []byte
	helloErr  error
)

// hello builds examples/hello once per test binary.
func hello(t testing.TB) []byte {
	t.Helper()
	helloOnce.Do(func() {
		b, err := build.Build(context.Background(), build.Options{Pkg: "../examples/hello"})
		if err != nil {
			helloErr = err
			return
		}
		helloWasm, helloRaw = b.Gzip, b.Wasm
	})
	require.NoError(t, helloErr)
	return helloWasm
}

type env struct {
	r   *replica.Replica
	s   *Server
	url string
	id  []byte // examples/hello
}

// newEnv serves a replica (wall clock) with examples/hello installed, or
// loaded from stateDir when it holds a saved state.
func newEnv(t testing.TB, stateDir string) *env {
	t.Helper()
	r, err := replica.New(replica.WithWallClock())
	require.NoError(t, err)
	var opts []Option
	if stateDir != "" {
		opts = append(opts, WithStateDir(stateDir))
	}
	s, err := New(r, opts...)
	require.NoError(t, err)
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		hs.Close()
		require.NoError(t, s.Close())
		r.Close()
	})
	e := &env{r: r, s: s, url: hs.URL}
	cs, err := r.CertifiedState()
	require.NoError(t, err)
	if len(cs) > 0 {
		e.id = cs[0].ID.Bytes()
		return e
	}
	id, err := r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, r.Install(id, hello(t), nil))
	e.id = id.Bytes()
	return e
}

func (e *env) agent(t testing.TB, id identity.Identity) *agent.Agent {
	t.Helper()
	u, err := url.Parse(e.url)
	require.NoError(t, err)
	a, err := agent.New(agent.Config{ClientConfig: &agent.ClientConfig{Host: u}, FetchRootKey: true,
		Identity: id, PollDelay: 5 * time.Millisecond})
	require.NoError(t, err)
	return a
}

func (e *env) post(t testing.TB, path string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(e.url+path, "application/cbor", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// signed builds an envelope for content, signed by id (nil: anonymous).
func signed(t testing.TB, id identity.Identity, content map[string]any) []byte {
	t.Helper()
	env := map[string]any{"content": content}
	if id != nil {
		content["sender"] = id.Sender().Raw
		rid, err := certification.HashAny(content)
		require.NoError(t, err)
		env["sender_pubkey"] = id.PublicKey()
		env["sender_sig"] = id.Sign(append([]byte("\x0aic-request"), rid[:]...))
	} else if _, ok := content["sender"]; !ok {
		content["sender"] = []byte{4}
	}
	b, err := cbor.Marshal(env)
	require.NoError(t, err)
	return b
}

func expiry(d time.Duration) uint64 { return uint64(time.Now().Add(d).UnixNano()) }

func callContent(canister []byte, method string) map[string]any {
	return map[string]any{"request_type": "call", "canister_id": canister, "method_name": method,
		"arg": []byte("DIDL\x00\x00"), "ingress_expiry": expiry(4 * time.Minute), "nonce": randomNonce()}
}

func queryContent(canister []byte, method string, arg []byte) map[string]any {
	return map[string]any{"request_type": "query", "canister_id": canister, "method_name": method,
		"arg": arg, "ingress_expiry": expiry(4 * time.Minute)}
}

func randomNonce() []byte {
	b := make([]byte, 8)
	rand.Read(b)
	return b
}

func decodeCBOR(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, cbor.Unmarshal(b, &m), "body %q", b)
	return m
}

func identities(t testing.TB) map[string]identity.Identity {
	ed, err := identity.NewRandomEd25519Identity()
	require.NoError(t, err)
	k1, err := identity.NewRandomSecp256k1Identity()
	require.NoError(t, err)
	p256, err := identity.NewRandomPrime256v1Identity()
	require.NoError(t, err)
	return map[string]identity.Identity{"anonymous": nil, "ed25519": ed, "secp256k1": k1, "p256": p256}
}

// agent-go calls (v2 call, then read_state polling) and queries (with node
// signatures), certificate verification on, with every key type.
func TestAgentGoIdentities(t *testing.T) {
	e := newEnv(t, "")
	cid := agentprincipal.Principal{Raw: e.id}
	for name, id := range identities(t) {
		t.Run(name, func(t *testing.T) {
			a := e.agent(t, id)
			var greeting string
			require.NoError(t, a.Query(cid, "greet", []any{name}, []any{&greeting}))
			require.Equal(t, "Hello, "+name+"!", greeting)
			var n uint64
			require.NoError(t, a.Call(cid, "inc", nil, []any{&n}))
			require.NotZero(t, n)
		})
	}
	a := e.agent(t, nil)
	hash, err := a.GetCanisterModuleHash(cid)
	require.NoError(t, err)
	require.Len(t, hash, 32)
	ctls, err := a.GetCanisterControllers(cid)
	require.NoError(t, err)
	require.Equal(t, []agentprincipal.Principal{agentprincipal.AnonymousID}, ctls)
	did, err := a.GetCanisterMetadata(cid, "candid:service")
	require.NoError(t, err)
	require.Contains(t, string(did), "greet")
}

// A v3 call answers with a certificate that verifies against the root key
// and holds the reply.
func TestSyncCall(t *testing.T) {
	e := newEnv(t, "")
	for name, id := range identities(t) {
		t.Run(name, func(t *testing.T) {
			content := callContent(e.id, "inc")
			status, body := e.post(t, "/api/v3/canister/"+principalText(e.id)+"/call", signed(t, id, content))
			require.Equal(t, 200, status, "%s", body)
			m := decodeCBOR(t, body)
			require.Equal(t, "replied", m["status"])
			var cert certification.Certificate
			require.NoError(t, cbor.Unmarshal(m["certificate"].([]byte), &cert))
			require.NoError(t, certification.VerifyCertificate(cert, agentprincipal.Principal{Raw: e.id}, e.s.RootKey()))
			rid, err := certification.HashAny(content)
			require.NoError(t, err)
			reply, err := cert.Tree.Lookup(hashtree.Label("request_status"), rid[:], hashtree.Label("reply"))
			require.NoError(t, err)
			require.True(t, bytes.HasPrefix(reply, []byte("DIDL")))
			// Only the request's status and the time are revealed.
			_, err = cert.Tree.Lookup(hashtree.Label("canister"), e.id, hashtree.Label("module_hash"))
			require.Error(t, err)
		})
	}
}

// Delegation chains: a session key signs for the identity that delegated
// to it, within the delegation's expiry and targets.
func TestDelegation(t *testing.T) {
	e := newEnv(t, "")
	root, err := identity.NewRandomEd25519Identity()
	require.NoError(t, err)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	session, err := identity.NewEd25519Identity(pub, priv)
	require.NoError(t, err)
	request := func(exp time.Duration, targets []any) []byte {
		d := map[string]any{"pubkey": session.PublicKey(), "expiration": expiry(exp)}
		if targets != nil {
			d["targets"] = targets
		}
		h, err := certification.HashAny(d)
		require.NoError(t, err)
		content := callContent(e.id, "inc")
		content["sender"] = root.Sender().Raw
		rid, err := certification.HashAny(content)
		require.NoError(t, err)
		b, err := cbor.Marshal(map[string]any{
			"content":       content,
			"sender_pubkey": root.PublicKey(),
			"sender_sig":    session.Sign(append([]byte("\x0aic-request"), rid[:]...)),
			"sender_delegation": []any{map[string]any{"delegation": d,
				"signature": root.Sign(append([]byte("\x1aic-request-auth-delegation"), h[:]...))}},
		})
		require.NoError(t, err)
		return b
	}
	path := "/api/v3/canister/" + principalText(e.id) + "/call"
	status, body := e.post(t, path, request(time.Hour, nil))
	require.Equal(t, 200, status, "%s", body)
	status, body = e.post(t, path, request(time.Hour, []any{e.id}))
	require.Equal(t, 200, status, "%s", body)
	status, body = e.post(t, path, request(-time.Minute, nil))
	require.Equal(t, 403, status, "%s", body)
	require.Contains(t, string(body), "expired")
	status, body = e.post(t, path, request(time.Hour, []any{[]byte{1, 2, 3}}))
	require.Equal(t, 403, status, "%s", body)
	require.Contains(t, string(body), "does not allow")
}

// Bad requests get the IC's error answers, never a crash.
func TestBadRequests(t *testing.T) {
	e := newEnv(t, "")
	ed, err := identity.NewRandomEd25519Identity()
	require.NoError(t, err)
	other, err := identity.NewRandomEd25519Identity()
	require.NoError(t, err)
	cid := principalText(e.id)
	unknown := []byte{0, 0, 0, 0, 0, 0, 0, 99, 1, 1}
	wrongSig := func() []byte {
		c := callContent(e.id, "inc")
		b := signed(t, ed, c)
		var m map[string]any
		require.NoError(t, cbor.Unmarshal(b, &m))
		m["sender_sig"] = other.Sign([]byte("\x0aic-requestsomething else"))
		b, err := cbor.Marshal(m)
		require.NoError(t, err)
		return b
	}
	wrongKey := func() []byte {
		c := callContent(e.id, "inc")
		b := signed(t, ed, c)
		var m map[string]any
		require.NoError(t, cbor.Unmarshal(b, &m))
		m["sender_pubkey"] = other.PublicKey()
		b, err := cbor.Marshal(m)
		require.NoError(t, err)
		return b
	}
	with := func(c map[string]any, k string, v any) map[string]any { c[k] = v; return c }
	anonWithSig := func() []byte {
		b, err := cbor.Marshal(map[string]any{"content": with(callContent(e.id, "inc"), "sender", []byte{4}), "sender_sig": []byte{1}, "sender_pubkey": ed.PublicKey()})
		require.NoError(t, err)
		return b
	}
	mgmt := func(method, arg string) []byte {
		vals, err := candidtext.ParseArgs(arg)
		require.NoError(t, err)
		b, err := candidtext.Encode(vals, nil)
		require.NoError(t, err)
		c := callContent(nil, method)
		c["canister_id"], c["arg"] = []byte{}, b
		return signed(t, nil, c)
	}
	tests := []struct {
		name, method, path string
		body               []byte
		status             int
		contains           string
	}{
		{"management call, effective id of another canister", "POST", "/api/v3/canister/" + principalText(unknown) + "/call",
			mgmt("canister_status", `(record { canister_id = principal "`+cid+`" })`), 400, "the management call canister_status addresses"},
		{"management call without a canister id", "POST", "/api/v3/canister/" + cid + "/call",
			mgmt("canister_status", `(record { other = principal "`+cid+`" })`), 400, "no principal field canister_id"},
		{"malformed CBOR", "POST", "/api/v3/canister/" + cid + "/call", []byte{0xa1, 0xff, 0x00}, 400, "could not parse"},
		{"not a map", "POST", "/api/v2/canister/" + cid + "/query", []byte{0x01}, 400, "could not parse"},
		{"empty body", "POST", "/api/v2/canister/" + cid + "/read_state", nil, 400, "could not parse"},
		{"wrong signature", "POST", "/api/v3/canister/" + cid + "/call", wrongSig(), 403, "invalid Ed25519 signature"},
		{"key not the sender's", "POST", "/api/v3/canister/" + cid + "/call", wrongKey(), 403, "does not match sender_pubkey"},
		{"anonymous with a signature", "POST", "/api/v3/canister/" + cid + "/call", anonWithSig(), 403, "anonymous"},
		{"expired", "POST", "/api/v3/canister/" + cid + "/call",
			signed(t, nil, with(callContent(e.id, "inc"), "ingress_expiry", expiry(-time.Second))), 400, "Invalid request expiry"},
		{"expiry too far", "POST", "/api/v2/canister/" + cid + "/query",
			signed(t, nil, with(queryContent(e.id, "greet", []byte("DIDL\x00\x00")), "ingress_expiry", expiry(time.Hour))), 400, "Invalid request expiry"},
		{"wrong request type", "POST", "/api/v2/canister/" + cid + "/query", signed(t, nil, callContent(e.id, "inc")), 400, "request_type"},
		{"effective id mismatch", "POST", "/api/v3/canister/" + principalText(unknown) + "/call", signed(t, nil, callContent(e.id, "inc")), 400, "does not match"},
		{"bad id in URL", "POST", "/api/v3/canister/not-a-principal/call", nil, 400, "invalid canister id"},
		{"oversize body", "POST", "/api/v3/canister/" + cid + "/call", make([]byte, MaxRequestBytes+1), 413, "exceeds"},
		{"GET a call", "GET", "/api/v3/canister/" + cid + "/call", nil, 405, "POST"},
		{"POST status", "POST", "/api/v2/status", nil, 405, "GET"},
		{"unknown endpoint", "POST", "/api/v1/canister/" + cid + "/call", nil, 404, "no such endpoint"},
		{"v2 subnet call", "POST", "/api/v4/subnet/" + cid + "/call", nil, 404, "no such endpoint"},
		{"huge nat", "POST", "/api/v2/canister/" + cid + "/query",
			signed(t, nil, with(queryContent(e.id, "greet", []byte("DIDL\x00\x00")), "x", uint64(1<<63))), 400, "too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, e.url+tc.path, bytes.NewReader(tc.body))
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			require.Equal(t, tc.status, resp.StatusCode, "%s", b)
			require.Contains(t, string(b), tc.contains)
		})
	}
}

// Rejects that the IC gives as answers (HTTP 200) rather than HTTP errors.
func TestRejects(t *testing.T) {
	e := newEnv(t, "")
	unknown := []byte{0, 0, 0, 0, 0, 0, 0, 99, 1, 1}
	u := principalText(unknown)

	status, body := e.post(t, "/api/v2/canister/"+u+"/query", signed(t, nil, queryContent(unknown, "greet", []byte("DIDL\x00\x00"))))
	require.Equal(t, 200, status)
	m := decodeCBOR(t, body)
	require.Equal(t, "rejected", m["status"])
	require.Equal(t, uint64(3), m["reject_code"])
	require.Equal(t, "IC0301", m["error_code"])
	require.NotEmpty(t, m["signatures"])

	status, body = e.post(t, "/api/v3/canister/"+u+"/call", signed(t, nil, callContent(unknown, "inc")))
	require.Equal(t, 200, status)
	m = decodeCBOR(t, body)
	require.Equal(t, "non_replicated_rejection", m["status"])
	require.Equal(t, "IC0301", m["error_code"])

	status, body = e.post(t, "/api/v2/canister/"+u+"/call", signed(t, nil, callContent(unknown, "inc")))
	require.Equal(t, 200, status) // agent-go reads a 200 as a reject
	m = decodeCBOR(t, body)
	require.Equal(t, uint64(3), m["reject_code"])

	// A missing method is a certified reject (IC0536), as icp's probes expect.
	cid := principalText(e.id)
	status, body = e.post(t, "/api/v2/canister/"+cid+"/query", signed(t, nil, queryContent(e.id, "http_request", []byte("DIDL\x00\x00"))))
	require.Equal(t, 200, status)
	m = decodeCBOR(t, body)
	require.Equal(t, "IC0536", m["error_code"])

	// Only a request's sender reads its status.
	ed, err := identity.NewRandomEd25519Identity()
	require.NoError(t, err)
	content := callContent(e.id, "inc")
	status, _ = e.post(t, "/api/v3/canister/"+cid+"/call", signed(t, ed, content))
	require.Equal(t, 200, status)
	rid, err := certification.HashAny(content)
	require.NoError(t, err)
	rs := map[string]any{"request_type": "read_state", "paths": []any{[]any{[]byte("request_status"), rid[:]}},
		"ingress_expiry": expiry(time.Minute)}
	status, body = e.post(t, "/api/v2/canister/"+cid+"/read_state", signed(t, nil, rs))
	require.Equal(t, 403, status, "%s", body)
	status, body = e.post(t, "/api/v2/canister/"+cid+"/read_state", signed(t, ed, rs))
	require.Equal(t, 200, status, "%s", body)
}

// With a state directory, canisters and the ingress history survive a
// restart.
func TestStateDir(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, dir)
	cid := agentprincipal.Principal{Raw: e.id}
	var n uint64
	require.NoError(t, e.agent(t, nil).Call(cid, "inc", nil, []any{&n}))
	require.Equal(t, uint64(1), n)
	content := callContent(e.id, "inc")
	status, _ := e.post(t, "/api/v3/canister/"+principalText(e.id)+"/call", signed(t, nil, content))
	require.Equal(t, 200, status)
	require.NoError(t, e.s.Close())

	e2 := newEnv(t, dir)
	require.Equal(t, e.id, e2.id)
	a := e2.agent(t, nil)
	require.NoError(t, a.Query(cid, "get", nil, []any{&n}))
	require.Equal(t, uint64(2), n)
	rid, err := certification.HashAny(content)
	require.NoError(t, err)
	st, _, err := a.RequestStatus(cid, rid)
	require.NoError(t, err)
	require.Equal(t, "replied", string(st))
}

func TestStatus(t *testing.T) {
	e := newEnv(t, "")
	resp, err := http.Get(e.url + "/api/v2/status")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(b, []byte{0xd9, 0xd9, 0xf7}), "self-describing CBOR")
	m := decodeCBOR(t, b)
	require.Equal(t, e.r.RootKey(), m["root_key"])
	require.Equal(t, "healthy", m["replica_health_status"])
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "application/cbor"))
}

// read_state paths: canister paths must name the effective canister id.
func TestReadStatePaths(t *testing.T) {
	e := newEnv(t, "")
	cid := principalText(e.id)
	rs := func(paths ...[]any) []byte {
		ps := make([]any, len(paths))
		for i, p := range paths {
			ps[i] = p
		}
		return signed(t, nil, map[string]any{"request_type": "read_state", "paths": ps, "ingress_expiry": expiry(time.Minute)})
	}
	for _, tc := range []struct {
		name   string
		body   []byte
		status int
	}{
		{"module hash", rs([]any{[]byte("canister"), e.id, []byte("module_hash")}), 200},
		{"public metadata", rs([]any{[]byte("canister"), e.id, []byte("metadata"), []byte("candid:service")}), 200},
		{"whole canister", rs([]any{[]byte("canister"), e.id}), 200}, // hello has no private sections
		{"every canister", rs([]any{[]byte("canister")}), 400},
		{"another canister", rs([]any{[]byte("canister"), []byte{1, 2, 3}, []byte("module_hash")}), 400},
		{"time and subnet", rs([]any{[]byte("time")}, []any{[]byte("subnet")}), 200},
		{"unknown root", rs([]any{[]byte("nope")}), 404},
		{"empty path", rs([]any{}), 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.post(t, "/api/v3/canister/"+cid+"/read_state", tc.body)
			require.Equal(t, tc.status, status, "%s", body)
		})
	}
	status, body := e.post(t, "/api/v3/subnet/"+principalText(e.s.SubnetID())+"/read_state",
		rs([]any{[]byte("canister"), e.id, []byte("module_hash")}))
	require.Equal(t, 404, status, "%s", body)
}

// icp:private metadata is readable by controllers only.
func TestPrivateMetadata(t *testing.T) {
	e := newEnv(t, "")
	ctl, err := identity.NewRandomEd25519Identity()
	require.NoError(t, err)
	id, err := e.r.CreateCanister(replica.WithControllers(principal.FromBytes(ctl.Sender().Raw)))
	require.NoError(t, err)
	hello(t)
	// A custom section (id 0) appended to the module.
	name, data := "icp:private secret", "42"
	section := append([]byte{byte(len(name))}, name...)
	section = append(section, data...)
	module := append(append(append([]byte{}, helloRaw...), 0, byte(len(section))), section...)
	require.NoError(t, e.r.Install(id, module, nil, replica.WithCaller(principal.FromBytes(ctl.Sender().Raw))))
	cid := principalText(id.Bytes())
	for _, tc := range []struct {
		name   string
		who    identity.Identity
		path   []any
		status int
	}{
		{"controller", ctl, []any{[]byte("canister"), id.Bytes(), []byte("metadata"), []byte("secret")}, 200},
		{"anonymous", nil, []any{[]byte("canister"), id.Bytes(), []byte("metadata"), []byte("secret")}, 403},
		{"anonymous, prefix", nil, []any{[]byte("canister"), id.Bytes()}, 403},
		{"anonymous, public", nil, []any{[]byte("canister"), id.Bytes(), []byte("metadata"), []byte("candid:service")}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := signed(t, tc.who, map[string]any{"request_type": "read_state", "paths": []any{tc.path}, "ingress_expiry": expiry(time.Minute)})
			status, resp := e.post(t, "/api/v2/canister/"+cid+"/read_state", body)
			require.Equal(t, tc.status, status, "%s", resp)
			if status != 200 || tc.who == nil {
				return
			}
			var cert certification.Certificate
			require.NoError(t, cbor.Unmarshal(decodeCBOR(t, resp)["certificate"].([]byte), &cert))
			got, err := cert.Tree.Lookup(hashtree.Label("canister"), id.Bytes(), hashtree.Label("metadata"), hashtree.Label("secret"))
			require.NoError(t, err)
			require.Equal(t, data, string(got))
		})
	}
}
