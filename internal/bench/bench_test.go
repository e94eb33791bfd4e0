package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/crosscheck"
)

// Regression bounds on the figures of BENCHMARKS.md that do not depend on
// the machine: instruction counts (the replica's metering is exact) and
// module sizes (for this Go version). Each bound is what was measured when
// it was set plus a few percent; lower it when a change makes the figure
// smaller. Times are only printed (go run ./internal/bench), never
// asserted.
var bounds = []struct {
	what  string
	got   func(*figures) uint64
	bound uint64
}{
	{"hello greet query instructions", func(f *figures) uint64 { return f.Greet }, 32_000},           // measured 30,323
	{"hello inc update instructions", func(f *figures) uint64 { return f.Inc }, 84_000},              // measured 80,175
	{"empty update instructions", func(f *figures) uint64 { return f.EmptyUpdate }, 84_000},          // measured 79,933
	{"install instructions", func(f *figures) uint64 { return f.Install }, 3_980_000},                // measured 3,792,319
	{"reply instructions per record", func(f *figures) uint64 { return f.ReplyPerRecord }, 13_500},   // measured 12,763
	{"decode instructions per record", func(f *figures) uint64 { return f.DecodePerRecord }, 24_500}, // measured 23,188
	{"hello module gzip bytes", func(f *figures) uint64 { return uint64(f.Gzip) }, 930_000},          // measured 914,625 (typed calls: +12 KB)
	{"hello module raw bytes", func(f *figures) uint64 { return uint64(f.Raw) }, 3_270_000},          // measured 3,208,534 (typed calls: +68 KB)
}

// Motoko's counts depend only on moc 3.11.3 and the replica's metering.
var motokoBounds = []struct {
	what  string
	got   func(*figures) uint64
	bound uint64
}{
	{"Motoko greet query instructions", func(f *figures) uint64 { return f.MotokoGreet }, 3_000},        // measured 2,866
	{"Motoko inc update instructions", func(f *figures) uint64 { return f.MotokoInc }, 1_950},           // measured 1,833
	{"Motoko empty update instructions", func(f *figures) uint64 { return f.MotokoEmptyUpdate }, 1_750}, // measured 1,641
	{"Motoko install instructions", func(f *figures) uint64 { return f.MotokoInstall }, 3_750},          // measured 3,532
}

func TestBounds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds canisters")
	}
	root, err := repoRoot()
	require.NoError(t, err)
	f, err := measure(root, "", 0, testLog{t})
	require.NoError(t, err)
	for _, b := range bounds {
		got := b.got(f)
		require.Positive(t, got, b.what)
		t.Logf("%s: %d (bound %d)", b.what, got, b.bound)
		require.LessOrEqual(t, got, b.bound, "%s regressed", b.what)
	}
}

func TestMotokoBounds(t *testing.T) {
	dir := crosscheck.Env(t, "ICGO_MOTOKO_DIR", "an npm prefix with the motoko package (npm install --prefix DIR motoko@3.11.3)")
	crosscheck.Tool(t, "node", "Node.js runs the Motoko compiler")
	r, err := newBenchReplica(t.TempDir())
	require.NoError(t, err)
	defer r.Close()
	f := &figures{}
	require.NoError(t, measureMotoko(f, r, dir, 0))
	for _, b := range motokoBounds {
		got := b.got(f)
		require.Positive(t, got, b.what)
		t.Logf("%s: %d (bound %d)", b.what, got, b.bound)
		require.LessOrEqual(t, got, b.bound, "%s regressed", b.what)
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}
