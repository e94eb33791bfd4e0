package replica

import "testing"

// BenchmarkInstallCached installs the same module in a new canister each
// iteration: after the first, compilation is a cache hit, so this measures
// instantiation, (start) and canister_init.
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

// BenchmarkQueryTrivial is a query on a 64 KiB heap (the snapshot and
// restore of the heap dominate; they grow with heap size).
func BenchmarkQueryTrivial(b *testing.B) {
	r, id := installed(b)
	for b.Loop() {
		if res, err := r.Query(id, "read", nil); err != nil || res.Reject != nil {
			b.Fatal(err, res.Reject)
		}
	}
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
}
