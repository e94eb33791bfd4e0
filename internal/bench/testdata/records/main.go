// Command records is the benchmark canister of internal/bench: Candid
// replies and arguments of many records, an empty update, and a heap that
// grows on demand.
package main

import (
	"strconv"

	"github.com/icgo/icgo/cdk"
)

// Record is the record of the Candid benchmarks; internal/bench has the
// same type.
type Record struct {
	ID    uint64   `ic:"id"`
	Name  string   `ic:"name"`
	Score int32    `ic:"score"`
	Ok    bool     `ic:"ok"`
	Tags  []string `ic:"tags"`
}

var heap [][]byte

func init() {
	cdk.Query("records", func(n uint32) []Record {
		out := make([]Record, n)
		for i := range out {
			out[i] = Record{ID: uint64(i), Name: "record " + strconv.Itoa(i), Score: int32(i) - 500, Ok: i%2 == 0, Tags: []string{"a", "b"}}
		}
		return out
	})
	cdk.Query("count", func(rs []Record) uint32 { return uint32(len(rs)) })
	cdk.Query("read", func() {})
	cdk.Update("noop", func() {})
	// grow keeps mib more MiB of heap, every page written.
	cdk.Update("grow", func(mib uint32) uint64 {
		b := make([]byte, int(mib)<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		heap = append(heap, b)
		return uint64(len(heap))
	})
	// trap writes to the heap, then traps: the replica must undo it.
	cdk.Update("trap", func() {
		heap[0][0]++
		panic("trap")
	})
}

func main() {}
