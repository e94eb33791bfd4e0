package build

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/icgo/icgo/internal/postproc"
	"github.com/icgo/icgo/internal/validate"
)

var helloRaw = sync.OnceValues(func() ([]byte, error) {
	return GoBuild(context.Background(), "../..", "./examples/hello", false)
})

func benchRaw(b *testing.B) []byte {
	raw, err := helloRaw()
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// BenchmarkBuildHello times the steps of a warm build of examples/hello
// after go build: the describe run, the post-processor, validation and
// gzip (what FromRaw does), and each step alone.
func BenchmarkBuildHello(b *testing.B) {
	raw := benchRaw(b)
	ctx := context.Background()
	b.Run("FromRaw", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			if _, err := FromRaw(ctx, raw, nil, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Describe", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			if _, err := Describe(ctx, raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	reg, err := Describe(ctx, raw)
	if err != nil {
		b.Fatal(err)
	}
	opts := postproc.Options{Hooks: reg.Hooks, CandidService: reg.CandidService}
	for _, m := range reg.Methods {
		opts.Methods = append(opts.Methods, postproc.Method{Kind: m.Kind, Index: m.Index, Name: m.Name})
	}
	var wasm []byte
	b.Run("Process", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			if wasm, _, err = postproc.Process(raw, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Validate", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			if _, err := validate.Bytes(wasm); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Gzip", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			postproc.Gzip(wasm)
		}
	})
}

// cpuPerOp reports the process's CPU time (user and system) per iteration
// as cpu-ms/op, which a loaded machine disturbs less than wall time. Use
// it as defer cpuPerOp(b)().
func cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
