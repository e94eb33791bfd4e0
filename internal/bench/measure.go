package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/internal/crosscheck"
	"github.com/icgo/icgo/internal/wasm"
	"github.com/icgo/icgo/replica"
)

// Record is the record of testdata/records.
type Record struct {
	ID    uint64   `ic:"id"`
	Name  string   `ic:"name"`
	Score int32    `ic:"score"`
	Ok    bool     `ic:"ok"`
	Tags  []string `ic:"tags"`
}

// motokoCounter is the Motoko peer of examples/hello (greet, inc) with an
// empty update.
const motokoCounter = `
persistent actor Counter {
  var count : Nat = 0;
  public func inc() : async Nat { count += 1; count };
  public query func get() : async Nat { count };
  public query func greet(name : Text) : async Text { "Hello, " # name # "!" };
  public func noop() : async () {};
};
`

// Sizes of the Candid and heap figures.
const (
	records = 1000 // records per reply and argument
	heapMiB = 64   // heap grown for the wall time and trap memory figures
)

// figures are the measurements of one run. A zero Motoko figure was not
// measured (no ICGO_MOTOKO_DIR).
type figures struct {
	Greet, Inc, EmptyUpdate, Install uint64 // instructions, examples/hello and testdata/records
	ReplyPerRecord, DecodePerRecord  uint64 // instructions per record

	MotokoGreet, MotokoInc, MotokoEmptyUpdate, MotokoInstall uint64

	GreetWall, WATWall, MotokoGreetWall time.Duration // query medians
	ReadWall, ReadWallBig               time.Duration // empty query at the base heap and heapMiB more
	MemBase, MemBig                     uint64        // the canister's memory (bytes) for ReadWall and ReadWallBig
	HeapSlope                           float64       // µs per MiB of canister memory
	TrapAllocRatio                      float64       // host bytes allocated by a trapping update / canister memory

	Raw, Gzip, FloorRaw, FloorGzip, MotokoRaw int

	BuildCPU, BuildWall             time.Duration // warm icgo build of examples/hello
	CompileCPU, CompileWall         time.Duration // first install (compiles)
	CachedInstallCPU, CachedInstall time.Duration // install in a new replica from the disk cache
	MotokoCompileCPU                time.Duration
}

