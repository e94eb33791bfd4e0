// Package crosscheck gates the tests that check icgo against other tools
// (wabt, DFINITY's ic-wasm, @dfinity/candid, the Motoko compiler).
//
// On a machine with Go alone such a test skips, naming what it needs. With
// ICGO_CROSSCHECK=1, as .ci/run sets after installing the tools, a missing
// tool fails the test instead: CI never passes without its cross-checks.
package crosscheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// On reports whether cross-checks are required (ICGO_CROSSCHECK=1).
func On() bool { return os.Getenv("ICGO_CROSSCHECK") == "1" }

// Tool returns the path of the command name, found on PATH. Missing, it
// skips t, or fails it when cross-checks are required; install says how to
// get the command.
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missing(t, name+" is not on PATH ("+install+")")
	}
	return path
}

// Env returns the environment variable name, which .ci/run sets to where a
// cross-check tool is installed. Unset, it skips t, or fails it when
// cross-checks are required; what says what the variable names.
func Env(t testing.TB, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		missing(t, name+" is not set: it names "+what+", as .ci/run installs it")
	}
	return v
}

func missing(t testing.TB, why string) {
	t.Helper()
	if On() {
		t.Fatal("cross-check required (ICGO_CROSSCHECK=1) but " + why)
	}
	t.Skip(why + "; .ci/run sets ICGO_CROSSCHECK=1 and installs it")
}

// mocScript compiles a Motoko source file with moc.js (the npm package
// "motoko") for the IC.
const mocScript = `
const fs = require('fs');
const mo = require('motoko');
const [src, out] = process.argv.slice(2);
mo.write('Main.mo', fs.readFileSync(src, 'utf8'));
const res = mo.wasm('Main.mo', 'ic');
fs.writeFileSync(out, res.wasm);
`

// Motoko compiles the Motoko actor src with the moc.js of the npm prefix
// dir (ICGO_MOTOKO_DIR) under node, and returns the module.
func Motoko(dir, src string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "icgo-moc-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	script, in, out := filepath.Join(tmp, "moc.js"), filepath.Join(tmp, "Main.mo"), filepath.Join(tmp, "main.wasm")
	if err := os.WriteFile(script, []byte(mocScript), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command("node", script, in, out)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	msg, err := cmd.CombinedOutput()
	if err != nil {
		if len(msg) > 2000 { // moc.js prints its minified source with errors
			msg = msg[len(msg)-2000:]
		}
		return nil, fmt.Errorf("moc.js: %w\n%s", err, msg)
	}
	return os.ReadFile(out)
}

// NodeCandid returns node's path when the @dfinity/candid cross-check is
// on (ICGO_NODE_CANDID=1, with NODE_PATH reaching @dfinity/candid and
// @dfinity/principal, as .ci/run sets them); it skips or fails t otherwise.
func NodeCandid(t testing.TB) string {
	t.Helper()
	Env(t, "ICGO_NODE_CANDID", "whether node can resolve @dfinity/candid and @dfinity/principal (set to 1)")
	return Tool(t, "node", "Node.js runs @dfinity/candid")
}

// RunNode runs the JavaScript program script with node and args, and
// returns its output lines; a failure fails t with node's error output.
func RunNode(t testing.TB, node, script string, args ...string) []string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "script.js")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, append([]string{file}, args...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node failed (are the npm packages on NODE_PATH? `npm install --no-save --prefix DIR @dfinity/candid @dfinity/principal`, NODE_PATH=DIR/node_modules): %v\n%s", err, stderr)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}
