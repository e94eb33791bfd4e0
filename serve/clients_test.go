package serve

import (
	"context"
	"encoding/hex"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/internal/crosscheck"
	"github.com/icgo/icgo/replica"
	"github.com/stretchr/testify/require"
)

// Tests with DFINITY's own clients. They need tools CI installs:
//
//	ICGO_ICP=/path/to/icp  (npm @icp-sdk/icp-cli-linux-x64: node_modules/@icp-sdk/icp-cli-linux-x64/bin/icp)
//	ICGO_NODE_MODULES=/path/to/node_modules  (npm @dfinity/agent@3.4.3)
//
// and are skipped, saying so, when the variable is unset (they fail
// instead under .ci/run, which sets ICGO_CROSSCHECK=1).

// liveServer is icgo serve in-process: a replica on the wall clock with a
// ticker, served on a real port, with a state directory.
type liveServer struct {
	url     string
	rootKey string
	r       *replica.Replica
	close   func()
}

func startLive(t *testing.T, stateDir string) *liveServer {
	t.Helper()
	r, err := replica.New(replica.WithWallClock(), replica.WithCompilationCacheDir(filepath.Join(stateDir, "compiled")))
	require.NoError(t, err)
	s, err := New(r, WithStateDir(stateDir), WithTicker(100*time.Millisecond))
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: s}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(l) }()
	closed := false
	ls := &liveServer{url: "http://" + l.Addr().String(), rootKey: hex.EncodeToString(s.RootKey()), r: r}
	ls.close = func() {
		if closed {
			return
		}
		closed = true
		require.NoError(t, hs.Shutdown(context.Background()))
		require.ErrorIs(t, <-done, http.ErrServerClosed)
		require.NoError(t, s.Close())
		require.NoError(t, r.Close())
	}
	t.Cleanup(ls.close)
	return ls
}

func tool(t *testing.T, env string) string {
	return crosscheck.Env(t, env, "a client of DFINITY's that .ci/run installs from npm (see clients_test.go)")
}

