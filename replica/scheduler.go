package replica

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"sort"
	"time"
)

// The scheduler: rounds, message queues and system tasks.
//
// The replica runs in rounds, like one IC subnet. Tick runs one round:
//
//  1. If WithWallClock is set, the clock moves forward to the wall time.
//  2. Responses the management canister produced in an earlier round
//     (raw_rand, http_request) join the message queue, after any messages
//     left over from the previous round.
//  3. Bounded-wait calls whose deadline has passed (deadline ≤ the clock)
//     get a SYS_UNKNOWN reject response, queued.
//  4. System tasks, canister by canister in id order (which is creation
//     order): canister_heartbeat if the canister exports it, then
//     canister_global_timer if it exports it and its timer is armed and due
//     (timer ≤ the clock). The timer is disarmed before the handler runs.
//  5. The message queue is run in FIFO order: ingress messages in
//     submission order, requests between canisters in call_perform order,
//     and responses. Messages the executions produce join the end of the
//     queue and run in the same round, up to MaxExecutionsPerRound
//     executions; the rest wait for the next round.
//
// One FIFO queue gives the IC's ordering guarantees (requests between two
// canisters start in the order they were sent; calls from one execution go
// out in call_perform order) and a deterministic schedule. Each execution
// gets its own timestamp: the clock moves 1 ns per execution, so ic0.time
// is constant within an execution and strictly increasing between them.

// MessageID identifies a submitted ingress update (SubmitUpdate).
type MessageID uint64

// ErrPending is returned (wrapped) by Update and AwaitUpdate when the call
// has not completed within the round limit (WithMaxRounds).
var ErrPending = errors.New("replica: the call is still pending")

// Scheduling defaults.
const (
	// DefaultMaxRounds is how many rounds Update and AwaitUpdate run
	// before giving up with ErrPending.
	DefaultMaxRounds = 100
	// MaxExecutionsPerRound bounds the executions of one round's message
	// queue, so that canisters calling each other forever cannot stall a
	// round.
	MaxExecutionsPerRound = 10_000
)

type schedConfig struct {
	wallClock  bool
	maxRounds  int
	seeded     bool
	httpClient *http.Client
	allowHTTP  bool
}

// WithWallClock makes the replica's clock follow the wall time: at the
// start of each round it moves forward to time.Now() if that is later
// (it never moves backwards; AdvanceTime and SetTime still work).
func WithWallClock() Option { return func(c *config) { c.sched.wallClock = true } }

// WithMaxRounds sets how many rounds Update and AwaitUpdate run before
// returning ErrPending (default DefaultMaxRounds).
func WithMaxRounds(n int) Option { return func(c *config) { c.sched.maxRounds = n } }

type message struct {
	response bool

	// Requests.
	from     []byte // the sender: a canister id or a user principal
	to       CanisterID
	method   string
	arg      []byte
	cycles   u128
	deadline uint64
	ingress  *ingressMessage // ingress requests

	// Requests from canisters: the callback that gets the response.
	// Responses: the callback to run.
	cb *callback

	// Responses.
	reply  []byte
	reject *Reject
	refund u128
}

type ingressMessage struct {
	id     MessageID
	to     CanisterID
	method string
	done   bool
	result *Result
	sched  *scheduler // whose ingress history keeps it once done
}

func (im *ingressMessage) finish(reply []byte, rej *Reject) {
	if im.done {
		return
	}
	if rej == nil && reply == nil {
		reply = []byte{}
	}
	im.done, im.result = true, &Result{Reply: reply, Reject: rej}
	if im.sched != nil {
		im.sched.retireIngress(im.id)
	}
}

// ingressHistoryAge is how long, in replica time, the replica keeps the
// status of a finished ingress message for IngressStatus: the IC keeps a
// status until the message's ingress expiry, at most 5 minutes after
// submission (IC interface specification, "Request status" and
// "Authentication": ingress_expiry). AwaitUpdate forgets the message it
// returns at once; Update never needs the history (it holds its message).
const ingressHistoryAge = 5 * time.Minute

// finishedIngress is a finished message in the ingress history.
type finishedIngress struct {
	id MessageID
	at uint64 // replica time when it finished
}

// retireIngress records that ingress message id is done, and forgets the
// finished messages older than ingressHistoryAge.
func (s *scheduler) retireIngress(id MessageID) {
	now := *s.now
	s.ingressDone = append(s.ingressDone, finishedIngress{id, now})
	for len(s.ingressDone) > 0 && now-s.ingressDone[0].at > uint64(ingressHistoryAge) {
		delete(s.ingress, s.ingressDone[0].id)
		s.ingressDone[0] = finishedIngress{}
		s.ingressDone = s.ingressDone[1:]
	}
}

