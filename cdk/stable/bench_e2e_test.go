package stable_test

import (
	"os"
	"strconv"
	"testing"
)

// benchSizes are the map sizes of the instruction benchmarks; set
// ICGO_STABLE_BENCH_SIZES (comma-separated) to change them.
func benchSizes() []uint64 {
	if s := os.Getenv("ICGO_STABLE_BENCH_SIZES"); s != "" {
		var out []uint64
		for _, f := range splitComma(s) {
			n, err := strconv.ParseUint(f, 10, 64)
			if err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	return []uint64{10_000, 100_000, 1_000_000}
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// BenchmarkBTreeMapReplica reports the instructions per operation of a
// BTreeMap[uint64, uint64] on the replica (insert, get, remove and in-order
// scan, per item), for maps of 10k, 100k and 1M entries: the map is filled
// to the size, then 1,000 more inserts, 1,000 gets and 1,000 removes are
// measured in one message each, as canbench measures ic-stable-structures
// (whose BTreeMap insert of u64 keys and values is about 35.6k
// instructions per item). The 1M map is upgraded before the measurements,
// and every entry is checked by the scan (count, order, sum of values).
//
//	go test ./cdk/stable -run XXX -bench BTreeMapReplica -benchtime 1x -v
func BenchmarkBTreeMapReplica(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(strconv.FormatUint(n, 10), func(b *testing.B) {
			for range b.N {
				c := install(b, "./testdata/stablecan")
				fillPer := c.fillMeasured(n)
				if n >= 1_000_000 {
					if err := c.r.Upgrade(c.id, c.wasm, nil); err != nil {
						b.Fatal(err)
					}
				}
				if got := c.u64(true, "len"); got != n {
					b.Fatalf("len %d after upgrade, want %d", got, n)
				}
				const k = 1000
				ins := c.u64(false, "insert", n, uint64(k))
				get := c.u64(true, "get", uint64(0), uint64(k))
				rem := c.u64(false, "remove", n, uint64(k))
				// The scan checks every entry: count, key order and the sum
				// of the values (after the upgrade, for 1M).
				var scan, count, sum uint64
				c.call(true, "scan", nil, &scan, &count, &sum)
				if count != n || sum != scanSum(n) {
					b.Fatalf("scan: %d entries, sum %d", count, sum)
				}
				b.ReportMetric(float64(ins), "insert-instr/op")
				b.ReportMetric(float64(get), "get-instr/op")
				b.ReportMetric(float64(rem), "remove-instr/op")
				b.ReportMetric(float64(scan), "scan-instr/item")
				b.Logf("BTreeMap[uint64,uint64] %d entries: insert %d, get %d, remove %d, scan %d instructions per item (fill: %d per insert)",
					n, ins, get, rem, scan, fillPer)
			}
		})
	}
}

func (c *canister) fillMeasured(n uint64) uint64 {
	const batch = 100_000
	var total uint64
	for i := uint64(0); i < n; i += batch {
		m := min(batch, n-i)
		total += c.u64(false, "insert", i, m) * m
	}
	return total / n
}
