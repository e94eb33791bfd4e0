package replica

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	bls "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/icgo/icgo/principal"
	"github.com/stretchr/testify/require"
)

func newReplica(t testing.TB, opts ...Option) *Replica {
	t.Helper()
	r, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// installed returns a replica with testCanister installed (init arg "hello").
func installed(t testing.TB, opts ...Option) (*Replica, CanisterID) {
	t.Helper()
	r := newReplica(t, opts...)
	id, err := r.CreateCanister()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Install(id, wat(t, testCanister), []byte("hello")); err != nil {
		t.Fatal(err)
	}
	return r, id
}

// reply returns a function that checks for a reply and returns it:
// reply(t)(r.Update(...)).
func reply(t testing.TB) func(*Result, error) []byte {
	return func(res *Result, err error) []byte {
		t.Helper()
		return replyOf(t, res, err)
	}
}

func replyOf(t testing.TB, res *Result, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if res.Reject != nil {
		t.Fatalf("unexpected reject: %v", res.Reject)
	}
	if res.Reply == nil {
		t.Fatal("reply is nil")
	}
	return res.Reply
}

func reject(t testing.TB, res *Result, err error, code RejectCode, errCode, contains string) *Reject {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if res.Reject == nil {
		t.Fatalf("got reply %x, want reject %d", res.Reply, code)
	}
	if res.Reply != nil {
		t.Fatalf("result has both reply and reject")
	}
	rj := res.Reject
	if rj.Code != code || rj.ErrorCode != errCode || !strings.Contains(rj.Message, contains) {
		t.Fatalf("got reject %v; want code %d, %s, message containing %q", rj, code, errCode, contains)
	}
	return rj
}

func u64s(b []byte) []uint64 {
	var out []uint64
	for i := 0; i+8 <= len(b); i += 8 {
		out = append(out, binary.LittleEndian.Uint64(b[i:]))
	}
	return out
}

func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// state reads testCanister's (global, heap, stable) counters.
func state(t testing.TB, r *Replica, id CanisterID) [3]uint64 {
	t.Helper()
	v := u64s(reply(t)(r.Query(id, "read", nil)))
	return [3]uint64{v[0], v[1], v[2]}
}

func TestCanisterIDs(t *testing.T) {
	r := newReplica(t)
	a, _ := r.CreateCanister()
	b, _ := r.CreateCanister()
	if a.String() != "lxzze-o7777-77777-aaaaa-cai" {
		t.Errorf("first id %s, want lxzze-o7777-77777-aaaaa-cai", a)
	}
	if a == b || len(b.Bytes()) != 10 {
		t.Errorf("second id %s (% x)", b, b.Bytes())
	}
	p, err := ParseCanisterID(b.String())
	if err != nil || p != b {
		t.Errorf("ParseCanisterID(%s) = %v, %v", b, p, err)
	}
	if _, err := ParseCanisterID("lxzze-o7777-77777-aaaaa-caj"); err == nil {
		t.Error("bad checksum accepted")
	}
	if AnonymousPrincipal.String() != "2vxsx-fae" || principalText(nil) != "aaaaa-aa" {
		t.Error("principal text of anonymous / management canister")
	}
}

func TestInstallInitArgAndUpdateThenQuery(t *testing.T) {
	r, id := installed(t)
	if got := reply(t)(r.Query(id, "get_arg", nil)); string(got) != "hello" {
		t.Fatalf("init arg: %q", got)
	}
	if got := state(t, r, id); got != [3]uint64{0, 0, 0} {
		t.Fatalf("initial state %v", got)
	}
	reply(t)(r.Update(id, "inc", nil))
	reply(t)(r.Update(id, "inc", nil))
	if got := state(t, r, id); got != [3]uint64{2, 2, 2} {
		t.Fatalf("after two updates: %v, want global, heap and stable counters at 2", got)
	}
	// The same query export called as an update runs replicated (RQ).
	if got := u64s(reply(t)(r.Update(id, "replicated", nil))); got[0] != 1 {
		t.Errorf("in_replicated_execution as update = %d", got[0])
	}
	if got := u64s(reply(t)(r.Query(id, "replicated", nil))); got[0] != 0 {
		t.Errorf("in_replicated_execution as query = %d", got[0])
	}
}

func TestQueryChangesDiscarded(t *testing.T) {
	r, id := installed(t)
	reply(t)(r.Update(id, "inc", nil))
	got := u64s(reply(t)(r.Query(id, "inc_query", nil)))
	if got[0] != 2 || got[1] != 2 || got[2] != 2 {
		t.Fatalf("inside the query: %v", got)
	}
	if s := state(t, r, id); s != [3]uint64{1, 1, 1} {
		t.Fatalf("after a query: %v, want its changes discarded", s)
	}
	// A replicated query (a query export called as an update) discards too.
	reply(t)(r.Update(id, "inc_query", nil))
	if s := state(t, r, id); s != [3]uint64{1, 1, 1} {
		t.Fatalf("after a replicated query: %v", s)
	}
	// A query that grows memory: the instance is replaced, memory.size is back.
	reply(t)(r.Query(id, "inc_grow_query", nil))
	if got := binary.LittleEndian.Uint32(reply(t)(r.Query(id, "memsize", nil))); got != 1 {
		t.Fatalf("memory.size after a growing query = %d pages, want 1", got)
	}
	if s := state(t, r, id); s != [3]uint64{1, 1, 1} {
		t.Fatalf("after a growing query: %v", s)
	}
}

func TestTrapRollsBackEverything(t *testing.T) {
	r, id := installed(t)
	reply(t)(r.Update(id, "inc", nil))
	for _, tc := range []struct{ method, errCode, msg string }{
		{"inc_trap", ErrCodeCanisterTrapped, "canister trapped: unreachable"},
		{"inc_ic0_trap", ErrCodeCanisterCalledTrap, "canister trapped: boom"},
		{"inc_grow_trap", ErrCodeCanisterTrapped, "canister trapped: unreachable"},
		{"reply_then_trap", ErrCodeCanisterTrapped, "canister trapped: unreachable"},
	} {
		res, err := r.Update(id, tc.method, nil)
		reject(t, res, err, CanisterError, tc.errCode, tc.msg)
		if s := state(t, r, id); s != [3]uint64{1, 1, 1} {
			t.Fatalf("%s: state %v; want global, heap and stable memory rolled back to 1", tc.method, s)
		}
	}
	if got := binary.LittleEndian.Uint32(reply(t)(r.Query(id, "memsize", nil))); got != 1 {
		t.Fatalf("memory.size after a trap that grew memory = %d, want 1", got)
	}
	// The canister keeps working after traps.
	reply(t)(r.Update(id, "inc", nil))
	if s := state(t, r, id); s != [3]uint64{2, 2, 2} {
		t.Fatalf("after traps and one update: %v", s)
	}
}

func TestTrapRollsBackTimerCertifiedDataCycles(t *testing.T) {
	r, id := installed(t)
	if prev := u64s(reply(t)(r.Update(id, "set_timer", le64(100)))); prev[0] != 0 {
		t.Fatalf("first global_timer_set returned %d", prev[0])
	}
	res, err := r.Update(id, "set_timer_trap", le64(200))
	reject(t, res, err, CanisterError, ErrCodeCanisterTrapped, "unreachable")
	if prev := u64s(reply(t)(r.Update(id, "set_timer", le64(300)))); prev[0] != 100 {
		t.Fatalf("global_timer_set after a trapped one returned %d, want 100", prev[0])
	}

	reply(t)(r.Update(id, "set_cert", []byte("abc")))
	res, err = r.Update(id, "set_cert_trap", []byte("xyz"))
	reject(t, res, err, CanisterError, ErrCodeCanisterTrapped, "unreachable")
	if got := string(r.canisters[id].certifiedData); got != "abc" {
		t.Fatalf("certified data %q, want abc", got)
	}
	res, err = r.Update(id, "set_cert", bytes.Repeat([]byte{1}, 33))
	reject(t, res, err, CanisterError, ErrCodeCanisterContractViolation, "33 bytes exceed the maximum of 32")

	before, _ := r.CyclesBalance(id)
	if got := u64s(reply(t)(r.Update(id, "burn", le64(1000)))); got[0] != 1000 || got[1] != 0 {
		t.Fatalf("burned %v", got)
	}
	res, err = r.Update(id, "burn_trap", le64(5000))
	reject(t, res, err, CanisterError, ErrCodeCanisterTrapped, "unreachable")
	if after, _ := r.CyclesBalance(id); after != before-1000 {
		t.Fatalf("balance %d, want %d", after, before-1000)
	}
	if got := u64s(reply(t)(r.Query(id, "balance", nil))); got[0] != before-1000 {
		t.Fatalf("canister_cycle_balance128 = %v", got)
	}
}

func TestWasmTraps(t *testing.T) {
	r, id := installed(t, WithExecutionTimeout(5*time.Second))
	for _, tc := range []struct{ method, msg string }{
		{"div0", "integer divide by zero"},
		{"recurse", "stack overflow"},
		{"mem_oob", "ic0.msg_reply_data_append: memory range [65530, 65540) is out of bounds"},
		{"stable_oob", "ic0.stable64_read: range [131072, 131080) is out of bounds of stable memory (0 bytes)"},
	} {
		res, err := r.Update(id, tc.method, nil)
		reject(t, res, err, CanisterError, ErrCodeCanisterTrapped, tc.msg)
	}
}

func TestReplySemantics(t *testing.T) {
	r, id := installed(t)
	res, err := r.Update(id, "reply_twice", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterContractViolation, "ic0.msg_reply: the call has already been replied to or rejected")

	// No reply: CANISTER_ERROR, and the state changes are kept (spec "Inter-canister method calls").
	res, err = r.Update(id, "inc_no_reply", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterDidNotReply, "did not reply")
	if s := state(t, r, id); s != [3]uint64{1, 1, 1} {
		t.Fatalf("state after a method without reply: %v, want it kept", s)
	}

	// msg_reject: CANISTER_REJECT with the canister's text; state kept.
	res, err = r.Update(id, "reject", nil)
	if rj := reject(t, res, err, CanisterReject, ErrCodeCanisterRejectedMessage, "nope"); rj.Message != "nope" {
		t.Fatalf("reject message %q", rj.Message)
	}
	if s := state(t, r, id); s != [3]uint64{2, 2, 2} {
		t.Fatalf("state after msg_reject: %v", s)
	}

	// Query without reply.
	res, err = r.Query(id, "query_timer", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterContractViolation, "not allowed in context NRQ")
}

func TestReplySizeLimits(t *testing.T) {
	r, id := installed(t)
	// 40 blocks of 64 KiB = 2.5 MiB: too big replicated, fine as a query.
	if got := reply(t)(r.Query(id, "big_reply", le64(40))); len(got) != 40<<16 {
		t.Fatalf("reply of %d bytes", len(got))
	}
	res, err := r.Update(id, "big_reply", le64(40))
	reject(t, res, err, CanisterError, ErrCodeCanisterTrapped, "exceed the maximum size of 2097152 bytes")
	res, err = r.Query(id, "big_reply", le64(49))
	reject(t, res, err, CanisterError, ErrCodeCanisterTrapped, "exceed the maximum size of 3145728 bytes")
}

func TestMethodNotFoundAndKinds(t *testing.T) {
	r, id := installed(t)
	res, err := r.Update(id, "nosuch", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterMethodNotFound, "has no update method 'nosuch'")
	res, err = r.Query(id, "inc", nil) // an update is not a query
	reject(t, res, err, CanisterError, ErrCodeCanisterMethodNotFound, "has no query method 'inc'")
	res, err = r.Update(id, "cq", nil)
	reject(t, res, err, CanisterError, ErrCodeCompositeQueryReplicated, "cannot be called in replicated mode")
	if got := reply(t)(r.Query(id, "cq", nil)); string(got) != "init" {
		t.Fatalf("composite query replied %q", got)
	}
	ms, err := r.Methods(id)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]MethodKind{}
	for _, m := range ms {
		kinds[m.Name] = m.Kind
	}
	if kinds["inc"] != MethodUpdate || kinds["read"] != MethodQuery || kinds["cq"] != MethodCompositeQuery || len(ms) < 30 {
		t.Fatalf("methods %v", ms)
	}

	empty, _ := r.CreateCanister()
	res, err = r.Update(empty, "inc", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterWasmModuleNotFound, "contains no Wasm module")
	if _, err := r.Update(CanisterID{"nope"}, "inc", nil); !errors.Is(err, ErrCanisterNotFound) {
		t.Fatalf("unknown canister: %v", err)
	}
}

