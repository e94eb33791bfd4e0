package replica

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/icgo/icgo/internal/wasm"
	"github.com/icgo/icgo/principal"
	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
)

// TestStackOverflowIsCanisterTrap: a canister's own unbounded recursion is
// the canister's trap (CANISTER_ERROR, IC0502), not a replica error, and
// it rolls back the message.
func TestStackOverflowIsCanisterTrap(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, `(module
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory (export "memory") 1)
  (func $f (param i64) (result i64) (i64.add (call $f (i64.add (local.get 0) (i64.const 1))) (i64.const 1)))
  (func (export "canister_update rec") (i32.store (i32.const 0) (i32.const 1)) (drop (call $f (i64.const 0))))
  (func (export "canister_query get") (call $reply_append (i32.const 0) (i32.const 4)) (call $reply)))`)
	res, err := r.Update(id, "rec", nil)
	rej := reject(t, res, err, CanisterError, ErrCodeCanisterTrapped, "canister trapped: stack overflow")
	require.NotContains(t, rej.Message, internalError)
	require.Equal(t, []byte{0, 0, 0, 0}, reply(t)(r.Query(id, "get", nil)), "the trap rolls back")
}

// A stack overflow that wazero recovers (reported with "(recovered by
// wazero)" and its stack trace, as the compat matrix met it in a deeply
// recursive decoder) is the canister's trap too, not a replica error.
func TestRecoveredStackOverflowIsCanisterTrap(t *testing.T) {
	e := &execution{}
	for _, msg := range []string{"stack overflow", "stack overflow (recovered by wazero)\nwasm stack trace:\n\tf()"} {
		trap := e.classify(errors.New(msg))
		require.Equal(t, "stack overflow", trap.desc, msg)
		require.Equal(t, ErrCodeCanisterTrapped, trap.errorCode)
	}
	require.Contains(t, e.classify(errors.New("boom (recovered by wazero)")).desc, internalError)
}

// TestCompileWithoutLock: while a module compiles, for the Go API's
// Install and for install_code through the management canister, the
// replica answers queries and runs rounds for other canisters.
func TestCompileWithoutLock(t *testing.T) {
	r := newReplica(t)
	other := installWat(t, r, calleeCanister)
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	testCompileHook = func() { started <- struct{}{}; <-release }
	t.Cleanup(func() { testCompileHook = nil })

	a, err := r.CreateCanister()
	require.NoError(t, err)
	b, err := r.CreateCanister()
	require.NoError(t, err)
	mod := wat(t, `(module (memory (export "memory") 1) (func (export "canister_update x")))`)
	mod2 := wat(t, `(module (memory (export "memory") 1) (func (export "canister_update y")))`)
	done := make(chan error, 2)
	go func() { done <- r.Install(a, mod, nil) }()
	go func() {
		res, err := r.Update(ManagementCanister, "install_code", installArg("install", b, mod2, nil))
		if err == nil {
			err = res.Err()
		}
		done <- err
	}()
	<-started
	<-started
	// Both compilations are blocked: the replica still serves others.
	require.Equal(t, []byte("hi"), reply(t)(r.Update(other, "echo", []byte("hi"))))
	_, err = r.Query(other, "count", nil)
	require.NoError(t, err)
	close(release)
	require.NoError(t, <-done)
	require.NoError(t, <-done)
	for _, id := range []CanisterID{a, b} {
		info, err := r.Status(id)
		require.NoError(t, err)
		require.NotNil(t, info.ModuleHash)
	}
}

// brTableModule is a module with one function (i32) -> () whose body is a
// br_table of n targets.
func brTableModule(n int) []byte {
	body := []byte{wasm.OpBlock, 0x40, wasm.OpLocalGet, 0, wasm.OpBrTable}
	body = wasm.AppendULEB(body, uint64(n))
	body = append(body, make([]byte, n+1)...)
	body = append(body, wasm.OpEnd, wasm.OpEnd)
	m := &wasm.Module{Memories: []wasm.Limits{{Min: 1}}}
	m.Funcs = []uint32{m.TypeIndex(wasm.FuncType{Params: []wasm.ValType{wasm.I32}})}
	m.Code = []wasm.Code{{Body: body}}
	return m.Encode()
}

