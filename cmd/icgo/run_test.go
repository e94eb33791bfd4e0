package main

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/icgo/icgo/internal/wasm"
	"github.com/stretchr/testify/require"
)

const runcan = "./cmd/icgo/testdata/runcan"

func TestRunInitArgAndCaller(t *testing.T) {
	out, logs, code := icgo(t, "", "run", "-arg", `("Hi")`, runcan, "greet", `("you")`)
	require.Equal(t, 0, code, logs)
	require.Equal(t, "(\"Hi, you!\")\n", out)

	out, logs, code = icgo(t, "", "run", "-arg", `("Hi")`, "-caller", "rrkah-fqaaa-aaaaa-aaaaq-cai", runcan, "whoami")
	require.Equal(t, 0, code, logs)
	require.Equal(t, "(\"rrkah-fqaaa-aaaaa-aaaaq-cai\")\n", out)

	_, logs, code = icgo(t, "", "run", "-arg", `(42)`, runcan, "whoami")
	require.Equal(t, 1, code)
	require.Contains(t, logs, "-arg: ")
	_, logs, code = icgo(t, "", "run", "-arg", `("x")`, "-caller", "not-a-principal", runcan, "whoami")
	require.Equal(t, 1, code)
	require.Contains(t, logs, `caller "not-a-principal" is not a textual principal`)
}

// An update that waits on the clock is shown as pending and printed when
// it answers.
func TestRunPendingUpdate(t *testing.T) {
	script := strings.Join([]string{
		`later`,
		`:await 99`,
		`whoami`,
		`:as aaaaa-aa`,
		`whoami`,
		`:advance 11s`,
		`:quit`,
		`whoami`, // not run: the session ended
	}, "\n")
	out, logs, code := icgo(t, script, "run", "-arg", `("x")`, runcan)
	require.Equal(t, 0, code, logs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 7, out)
	require.Regexp(t, `^pending: later is call (\d+); its reply is printed when it arrives`, lines[0])
	require.Contains(t, lines[1], "error: :await takes the id of a pending call (pending: [")
	require.Equal(t, `("2vxsx-fae")`, lines[2])
	require.Equal(t, `calls are sent as aaaaa-aa`, lines[3])
	require.Equal(t, `("aaaaa-aa")`, lines[4])
	require.True(t, strings.HasPrefix(lines[5], "time "), out)
	require.Regexp(t, `^call \d+ \(later\) answered: \("woke up"\)$`, lines[6])
}

func TestRunAwait(t *testing.T) {
	out, logs, code := icgo(t, "later\n:await 1\n", "run", "-arg", `("x")`, runcan)
	require.Equal(t, 0, code, logs)
	require.Contains(t, out, "is still pending after 100 rounds: it waits for the clock (:advance DURATION)")
}

func TestRunHTTPMock(t *testing.T) {
	script := "price (\"ICP\")\nprice (\"XYZ\")\nprice (\"ABC\")\n"
	out, logs, code := icgo(t, script, "run", "-http-mock", "examples/outcall/mock.json", "./examples/outcall")
	require.Equal(t, 0, code, logs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	require.Equal(t, `(record { usd = 7.25 : float64; symbol = "ICP" })`, lines[0])
	require.Equal(t, `reject (code 4): price of XYZ: 404 Not Found`, lines[1])
	require.Contains(t, lines[2], "https://api.example.com/price/ABC is not in the -http-mock file")
}

func TestHelpAndVersion(t *testing.T) {
	for _, cmd := range []string{"build", "check", "run", "bind"} {
		_, _, code := icgo(t, "", cmd, "-h")
		require.Equal(t, 0, code, "icgo %s -h", cmd)
	}
	out, _, code := icgo(t, "", "version")
	require.Equal(t, 0, code)
	require.Regexp(t, `^icgo \S.* go1\.\d+`, out)

	_, errOut, code := icgo(t, "", "buidl")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `unknown command "buidl" (did you mean build?)`)

	dir := buildHello(t)
	out, _, code = icgo(t, "", "run", dir+"/hello.wasm.gz", "gret", `("x")`)
	require.Equal(t, 1, code)
	require.Contains(t, out, `the canister has no method "gret" (did you mean get or greet?)`)
	out, _, _ = icgo(t, ":lgos\n", "run", dir+"/hello.wasm.gz")
	require.Contains(t, out, "unknown command :lgos (did you mean :logs?)")
}

func TestIsTerminal(t *testing.T) {
	null, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer null.Close()
	require.False(t, isTerminal(null), "/dev/null is a character device, not a terminal")
	require.False(t, isTerminal(strings.NewReader("")))
}

