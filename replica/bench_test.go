package replica

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/icgo/icgo/internal/candidtext"
)

// Benchmarks of the embedded replica. Run them with
//
//	go test ./replica -run '^$' -bench . -benchtime 2s
//
// They print figures only; nothing here asserts a time.

// BenchmarkInstallCached installs the same small module in a new canister
// each iteration: after the first, compilation is a cache hit, so this
// measures instantiation, (start) and canister_init.
func BenchmarkInstallCached(b *testing.B) {
	r := newReplica(b)
	mod := wat(b, testCanister)
	for b.Loop() {
		id, err := r.CreateCanister()
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Install(id, mod, []byte("arg")); err != nil {
			b.Fatal(err)
		}
	}
}

// largeModule synthesizes a module of about 2 MB of code: n functions with
// a few hundred bytes of arithmetic each, all reachable from a table.
func largeModule(b testing.TB) []byte {
	var sb strings.Builder
	sb.WriteString("(module\n  (memory 1)\n  (global $g (mut i64) (i64.const 0))\n")
	const n = 9000
	for i := range n {
		fmt.Fprintf(&sb, "  (func $f%d (param $x i64) (result i64)\n", i)
		for j := range 12 {
			fmt.Fprintf(&sb, "    (local.set $x (i64.add (i64.mul (local.get $x) (i64.const %d)) (i64.load offset=%d (i32.const 0))))\n", 1000003+i*31+j, j*8)
			if j%4 == 3 {
				sb.WriteString("    (if (i64.eqz (local.get $x)) (then (global.set $g (local.get $x))))\n")
			}
		}
		sb.WriteString("    (local.get $x))\n")
	}
	sb.WriteString("  (table funcref (elem")
	for i := range n {
		fmt.Fprintf(&sb, " $f%d", i)
	}
	sb.WriteString("))\n  (func (export \"canister_init\") (global.set $g (call $f0 (i64.const 1)))))\n")
	return wat(b, sb.String())
}

// BenchmarkInstall2MB installs a ~2 MB module: "cold" compiles it (a new
// replica with an empty on-disk compilation cache each time), "disk" a new
// replica whose on-disk compilation cache has the module, "cached" is
// a new canister in a replica that has loaded the module before, and
// "new-replica" is a fresh replica whose process-wide compilation cache
// already has the compiled code (decode, validate, instrument, then a
// compilation cache hit).
func BenchmarkInstall2MB(b *testing.B) {
	mod := largeModule(b)
	b.Logf("module: %d bytes", len(mod))
	install := func(b *testing.B, r *Replica) {
		id, err := r.CreateCanister()
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Install(id, mod, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			r, err := New(WithCompilationCacheDir(b.TempDir()))
			if err != nil {
				b.Fatal(err)
			}
			install(b, r)
			r.Close()
		}
	})
	// "disk" is what a new process pays (icgo run, a test binary): a new
	// replica whose compilation cache is on disk and holds the module.
	b.Run("disk", func(b *testing.B) {
		dir := b.TempDir()
		r, err := New(WithCompilationCacheDir(dir))
		if err != nil {
			b.Fatal(err)
		}
		install(b, r)
		r.Close()
		for b.Loop() {
			r, err := New(WithCompilationCacheDir(dir))
			if err != nil {
				b.Fatal(err)
			}
			install(b, r)
			r.Close()
		}
	})
	b.Run("cached", func(b *testing.B) {
		r := newReplica(b)
		install(b, r)
		for b.Loop() {
			install(b, r)
		}
	})
	b.Run("new-replica", func(b *testing.B) {
		install(b, newReplica(b))
		for b.Loop() {
			r := newReplica(b)
			install(b, r)
			r.Close()
		}
	})
}

func reportMsgs(b *testing.B, r *Replica, id CanisterID) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if n, err := r.LastInstructions(id); err == nil {
		b.ReportMetric(float64(n), "instructions/msg")
	}
}

// BenchmarkQueryTrivial is a query on a 64 KiB heap (the snapshot and
// restore of the heap dominate; they grow with heap size).
func BenchmarkQueryTrivial(b *testing.B) {
	r, id := installed(b)
	for b.Loop() {
		if res, err := r.Query(id, "read", nil); err != nil || res.Reject != nil {
			b.Fatal(err, res.Reject)
		}
	}
	reportMsgs(b, r, id)
}

// BenchmarkUpdateTrivial is an update that changes heap, a global and
// stable memory.
func BenchmarkUpdateTrivial(b *testing.B) {
	r, id := installed(b)
	for b.Loop() {
		if res, err := r.Update(id, "inc", nil); err != nil || res.Reject != nil {
			b.Fatal(err, res.Reject)
		}
	}
	reportMsgs(b, r, id)
}

// BenchmarkMeteringOverhead runs a tight loop of 10 M iterations (10
// instructions each) with and without instruction metering.
func BenchmarkMeteringOverhead(b *testing.B) {
	const iterations = 10_000_000
	for _, tc := range []struct {
		name string
		opts []Option
	}{{"metered", nil}, {"unmetered", []Option{withoutMetering()}}} {
		b.Run(tc.name, func(b *testing.B) {
			r := newReplica(b, tc.opts...)
			id := installWat(b, r, meterCanister)
			for b.Loop() {
				if res, err := r.Query(id, "qspin", le64(iterations)); err != nil || res.Reject != nil {
					b.Fatal(err, res.Reject)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/iterations, "ns/iteration")
		})
	}
}

// BenchmarkHelloGo measures the Go CDK's hello canister (examples/hello,
// built with cmd/icgo): install (canister_init), greet("world") as a query
// and inc as an update, with their instruction counts.
func BenchmarkHelloGo(b *testing.B) {
	dir := b.TempDir()
	out, err := exec.Command("go", "run", "../cmd/icgo", "build", "-o", dir, "../examples/hello").CombinedOutput()
	if err != nil {
		b.Fatalf("building examples/hello: %v\n%s", err, out)
	}
	mod, err := os.ReadFile(filepath.Join(dir, "hello.wasm.gz"))
	if err != nil {
		b.Fatal(err)
	}
	vals, err := candidtext.ParseArgs(`("world")`)
	if err != nil {
		b.Fatal(err)
	}
	world, err := candidtext.Encode(vals, nil)
	if err != nil {
		b.Fatal(err)
	}
	empty, _ := candidtext.Encode(nil, nil)
	r := newReplica(b)
	b.Run("install", func(b *testing.B) {
		for b.Loop() {
			id, err := r.CreateCanister()
			if err != nil {
				b.Fatal(err)
			}
			if err := r.Install(id, mod, nil); err != nil {
				b.Fatal(err)
			}
			n, _ := r.LastInstructions(id)
			b.ReportMetric(float64(n), "instructions/msg")
		}
	})
	id, err := r.CreateCanister()
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Install(id, mod, nil); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name, method string
		arg          []byte
		query        bool
	}{{"greet", "greet", world, true}, {"inc", "inc", empty, false}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				var res *Result
				var err error
				if tc.query {
					res, err = r.Query(id, tc.method, tc.arg)
				} else {
					res, err = r.Update(id, tc.method, tc.arg)
				}
				if err != nil || res.Reject != nil {
					b.Fatal(err, res.Reject)
				}
			}
			reportMsgs(b, r, id)
		})
	}
}