// TestBrTableCompileBound: a module whose br_tables would take wazero too
// long to compile is refused before compiling (IC0505), one of ordinary
// size installs.
func TestBrTableCompileBound(t *testing.T) {
	r := newReplica(t)
	for _, tc := range []struct {
		targets int
		want    string // "" for success
	}{{2000, ""}, {maxBrTableTargetsAlone + 1, "too long to compile"}, {1_000_000, "br_table with 1000000 targets"}} {
		id, err := r.CreateCanister()
		require.NoError(t, err)
		err = r.Install(id, brTableModule(tc.targets), nil)
		if tc.want == "" {
			require.NoError(t, err)
			continue
		}
		var rej *Reject
		require.ErrorAs(t, err, &rej)
		require.Equal(t, ErrCodeCanisterInvalidWasm, rej.ErrorCode)
		require.Contains(t, rej.Message, tc.want)
	}
}

// TestStopCanisterRespondsWhenStopped: stop_canister responds only once the
// canister is stopped, when its open call contexts have closed; a
// start_canister meanwhile rejects the waiting stop.
func TestStopCanisterRespondsWhenStopped(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, calleeCanister)
	// rand keeps its call context open until raw_rand answers, a round later.
	_, err := r.SubmitUpdate(id, "rand", nil)
	require.NoError(t, err)
	stop, err := r.SubmitUpdate(ManagementCanister, "stop_canister", idArg(id))
	require.NoError(t, err)
	require.NoError(t, r.Tick())
	_, done, err := r.IngressStatus(stop)
	require.NoError(t, err)
	require.False(t, done, "stop_canister answered while the canister is stopping")
	info, err := r.Status(id)
	require.NoError(t, err)
	require.Equal(t, StatusStopping, info.Status)
	require.NoError(t, r.Tick())
	res, done, err := r.IngressStatus(stop)
	require.NoError(t, err)
	require.True(t, done)
	require.Nil(t, res.Reject)
	info, err = r.Status(id)
	require.NoError(t, err)
	require.Equal(t, StatusStopped, info.Status)

	// start_canister while stopping cancels the stop.
	require.NoError(t, r.Start(id))
	_, err = r.SubmitUpdate(id, "rand", nil)
	require.NoError(t, err)
	stop, err = r.SubmitUpdate(ManagementCanister, "stop_canister", idArg(id))
	require.NoError(t, err)
	require.NoError(t, r.Tick())
	reply(t)(r.Update(ManagementCanister, "start_canister", idArg(id)))
	res, done, err = r.IngressStatus(stop)
	require.NoError(t, err)
	require.True(t, done)
	require.NotNil(t, res.Reject)
	require.Equal(t, ErrCodeCanisterStoppingCancelled, res.Reject.ErrorCode)
}

// logCanister prints its method name in canister_init, canister_inspect_message,
// an update and a query.
const logCanister = `(module
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "accept_message" (func $accept))
  (memory (export "memory") 1)
  (data (i32.const 0) "initinspectupdatequery")
  (func (export "canister_init") (call $print (i32.const 0) (i32.const 4)))
  (func (export "canister_inspect_message") (call $print (i32.const 4) (i32.const 7)) (call $accept))
  (func (export "canister_update u") (call $print (i32.const 11) (i32.const 6)) (call $reply))
  (func (export "canister_query q") (call $print (i32.const 17) (i32.const 5)) (call $reply)))`

