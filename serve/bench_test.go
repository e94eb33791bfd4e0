package serve

import (
	"net/url"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go"
	agentprincipal "github.com/aviate-labs/agent-go/principal"
	"github.com/stretchr/testify/require"
)

// Calls per second over HTTP with agent-go against examples/hello, one
// client at a time (b.RunParallel: GOMAXPROCS clients). Run:
//
//	go test ./serve -run XXX -bench . -benchtime 2000x
func BenchmarkHTTP(b *testing.B) {
	e := newEnv(b, "")
	cid := agentprincipal.Principal{Raw: e.id}
	u, err := url.Parse(e.url)
	require.NoError(b, err)
	a, err := agent.New(agent.Config{ClientConfig: &agent.ClientConfig{Host: u}, FetchRootKey: true, PollDelay: time.Millisecond})
	require.NoError(b, err)
	report := func(b *testing.B, start time.Time) {
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
	}
	b.Run("query/greet", func(b *testing.B) {
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				var s string
				if err := a.Query(cid, "greet", []any{"world"}, []any{&s}); err != nil {
					b.Error(err)
					return
				}
			}
		})
		report(b, start)
	})
	// The same query as a signed envelope, without agent-go's checks (each
	// of its queries also reads the subnet's state and verifies a
	// certificate and its delegation: BLS pairings in the client).
	b.Run("query/greet/raw", func(b *testing.B) {
		path := "/api/v2/canister/" + principalText(e.id) + "/query"
		body := signed(b, nil, queryContent(e.id, "greet", []byte("DIDL\x00\x01\x71\x05world")))
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				status, resp := e.post(b, path, body)
				if status != 200 {
					b.Errorf("status %d: %s", status, resp)
					return
				}
			}
		})
		report(b, start)
	})
	// agent-go's Call: a v2 call (202), then read_state polls every
	// PollDelay until the certificate shows the reply.
	b.Run("update/inc/agent-go-v2", func(b *testing.B) {
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				var n uint64
				if err := a.Call(cid, "inc", nil, []any{&n}); err != nil {
					b.Error(err)
					return
				}
			}
		})
		report(b, start)
	})
	// A v3 call answers with the certificate: one round trip.
	b.Run("update/inc/v3", func(b *testing.B) {
		path := "/api/v3/canister/" + principalText(e.id) + "/call"
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				status, body := e.post(b, path, signed(b, nil, callContent(e.id, "inc")))
				if status != 200 {
					b.Errorf("status %d: %s", status, body)
					return
				}
			}
		})
		report(b, start)
	})
}
