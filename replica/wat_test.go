package replica

import (
	"testing"

	"github.com/icgo/icgo/internal/wattest"
)

// Test canisters are written in WebAssembly text; internal/wattest keeps
// their binaries in testdata/wat, so the tests run without wabt.

func wat(tb testing.TB, src string) []byte {
	tb.Helper()
	return wattest.Wasm(tb, src)
}
