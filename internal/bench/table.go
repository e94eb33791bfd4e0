package main

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// row is one line of the table: a figure for icgo, its peer in the same
// run, and the goal of issue 12.
type row struct{ what, icgo, peer, goal string }

// section is a table of BENCHMARKS.md. To add figures of a new area, add a
// section here and its measurement in measure.go.
type section struct {
	title string
	rows  []row
}

func (f *figures) sections() []section {
	mo := func(v uint64) string {
		if v == 0 {
			return "—"
		}
		return "Motoko " + count(v)
	}
	moD := func(d time.Duration) string {
		if d == 0 {
			return "—"
		}
		return "Motoko " + micros(d)
	}
	moCPU := "—"
	if f.MotokoCompileCPU > 0 {
		moCPU = "Motoko " + millis(f.MotokoCompileCPU) + " CPU"
	}
	moSize := "—"
	if f.MotokoRaw > 0 {
		moSize = fmt.Sprintf("Motoko %s B raw", count(uint64(f.MotokoRaw)))
	}
	return []section{
		{"Instructions per message (exact)", []row{
			{"hello `greet` query", count(f.Greet), mo(f.MotokoGreet), "≤ 40,000"},
			{"hello `inc` update", count(f.Inc), mo(f.MotokoInc), "≤ 35,000"},
			{"empty update", count(f.EmptyUpdate), mo(f.MotokoEmptyUpdate), "—"},
			{"install (init)", count(f.Install), mo(f.MotokoInstall), "≤ 2,000,000"},
		}},
		{"Candid (instructions per record, exact)", []row{
			{fmt.Sprintf("reply of %d records", records), count(f.ReplyPerRecord), "—", "≤ 10,000"},
			{fmt.Sprintf("decode of %d records", records), count(f.DecodePerRecord), "—", "≤ 15,000"},
		}},
		{"Wall time on the replica (medians of one run)", []row{
			{"hello `greet` query", micros(f.GreetWall) + fmt.Sprintf(" (%.0f× the trivial canister's %s)", ratio(f.GreetWall, f.WATWall), micros(f.WATWall)), moD(f.MotokoGreetWall), "≤ 8× the trivial canister"},
			{"empty query vs heap size", fmt.Sprintf("%+.1f µs per MiB of canister memory (%s at %s, %s at %s)", f.HeapSlope, micros(f.ReadWall), mib(f.MemBase), micros(f.ReadWallBig), mib(f.MemBig)), "—", "independent of heap size"},
			{"host memory on a trapping update", fmt.Sprintf("%.2f× the canister's memory (%s) allocated by the host", f.TrapAllocRatio, mib(f.MemBig)), "—", "heap + pages written"},
		}},
		{"Module size", []row{
			{"hello module", fmt.Sprintf("%s B gzip (raw %s B)", count(uint64(f.Gzip)), count(uint64(f.Raw))), moSize, "≤ 650,000 B gzip, raw ≤ 2,500,000"},
			{"Go runtime floor (`func main() {}`)", fmt.Sprintf("%s B gzip (raw %s B)", count(uint64(f.FloorGzip)), count(uint64(f.FloorRaw))), "—", "—"},
		}},
		{"Build and install (CPU time of one run)", []row{
			{"first install of hello (compiles)", millis(f.CompileCPU) + " CPU, " + millis(f.CompileWall) + " wall", moCPU, "—"},
			{"install of hello from the disk cache, new replica", millis(f.CachedInstallCPU) + " CPU, " + millis(f.CachedInstall) + " wall", "—", "≤ 0.2 s"},
			{"warm `icgo build` of hello (go build cached)", millis(f.BuildCPU) + " CPU, " + millis(f.BuildWall) + " wall", "—", "≤ 0.8 s"},
		}},
	}
}

func (f *figures) write(w io.Writer) {
	fmt.Fprintf(w, "<!-- go run ./internal/bench; %s %s/%s, %d CPUs -->\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	for _, s := range f.sections() {
		fmt.Fprintf(w, "\n### %s\n\n| what | icgo | peer, same run | goal (issue 12) |\n|---|---|---|---|\n", s.title)
		for _, r := range s.rows {
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.what, r.icgo, r.peer, r.goal)
		}
	}
}

// count formats n with thousands separators.
func count(n uint64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func micros(d time.Duration) string {
	return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
}

func mib(n uint64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

func millis(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
