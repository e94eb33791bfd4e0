package nethttp_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/management"
	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica"
)

var canisters sync.Map // package -> *built

type built struct {
	once sync.Once
	res  *build.Result
	err  error
}

func buildCanister(t *testing.T, pkg string) *build.Result {
	t.Helper()
	v, _ := canisters.LoadOrStore(pkg, &built{})
	b := v.(*built)
	b.once.Do(func() {
		b.res, b.err = build.Build(context.Background(), build.Options{Dir: "../../..", Pkg: pkg})
	})
	require.NoError(t, b.err)
	return b.res
}

// quoteServer is a TLS server on 127.0.0.1 serving the quote API; it
// counts the requests it gets.
func quoteServer(t *testing.T, n *atomic.Int64) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.URL.Path != "/v1/quote" || r.Header.Get("Accept") != "application/json" || r.Header.Get("X-Api-Key") == "" {
			http.Error(w, "bad request "+r.URL.String(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"symbol": r.URL.Query().Get("symbol"), "price": 12.5})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// installChunked installs module the way a deploy tool must when it is
// over the 2 MiB ingress limit: upload_chunk of at most 1 MiB each, then
// install_chunked_code (IC interface specification, section "Management
// canister > IC method install_chunked_code").
func installChunked(t *testing.T, r *replica.Replica, id replica.CanisterID, module []byte) int {
	t.Helper()
	target := principal.FromBytes(id.Bytes())
	var hashes []management.ChunkHash
	for off := 0; off < len(module); off += 1 << 20 {
		chunk := module[off:min(off+1<<20, len(module))]
		arg, err := candid.Marshal([]any{management.UploadChunkArgs{CanisterID: target, Chunk: chunk}})
		require.NoError(t, err)
		res, err := r.Update(replica.ManagementCanister, "upload_chunk", arg)
		require.NoError(t, err)
		require.Nil(t, res.Reject)
		var h management.ChunkHash
		require.NoError(t, candid.Unmarshal(res.Reply, []any{&h}))
		hashes = append(hashes, h)
	}
	sum := sha256.Sum256(module)
	arg, err := candid.Marshal([]any{management.InstallChunkedCodeArgs{
		Mode:            management.ModeInstall(),
		TargetCanister:  target,
		ChunkHashesList: hashes,
		WasmModuleHash:  sum[:],
		Arg:             []byte{},
	}})
	require.NoError(t, err)
	res, err := r.Update(replica.ManagementCanister, "install_chunked_code", arg)
	require.NoError(t, err)
	require.Nil(t, res.Reject)
	return len(hashes)
}

func call(t *testing.T, r *replica.Replica, id replica.CanisterID, query bool, method string, args ...any) (string, *replica.Reject) {
	t.Helper()
	arg, err := candid.Marshal(args)
	require.NoError(t, err)
	var res *replica.Result
	if query {
		res, err = r.Query(id, method, arg)
	} else {
		res, err = r.Update(id, method, arg)
	}
	require.NoError(t, err)
	if res.Reject != nil {
		return "", res.Reject
	}
	var s string
	require.NoError(t, candid.Unmarshal(res.Reply, []any{&s}))
	return s, nil
}

// An unchanged API client that takes an *http.Client fetches JSON from an
// HTTPS server on 127.0.0.1 through outcalls, with nethttp.Transport and
// with http.DefaultClient after Install. The module is over 2 MiB gzip, so
// it is installed in chunks.
func TestAPIClientOverOutcalls(t *testing.T) {
	res := buildCanister(t, "./icstd/http/nethttp/testdata/apican")
	require.Greater(t, len(res.Gzip), 2<<20, "if net/http got smaller, the chunked install is no longer needed here")
	var n atomic.Int64
	srv := quoteServer(t, &n)
	r, err := replica.New(replica.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	id, err := r.CreateCanister()
	require.NoError(t, err)
	require.Equal(t, 3, installChunked(t, r, id, res.Gzip))

	got, rej := call(t, r, id, false, "quote", srv.URL, "ICP")
	require.Nil(t, rej)
	require.Equal(t, "ICP 12.50", got)
	require.Positive(t, n.Load())

	got, rej = call(t, r, id, false, "quote_timeout", srv.URL, "ETH")
	require.Nil(t, rej)
	require.Equal(t, "ETH 12.50", got)

	got, rej = call(t, r, id, false, "quote_default", srv.URL, "BTC")
	require.Nil(t, rej)
	require.Equal(t, "BTC 12.50", got)

	// Errors reach the library as net/http errors.
	_, rej = call(t, r, id, false, "quote", "http://127.0.0.1:1", "ICP")
	require.NotNil(t, rej)
	require.Contains(t, rej.Message, `quoteapi: Get "http://127.0.0.1:1/v1/quote?symbol=ICP": URL "http://127.0.0.1:1/v1/quote?symbol=ICP": HTTPS outcalls need an https:// URL`)
	_, rej = call(t, r, id, false, "quote_default", "http://127.0.0.1:1", "ICP")
	require.NotNil(t, rej)
	require.Contains(t, rej.Message, "HTTPS outcalls need an https:// URL")

	_, rej = call(t, r, id, true, "quote_in_query", srv.URL, "ICP")
	require.NotNil(t, rej)
	require.Contains(t, rej.Message, "not allowed")

	// A clone of http.DefaultTransport dials, and says what to do.
	_, rej = call(t, r, id, false, "quote_clone", srv.URL, "ICP")
	require.NotNil(t, rej)
	require.Contains(t, rej.Message, "a canister cannot open network connections: make HTTPS requests with icstd/http")
}

// A canister that links net/http without the transport: icgo build adds
// nethttp, and a dial fails naming icstd/http, not with "connection
// refused".
func TestDialWithoutTransport(t *testing.T) {
	res := buildCanister(t, "./icstd/http/nethttp/testdata/nodialcan")
	require.Contains(t, res.Notes, "net/http is linked: added "+build.NetHTTPPackage+", so its dials fail naming icstd/http (use nethttp.Transport or nethttp.Install to make HTTPS outcalls)")
	var n atomic.Int64
	srv := quoteServer(t, &n)
	r, err := replica.New(replica.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	id, err := r.CreateCanister()
	require.NoError(t, err)
	installChunked(t, r, id, res.Gzip)

	_, rej := call(t, r, id, false, "quote_default", srv.URL, "ICP")
	require.NotNil(t, rej)
	want := fmt.Sprintf(`quoteapi: Get "%s/v1/quote?symbol=ICP": a canister cannot open network connections: make HTTPS requests with icstd/http`, srv.URL)
	require.Contains(t, rej.Message, want)
	require.NotContains(t, strings.ToLower(rej.Message), "connection refused")
	require.Zero(t, n.Load())
}
