package replica

import (
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Test canisters are written in WebAssembly text and assembled with
// wat2wasm (Debian package wabt). A missing wat2wasm fails the test run
// with a message; it never skips.

var watCache sync.Map // sha256 of the source -> []byte

func wat(tb testing.TB, src string) []byte {
	tb.Helper()
	key := sha256.Sum256([]byte(src))
	if b, ok := watCache.Load(key); ok {
		return b.([]byte)
	}
	tool, err := exec.LookPath("wat2wasm")
	if err != nil {
		tb.Fatalf("wat2wasm not found in PATH: the replica tests assemble their canisters with it; install wabt (apt-get install -y wabt)")
	}
	dir := tb.TempDir()
	in, out := filepath.Join(dir, "m.wat"), filepath.Join(dir, "m.wasm")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		tb.Fatal(err)
	}
	if msg, err := exec.Command(tool, in, "-o", out).CombinedOutput(); err != nil {
		tb.Fatalf("wat2wasm: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	watCache.Store(key, b)
	return b
}
