package replica

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// callSpec is the argument of callerCanister's "call" method.
type callSpec struct {
	cycles  uint64
	timeout int64 // seconds; < 0: guaranteed response
	flags   uint32
	callee  []byte
	method  string
	payload []byte
}

const (
	flagTrapAfterPerform = 1
	flagReplyTraps       = 2
	flagCleanup          = 4
	flagSecondCall       = 8
	flagWrongType        = 16
	flagOutOfRange       = 32
	flagEarlyReply       = 64
)

func (s callSpec) arg() []byte {
	b := binary.LittleEndian.AppendUint64(nil, s.cycles)
	t := uint32(0xffffffff)
	if s.timeout >= 0 {
		t = uint32(s.timeout)
	}
	b = binary.LittleEndian.AppendUint32(b, t)
	b = binary.LittleEndian.AppendUint32(b, s.flags)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s.callee)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s.method)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s.payload)))
	b = append(b, 0, 0, 0, 0)
	b = append(b, s.callee...)
	b = append(b, s.method...)
	return append(b, s.payload...)
}

// callOutcome is what callerCanister's callbacks reply.
type callOutcome struct {
	rejected bool
	refunded uint64
	data     []byte // reply data
	code     RejectCode
	msg      string
}

func parseOutcome(t *testing.T, b []byte) callOutcome {
	t.Helper()
	require.GreaterOrEqual(t, len(b), 9, "callback reply %q", b)
	o := callOutcome{refunded: binary.LittleEndian.Uint64(b[1:9])}
	switch b[0] {
	case 'R':
		o.data = b[9:]
	case 'J':
		o.rejected = true
		o.code = RejectCode(binary.LittleEndian.Uint32(b[9:13]))
		o.msg = string(b[13:])
	default:
		t.Fatalf("callback reply %q", b)
	}
	return o
}

// callPair returns a replica with callerCanister and calleeCanister.
func callPair(t *testing.T, opts ...Option) (r *Replica, caller, callee CanisterID) {
	t.Helper()
	r = newReplica(t, opts...)
	caller = installWat(t, r, callerCanister)
	callee = installWat(t, r, calleeCanister)
	return r, caller, callee
}

func installWat(t testing.TB, r *Replica, src string, opts ...CanisterOption) CanisterID {
	t.Helper()
	id, err := r.CreateCanister(opts...)
	require.NoError(t, err)
	require.NoError(t, r.Install(id, wat(t, src), nil))
	return id
}

func logText(t testing.TB, r *Replica, id CanisterID) string {
	t.Helper()
	logs, err := r.Logs(id)
	require.NoError(t, err)
	var b strings.Builder
	for _, l := range logs {
		b.WriteString(l.Message + "\n")
	}
	return b.String()
}

func TestCallReplyCallback(t *testing.T) {
	r, caller, callee := callPair(t)
	res, err := r.Update(caller, "call", callSpec{timeout: -1, callee: callee.Bytes(), method: "echo", payload: []byte("hello")}.arg())
	o := parseOutcome(t, replyOf(t, res, err))
	require.False(t, o.rejected)
	require.Equal(t, "hello", string(o.data))
	require.Contains(t, logText(t, r, callee), "hello")

	// The callee sees the calling canister as its caller (a query called
	// by a canister runs in replicated mode).
	res, err = r.Update(caller, "call", callSpec{timeout: -1, callee: callee.Bytes(), method: "caller"}.arg())
	o = parseOutcome(t, replyOf(t, res, err))
	require.Equal(t, caller.Bytes(), o.data)
}

func TestCallRejectCodes(t *testing.T) {
	r, caller, callee := callPair(t)
	missing := canisterIDFromIndex(firstCanisterIndex + 1000)
	for _, tc := range []struct {
		name     string
		callee   []byte
		method   string
		code     RejectCode
		contains string
	}{
		{"missing canister", missing.Bytes(), "echo", DestinationInvalid, "not found"},
		{"reject", callee.Bytes(), "reject", CanisterReject, "nope"},
		{"trap", callee.Bytes(), "trap", CanisterError, "callee boom"},
		{"no reply", callee.Bytes(), "noreply", CanisterError, "did not reply"},
		{"no method", callee.Bytes(), "absent", CanisterError, "has no update method"},
		{"management unknown", nil, "no_such_method", DestinationInvalid, "no_such_method"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := r.Update(caller, "call", callSpec{timeout: -1, callee: tc.callee, method: tc.method}.arg())
			o := parseOutcome(t, replyOf(t, res, err))
			require.True(t, o.rejected)
			require.Equal(t, tc.code, o.code)
			require.Contains(t, o.msg, tc.contains)
		})
	}
}