type scheduler struct {
	cfg       schedConfig
	round     uint64
	nextID    uint64
	queue     []*message
	later     []*message // responses for the next round
	callbacks map[uint64]*callback
	contexts  map[uint64]*callContext
	ingress   map[MessageID]*ingressMessage
	// ingressDone lists the finished messages still in ingress, oldest
	// first (retireIngress); it may hold ids AwaitUpdate already deleted.
	ingressDone []finishedIngress
	now         *uint64 // the replica's clock (Replica.now)
	rng         *mrand.ChaCha8
	mgmt        management
	// compiling are the management requests (install_code,
	// install_chunked_code) waiting for their module's compilation.
	compiling []deferredMessage
	// outcalls are the http_requests in flight (http.go); client makes
	// them (outcallClient).
	outcalls []*outcallJob
	client   *http.Client
}

// deferredMessage is a request that runs again once job is done.
type deferredMessage struct {
	m   *message
	job *compileJob
}

func (s *scheduler) init(cfg schedConfig, seed uint64, now *uint64) {
	s.now = now
	if cfg.maxRounds <= 0 {
		cfg.maxRounds = DefaultMaxRounds
	}
	s.cfg = cfg
	s.client = outcallClient(cfg.httpClient)
	s.callbacks = map[uint64]*callback{}
	s.contexts = map[uint64]*callContext{}
	s.ingress = map[MessageID]*ingressMessage{}
	var key [32]byte
	if cfg.seeded {
		key = sha256.Sum256(binary.BigEndian.AppendUint64([]byte("icgo replica random tape"), seed))
	} else {
		rand.Read(key[:])
	}
	s.rng = mrand.NewChaCha8(key)
	s.mgmt.init()
}

func (s *scheduler) next() uint64 {
	s.nextID++
	return s.nextID
}

func (s *scheduler) newContext(c *canister, origin callOrigin, caller []byte) *callContext {
	cc := &callContext{id: s.next(), c: c, origin: origin, caller: caller, needsResponse: origin != originSystem}
	s.contexts[cc.id] = cc
	return cc
}

func (s *scheduler) removeContext(cc *callContext) { delete(s.contexts, cc.id) }