func TestContextViolations(t *testing.T) {
	r, id := installed(t)
	res, err := r.Update(id, "arg_oob", []byte("abc"))
	reject(t, res, err, CanisterError, ErrCodeCanisterTrapped, "ic0.msg_arg_data_copy: range [0, 4) is out of bounds of the argument (3 bytes)")
	res, err = r.Update(id, "call", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterDidNotReply, "did not reply") // call_new without call_perform: nothing is sent

	// msg_reply in canister_init: the install fails and the canister stays empty.
	bad := `(module
	  (import "ic0" "msg_reply" (func $reply))
	  (func (export "canister_init") (call $reply))
	  (func (export "canister_query q") (call $reply)))`
	c, _ := r.CreateCanister()
	err = r.Install(c, wat(t, bad), nil)
	var rj *Reject
	if !errors.As(err, &rj) || rj.Code != CanisterError || rj.ErrorCode != ErrCodeCanisterContractViolation ||
		rj.Message != "canister trapped: ic0.msg_reply called from canister_init: not allowed in context I" {
		t.Fatalf("install: %v", err)
	}
	res, err = r.Query(c, "q", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterWasmModuleNotFound, "no Wasm module")

	// The (start) function runs in context s: stable memory is fine, msg_* is not.
	start := `(module
	  (import "ic0" "stable64_grow" (func $grow (param i64) (result i64)))
	  (import "ic0" "msg_arg_data_size" (func $size (result i32)))
	  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
	  (import "ic0" "msg_reply" (func $reply))
	  (memory 1)
	  (global $g (mut i32) (i32.const 0))
	  (func $start (global.set $g (i32.const 42)) (drop (call $grow (i64.const 1))))
	  (start $start)
	  (func (export "canister_query g") (i32.store (i32.const 0) (global.get $g)) (call $append (i32.const 0) (i32.const 4)) (call $reply)))`
	c, _ = r.CreateCanister()
	if err := r.Install(c, wat(t, start), nil); err != nil {
		t.Fatal(err)
	}
	if got := reply(t)(r.Query(c, "g", nil)); binary.LittleEndian.Uint32(got) != 42 {
		t.Fatalf("global set by (start) = %d", binary.LittleEndian.Uint32(got))
	}
	badStart := strings.Replace(start, "(drop (call $grow (i64.const 1)))", "(drop (call $size))", 1)
	c, _ = r.CreateCanister()
	err = r.Install(c, wat(t, badStart), nil)
	if !errors.As(err, &rj) || !strings.Contains(rj.Message, "ic0.msg_arg_data_size called from the (start) function: not allowed in context s") {
		t.Fatalf("install with msg_arg_data_size in (start): %v", err)
	}
}

