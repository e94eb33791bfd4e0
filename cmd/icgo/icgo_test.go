package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/crosscheck"
	"github.com/icgo/icgo/internal/postproc"
	"github.com/icgo/icgo/internal/wasm"
)

// icgo runs the CLI in-process from the repository root.
func icgo(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	require.NoError(t, os.Chdir("../.."))
	defer os.Chdir(wd)
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// helloDir holds the hello canister built once for the tests in this file.
var helloDir string

func buildHello(t *testing.T) string {
	t.Helper()
	if helloDir != "" {
		return helloDir
	}
	dir, err := os.MkdirTemp("", "icgo-test-")
	require.NoError(t, err)
	out, errOut, code := icgo(t, "", "build", "-o", dir, "./examples/hello")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "hello.wasm.gz")
	helloDir = dir
	return dir
}

// cleanups run after the tests, for what several tests share.
var cleanups []func()

func TestMain(m *testing.M) {
	code := m.Run()
	if helloDir != "" {
		os.RemoveAll(helloDir)
	}
	for _, f := range cleanups {
		f()
	}
	os.Exit(code)
}

func TestBuildHello(t *testing.T) {
	dir := buildHello(t)
	plain, err := os.ReadFile(filepath.Join(dir, "hello.wasm"))
	require.NoError(t, err)
	gz, err := os.ReadFile(filepath.Join(dir, "hello.wasm.gz"))
	require.NoError(t, err)
	did, err := os.ReadFile(filepath.Join(dir, "hello.did"))
	require.NoError(t, err)

	// The hard limit: a module must install in one ingress message.
	require.Less(t, len(gz), 2<<20, "the gzip module must fit in one 2 MiB ingress message")

	m, err := wasm.Decode(plain)
	require.NoError(t, err)
	for _, im := range m.Imports {
		require.Equal(t, "ic0", im.Module, "import %s.%s", im.Module, im.Name)
	}
	svc, ok := m.Custom("icp:public candid:service")
	require.True(t, ok, "the module embeds its Candid interface")
	require.Equal(t, string(did), string(svc))
	require.Contains(t, string(did), "greet : (text) -> (text) query;")
	require.Contains(t, string(did), "inc : () -> (nat64);")

	for _, f := range []string{"hello.wasm", "hello.wasm.gz"} {
		out, _, code := icgo(t, "", "check", filepath.Join(dir, f))
		require.Equal(t, 0, code, out)
		require.Contains(t, out, "ok (")
	}
}

// TestBuildHelloExternalTools cross-checks the module with wabt's
// wasm-validate and DFINITY's ic-wasm (ICGO_IC_WASM, set by .ci/run).
func TestBuildHelloExternalTools(t *testing.T) {
	dir := buildHello(t)
	file := filepath.Join(dir, "hello.wasm")
	validate := crosscheck.Tool(t, "wasm-validate", "Debian package wabt")
	out, err := exec.Command(validate, file).CombinedOutput()
	require.NoError(t, err, string(out))

	icwasm := crosscheck.Env(t, "ICGO_IC_WASM", "DFINITY's ic-wasm binary (npm @icp-sdk/ic-wasm-linux-x64)")
	out, err = exec.Command(icwasm, file, "info").CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), `"canister_query greet`)
	require.Contains(t, string(out), "icp:public candid:service")
}

