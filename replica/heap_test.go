package replica

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// heapCanister writes its memory in every way a canister can: stores of
// each width (some straddling two 4 KiB chunks), v128.store, memory.fill,
// memory.copy, memory.init, memory.grow, the bytes of its data segment,
// and host functions that write guest memory (msg_arg_data_copy,
// stable64_read). "hash" replies with a hash of the whole memory and its
// size, so a test can check that a rollback restored every byte.
const heapCanister = `
(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "stable64_grow" (func $s_grow (param i64) (result i64)))
  (import "ic0" "stable64_write" (func $s_write (param i64 i64 i64)))
  (import "ic0" "stable64_read" (func $s_read (param i64 i64 i64)))
  (memory 2)
  (data (i32.const 100) "DATA-SEGMENT")
  (data $passive "PASSIVE")

  (func $hash (result i64)
    (local $i i32) (local $h i64) (local $n i32)
    (local.set $n (i32.mul (memory.size) (i32.const 65536)))
    (local.set $h (i64.extend_i32_u (memory.size)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $i))) (i64.const 1099511628211)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $l)))
    (local.get $h))
  (func $reply_i64 (param $v i64)
    (i64.store (i32.const 0) (local.get $v))
    (call $reply_append (i32.const 0) (i32.const 8))
    (call $reply))
  (func $scribble
    (i32.store (i32.const 4094) (i32.const -1))
    (i64.store (i32.const 8190) (i64.const -1))
    (v128.store (i32.const 12280) (v128.const i64x2 -1 -1))
    (i64.store offset=70000 (i32.const 0) (i64.const 0x1234))
    (i32.store8 (i32.const 100) (i32.const 0x58))
    (memory.fill (i32.const 20000) (i32.const 0xab) (i32.const 5000))
    (memory.copy (i32.const 30000) (i32.const 100) (i32.const 64))
    (memory.init $passive (i32.const 40000) (i32.const 0) (i32.const 7))
    (call $arg_copy (i32.const 50000) (i32.const 0) (call $arg_size))
    (drop (call $s_grow (i64.const 1)))
    (call $s_write (i64.const 0) (i64.const 100) (i64.const 12))
    (call $s_read (i64.const 60000) (i64.const 0) (i64.const 12))
    (drop (memory.grow (i32.const 3)))
    (i64.store (i32.const 200000) (i64.const -1))
    (memory.fill (i32.const 300000) (i32.const 1) (i32.const 10000)))

  (func (export "canister_query hash") (call $reply_i64 (call $hash)))
  (func (export "canister_query nonzero_from")
    (local $i i32) (local $n i32) (local $c i64)
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (local.set $i (i32.load (i32.const 0)))
    (local.set $n (i32.mul (memory.size) (i32.const 65536)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.load8_u (local.get $i)) (then (local.set $c (i64.add (local.get $c) (i64.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (call $reply_i64 (local.get $c)))
  (func (export "canister_update scribble_trap") (call $scribble) unreachable)
  (func (export "canister_query scribble_query") (call $scribble) (call $reply_i64 (call $hash)))
  (func (export "canister_update scribble_commit") (call $scribble) (call $reply_i64 (call $hash)))
  (func (export "canister_update grow")
    (drop (memory.grow (i32.const 4)))
    (call $reply_i64 (i64.extend_i32_u (memory.size)))))
`

func u64Reply(t *testing.T, res *Result, err error) uint64 {
	t.Helper()
	require.NoError(t, err)
	require.Nil(t, res.Reject)
	require.Len(t, res.Reply, 8)
	return binary.LittleEndian.Uint64(res.Reply)
}

// Every way of writing memory is undone by a trap and after a query, with
// and without metering (the dirty-page instrumentation is separate from
// it); what an update commits, including bytes of a data segment, stays
// through later rollbacks (which re-instantiate the module); pages grown by
// a message that trapped read as zero when memory grows again.
func TestHeapRollbackEveryWrite(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
	}{{"metered", nil}, {"unmetered", []Option{withoutMetering()}}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReplica(t, tc.opts...)
			id := installWat(t, r, heapCanister)
			hash := func() uint64 { res, err := r.Query(id, "hash", nil); return u64Reply(t, res, err) }
			arg := []byte("argument bytes")

			h0 := hash()
			res, err := r.Update(id, "scribble_trap", arg)
			require.NoError(t, err)
			require.NotNil(t, res.Reject)
			require.Equal(t, h0, hash(), "after a trap")

			inQuery, err := r.Query(id, "scribble_query", arg)
			hq := u64Reply(t, inQuery, err)
			require.NotEqual(t, h0, hq, "the query saw its own writes")
			require.Equal(t, h0, hash(), "after a query")

			res, err = r.Update(id, "scribble_commit", arg)
			require.Equal(t, hq, u64Reply(t, res, err), "the same writes, committed")
			h1 := hash() // the reply's bytes at 0 are committed too
			require.NotEqual(t, h0, h1)

			// Committed state (the data segment's bytes too) survives a trap's
			// re-instantiation.
			res, err = r.Update(id, "scribble_trap", []byte("other"))
			require.NoError(t, err)
			require.NotNil(t, res.Reject)
			require.Equal(t, h1, hash(), "committed state after a trap")

			// The committed memory has 5 pages; a trap grew it to 8 and wrote
			// there. Growing again must show zeros.
			res, err = r.Update(id, "grow", nil)
			require.Equal(t, uint64(9), u64Reply(t, res, err))
			res, err = r.Query(id, "nonzero_from", binary.LittleEndian.AppendUint32(nil, 5*65536))
			require.Equal(t, uint64(0), u64Reply(t, res, err))
		})
	}
}