func logMessages(t *testing.T, r *Replica, id CanisterID) []string {
	t.Helper()
	logs, err := r.Logs(id)
	require.NoError(t, err)
	var out []string
	for _, l := range logs {
		out = append(out, l.Message)
	}
	return out
}

// TestCanisterLogs follows fetch_canister_logs: nothing from
// non-replicated executions (inspect_message, queries), purged on
// reinstall and uninstall, at most the log_memory_limit (4 KiB) of
// messages.
func TestCanisterLogs(t *testing.T) {
	var out bytes.Buffer
	r := newReplica(t, WithLogOutput(&out))
	id := installWat(t, r, logCanister)
	reply(t)(r.Update(id, "u", nil))
	reply(t)(r.Query(id, "q", nil))
	reply(t)(r.Update(id, "q", nil)) // a query run as an update is replicated
	require.Equal(t, []string{"init", "update", "query"}, logMessages(t, r, id))
	require.Contains(t, out.String(), "inspect", "WithLogOutput still streams everything")

	require.NoError(t, r.Reinstall(id, wat(t, logCanister), nil))
	require.Equal(t, []string{"init"}, logMessages(t, r, id), "reinstall purges the log")
	require.NoError(t, r.Upgrade(id, wat(t, logCanister), nil))
	require.Equal(t, []string{"init"}, logMessages(t, r, id), "upgrade keeps it")
	require.NoError(t, r.Uninstall(id))
	require.Empty(t, logMessages(t, r, id), "uninstall purges the log")

	require.NoError(t, r.Install(id, wat(t, logCanister), nil))
	fetched := decodeOne(t, reply(t)(r.Query(ManagementCanister, "fetch_canister_logs", idArg(id))), "fetch_canister_logs_result")
	recs := fieldOf(fetched, "canister_log_records")
	require.Len(t, recs.Elems, 1)
	content, err := blobOf(fieldOf(&recs.Elems[0], "content"), "content")
	require.NoError(t, err)
	require.Equal(t, "init", string(content))
	res, err := r.Query(ManagementCanister, "fetch_canister_logs", idArg(id), WithCaller(principal.FromBytes([]byte{7})))
	reject(t, res, err, CanisterReject, ErrCodeCanisterRejectedMessage, "may not read the logs")
	res, err = r.Update(ManagementCanister, "fetch_canister_logs", idArg(id))
	reject(t, res, err, CanisterReject, ErrCodeCanisterRejectedMessage, "only be called by users, as a query")
	for range 1000 {
		reply(t)(r.Update(id, "u", nil))
	}
	logs, err := r.Logs(id)
	require.NoError(t, err)
	require.Len(t, logs, 4096/len("update"))
	require.Equal(t, uint64(1000+4), logs[len(logs)-1].Index)

	// A larger log_memory_limit keeps more.
	big, err := r.CreateCanister(WithLogMemoryLimit(1 << 20))
	require.NoError(t, err)
	require.NoError(t, r.Install(big, wat(t, logCanister), nil))
	for range 1000 {
		reply(t)(r.Update(big, "u", nil))
	}
	require.Len(t, logMessages(t, r, big), 1001)
	reply(t)(r.Update(ManagementCanister, "update_settings", encodeMgmt(cvRecord(cvField("canister_id", cvPrincipal(big.Bytes())),
		cvField("settings", cvRecord(cvField("log_memory_limit", cvOpt(ptr(cvNat(60))))))), "update_settings_args")))
	reply(t)(r.Update(big, "u", nil))
	require.Len(t, logMessages(t, r, big), 10)
}

// memLimitCanister grows its memory by 2 pages in an update, a query and
// the export given by %s (a canister_* system method).
const memLimitCanister = `(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (memory (export "memory") 1)
  (func $grow (result i32) (memory.grow (i32.const 2)))
  (func $grow_reply (i32.store (i32.const 0) (call $grow)) (call $append (i32.const 0) (i32.const 4)) (call $reply))
  (func (export "canister_update grow") (call $grow_reply))
  (func (export "canister_query qgrow") (call $grow_reply))
  (func (export "%s") (if (i32.lt_u (memory.size) (i32.const 8)) (then (drop (call $grow))))))`