func TestRunHello(t *testing.T) {
	dir := buildHello(t)
	gz := filepath.Join(dir, "hello.wasm.gz")
	script := strings.Join([]string{
		`greet ("world")`,
		`inc`,
		`fail`,                     // traps after incrementing: rolled back
		`get`,                      // still 1
		`greet (42)`,               // malformed: rejected before the handler runs
		`greet 0x4449444c00017d2a`, // raw bytes of (42 : nat): rejected by the canister
		`greet ("again")`,          // and the next call works
		`dec`,
		`dec`, // error result: reject code 4
		`nope`,
	}, "\n")
	out, logs, code := icgo(t, script, "run", "-log", gz)
	require.Equal(t, 0, code, logs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 10, out)
	require.Equal(t, `("Hello, world!")`, lines[0])
	require.Equal(t, `(1 : nat64)`, lines[1])
	require.Equal(t, `reject (code 5): canister trapped: panic in fail: fail always traps`, lines[2])
	require.Equal(t, `(1 : nat64)`, lines[3])
	require.Contains(t, lines[4], "error: argument 1: expected text")
	require.Contains(t, lines[5], "reject (code 4): cdk: greet: invalid argument:")
	require.Equal(t, `("Hello, again!")`, lines[6])
	require.Equal(t, `(0 : nat64)`, lines[7])
	require.Equal(t, `reject (code 4): the counter is already zero`, lines[8])
	require.Contains(t, lines[9], `the canister has no method "nope"`)
	require.Contains(t, logs, "panic in fail: fail always traps", "-log streams the canister log")
	require.NotContains(t, out, "goroutine ", "a trap's stack trace stays in the log, not between replies")
}

func TestRunOneCall(t *testing.T) {
	dir := buildHello(t)
	gz := filepath.Join(dir, "hello.wasm.gz")
	out, logs, code := icgo(t, "", "run", gz, "greet", `("world")`)
	require.Equal(t, 0, code, logs)
	require.Equal(t, "(\"Hello, world!\")\n", out)

	out, _, code = icgo(t, "", "run", "-hex", gz, "greet", `("world")`)
	require.Equal(t, 0, code)
	require.Equal(t, "4449444c0001710d48656c6c6f2c20776f726c6421\n", out)

	out, _, code = icgo(t, "", "run", gz, "fail")
	require.Equal(t, 1, code, "a rejected single call exits 1")
	require.Contains(t, out, "reject (code 5)")
}

// TestRunPackage is the README's quick-start command: run builds the
// package itself.
func TestRunPackage(t *testing.T) {
	out, logs, code := icgo(t, `greet ("world")`+"\n", "run", "./examples/hello")
	require.Equal(t, 0, code, logs)
	require.Equal(t, "(\"Hello, world!\")\n", out)
}

func TestCheckRefusesRawGo(t *testing.T) {
	dir := t.TempDir()
	raw := filepath.Join(dir, "raw.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", raw, "./examples/hello")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, string(b))
	out, _, code := icgo(t, "", "check", raw)
	require.Equal(t, 1, code)
	require.Contains(t, out, "the IC would refuse this module")
	require.Contains(t, out, "wasi_snapshot_preview1.fd_write")
}

func TestUsageErrors(t *testing.T) {
	_, errOut, code := icgo(t, "")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "Usage:")
	_, errOut, code = icgo(t, "", "frobnicate")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `unknown command "frobnicate"`)
	_, errOut, code = icgo(t, "", "check")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "usage: icgo check")
}

func TestRunCommands(t *testing.T) {
	dir := buildHello(t)
	gz := filepath.Join(dir, "hello.wasm.gz")
	script := strings.Join([]string{
		`inc`,
		`:upgrade`, // the Go heap is replaced: the counter starts again
		`get`,
		`:tick 2`,
		`:advance 90s`,
		`fail`,
		`:logs`,
		`:advance soon`,
		`:bogus`,
	}, "\n")
	out, logs, code := icgo(t, script, "run", gz)
	require.Equal(t, 0, code, logs)
	require.Contains(t, out, "(1 : nat64)\nupgraded\n(0 : nat64)\nran 2 round(s)\ntime ")
	require.Contains(t, out, "panic in fail: fail always traps", ":logs shows the trap")
	require.Contains(t, out, `error: :advance takes a positive duration such as 10s or 1h30m, got "soon"`)
	require.Contains(t, out, "error: unknown command :bogus")
}