func TestTimeConstantWithinAndIncreasingBetween(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	r, id := installed(t, WithTime(start)) // the install is execution 0
	t1 := u64s(reply(t)(r.Update(id, "time2", nil)))
	if t1[0] != t1[1] {
		t.Fatalf("time changed within a message: %v", t1)
	}
	if t1[0] != uint64(start.UnixNano())+1 {
		t.Fatalf("time %d, want start+1ns", t1[0])
	}
	t2 := u64s(reply(t)(r.Update(id, "time2", nil)))
	if t2[0] <= t1[0] {
		t.Fatalf("time did not increase: %d then %d", t1[0], t2[0])
	}
	if err := r.AdvanceTime(time.Hour); err != nil {
		t.Fatal(err)
	}
	t3 := u64s(reply(t)(r.Update(id, "time2", nil)))
	if t3[0] < t2[0]+uint64(time.Hour) {
		t.Fatalf("AdvanceTime: %d then %d", t2[0], t3[0])
	}
	if err := r.SetTime(start); err == nil {
		t.Fatal("SetTime backwards succeeded")
	}
}

func TestRunawayLoopStopped(t *testing.T) {
	r, id := installed(t, WithInstructionLimits(InstructionLimits{Update: 50_000_000}))
	reply(t)(r.Update(id, "inc", nil))
	begin := time.Now()
	res, err := r.Update(id, "loop", nil)
	reject(t, res, err, CanisterError, ErrCodeInstructionLimitExceeded, "instruction limit exceeded: ")
	require.Contains(t, res.Reject.Message, "instructions (limit for update: 50000000)")
	if d := time.Since(begin); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
	if s := state(t, r, id); s != [3]uint64{1, 1, 1} {
		t.Fatalf("state after the timeout: %v", s)
	}
	reply(t)(r.Update(id, "inc", nil))
}