func TestStarvationKeepsState(t *testing.T) {
	r, _, callee := callPair(t)
	res, err := r.Update(callee, "noreply", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterDidNotReply, "did not reply")
	require.Equal(t, []uint64{1}, u64s(reply(t)(r.Query(callee, "count", nil))))
}

func TestCallbackTrapRunsCleanup(t *testing.T) {
	r, caller, callee := callPair(t)
	for _, tc := range []struct {
		flags    uint32
		cleanups uint64
	}{{flagReplyTraps, 0}, {flagReplyTraps | flagCleanup, 1}} {
		res, err := r.Update(caller, "call", callSpec{timeout: -1, flags: tc.flags, callee: callee.Bytes(), method: "echo"}.arg())
		reject(t, res, err, CanisterError, ErrCodeCanisterCalledTrap, "reply callback trapped")
		require.Equal(t, []uint64{tc.cleanups}, u64s(reply(t)(r.Query(caller, "cleanups", nil))), "flags %d", tc.flags)
	}
	require.Contains(t, logText(t, r, caller), "cleanup ran")
}

func TestCallbackTableChecks(t *testing.T) {
	r, caller, callee := callPair(t)
	for _, tc := range []struct {
		flags    uint32
		contains string
	}{{flagWrongType, "indirect call type mismatch"}, {flagOutOfRange, "invalid table access"}} {
		res, err := r.Update(caller, "call", callSpec{timeout: -1, flags: tc.flags, callee: callee.Bytes(), method: "echo"}.arg())
		reject(t, res, err, CanisterError, ErrCodeCanisterTrapped, tc.contains)
	}
}

func TestCallCyclesAcceptAndRefund(t *testing.T) {
	r, caller, callee := callPair(t)
	before, _ := r.CyclesBalance(caller)
	calleeBefore, _ := r.CyclesBalance(callee)
	res, err := r.Update(caller, "call", callSpec{cycles: 1_000_000, timeout: -1, callee: callee.Bytes(), method: "accept", payload: le64(400_000)}.arg())
	o := parseOutcome(t, replyOf(t, res, err))
	require.False(t, o.rejected)
	require.Equal(t, uint64(600_000), o.refunded)
	require.Equal(t, []uint64{1_000_000, 0, 400_000, 0}, u64s(o.data)) // available before, accepted (u128s)
	after, _ := r.CyclesBalance(caller)
	calleeAfter, _ := r.CyclesBalance(callee)
	require.Equal(t, before-400_000, after)
	require.Equal(t, calleeBefore+400_000, calleeAfter)

	// A reject refunds everything.
	res, err = r.Update(caller, "call", callSpec{cycles: 5_000, timeout: -1, callee: callee.Bytes(), method: "reject"}.arg())
	o = parseOutcome(t, replyOf(t, res, err))
	require.True(t, o.rejected)
	require.Equal(t, uint64(5_000), o.refunded)
	final, _ := r.CyclesBalance(caller)
	require.Equal(t, after, final)
}

func TestCallDiscardedWhenCallerTraps(t *testing.T) {
	r, caller, callee := callPair(t)
	before, _ := r.CyclesBalance(caller)
	res, err := r.Update(caller, "call", callSpec{cycles: 7_000, timeout: -1, flags: flagTrapAfterPerform, callee: callee.Bytes(), method: "echo", payload: []byte("never sent")}.arg())
	reject(t, res, err, CanisterError, ErrCodeCanisterCalledTrap, "caller trapped")
	require.NotContains(t, logText(t, r, callee), "never sent")
	after, _ := r.CyclesBalance(caller)
	require.Equal(t, before, after, "cycles attached to a discarded call")
	require.NoError(t, r.TickN(3))
	require.NotContains(t, logText(t, r, callee), "never sent")
}

