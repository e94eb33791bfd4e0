package candid_test

import (
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