// TestWasmMemoryLimitByContext: growing past wasm_memory_limit traps in
// updates, canister_init and canister_post_upgrade (IC0539, rolled back),
// and is allowed in queries, heartbeats and canister_pre_upgrade.
func TestWasmMemoryLimitByContext(t *testing.T) {
	r := newReplica(t)
	limit := WithWasmMemoryLimit(2 * wasmPageSize)
	mod := func(export string) []byte { return wat(t, fmt.Sprintf(memLimitCanister, export)) }
	memory := func(id CanisterID) uint64 {
		info, err := r.Status(id)
		require.NoError(t, err)
		return info.MemorySize
	}

	id, err := r.CreateCanister(limit)
	require.NoError(t, err)
	require.NoError(t, r.Install(id, mod("canister_pre_upgrade"), nil))
	before := memory(id)
	res, err := r.Update(id, "grow", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterWasmMemoryLimitExceeded, "above the canister's wasm_memory_limit of 131072 bytes")
	require.Equal(t, before, memory(id), "the trap rolls the growth back")
	require.Equal(t, []byte{1, 0, 0, 0}, reply(t)(r.Query(id, "qgrow", nil)), "queries ignore the limit")
	require.NoError(t, r.Upgrade(id, mod("canister_pre_upgrade"), nil), "pre_upgrade ignores the limit")

	for _, export := range []string{"canister_init", "canister_post_upgrade"} {
		id, err := r.CreateCanister(limit)
		require.NoError(t, err)
		if export == "canister_init" {
			err = r.Install(id, mod(export), nil)
		} else {
			require.NoError(t, r.Install(id, mod("canister_heartbeat"), nil))
			err = r.Upgrade(id, mod(export), nil)
		}
		var rej *Reject
		require.ErrorAs(t, err, &rej, export)
		require.Equal(t, ErrCodeCanisterWasmMemoryLimitExceeded, rej.ErrorCode, export)
	}

	hb, err := r.CreateCanister(limit)
	require.NoError(t, err)
	require.NoError(t, r.Install(hb, mod("canister_heartbeat"), nil))
	before = memory(hb)
	require.NoError(t, r.Tick())
	require.Equal(t, before+2*wasmPageSize, memory(hb), "heartbeats ignore the limit")

	// 0 is no limit.
	free, err := r.CreateCanister(WithWasmMemoryLimit(0))
	require.NoError(t, err)
	require.NoError(t, r.Install(free, mod("canister_pre_upgrade"), nil))
	require.Equal(t, []byte{1, 0, 0, 0}, reply(t)(r.Update(free, "grow", nil)))
}

// stableWriter's update "w" grows stable memory to 64 pages once and
// writes size bytes at off, for each (off, size) i64 pair of its argument.
const stableWriter = `(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "stable64_size" (func $size (result i64)))
  (import "ic0" "stable64_grow" (func $grow (param i64) (result i64)))
  (import "ic0" "stable64_write" (func $write (param i64 i64 i64)))
  (memory (export "memory") 40)
  (func (export "canister_update w") (local $p i32) (local $end i32)
    (if (i64.eqz (call $size)) (then (drop (call $grow (i64.const 64)))))
    (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
    (local.set $end (call $arg_size))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (call $write (i64.load (local.get $p)) (i64.const 65536) (i64.load (i32.add (local.get $p) (i32.const 8))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $next)))
    (call $reply)))`