// measure runs every measurement; log gets progress lines.
func measure(root, motokoDir string, n int, log io.Writer) (*figures, error) {
	ctx := context.Background()
	f := &figures{}
	step := func(s string) { fmt.Fprintf(log, "bench: %s\n", s) }

	step("building examples/hello, testdata/records and testdata/floor")
	hello, err := buildPkg(ctx, root, "./examples/hello")
	if err != nil {
		return nil, err
	}
	recs, err := buildPkg(ctx, root, "./internal/bench/testdata/records")
	if err != nil {
		return nil, err
	}
	floor, err := buildPkg(ctx, root, "./internal/bench/testdata/floor")
	if err != nil {
		return nil, err
	}
	f.Raw, f.Gzip = len(hello.Wasm), len(hello.Gzip)
	f.FloorRaw, f.FloorGzip = len(floor.Wasm), len(floor.Gzip)
	// A warm build: go build's cache holds the package (built just above),
	// icgo's build cache is not used.
	cpu, wall := clock()
	if _, err := buildPkg(ctx, root, "./examples/hello"); err != nil {
		return nil, err
	}
	f.BuildCPU, f.BuildWall = cpu(), wall()

	step("installing")
	cacheDir, err := os.MkdirTemp("", "icgo-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(cacheDir)
	r, err := newBenchReplica(cacheDir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cpu, wall = clock()
	helloID, err := install(r, hello.Gzip)
	if err != nil {
		return nil, fmt.Errorf("examples/hello: %w", err)
	}
	f.CompileCPU, f.CompileWall = cpu(), wall()
	if f.Install, err = r.LastInstructions(helloID); err != nil {
		return nil, err
	}
	// A new process would have only the disk cache: so has a new replica
	// with the same directory.
	r2, err := newBenchReplica(cacheDir)
	if err != nil {
		return nil, err
	}
	cpu, wall = clock()
	_, err = install(r2, hello.Gzip)
	f.CachedInstallCPU, f.CachedInstall = cpu(), wall()
	r2.Close()
	if err != nil {
		return nil, err
	}
	recsID, err := install(r, recs.Gzip)
	if err != nil {
		return nil, fmt.Errorf("testdata/records: %w", err)
	}
	watID, err := install(r, trivialCanister())
	if err != nil {
		return nil, fmt.Errorf("the trivial canister: %w", err)
	}

	step("instructions")
	world := mustMarshal("world")
	empty := mustMarshal()
	if f.Greet, err = instructions(r, helloID, "greet", world, true); err != nil {
		return nil, err
	}
	if f.Inc, err = instructions(r, helloID, "inc", empty, false); err != nil {
		return nil, err
	}
	if f.EmptyUpdate, err = instructions(r, recsID, "noop", empty, false); err != nil {
		return nil, err
	}
	if f.ReplyPerRecord, err = perRecord(r, recsID, "records", mustMarshal(uint32(0)), mustMarshal(uint32(records))); err != nil {
		return nil, err
	}
	if f.DecodePerRecord, err = perRecord(r, recsID, "count", mustMarshal([]Record{}), mustMarshal(sampleRecords(records))); err != nil {
		return nil, err
	}

	if n > 0 {
		step(fmt.Sprintf("wall time (%d queries each)", n))
		if err := measureWall(f, r, helloID, recsID, watID, n); err != nil {
			return nil, err
		}
	}

	if motokoDir != "" {
		step("Motoko")
		if err := measureMotoko(f, r, motokoDir, n); err != nil {
			return nil, fmt.Errorf("the Motoko peer: %w", err)
		}
	}
	return f, nil
}

// measureWall measures the wall-time and host memory figures.
func measureWall(f *figures, r *replica.Replica, helloID, recsID, watID replica.CanisterID, n int) error {
	var err error
	world, empty := mustMarshal("world"), mustMarshal()
	if f.GreetWall, err = queryWall(r, helloID, "greet", world, n); err != nil {
		return err
	}
	if f.WATWall, err = queryWall(r, watID, "read", nil, n); err != nil {
		return err
	}
	if f.ReadWall, err = queryWall(r, recsID, "read", empty, n); err != nil {
		return err
	}
	before, err := r.Status(recsID)
	if err != nil {
		return err
	}
	if _, err := call(r, recsID, "grow", mustMarshal(uint32(heapMiB)), false); err != nil {
		return err
	}
	after, err := r.Status(recsID)
	if err != nil {
		return err
	}
	if f.ReadWallBig, err = queryWall(r, recsID, "read", empty, n); err != nil {
		return err
	}
	// Per MiB of the canister's memory, which grows by more than the
	// heapMiB kept (the Go heap's headroom).
	f.MemBase, f.MemBig = before.MemorySize, after.MemorySize
	f.HeapSlope = float64(f.ReadWallBig-f.ReadWall) / float64(time.Microsecond) / (float64(f.MemBig-f.MemBase) / (1 << 20))
	f.TrapAllocRatio, err = trapAlloc(r, recsID, empty)
	return err
}

func measureMotoko(f *figures, r *replica.Replica, dir string, n int) error {
	mod, err := crosscheck.Motoko(dir, motokoCounter)
	if err != nil {
		return err
	}
	f.MotokoRaw = len(mod)
	empty := mustMarshal()
	cpu, _ := clock()
	id, err := install(r, mod)
	if err != nil {
		return err
	}
	f.MotokoCompileCPU = cpu()
	if f.MotokoInstall, err = r.LastInstructions(id); err != nil {
		return err
	}
	world := mustMarshal("world")
	if f.MotokoGreet, err = instructions(r, id, "greet", world, true); err != nil {
		return err
	}
	if f.MotokoInc, err = instructions(r, id, "inc", empty, false); err != nil {
		return err
	}
	if f.MotokoEmptyUpdate, err = instructions(r, id, "noop", empty, false); err != nil {
		return err
	}
	if n > 0 {
		f.MotokoGreetWall, err = queryWall(r, id, "greet", world, n)
	}
	return err
}

// newBenchReplica is a replica whose compilation cache is in dir, so that
// a first install compiles.
func newBenchReplica(dir string) (*replica.Replica, error) {
	return replica.New(replica.WithCompilationCacheDir(dir))
}

func buildPkg(ctx context.Context, root, pkg string) (*build.Result, error) {
	return build.Build(ctx, build.Options{Dir: root, Pkg: pkg})
}

func install(r *replica.Replica, mod []byte) (replica.CanisterID, error) {
	id, err := r.CreateCanister()
	if err != nil {
		return id, err
	}
	return id, r.Install(id, mod, mustMarshal())
}

// call sends one message and fails on a reject.
func call(r *replica.Replica, id replica.CanisterID, method string, arg []byte, query bool) (*replica.Result, error) {
	var res *replica.Result
	var err error
	if query {
		res, err = r.Query(id, method, arg)
	} else {
		res, err = r.Update(id, method, arg)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	if res.Reject != nil {
		return nil, fmt.Errorf("%s: rejected: %v", method, res.Reject)
	}
	return res, nil
}

// instructions returns the instructions of the second of two calls (the
// first may pay for lazy set-up that every later one skips).
func instructions(r *replica.Replica, id replica.CanisterID, method string, arg []byte, query bool) (uint64, error) {
	if _, err := call(r, id, method, arg, query); err != nil {
		return 0, err
	}
	res, err := call(r, id, method, arg, query)
	if err != nil {
		return 0, err
	}
	return res.Instructions, nil
}

// perRecord is the instructions of a query with arg many records less
// those with arg0 (none), per record.
func perRecord(r *replica.Replica, id replica.CanisterID, method string, arg0, arg []byte) (uint64, error) {
	base, err := instructions(r, id, method, arg0, true)
	if err != nil {
		return 0, err
	}
	all, err := instructions(r, id, method, arg, true)
	if err != nil {
		return 0, err
	}
	if all < base {
		return 0, fmt.Errorf("%s: %d records took fewer instructions (%d) than none (%d)", method, records, all, base)
	}
	return (all - base) / records, nil
}

// queryWall is the median wall time of n queries.
func queryWall(r *replica.Replica, id replica.CanisterID, method string, arg []byte, n int) (time.Duration, error) {
	d := make([]time.Duration, n)
	for i := range d {
		start := time.Now()
		if _, err := call(r, id, method, arg, true); err != nil {
			return 0, err
		}
		d[i] = time.Since(start)
	}
	slices.Sort(d)
	return d[n/2], nil
}

// trapAlloc is the host memory a trapping update allocates (Go's
// TotalAlloc: every byte the replica allocated while it ran, freed or not)
// over the canister's memory size.
func trapAlloc(r *replica.Replica, id replica.CanisterID, arg []byte) (float64, error) {
	st, err := r.Status(id)
	if err != nil {
		return 0, err
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, err := r.Update(id, "trap", arg)
	if err != nil {
		return 0, err
	}
	runtime.ReadMemStats(&after)
	if res.Reject == nil {
		return 0, errors.New("trap: the update did not trap")
	}
	return float64(after.TotalAlloc-before.TotalAlloc) / float64(st.MemorySize), nil
}

// clock returns functions that give the CPU time (this process and its
// finished children, such as go build) and the wall time since the call.
func clock() (cpu, wall func() time.Duration) {
	c0, t0 := cpuTime(), time.Now()
	return func() time.Duration { return cpuTime() - c0 }, func() time.Duration { return time.Since(t0) }
}

func cpuTime() time.Duration {
	var d time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if syscall.Getrusage(who, &ru) == nil {
			d += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return d
}

func mustMarshal(args ...any) []byte {
	b, err := candid.Marshal(args)
	if err != nil {
		panic(err)
	}
	return b
}

func sampleRecords(n int) []Record {
	out := make([]Record, n)
	for i := range out {
		out[i] = Record{ID: uint64(i), Name: fmt.Sprintf("record %d", i), Score: int32(i) - 500, Ok: i%2 == 0, Tags: []string{"a", "b"}}
	}
	return out
}

// trivialCanister is the cheapest canister there is: a query "read" that
// replies at once (ic0.msg_reply), and one page of memory.
func trivialCanister() []byte {
	m := &wasm.Module{
		Types:    []wasm.FuncType{{}},
		Imports:  []wasm.Import{{Module: "ic0", Name: "msg_reply", Kind: wasm.KindFunc, TypeIndex: 0}},
		Funcs:    []uint32{0},
		Memories: []wasm.Limits{{Min: 1}},
		Exports:  []wasm.Export{{Name: "canister_query read", Kind: wasm.KindFunc, Index: 1}},
		Code:     []wasm.Code{{Body: []byte{0x10, 0x00, 0x0b}}}, // call 0; end
	}
	return m.Encode()
}

// repoRoot is the directory of icgo's go.mod, found from the working
// directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(b), "module "+build.ModulePath+"\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the icgo repository (no go.mod of " + build.ModulePath + " above the working directory)")
		}
		dir = parent
	}
}
