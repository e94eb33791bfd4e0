package replica

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

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

// buildHello builds the Go CDK's hello canister (examples/hello) with
// cmd/icgo and returns the module and the Candid arguments of greet
// ("world") and of inc ().
func buildHello(b *testing.B) (mod, world, empty []byte) {
	dir := b.TempDir()
	out, err := exec.Command("go", "run", "../cmd/icgo", "build", "-o", dir, "../examples/hello").CombinedOutput()
	if err != nil {
		b.Fatalf("building examples/hello: %v\n%s", err, out)
	}
	mod, err = os.ReadFile(filepath.Join(dir, "hello.wasm.gz"))
	if err != nil {
		b.Fatal(err)
	}
	vals, err := candidtext.ParseArgs(`("world")`)
	if err != nil {
		b.Fatal(err)
	}
	world, err = candidtext.Encode(vals, nil)
	if err != nil {
		b.Fatal(err)
	}
	empty, _ = candidtext.Encode(nil, nil)
	return mod, world, empty
}

// BenchmarkHelloGo measures the Go CDK's hello canister (examples/hello,
// built with cmd/icgo): install (canister_init), greet("world") as a query
// and inc as an update, with their instruction counts.
func BenchmarkHelloGo(b *testing.B) {
	mod, world, empty := buildHello(b)
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

// BenchmarkHelloQueryVsWat alternates hello's greet query with the query
// of a trivial WAT canister (testCanister's read) in one replica and
// reports the median wall time of each and their ratio (issue 12's goal:
// at most 8).
func BenchmarkHelloQueryVsWat(b *testing.B) {
	mod, world, _ := buildHello(b)
	r := newReplica(b)
	hello, err := r.CreateCanister()
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Install(hello, mod, nil); err != nil {
		b.Fatal(err)
	}
	trivial := installWat(b, r, testCanister)
	var helloNs, watNs []time.Duration
	query := func(id CanisterID, method string, arg []byte) time.Duration {
		t0 := time.Now()
		res, err := r.Query(id, method, arg)
		d := time.Since(t0)
		if err != nil || res.Reject != nil {
			b.Fatal(err, res.Reject)
		}
		return d
	}
	for b.Loop() {
		watNs = append(watNs, query(trivial, "read", nil))
		helloNs = append(helloNs, query(hello, "greet", world))
	}
	h, w := median(helloNs), median(watNs)
	b.ReportMetric(float64(h.Nanoseconds()), "hello-ns/query")
	b.ReportMetric(float64(w.Nanoseconds()), "wat-ns/query")
	b.ReportMetric(float64(h)/float64(w), "hello/wat")
}

func median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// heapSizeCanister grows its memory to the number of pages given at
// install and writes a byte in every 4 KiB of it (so the heap is resident,
// as a real canister's is). "read" is a trivial query; "write" and
// "write_trap" fill the first n bytes (n: the argument, a u32), then reply
// or trap.
const heapSizeCanister = `
(module
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)
  (func $arg_u32 (result i32)
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (i32.load (i32.const 0)))
  (func (export "canister_init")
    (local $i i32) (local $n i32)
    (drop (memory.grow (i32.sub (call $arg_u32) (i32.const 1))))
    (local.set $n (i32.mul (memory.size) (i32.const 65536)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (local.get $i) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 4096)))
        (br $l))))
  (func (export "canister_query read")
    (call $reply_append (i32.const 0) (i32.const 8))
    (call $reply))
  (func (export "canister_update write")
    (memory.fill (i32.const 0) (i32.const 7) (call $arg_u32))
    (call $reply_append (i32.const 0) (i32.const 8))
    (call $reply))
  (func (export "canister_update write_trap")
    (memory.fill (i32.const 0) (i32.const 7) (call $arg_u32))
    unreachable))
`

func installHeap(b *testing.B, r *Replica, mib int) CanisterID {
	id, err := r.CreateCanister()
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Install(id, wat(b, heapSizeCanister), binary.LittleEndian.AppendUint32(nil, uint32(mib*16))); err != nil {
		b.Fatal(err)
	}
	return id
}

// BenchmarkQueryHeapSize is a trivial query and an update that writes 8
// bytes, on a canister whose heap is 1, 64 or 512 MiB: with dirty-page
// rollback their cost does not depend on the heap's size.
func BenchmarkQueryHeapSize(b *testing.B) {
	for _, mib := range []int{1, 64, 512} {
		r := newReplica(b)
		id := installHeap(b, r, mib)
		b.Run(fmt.Sprintf("query/heap=%dMiB", mib), func(b *testing.B) {
			for b.Loop() {
				if res, err := r.Query(id, "read", nil); err != nil || res.Reject != nil {
					b.Fatal(err, res.Reject)
				}
			}
		})
		b.Run(fmt.Sprintf("update/heap=%dMiB", mib), func(b *testing.B) {
			for b.Loop() {
				if res, err := r.Update(id, "write", binary.LittleEndian.AppendUint32(nil, 8)); err != nil || res.Reject != nil {
					b.Fatal(err, res.Reject)
				}
			}
		})
		r.Close()
	}
}

// BenchmarkTrapPeakMemory reports the host's peak resident memory while a
// canister with a heap of 256 MiB, 1 GiB or 3 GiB (the default
// wasm_memory_limit; this case needs about 3.1 GiB of host memory) runs an
// update that writes 16 MiB of it and traps (issue 11: it must stay near the heap plus what the
// message wrote). peak-MiB is the process's peak RSS (VmHWM, reset before
// the message) minus its RSS before the canister was created. Linux only
// (/proc/self/clear_refs, /proc/self/status).
func BenchmarkTrapPeakMemory(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("peak RSS is read from Linux's /proc/self/status")
	}
	const written = 16 << 20
	for _, mib := range []int{256, 1024, 3072} {
		b.Run(fmt.Sprintf("heap=%dMiB", mib), func(b *testing.B) {
			var peak, before uint64
			for b.Loop() {
				runtime.GC()
				debug.FreeOSMemory()
				base := statusKiB(b, "VmRSS")
				r := newReplica(b)
				id := installHeap(b, r, mib)
				if res, err := r.Update(id, "write", binary.LittleEndian.AppendUint32(nil, written)); err != nil || res.Reject != nil {
					b.Fatal(err, res.Reject)
				}
				before = statusKiB(b, "VmRSS") - base
				if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
					b.Fatalf("resetting the peak RSS: %v", err)
				}
				if res, err := r.Update(id, "write_trap", binary.LittleEndian.AppendUint32(nil, written)); err != nil || res.Reject == nil {
					b.Fatal(err, res)
				}
				peak = statusKiB(b, "VmHWM") - base
				r.Close()
			}
			b.ReportMetric(float64(mib), "heap-MiB")
			b.ReportMetric(float64(before)/1024, "rss-before-MiB")
			b.ReportMetric(float64(peak)/1024, "peak-MiB")
		})
	}
}