// contextsOf returns the open call contexts of c, oldest first.
func (s *scheduler) contextsOf(c *canister) []*callContext {
	var out []*callContext
	for _, cc := range s.contexts {
		if cc.c == c && !cc.closed {
			out = append(out, cc)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// enqueueCall registers the callback of a performed call and queues the
// request.
func (s *scheduler) enqueueCall(c *canister, cc *callContext, oc *outCall, now uint64) {
	cb := &callback{
		id: s.next(), c: c, cc: cc,
		replyFun: oc.replyFun, replyEnv: oc.replyEnv, rejectFun: oc.rejectFun, rejectEnv: oc.rejectEnv,
		cleanupFun: oc.cleanupFun, cleanupEnv: oc.cleanupEnv, hasCleanup: oc.hasCleanup,
		cycles: oc.cycles, callee: CanisterID{string(oc.callee)}, method: oc.method,
	}
	if oc.bestEffort {
		cb.deadline = now + uint64(oc.timeoutSeconds)*uint64(time.Second)
	}
	s.callbacks[cb.id] = cb
	if cc != nil {
		cc.outstanding++
	}
	s.queue = append(s.queue, &message{
		from: []byte(c.id.raw), to: cb.callee, method: oc.method, arg: oc.arg,
		cycles: oc.cycles, deadline: cb.deadline, cb: cb,
	})
}

// enqueueResponse queues the response to a callback. Only the first
// response counts: a reply that arrives after a bounded-wait call timed
// out is dropped (with its refund: the spec lets best-effort calls lose
// cycles).
func (s *scheduler) enqueueResponse(cb *callback, reply []byte, rej *Reject, refund u128) {
	if cb == nil || cb.responseQueued {
		return
	}
	cb.responseQueued = true
	if rej == nil && reply == nil {
		reply = []byte{}
	}
	s.queue = append(s.queue, &message{response: true, cb: cb, reply: reply, reject: rej, refund: refund})
}

// respondLater queues a response for the next round (raw_rand, outcalls).
func (s *scheduler) respondLater(cb *callback, reply []byte, rej *Reject, refund u128) {
	s.later = append(s.later, &message{response: true, cb: cb, reply: reply, reject: rej, refund: refund})
}

// replyToRequest answers a request that did not open a call context
// (a reject before execution, or the management canister).
func (r *Replica) replyToRequest(m *message, reply []byte, rej *Reject, refund u128) {
	switch {
	case m.ingress != nil:
		m.ingress.finish(reply, rej)
	case m.cb != nil:
		r.sched.enqueueResponse(m.cb, reply, rej, refund)
	}
}

// Tick runs one round (see the package documentation on scheduling).
// An install request whose module is being compiled (without the
// replica's lock, module.go) waits for it and runs in the first round
// after the compilation is done.
//
// It first waits, without the lock, for the HTTPS outcalls in flight
// (http.go): their responses are delivered in this round.
func (r *Replica) Tick() error {
	r.waitOutcalls()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	return r.runRound()
}

// TickN runs n rounds.
func (r *Replica) TickN(n int) error {
	for range n {
		if err := r.Tick(); err != nil {
			return err
		}
	}
	return nil
}

func (r *Replica) runRound() error {
	s := &r.sched
	s.round++
	if s.cfg.wallClock {
		if w := time.Now().UnixNano(); w > 0 && uint64(w) > r.now {
			r.now = uint64(w)
		}
	}
	r.resumeCompiled()
	if err := r.finishOutcalls(); err != nil {
		return err
	}
	later := s.later
	s.later = nil
	for _, m := range later {
		s.enqueueResponse(m.cb, m.reply, m.reject, m.refund)
	}
	r.expireCalls()
	if err := r.systemTasks(); err != nil {
		return err
	}
	for n := 0; len(s.queue) > 0 && n < MaxExecutionsPerRound; n++ {
		m := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		var err error
		if m.response {
			err = r.deliverResponse(m)
		} else {
			err = r.deliverRequest(m)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// idleCompiling returns a compilation that deferred requests wait for,
// when nothing else is queued (await then waits for it rather than running
// empty rounds), or nil.
func (s *scheduler) idleCompiling() *compileJob {
	if len(s.compiling) == 0 || len(s.queue) > 0 || len(s.later) > 0 {
		return nil
	}
	for _, d := range s.compiling {
		select {
		case <-d.job.done: // ready: the next round runs it
			return nil
		default:
		}
	}
	return s.compiling[0].job
}

// resumeCompiled puts the requests whose module is now compiled back at
// the head of the queue, in their order.
func (r *Replica) resumeCompiled() {
	s := &r.sched
	var ready []*message
	waiting := s.compiling[:0]
	for _, d := range s.compiling {
		select {
		case <-d.job.done:
			ready = append(ready, d.m)
		default:
			waiting = append(waiting, d)
		}
	}
	s.compiling = waiting
	s.queue = append(ready, s.queue...)
}

// expireCalls answers bounded-wait calls past their deadline with
// SYS_UNKNOWN (spec "Inter-canister method calls"). A request that has not reached its callee
// yet is dropped and its cycles are refunded; otherwise they are lost.
func (r *Replica) expireCalls() {
	s := &r.sched
	var due []*callback
	for _, cb := range s.callbacks {
		if cb.deadline != 0 && !cb.responseQueued && cb.deadline <= r.now {
			due = append(due, cb)
		}
	}
	sort.Slice(due, func(i, j int) bool { return due[i].id < due[j].id })
	for _, cb := range due {
		var refund u128
		if !cb.delivered {
			refund = cb.cycles
		}
		s.enqueueResponse(cb, nil, &Reject{Code: SysUnknown, ErrorCode: ErrCodeCertifiedStateUnavailable,
			Message: fmt.Sprintf("the call to %s method %q timed out: its deadline %v has passed", principalText([]byte(cb.callee.raw)), cb.method, time.Unix(0, int64(cb.deadline)).UTC())}, refund)
	}
}

// sortedCanisters returns the canisters in id order.
func (r *Replica) sortedCanisters() []*canister {
	cs := make([]*canister, 0, len(r.canisters))
	for _, c := range r.canisters {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].id.raw < cs[j].id.raw })
	return cs
}

// systemTasks runs the low Wasm memory hook (lowmemory.go), heartbeats and
// due global timers (spec "Global timer"; spec "Heartbeat").
func (r *Replica) systemTasks() error {
	for _, c := range r.sortedCanisters() {
		if c.code == nil || !r.runsSystemTasks(c) {
			continue
		}
		if err := r.lowMemoryHook(c); err != nil {
			return err
		}
		if c.code != nil && c.code.exports["canister_heartbeat"] {
			if err := r.systemTask(c, "canister_heartbeat"); err != nil {
				return err
			}
		}
		if c.code != nil && c.code.exports["canister_global_timer"] && c.timer != 0 && c.timer <= r.now {
			c.timer = 0 // disarmed before it runs
			if err := r.systemTask(c, "canister_global_timer"); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Replica) systemTask(c *canister, export string) error {
	cc := r.sched.newContext(c, originSystem, nil) // the caller is the management canister (empty principal)
	e := r.newExecution(c, ctxT, export, nil, nil)
	e.calls = execCalls{cc: cc}
	trap, err := r.execute(c, e, true, export)
	if err != nil {
		return err
	}
	r.afterExecution(cc, trap)
	return nil
}
