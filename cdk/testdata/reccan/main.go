// Command reccan is the canister of the cdk's per-record codec cost test
// (cdk/records_test.go). It is apart from execcan so that its 1,000
// records do not weigh on execcan's overhead figures.
package main

import (
	"runtime/metrics"
	"strconv"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/cdk"
)

// Rec is the record of the per-record codec cost figures (issue 12,
// "reply of 1,000 records" and "decode of 1,000 records").
type Rec struct {
	ID      uint64  `ic:"id"`
	Name    string  `ic:"name"`
	Balance uint64  `ic:"balance"`
	Active  bool    `ic:"active"`
	Email   *string `ic:"email"`
}

var recs = makeRecs(1000)

func makeRecs(n int) []Rec {
	rs := make([]Rec, n)
	email := "ada@example.com"
	for i := range rs {
		rs[i] = Rec{ID: uint64(i), Name: "record " + strconv.Itoa(i), Balance: uint64(i) * 1000, Active: i%2 == 0}
		if i%3 == 0 {
			rs[i].Email = &email
		}
	}
	return rs
}

func init() {
	// records replies with the first n records; take_records decodes its
	// argument. The per-record cost is the difference between n = 1000 and
	// n = 0, divided by 1000.
	cdk.Query("records", func(n uint32) []Rec { return recs[:min(int(n), len(recs))] })
	cdk.Query("take_records", func(rs []Rec) uint32 { return uint32(len(rs)) })
	// codec_records measures candid.Marshal and candid.Unmarshal of n
	// records alone, in instructions: [marshal, unmarshal].
	cdk.Query("codec_records", func(n uint32) []uint64 {
		args := []any{recs[:min(int(n), len(recs))]}
		gcs := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
		metrics.Read(gcs)
		g0 := gcs[0].Value.Uint64()
		a := cdk.InstructionCounter()
		b, err := candid.Marshal(args)
		if err != nil {
			panic(err)
		}
		m := cdk.InstructionCounter()
		metrics.Read(gcs)
		g1 := gcs[0].Value.Uint64()
		var out []Rec
		m2 := cdk.InstructionCounter()
		if err := candid.Unmarshal(b, []any{&out}); err != nil {
			panic(err)
		}
		u := cdk.InstructionCounter()
		metrics.Read(gcs)
		g2 := gcs[0].Value.Uint64()
		return []uint64{m - a, u - m2, g1 - g0, g2 - g1}
	})
}

func main() {}