func TestCallOrderAndEarlyReply(t *testing.T) {
	r, caller, callee := callPair(t)
	res, err := r.Update(caller, "call", callSpec{timeout: -1, flags: flagSecondCall, callee: callee.Bytes(), method: "echo", payload: []byte("first")}.arg())
	o := parseOutcome(t, replyOf(t, res, err))
	require.Equal(t, "first", string(o.data))
	logs := logText(t, r, callee)
	require.Less(t, strings.Index(logs, "first"), strings.Index(logs, "second"), "calls delivered out of call_perform order:\n%s", logs)
	require.Contains(t, logText(t, r, caller), "second done")

	// The method replies while its call is outstanding: the ingress gets
	// the reply; the callback still runs later.
	res, err = r.Update(caller, "call", callSpec{timeout: -1, flags: flagEarlyReply, callee: callee.Bytes(), method: "echo", payload: []byte("after early")}.arg())
	require.Equal(t, "early", string(replyOf(t, res, err)))
	require.NoError(t, r.Tick())
	require.Contains(t, logText(t, r, callee), "after early")
}

func TestBoundedWaitTimeout(t *testing.T) {
	r, caller, callee := callPair(t)
	// The callee answers only after raw_rand, in a later round; the
	// caller gives up after 1 s.
	mid, err := r.SubmitUpdate(caller, "call", callSpec{timeout: 1, callee: callee.Bytes(), method: "rand"}.arg())
	require.NoError(t, err)
	require.NoError(t, r.Tick())
	_, done, err := r.IngressStatus(mid)
	require.NoError(t, err)
	require.False(t, done)
	require.NoError(t, r.AdvanceTime(2*time.Second))
	res, err := r.AwaitUpdate(mid)
	o := parseOutcome(t, replyOf(t, res, err))
	require.True(t, o.rejected)
	require.Equal(t, SysUnknown, o.code)
	require.Contains(t, o.msg, "timed out")

	// Without the delay the same call gets its reply.
	res, err = r.Update(caller, "call", callSpec{timeout: 10, callee: callee.Bytes(), method: "rand"}.arg())
	o = parseOutcome(t, replyOf(t, res, err))
	require.False(t, o.rejected)

	// msg_deadline is the call time plus the timeout; 0 for guaranteed responses.
	now := uint64(r.Time().UnixNano())
	res, err = r.Update(caller, "call", callSpec{timeout: 10, callee: callee.Bytes(), method: "deadline"}.arg())
	o = parseOutcome(t, replyOf(t, res, err))
	d := u64s(o.data)[0]
	require.True(t, d >= now+10e9 && d < now+11e9, "deadline %d, now %d", d, now)
	res, err = r.Update(caller, "call", callSpec{timeout: -1, callee: callee.Bytes(), method: "deadline"}.arg())
	o = parseOutcome(t, replyOf(t, res, err))
	require.Equal(t, []uint64{0}, u64s(o.data))
}

func TestUpdatePending(t *testing.T) {
	r := newReplica(t, WithMaxRounds(1))
	callee := installWat(t, r, calleeCanister)
	_, err := r.Update(callee, "rand", nil) // raw_rand answers in the next round
	require.True(t, errors.Is(err, ErrPending), "err = %v", err)
}

func TestGlobalTimer(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	r := newReplica(t, WithTime(start))
	id := installWat(t, r, timerCanister)
	state := func() []uint64 { return u64s(reply(t)(r.Query(id, "state", nil))) }

	due := uint64(start.Add(10 * time.Second).UnixNano())
	arg := append(le64(due), le64(uint64(5*time.Second))...) // re-arm every 5 s
	reply(t)(r.Update(id, "arm", arg))
	require.NoError(t, r.Tick())
	require.Equal(t, uint64(0), state()[0], "fired before its time")

	require.NoError(t, r.AdvanceTime(10*time.Second))
	require.NoError(t, r.Tick())
	s := state()
	require.Equal(t, uint64(1), s[0])
	require.GreaterOrEqual(t, s[1], due)
	require.Equal(t, uint64(0), s[3], "the timer was not disarmed before the handler ran")
	require.Equal(t, uint64(1), s[5], "the timer's call to itself")
	require.Equal(t, uint64(1), s[6], "the timer's callback")

	require.NoError(t, r.Tick())
	require.Equal(t, uint64(1), state()[0], "re-armed for 5 s later, fired early")
	require.NoError(t, r.AdvanceTime(5*time.Second))
	require.NoError(t, r.Tick())
	require.Equal(t, uint64(2), state()[0])
}

func TestHeartbeatEachRound(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, timerCanister)
	before := u64s(reply(t)(r.Query(id, "state", nil)))[4]
	require.NoError(t, r.TickN(5))
	require.Equal(t, before+5, u64s(reply(t)(r.Query(id, "state", nil)))[4])
}