func TestWasmMemoryLimit(t *testing.T) {
	r := newReplica(t)
	grow := func(id CanisterID, pages uint32) (*Result, error) {
		return r.Update(id, "grow", binary.LittleEndian.AppendUint32(nil, pages))
	}
	small, _ := r.CreateCanister(WithWasmMemoryLimit(3 * wasmPageSize))
	if err := r.Install(small, wat(t, testCanister), nil); err != nil {
		t.Fatal(err)
	}
	if got := reply(t)(grow(small, 2)); binary.LittleEndian.Uint32(got) != 1 {
		t.Fatalf("grow to the limit returned %d", got)
	}
	res, err := grow(small, 1)
	reject(t, res, err, CanisterError, ErrCodeCanisterWasmMemoryLimitExceeded, "wasm_memory_limit")
	if _, err := r.CreateCanister(WithWasmMemoryLimit(MaxWasmMemory + 1)); err == nil {
		t.Fatal("a wasm_memory_limit above 4 GiB was accepted")
	}
	// A module whose initial memory exceeds the limit is refused.
	tiny, _ := r.CreateCanister(WithWasmMemoryLimit(wasmPageSize))
	err = r.Install(tiny, wat(t, strings.Replace(testCanister, `(memory (export "memory") 1)`, `(memory (export "memory") 2)`, 1)), nil)
	var rj *Reject
	if !errors.As(err, &rj) || rj.ErrorCode != ErrCodeCanisterWasmMemoryLimitExceeded || !strings.Contains(rj.Message, "wasm_memory_limit of 65536 bytes") {
		t.Fatalf("install over the limit: %v", err)
	}
}

