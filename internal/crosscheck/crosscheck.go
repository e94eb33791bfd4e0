// Package crosscheck gates the tests that check icgo against other tools
// (wabt, DFINITY's ic-wasm, @dfinity/candid, the Motoko compiler).
//
// On a machine with Go alone such a test skips, naming what it needs. With
// ICGO_CROSSCHECK=1, as .ci/run sets after installing the tools, a missing
// tool fails the test instead: CI never passes without its cross-checks.
package crosscheck

import (
	"os"
	"os/exec"
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