func writes(pairs ...uint64) []byte {
	var b []byte
	for _, v := range pairs {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

// TestStableWriteLimit: an update that dirties more stable memory than the
// per-message limit traps (IC0524) and rolls back; pages written twice
// count once; the limit is per message.
func TestStableWriteLimit(t *testing.T) {
	r := newReplica(t)
	const limit = 1 << 20
	r.stableLimits[0] = limit
	id := installWat(t, r, stableWriter)
	reply(t)(r.Update(id, "w", writes(0, limit)))
	reply(t)(r.Update(id, "w", writes(0, limit)))                                 // the limit is per message
	reply(t)(r.Update(id, "w", writes(0, limit/2, 0, limit/2, limit/2, limit/2))) // a page written twice counts once
	for _, arg := range [][]byte{writes(0, limit+64<<10), writes(0, limit/2, 1<<21, limit/2+4096)} {
		res, err := r.Update(id, "w", arg)
		reject(t, res, err, CanisterError, ErrCodeCanisterMemoryAccessLimitExceeded, "above the limit of 1048576 per message")
	}
	require.Equal(t, uint64(2<<30), uint64(maxStableAccessMessage))
}

// stableReader reads the (offset, size) pairs of its argument from stable
// memory (64 pages, grown at install) into its heap.
const stableReader = `(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "stable64_grow" (func $grow (param i64) (result i64)))
  (import "ic0" "stable64_read" (func $read (param i64 i64 i64)))
  (memory (export "memory") 40)
  (func (export "canister_init") (drop (call $grow (i64.const 64))))
  (func $r (local $p i32) (local $end i32)
    (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
    (local.set $end (call $arg_size))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (call $read (i64.const 65536) (i64.load (local.get $p)) (i64.load (i32.add (local.get $p) (i32.const 8))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $next)))
    (call $reply))
  (export "canister_update r" (func $r))
  (export "canister_query q" (func $r)))`

// TestStableReadLimit: reading more stable memory than the limit (per
// message; per query, lower) traps (IC0524); pages read twice count once.
func TestStableReadLimit(t *testing.T) {
	r := newReplica(t)
	const limit = 1 << 20
	r.stableLimits[0], r.stableLimits[2] = limit, limit/2
	id := installWat(t, r, stableReader)
	reply(t)(r.Update(id, "r", writes(0, limit)))
	reply(t)(r.Update(id, "r", writes(0, limit)))                                 // the limit is per message
	reply(t)(r.Update(id, "r", writes(0, limit/2, 0, limit/2, limit/2, limit/2))) // a page read twice counts once
	reply(t)(r.Query(id, "q", writes(100, limit/2-4096)))                         // pages 0 to 127: exactly the query limit
	for _, c := range []struct {
		method string
		arg    []byte
		scope  string
	}{
		{"r", writes(0, limit+1), "1048576 per message"},
		{"r", writes(0, limit/2, 1<<21, limit/2+1), "1048576 per message"},
		{"q", writes(0, limit/2+1), "524288 per query"},
	} {
		var res *Result
		var err error
		if c.method == "q" {
			res, err = r.Query(id, c.method, c.arg)
		} else {
			res, err = r.Update(id, c.method, c.arg)
		}
		rej := reject(t, res, err, CanisterError, ErrCodeCanisterMemoryAccessLimitExceeded, c.scope)
		require.Contains(t, rej.Message, "ic0.stable64_read: the execution would read")
	}
	require.Equal(t, uint64(1<<30), uint64(maxStableAccessQuery))
}

// BenchmarkBrTableCompile measures wazero's compile time for one br_table
// of n targets, the cost validateModule bounds (maxBrTableCost):
//
//	go test ./replica -run ^$ -bench BrTableCompile -benchtime 1x
func BenchmarkBrTableCompile(b *testing.B) {
	for _, n := range []int{1_000, 8_000, maxBrTableTargetsAlone} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			mod := brTableModule(n)
			for range b.N {
				rt := wazero.NewRuntime(context.Background())
				if _, err := rt.CompileModule(context.Background(), mod); err != nil {
					b.Fatal(err)
				}
				rt.Close(context.Background())
			}
		})
	}
}