func TestBind(t *testing.T) {
	out, errOut, code := icgo(t, "", "bind", "-pkg", "icrc1", "-client", "Ledger", "internal/bind/testdata/icrc1.did")
	require.Equal(t, 0, code, errOut)
	golden, err := os.ReadFile("../../internal/bind/testdata/icrc1/icrc1.go")
	require.NoError(t, err)
	require.Equal(t, string(golden), out)

	_, _, code = icgo(t, "", "bind", "-h")
	require.Equal(t, 0, code)
	bad := t.TempDir() + "/bad.did"
	require.NoError(t, os.WriteFile(bad, []byte("service : { f : (nope) -> () }"), 0o644))
	_, errOut, code = icgo(t, "", "bind", bad)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "unknown type nope")
}

// :upgrade to an interface that is not a Candid subtype of the old one
// warns, naming what breaks callers.
func TestRunUpgradeWarnsOnBreakingInterface(t *testing.T) {
	dir := buildHello(t)
	gz, err := os.ReadFile(dir + "/hello.wasm.gz")
	require.NoError(t, err)
	did, err := os.ReadFile(dir + "/hello.did")
	require.NoError(t, err)
	s, err := newSession(gz, string(did), sessionOptions{logs: io.Discard})
	require.NoError(t, err)
	defer s.close()
	changed := strings.Replace(string(did), "greet : (text) -> (text) query;", "greet : (text, nat) -> (text) query;", 1)
	changed = strings.Replace(changed, "inc : () -> (nat64);", "", 1)
	s.reload = func() ([]byte, string, error) { return gz, changed, nil }
	out, ok := s.exec(":upgrade")
	require.True(t, ok, out)
	require.Equal(t, "upgraded\nwarning: the new interface breaks callers: method greet: arguments: field 1 is required but missing\nwarning: the new interface breaks callers: method inc is removed", out)
}

// A refused registration is the first line of the build's error, naming
// the method; a canister without methods builds with a warning.
func TestBuildRegistrationErrors(t *testing.T) {
	dir := t.TempDir()
	_, errOut, code := icgo(t, "", "build", "-o", dir, "./cmd/icgo/testdata/badreg")
	require.Equal(t, 1, code)
	first, _, _ := strings.Cut(errOut, "\n")
	require.Equal(t, `icgo: ./cmd/icgo/testdata/badreg: cdk.Update("bad"): candid: method "bad": Go type chan int: unsupported kind chan`, first)

	_, errOut, code = icgo(t, "", "build", "-o", dir, "./cmd/icgo/testdata/nomethods")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "warning: ./cmd/icgo/testdata/nomethods registers no methods, so nothing can call it")
}

// -profile writes each call's instructions by Wasm function: a table for
// a .txt file, else pprof (read back by go tool pprof).
func TestRunProfile(t *testing.T) {
	dir := t.TempDir()
	txt := dir + "/greet.txt"
	out, logs, code := icgo(t, "", "run", "-arg", `("Hi")`, "-profile", txt, runcan, "greet", `("you")`)
	require.Equal(t, 0, code, logs)
	require.Equal(t, "(\"Hi, you!\")\n", out)
	table, err := os.ReadFile(txt)
	require.NoError(t, err)
	require.Contains(t, string(table), "canister_query greet\n")
	require.Contains(t, string(table), " runtime.")
	require.Regexp(t, `\n +\d+ +100\.0% +total\n$`, string(table))

	pprof := dir + "/greet.pprof"
	_, logs, code = icgo(t, "", "run", "-arg", `("Hi")`, "-profile", pprof, runcan, "greet", `("you")`)
	require.Equal(t, 0, code, logs)
	top, err := exec.Command("go", "tool", "pprof", "-top", pprof).CombinedOutput()
	require.NoError(t, err, "%s", top)
	require.Contains(t, string(top), "canister_query greet")
}

// icgo check prints the validator's warnings: accepted, probably a mistake.
func TestCheckPrintsWarnings(t *testing.T) {
	m := &wasm.Module{
		Types:   []wasm.FuncType{{}},
		Funcs:   []uint32{0},
		Code:    []wasm.Code{{Body: []byte{wasm.OpEnd}}},
		Exports: []wasm.Export{{Name: "canister_query  greet", Kind: wasm.KindFunc, Index: 0}},
	}
	file := t.TempDir() + "/m.wasm"
	require.NoError(t, os.WriteFile(file, m.Encode(), 0o644))
	out, errOut, code := icgo(t, "", "check", file)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `warning: [export] `)
	require.Contains(t, out, `starts with a space: exactly one space should follow`)
}

func TestRunCycles(t *testing.T) {
	out, logs, code := icgo(t, "", "run", "-cycles", "1000", "./cdk/testdata/cyclescan", "take", "(300 : nat64)")
	require.Equal(t, 0, code, logs)
	require.Equal(t, "(\"available 1000, accepted 300\")\n", out)
	require.Contains(t, logs, "700 of the attached cycles came back")
}
