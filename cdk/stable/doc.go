// Package stable keeps a canister's data in stable memory, so that it
// survives upgrades: the Go heap is replaced on every upgrade, stable memory
// is not (IC interface specification, section "Canister module format > Stable
// memory" and "Upgrading a canister").
//
// Two ways, as in Rust canisters:
//
//   - Save and Load: write any Candid-typed Go value to stable memory in
//     PreUpgrade and read it back in PostUpgrade. One line each; the cost
//     grows with the data, and a value too large to encode within the
//     upgrade's instruction limit makes the upgrade fail.
//
//   - Stable structures: BTreeMap, Cell, Vec, Log and MinHeap live in stable
//     memory all the time. An upgrade does nothing for them, and their size
//     is bounded by stable memory (hundreds of GiB), not by the 4 GiB heap.
//     A MemoryManager divides the stable memory into up to 255 virtual
//     memories, one per structure.
//
//     var (
//     mm    = stable.Must(stable.NewMemoryManager(stable.Stable()))
//     users = stable.Must(stable.NewBTreeMap[principal.Principal, User](mm.Memory(0)))
//     )
//
// Package-level variables like these are initialized on install and again
// after each upgrade, and find the data where it was. In host tests, use a
// VectorMemory instead of Stable().
//
// Keys and values go through a Storable (StorableFor picks one per type):
// integers, strings, byte slices and arrays, principals, and Candid for
// anything else. Operations on a structure read and write its memory
// directly; values returned are decoded copies. A trap in the middle of an
// operation is harmless: the IC rolls the message's stable memory writes
// back (see the end-to-end tests). On the host, a panic in the middle of a
// VectorMemory operation (an encoding that exceeds its bound is checked
// before any write; a memory that cannot grow is not) leaves the structure
// undefined.
//
// # Layouts: compatibility with ic-stable-structures
//
// The structures use the memory layouts of ic-stable-structures (the Rust
// library DFINITY recommends; its layouts as documented in its source at
// commit b5d1650, version 0.7), so that a Rust canister can be upgraded to a
// Go canister, or back, and keep its data:
//
//	structure       layout                                      verified by
//	MemoryManager   "MGR" v1, 128-page buckets (any size read)  byte-identical to Rust's own golden files
//	BTreeMap        "BTR" v2, allocator "BTA", nodes "BTN" v2,   vectors derived from the Rust source
//	                overflow pages "NOF", page size as Rust's
//	Cell            "SCL" v1                                     vectors derived from the Rust source
//	Vec             "SVC" v1                                     vectors derived from the Rust source
//	MinHeap         "SMH" (the Vec layout)                       as Vec
//	Log             "GLI"/"GLD" v1                               vectors derived from the Rust source
//
// The MemoryManager test replays the operations of ic-stable-structures'
// test "stability" and compares the SHA-256 of the resulting memory and
// reads with those of the golden files Rust wrote
// (src/memory_manager/stability_*.golden): these match. The other vectors
// (layout_test.go) were derived by reading the Rust code, field by field
// and write by write, because no Rust toolchain with the crate was
// available offline: they show that this package writes what that reading
// says Rust writes, not that a Rust build agrees. The BTreeMap follows the
// Rust algorithm step by step (split before descending, CLRS deletion with
// the same merge and rotation choices, the same allocation order), so the
// same operations produce the same bytes, not only the same format.
//
// Key encodings are ic-stable-structures' Storable encodings: big-endian
// unsigned integers, raw UTF-8 strings and bytes, fixed arrays, principal
// bytes (bounded, 29), bool as one byte, and Candid for records (as Rust's
// candid::Encode!, the common way Rust types implement Storable). Keys
// compare as their encoded bytes (numerically for the integer types),
// which is Rust's order for integers, strings, byte strings and arrays; for
// principals and Candid-encoded keys Rust uses the type's Ord, which this
// package has not verified to agree.
//
// Differences:
//
//   - Opening memory that holds something else is an error here (the
//     structure's magic is named); ic-stable-structures' init silently
//     creates a new structure over it. All-zero memory counts as empty.
//   - BTreeMap layout version 1 (ic-stable-structures before 0.6, and v1
//     maps migrated in place, whose header keeps version 1) is refused with
//     an error: only maps created with layout version 2 open.
//   - Signed integer keys have no Rust counterpart: they are big-endian with
//     the sign bit flipped, so that their bytes sort as the numbers.
//   - Tuples and Rust's BTreeSet layout are not provided.
//   - Save and Load use this package's own header ("ICGOSAVE", version,
//     length) before a Candid message; there is no Rust equivalent.
//
// # Speed
//
// In a canister every heap allocation costs thousands of instructions,
// and in Go's wasm code every jump costs in proportion to the call sites of
// its function. So the BTreeMap works on the bytes of its nodes (views),
// with small hot functions, and allocates nothing on its common paths (get,
// insert with splits, remove with rotations and merges; nodes whose size
// changes their overflow pages, and a root split, take a slower path that
// decodes nodes). It keeps a copy of the
// top four levels of the tree on the heap (at most 1024 nodes, one page
// each). BenchmarkBTreeMapReplica measures instructions per operation on
// the replica, to compare with ic-stable-structures' canbench figures.
package stable
