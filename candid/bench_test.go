package candid_test

import (
	"strconv"
	"testing"

	"github.com/icgo/icgo/candid"
)

func BenchmarkMarshalText(b *testing.B) {
	args := []any{"hello, world"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := candid.Marshal(args); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalText(b *testing.B) {
	data := mustMarshal(b, "hello, world")
	var s string
	ptrs := []any{&s}
	b.ReportAllocs()
	for b.Loop() {
		if err := candid.Unmarshal(data, ptrs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecord(b *testing.B) {
	v := PersonV2{Name: "Ada Lovelace", Age: 36, Email: ptr("ada@example.com")}
	args := []any{v}
	var out PersonV2
	ptrs := []any{&out}
	b.ReportAllocs()
	for b.Loop() {
		data, err := candid.Marshal(args)
		if err != nil {
			b.Fatal(err)
		}
		if err := candid.Unmarshal(data, ptrs); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRec is the record of the cdk's per-record instruction figures
// (cdk/testdata/execcan/records.go).
type benchRec struct {
	ID      uint64  `ic:"id"`
	Name    string  `ic:"name"`
	Balance uint64  `ic:"balance"`
	Active  bool    `ic:"active"`
	Email   *string `ic:"email"`
}

func benchRecs() []benchRec {
	rs := make([]benchRec, 1000)
	email := "ada@example.com"
	for i := range rs {
		rs[i] = benchRec{ID: uint64(i), Name: "record " + strconv.Itoa(i), Balance: uint64(i) * 1000, Active: i%2 == 0}
		if i%3 == 0 {
			rs[i].Email = &email
		}
	}
	return rs
}

func BenchmarkMarshalRecords(b *testing.B) {
	args := []any{benchRecs()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := candid.Marshal(args); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalRecords(b *testing.B) {
	data := mustMarshal(b, benchRecs())
	var out []benchRec
	ptrs := []any{&out}
	b.ReportAllocs()
	for b.Loop() {
		if err := candid.Unmarshal(data, ptrs); err != nil {
			b.Fatal(err)
		}
	}
}