// A file that is not a module is reported as such, not as a replica reject.
func TestRunNotAModule(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.wasm")
	require.NoError(t, os.WriteFile(bad, []byte("hello world"), 0o644))
	_, errOut, code := icgo(t, "", "run", bad, "get")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, bad+" is not a wasm module: ")
	require.NotContains(t, errOut, "IC0505")
	require.NotContains(t, errOut, "reject")

	// A gzip of something that is not wasm.
	gz := filepath.Join(dir, "bad.wasm.gz")
	require.NoError(t, os.WriteFile(gz, postproc.Gzip([]byte("\x00asm\x01\x00\x00\x00\xff")), 0o644))
	_, errOut, code = icgo(t, "", "run", gz, "get")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, gz+" is not a wasm module: ")
}

func TestRunEnvNeedsPackage(t *testing.T) {
	dir := buildHello(t)
	_, errOut, code := icgo(t, "", "run", "-env", "A=1", filepath.Join(dir, "hello.wasm.gz"), "get")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "-env only applies when TARGET is a package")
}

// :upgrade with a Candid interface that does not parse warns, as the start
// of a session does, and drops the old types.
func TestRunUpgradeBadDid(t *testing.T) {
	dir := buildHello(t)
	gz, err := os.ReadFile(filepath.Join(dir, "hello.wasm.gz"))
	require.NoError(t, err)
	did, err := os.ReadFile(filepath.Join(dir, "hello.did"))
	require.NoError(t, err)
	var logs bytes.Buffer
	s, err := newSession(gz, string(did), sessionOptions{logs: &logs})
	require.NoError(t, err)
	defer s.close()
	require.NotNil(t, s.svc)
	require.Empty(t, logs.String())
	s.reload = func() ([]byte, string, error) { return gz, "service : { broken", nil }
	out, ok := s.exec(":upgrade")
	require.True(t, ok, out)
	require.Equal(t, "upgraded", out)
	require.Contains(t, logs.String(), "warning: the module's Candid interface does not parse")
	require.Nil(t, s.svc)
	out, ok = s.exec(`greet ("world")`)
	require.True(t, ok, out)
}

func TestPort(t *testing.T) {
	out, errOut, code := icgo(t, "", "port", "./internal/port/testdata/queries")
	require.Equal(t, 1, code)
	want, err := os.ReadFile("../../internal/port/testdata/queries.golden")
	require.NoError(t, err)
	require.Equal(t, strings.ReplaceAll(string(want), "testdata/queries/", "internal/port/testdata/queries/"), out)
	require.Equal(t, "icgo port: 4 uses cannot work in a canister (listed above)\n", errOut)

	out, errOut, code = icgo(t, "", "port", "./internal/port/testdata/nethttpok")
	require.Equal(t, 0, code, errOut)
	require.Empty(t, out)

	_, errOut, code = icgo(t, "", "port", "-r", "os", "./internal/port/testdata/nethttpok")
	require.Equal(t, 1, code)
	require.Equal(t, "icgo: -r os: give OLD=NEW, or one of crypto/rand, math/rand/v2, sync, time\n", errOut)

	_, errOut, code = icgo(t, "", "port")
	require.Equal(t, 2, code)
	require.Equal(t, "usage: icgo port [-w] [-r OLD=NEW]... PACKAGES\n", errOut)
}

// net/http makes hello too large for one ingress message: icgo build says
// so (the replica installs it in chunks: icstd/http/nethttp's tests).
func TestBuildNetHTTPWarns(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := icgo(t, "", "build", "-o", dir, "./icstd/http/nethttp/testdata/hellonet")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "hellonet.wasm.gz")
	require.Equal(t, "warning: the gzip module is over 2 MiB and cannot be installed in one ingress message; install it in chunks\n"+
		"warning: net/http is linked and adds about 1.3 MB (gzip); for outcalls alone, icstd/http has its API without its weight\n", errOut)
}

// TestCheckEndlessFile: check and run read at most the IC's module size
// limit plus one byte of a file that never ends.
func TestCheckEndlessFile(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero on this system")
	}
	_, errOut, code := icgo(t, "", "check", "/dev/zero")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "/dev/zero")
	require.Contains(t, errOut, "larger than 100 MiB")
}