func TestCompositeQueryCalls(t *testing.T) {
	r, caller, callee := callPair(t)
	res, err := r.Query(caller, "cq_call", callSpec{timeout: -1, callee: callee.Bytes(), method: "q", payload: []byte("hi")}.arg())
	o := parseOutcome(t, replyOf(t, res, err))
	require.False(t, o.rejected)
	require.Equal(t, "query:hi", string(o.data))

	for _, tc := range []struct {
		name, method string
		callee       []byte
		code         RejectCode
		contains     string
	}{
		{"update method", "echo", callee.Bytes(), CanisterError, "cannot call update method"},
		{"raw_rand", "raw_rand", nil, CanisterReject, "raw_rand"},
		{"missing", "q", canisterIDFromIndex(firstCanisterIndex + 99).Bytes(), DestinationInvalid, "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := r.Query(caller, "cq_call", callSpec{timeout: -1, callee: tc.callee, method: tc.method}.arg())
			o := parseOutcome(t, replyOf(t, res, err))
			require.True(t, o.rejected)
			require.Equal(t, tc.code, o.code)
			require.Contains(t, o.msg, tc.contains)
		})
	}
	// A composite query cannot be called as an update, even by a canister.
	res, err = r.Update(caller, "call", callSpec{timeout: -1, callee: caller.Bytes(), method: "cq_call"}.arg())
	o = parseOutcome(t, replyOf(t, res, err))
	require.True(t, o.rejected)
	require.Contains(t, o.msg, "replicated mode")
}

func TestRawRand(t *testing.T) {
	draw := func(seed uint64, n int) [][]byte {
		r := newReplica(t, WithRandSeed(seed))
		id := installWat(t, r, calleeCanister)
		var out [][]byte
		for range n {
			mid, err := r.SubmitUpdate(id, "rand", nil)
			require.NoError(t, err)
			require.NoError(t, r.Tick())
			_, done, _ := r.IngressStatus(mid)
			require.False(t, done, "raw_rand answered in the round of the call")
			res, err := r.AwaitUpdate(mid)
			b := replyOf(t, res, err)
			require.Len(t, b, 10+32) // DIDL, one type (vec nat8), one argument, length 32
			out = append(out, b[len(b)-32:])
		}
		return out
	}
	a := draw(7, 3)
	require.NotEqual(t, a[0], a[1])
	require.Equal(t, a, draw(7, 3), "same seed, different bytes")
	require.NotEqual(t, a, draw(8, 3))

	// Queries cannot call it.
	r := newReplica(t)
	id := installWat(t, r, calleeCanister)
	res, err := r.Query(id, "rand_query", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterContractViolation, "not allowed in context NRQ")
	// Nor can users.
	res, err = r.Update(ManagementCanister, "raw_rand", []byte("DIDL\x00\x00"))
	require.NoError(t, err)
	require.NotNil(t, res.Reject)
	require.Contains(t, res.Reject.Message, "only be called by canisters")
}

func TestCompositeQueryDepth(t *testing.T) {
	r, caller, callee := callPair(t)
	// chain(n): cq_call on the caller at depth 1 calls itself down to
	// depth n-1, whose call reaches the callee's query at depth n.
	var spec func(d, n int) callSpec
	spec = func(d, n int) callSpec {
		if d+1 == n {
			return callSpec{timeout: -1, callee: callee.Bytes(), method: "q", payload: []byte("deep")}
		}
		return callSpec{timeout: -1, callee: caller.Bytes(), method: "cq_call", payload: spec(d+1, n).arg()}
	}
	b := reply(t)(r.Query(caller, "cq_call", spec(1, maxQueryDepth).arg()))
	require.Contains(t, string(b), "query:deep")
	b = reply(t)(r.Query(caller, "cq_call", spec(1, maxQueryDepth+1).arg()))
	require.Contains(t, string(b), "maximum depth")
}

func TestWallClock(t *testing.T) {
	past := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	r := newReplica(t, WithTime(past), WithWallClock())
	require.NoError(t, r.Tick())
	require.WithinDuration(t, time.Now(), r.Time(), time.Minute)
	require.NoError(t, r.AdvanceTime(time.Hour))
	require.NoError(t, r.Tick())
	require.True(t, r.Time().After(time.Now().Add(59*time.Minute)), "the wall clock moved time backwards")
}
