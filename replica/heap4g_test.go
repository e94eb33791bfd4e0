package replica

import (
	"encoding/binary"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/icgo/icgo/internal/wasm"
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

// A module declaring a memory maximum above 4 GiB is refused at install
// (validate's memory rule), as the IC refuses it.
func TestMemoryMaxAbove4GiBRefused(t *testing.T) {
	r := newReplica(t)
	id, err := r.CreateCanister()
	require.NoError(t, err)
	m := &wasm.Module{Memories: []wasm.Limits{{Min: 1, HasMax: true, Max: 65537}}}
	err = r.Install(id, m.Encode(), nil)
	var rej *Reject
	require.ErrorAs(t, err, &rej)
	require.Equal(t, "IC0505", rej.ErrorCode)
	require.Contains(t, rej.Message, "a 32-bit memory has at most 65536 pages")
}

// Memory is allocated as the canister touches it: a 3 GiB initial memory
// (a module of a few dozen bytes) holds a few MiB of host memory through
// install, a query, an update and a trap. (Before, it held about twice
// the declared size.) Linux: RSS from /proc/self/status.
func TestLargeInitialMemoryIsLazy(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("resident memory is read from Linux's /proc/self/status")
	}
	const src = `(module
  (import "ic0" "msg_reply" (func $reply))
  (memory 49152)
  (func (export "canister_query q") (i32.store (i32.const 0x80000000) (i32.const 1)) (call $reply))
  (func (export "canister_update u") (i32.store (i32.const 0xbffffff0) (i32.const 1)) (call $reply))
  (func (export "canister_update t") (i32.store (i32.const 0x40000000) (i32.const 1)) unreachable))`
	r := newReplica(t)
	mod := wat(t, src)
	require.Less(t, len(mod), 200)
	runtime.GC()
	before := statusKiB(t, "VmRSS")
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Fatalf("resetting the peak RSS: %v", err)
	}
	id := installWat(t, r, src)
	for _, m := range []string{"q", "u", "t"} {
		var err error
		if m == "q" {
			_, err = r.Query(id, m, nil)
		} else {
			_, err = r.Update(id, m, nil)
		}
		require.NoError(t, err)
	}
	// The kernel's RSS counters are approximate (per-thread caches), so
	// the peak may read a little below the RSS read before.
	grew := int64(statusKiB(t, "VmHWM")) - int64(before)
	t.Logf("3 GiB initial memory: peak RSS %d MiB over %d MiB before", grew>>10, before>>10)
	require.Less(t, grew, int64(256<<10), "peak RSS grew by %d MiB", grew>>10)
}

// statusKiB reads a "Name: N kB" line of /proc/self/status.
func statusKiB(t testing.TB, name string) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("no %s in /proc/self/status", name)
	return 0
}