func TestInstallGzipAndBadModules(t *testing.T) {
	r := newReplica(t)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(wat(t, testCanister))
	zw.Close()
	id, _ := r.CreateCanister()
	if err := r.Install(id, buf.Bytes(), []byte("zipped")); err != nil {
		t.Fatal(err)
	}
	if got := reply(t)(r.Query(id, "get_arg", nil)); string(got) != "zipped" {
		t.Fatalf("got %q", got)
	}
	var rj *Reject
	if err := r.Install(id, wat(t, testCanister), nil); !errors.As(err, &rj) || rj.ErrorCode != ErrCodeCanisterAlreadyInstalled {
		t.Fatalf("second install: %v", err)
	}
	for _, tc := range []struct {
		name string
		mod  []byte
		msg  string
	}{
		{"text", []byte("hello world"), "neither a wasm module"},
		{"bad gzip", []byte{0x1f, 0x8b, 0x08, 0, 1, 2, 3}, "gzip:"},
		{"gzip of text", gzipped([]byte("not wasm")), "does not contain a wasm module"},
		{"truncated wasm", wat(t, testCanister)[:100], "wasm:"},
		{"foreign import", wat(t, `(module (import "env" "f" (func)))`), "invalid canister module"},
		{"wrong ic0 signature", wat(t, `(module (import "ic0" "msg_reply" (func (param i32))))`), "invalid canister module"},
	} {
		c, _ := r.CreateCanister()
		err := r.Install(c, tc.mod, nil)
		if !errors.As(err, &rj) || rj.Code != CanisterError || rj.ErrorCode != "IC0505" || !strings.Contains(rj.Message, tc.msg) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestReinstall(t *testing.T) {
	r, id := installed(t)
	reply(t)(r.Update(id, "inc", nil))
	if err := r.Reinstall(id, wat(t, testCanister), []byte("again")); err != nil {
		t.Fatal(err)
	}
	if s := state(t, r, id); s != [3]uint64{0, 0, 0} {
		t.Fatalf("state after reinstall: %v", s)
	}
	reply(t)(r.Update(id, "inc", nil))
	// A reinstall whose init traps keeps the old code and state.
	trapping := strings.Replace(testCanister, `(call $print (i32.const 256) (i32.const 4)))`, `(call $print (i32.const 256) (i32.const 4)) unreachable)`, 1)
	if err := r.Reinstall(id, wat(t, trapping), nil); err == nil {
		t.Fatal("trapping reinstall succeeded")
	}
	if s := state(t, r, id); s != [3]uint64{1, 1, 1} {
		t.Fatalf("state after a failed reinstall: %v", s)
	}
}

func TestLogs(t *testing.T) {
	var out bytes.Buffer
	start := time.Unix(1_900_000_000, 0)
	r, id := installed(t, WithLogOutput(&out), WithTime(start))
	r.Update(id, "inc_ic0_trap", nil)
	reply(t)(r.Update(id, "debug_oob", nil)) // debug_print never traps
	logs, err := r.Logs(id)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"init", "[TRAP]: boom", "(debug message out of memory bounds)"}
	if len(logs) != len(want) {
		t.Fatalf("logs %v", logs)
	}
	for i, l := range logs {
		if l.Message != want[i] || l.Index != uint64(i) || !l.Time.Equal(start.Add(time.Duration(i))) {
			t.Errorf("log %d = %+v, want %q at %v", i, l, want[i], start.Add(time.Duration(i)))
		}
	}
	wantOut := "[lxzze-o7777-77777-aaaaa-cai] init\n[lxzze-o7777-77777-aaaaa-cai] [TRAP]: boom\n[lxzze-o7777-77777-aaaaa-cai] (debug message out of memory bounds)\n"
	if out.String() != wantOut {
		t.Errorf("log output:\n%s\nwant:\n%s", out.String(), wantOut)
	}
}

func TestCallerAndSelf(t *testing.T) {
	r, id := installed(t)
	if got := reply(t)(r.Query(id, "caller", nil)); !bytes.Equal(got, AnonymousPrincipal.Bytes()) {
		t.Errorf("default caller % x", got)
	}
	alice := []byte{1, 2, 3}
	if got := reply(t)(r.Query(id, "caller", nil, WithCaller(principal.FromBytes(alice)))); !bytes.Equal(got, alice) {
		t.Errorf("caller % x", got)
	}
	if got := reply(t)(r.Query(id, "self", nil)); !bytes.Equal(got, id.Bytes()) {
		t.Errorf("self % x", got)
	}
}

func TestCanisterVersion(t *testing.T) {
	r, id := installed(t)
	v0 := u64s(reply(t)(r.Query(id, "version", nil)))[0]
	reply(t)(r.Update(id, "inc", nil))
	r.Update(id, "inc_trap", nil)
	reply(t)(r.Query(id, "read", nil))
	if v := u64s(reply(t)(r.Query(id, "version", nil)))[0]; v != v0+1 {
		t.Fatalf("version %d after one update, a trap and a query; want %d", v, v0+1)
	}
}

func TestInspectMessage(t *testing.T) {
	src := `(module
	  (import "ic0" "msg_method_name_size" (func $name_size (result i32)))
	  (import "ic0" "accept_message" (func $accept))
	  (import "ic0" "msg_reply" (func $reply))
	  (func (export "canister_inspect_message")
	    (if (i32.eq (call $name_size) (i32.const 2)) (then (call $accept))))
	  (func (export "canister_update ok") (call $reply))
	  (func (export "canister_update nope") (call $reply)))`
	r := newReplica(t)
	id, _ := r.CreateCanister()
	if err := r.Install(id, wat(t, src), nil); err != nil {
		t.Fatal(err)
	}
	reply(t)(r.Update(id, "ok", nil))
	res, err := r.Update(id, "nope", nil)
	reject(t, res, err, CanisterReject, ErrCodeCanisterRejectedMessage, "did not call ic0.accept_message")
}

func TestImportedMemoryAndGlobals(t *testing.T) {
	r := newReplica(t)
	// env.memory and env.table (the only memory and table imports the IC
	// accepts) become the canister's own.
	src := `(module
	  (import "env" "memory" (memory 1))
	  (import "env" "table" (table 1 funcref))
	  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
	  (import "ic0" "msg_reply" (func $reply))
	  (data (i32.const 0) "ok")
	  (func (export "canister_query q") (call $append (i32.const 0) (i32.const 2)) (call $reply)))`
	id, _ := r.CreateCanister()
	if err := r.Install(id, wat(t, src), nil); err != nil {
		t.Fatal(err)
	}
	if got := reply(t)(r.Query(id, "q", nil)); string(got) != "ok" {
		t.Fatalf("got %q", got)
	}
	id, _ = r.CreateCanister()
	err := r.Install(id, wat(t, `(module (import "env" "g" (global i32)))`), nil)
	if err == nil || !strings.Contains(err.Error(), "global imports are not allowed on the IC") {
		t.Fatalf("global import: %v", err)
	}
	err = r.Install(id, wat(t, `(module (func (export "__icgo_x")))`), nil)
	if err == nil || !strings.Contains(err.Error(), "reserves") {
		t.Fatalf("reserved export: %v", err)
	}
}

func TestClassifyHostPanic(t *testing.T) {
	r := newReplica(t)
	e := &execution{r: r}
	got := e.classify(errors.New("runtime error: index out of range [3] with length 2 (recovered by wazero)\nwasm stack trace:\n\tic0.x()"))
	if got.desc != "internal error in the icgo replica: runtime error: index out of range [3] with length 2" {
		t.Fatalf("got %q", got.desc)
	}
}

func TestRootKeyAndPayloadLimit(t *testing.T) {
	r, id := installed(t)
	r.mu.Lock()
	key := r.rootKeyBytes()
	r.mu.Unlock()
	if len(key) != 133 || !bytes.Equal(key[:37], derPrefixBLS) {
		t.Fatalf("root key % x", key)
	}
	var pk bls.G2Affine
	if _, err := pk.SetBytes(key[37:]); err != nil {
		t.Fatalf("root key is not a BLS12-381 G2 point: %v", err)
	}
	if _, err := r.Update(id, "inc", make([]byte, 2<<20+1)); err == nil {
		t.Fatal("an argument over 2 MiB was accepted")
	}
}