// icp deploy of examples/hello, icp canister call, a restart with the
// state directory, and an upgrade, with the icp CLI.
func TestICPCLI(t *testing.T) {
	icp := tool(t, "ICGO_ICP")
	dir := t.TempDir()
	proj, home, state := filepath.Join(dir, "proj"), filepath.Join(dir, "home"), filepath.Join(dir, "state")
	require.NoError(t, os.MkdirAll(filepath.Join(proj, "out"), 0o755))
	require.NoError(t, os.MkdirAll(home, 0o755))
	writeModule := func(env ...string) {
		b, err := build.Build(context.Background(), build.Options{Pkg: "../examples/hello", Env: env})
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(proj, "out", "hello.wasm"), b.Wasm, 0o644))
	}
	writeModule()
	writeYAML := func(s *liveServer) {
		yaml := strings.NewReplacer("URL", s.url, "KEY", s.rootKey).Replace(`networks:
  - name: icgo
    mode: connected
    api-url: URL
    root-key: KEY
environments:
  - name: dev
    network: icgo
    canisters: [hello]
canisters:
  - name: hello
    build:
      steps:
        - type: script
          commands:
            - cp out/hello.wasm "$ICP_WASM_OUTPUT_PATH"
`)
		require.NoError(t, os.WriteFile(filepath.Join(proj, "icp.yaml"), []byte(yaml), 0o644))
	}
	run := func(args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, icp, args...)
		cmd.Dir = proj
		cmd.Env = append(os.Environ(), "HOME="+home, "DO_NOT_TRACK=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "icp %s:\n%s", strings.Join(args, " "), out)
		return strings.TrimSpace(string(out))
	}

	s := startLive(t, state)
	writeYAML(s)
	run("deploy", "-e", "dev")
	require.Equal(t, `("Hello, world!")`, run("canister", "call", "-e", "dev", "hello", "greet", `("world")`))
	require.Equal(t, `("Hello, world!")`, run("canister", "call", "-e", "dev", "hello", "greet", `("world")`, "--query"))
	require.Equal(t, `(1 : nat64)`, run("canister", "call", "-e", "dev", "hello", "inc", "()"))
	require.Contains(t, run("cycles", "balance", "-e", "dev"), "cycles")

	// Restart from the state directory (on a new port).
	s.close()
	s = startLive(t, state)
	writeYAML(s)
	require.Equal(t, `("Hello, world!")`, run("canister", "call", "-e", "dev", "hello", "greet", `("world")`))
	require.Equal(t, `(1 : nat64)`, run("canister", "call", "-e", "dev", "hello", "get", "()"))

	// An upgrade: a different module (another embedded environment).
	cs, err := s.r.CertifiedState()
	require.NoError(t, err)
	require.Len(t, cs, 1)
	writeModule("ICGO_UPGRADE_TEST=1")
	run("deploy", "-e", "dev")
	cs2, err := s.r.CertifiedState()
	require.NoError(t, err)
	require.NotEqual(t, cs[0].ModuleHash, cs2[0].ModuleHash)
	require.Equal(t, `("Hello, world!")`, run("canister", "call", "-e", "dev", "hello", "greet", `("world")`))

	// Stop, snapshot, start, change, restore, start, delete: icp recovers
	// the canister's cycles first, by a deposit to the cycles ledger from
	// the canister itself.
	run("canister", "stop", "-e", "dev", "hello")
	require.Contains(t, run("canister", "status", "-e", "dev", "hello"), "Status: Stopped")
	created := run("canister", "snapshot", "create", "-e", "dev", "hello")
	snap := regexp.MustCompile(`Created snapshot ([0-9a-f]+)`).FindStringSubmatch(created)
	require.NotNil(t, snap, created)
	require.Contains(t, run("canister", "snapshot", "list", "-e", "dev", "hello"), snap[1])
	run("canister", "start", "-e", "dev", "hello")
	require.Equal(t, `(1 : nat64)`, run("canister", "call", "-e", "dev", "hello", "inc", "()")) // the upgrade reset the heap
	run("canister", "stop", "-e", "dev", "hello")
	require.Contains(t, run("canister", "snapshot", "restore", "-e", "dev", "hello", snap[1]), "Restored")
	run("canister", "start", "-e", "dev", "hello")
	require.Equal(t, `(0 : nat64)`, run("canister", "call", "-e", "dev", "hello", "get", "()"))
	// Download, upload as a new snapshot, restore that one.
	require.Equal(t, `(1 : nat64)`, run("canister", "call", "-e", "dev", "hello", "inc", "()"))
	run("canister", "stop", "-e", "dev", "hello")
	dl := filepath.Join(t.TempDir(), "snapshot")
	require.Contains(t, run("canister", "snapshot", "download", "-e", "dev", "hello", snap[1], "--output", dl), "downloaded")
	uploaded := regexp.MustCompile(`Created snapshot ([0-9a-f]+)`).FindStringSubmatch(run("canister", "snapshot", "upload", "-e", "dev", "hello", "--input", dl))
	require.NotNil(t, uploaded)
	require.Contains(t, run("canister", "snapshot", "restore", "-e", "dev", "hello", uploaded[1]), "Restored")
	run("canister", "start", "-e", "dev", "hello")
	require.Equal(t, `(0 : nat64)`, run("canister", "call", "-e", "dev", "hello", "get", "()"))
	require.Contains(t, run("canister", "snapshot", "delete", "-e", "dev", "hello", snap[1]), "Deleted")
	before := run("cycles", "balance", "-e", "dev")
	require.Contains(t, run("canister", "delete", "-e", "dev", "hello"), "Recovered")
	require.NotEqual(t, before, run("cycles", "balance", "-e", "dev"))
	cs, err = s.r.CertifiedState()
	require.NoError(t, err)
	require.Empty(t, cs)

	// ICP: a balance, a transfer, and cycles minted from ICP (the legacy
	// transfer to the CMC, then notify_mint_cycles), with icp's own figures.
	require.Contains(t, run("token", "balance", "-e", "dev"), "Balance: 1000000.00000000 ICP")
	require.Contains(t, run("token", "transfer", "1.5", "aaaaa-aa", "-e", "dev"), "Transferred 1.50000000 ICP")
	require.Contains(t, run("token", "balance", "-e", "dev"), "Balance: 999998.49990000 ICP")
	require.Contains(t, run("cycles", "mint", "--icp", "1", "-e", "dev"), "Minted 3_519_900_000_000 cycles")
	require.Contains(t, run("cycles", "mint", "--cycles", "1t", "-e", "dev"), "Minted 1_000_000_006_400 cycles")
}

// @dfinity/agent's Actor: a query (node signature verified) and an update
// (certificate verified).
func TestJSAgent(t *testing.T) {
	modules := tool(t, "ICGO_NODE_MODULES")
	node, err := exec.LookPath("node")
	require.NoError(t, err, "node is needed with ICGO_NODE_MODULES")
	e := newEnv(t, "")
	script, err := filepath.Abs("testdata/jsagent.mjs")
	require.NoError(t, err)
	// Node resolves packages from the script's directory upwards: run a
	// copy next to the given node_modules.
	copyPath := filepath.Join(filepath.Dir(modules), "icgo-jsagent-test.mjs")
	b, err := os.ReadFile(script)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(copyPath, b, 0o644))
	defer os.Remove(copyPath)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, copyPath, e.url, principalText(e.id)).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	require.Equal(t, `{"greeting":"Hello, js!","n":"1"}`, strings.TrimSpace(string(out)))
}
