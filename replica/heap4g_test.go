package replica

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// fullMemoryCanister grows its memory to 65,536 pages (4 GiB), then
// stores and loads at both ends and replies with what memory.grow
// returned, memory.size and the values read back.
const fullMemoryCanister = `
(module
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)
  (func $fill_and_reply
    (i32.store (i32.const 16) (memory.grow (i32.sub (i32.const 65536) (memory.size))))
    (i32.store (i32.const 20) (memory.size))
    (i32.store (i32.const 0xfffffffc) (i32.const 42))
    (i32.store (i32.const 24) (i32.load (i32.const 0xfffffffc)))
    (i32.store (i32.const 28) (memory.grow (i32.const 0)))
    (call $reply_append (i32.const 16) (i32.const 16))
    (call $reply))
  (func (export "canister_update grow_full") (call $fill_and_reply))
  (func (export "canister_query grow_full_query") (call $fill_and_reply))
  (func (export "canister_update grow_full_trap") (call $fill_and_reply) unreachable)
  (func (export "canister_query size")
    (i32.store (i32.const 0) (memory.size))
    (call $reply_append (i32.const 0) (i32.const 4))
    (call $reply)))
`

// A canister can use all 4 GiB of a wasm32 memory. wazero 1.12's compiler
// traps on every access once a memory defined in the module reaches
// 65,536 pages and reads memory.size as 0 there; the replica works around
// both (replica/doc.go, "A 4 GiB heap"). Growing to 4 GiB in a query or a
// trapped update is rolled back.
func TestFullWasm32Memory(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, fullMemoryCanister, WithWasmMemoryLimit(MaxWasmMemory))
	size := func() uint32 {
		res, err := r.Query(id, "size", nil)
		require.NoError(t, err)
		require.Nil(t, res.Reject)
		return binary.LittleEndian.Uint32(res.Reply)
	}
	want := []uint32{1, 65536, 42, 65536} // grow's result, memory.size, the value read, grow(0)
	check := func(res *Result, err error) {
		t.Helper()
		require.NoError(t, err)
		require.Nil(t, res.Reject)
		got := make([]uint32, 4)
		for i := range got {
			got[i] = binary.LittleEndian.Uint32(res.Reply[4*i:])
		}
		require.Equal(t, want, got)
	}

	check(r.Query(id, "grow_full_query", nil))
	require.Equal(t, uint32(1), size(), "a query's growth is rolled back")
	res, err := r.Update(id, "grow_full_trap", nil)
	require.NoError(t, err)
	require.NotNil(t, res.Reject)
	require.Equal(t, uint32(1), size(), "a trap's growth is rolled back")
	check(r.Update(id, "grow_full", nil))
	require.Equal(t, uint32(65536), size())
}
