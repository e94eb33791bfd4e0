package replica

import (
	"context"
	"fmt"

	"github.com/icgo/icgo/replica/internal/instrument"
	"github.com/tetratelabs/wazero/api"
)

// Instruction metering (spec "Performance counter"; spec "Unspecified constants and limits").
//
// Every module is instrumented (replica/internal/instrument, metering.go)
// with a counter global that holds the instructions left in the current
// execution; the replica sets it to the message's remaining budget before
// each entry point runs and reads it back afterwards. Basic blocks charge
// their instruction count on entry; function entries and loop headers
// check the counter and call __icgo.out_of_instructions when it is below
// zero, which traps with
//
//	instruction limit exceeded: <n> instructions (limit for <kind>: <limit>)
//
// (IC0522, CANISTER_ERROR). A trap rolls the state back like any other.
// System API calls charge a fixed overhead and, where the IC does, a cost
// per byte (systemAPICost). The wall-clock guard (WithExecutionTimeout) is
// an opt-in backstop against a bug in the replica or a host call that
// blocks; it is off by default because it slows Wasm down many times over.

// Instruction limits per message, application subnet (spec "Unspecified constants and limits",
// DFINITY's replica: / ).
const (
	DefaultUpdateInstructionLimit         = 40_000_000_000  // update, heartbeat, global timer, callbacks
	DefaultQueryInstructionLimit          = 5_000_000_000   // query, composite query (per method)
	DefaultInstallInstructionLimit        = 300_000_000_000 // install, reinstall, upgrade: (start)+init, pre+(start)+post
	DefaultInspectMessageInstructionLimit = 200_000_000     // canister_inspect_message
)

// InstructionLimits are the per-execution instruction limits. A zero field
// means its default.
type InstructionLimits struct {
	Update         uint64 // contexts U, Ry, Rt, C, T (DefaultUpdateInstructionLimit)
	Query          uint64 // RQ, NRQ, TQ, CQ and its callbacks (DefaultQueryInstructionLimit)
	Install        uint64 // s, I, G: one budget for a whole install or upgrade (DefaultInstallInstructionLimit)
	InspectMessage uint64 // F (DefaultInspectMessageInstructionLimit)
}

func (l InstructionLimits) withDefaults() InstructionLimits {
	def := func(v *uint64, d uint64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.Update, DefaultUpdateInstructionLimit)
	def(&l.Query, DefaultQueryInstructionLimit)
	def(&l.Install, DefaultInstallInstructionLimit)
	def(&l.InspectMessage, DefaultInspectMessageInstructionLimit)
	return l
}

// limitFor returns the limit of an execution in context ctx and the name of
// its kind for messages.
func (l InstructionLimits) limitFor(ctx execContext) (uint64, string) {
	switch ctx {
	case ctxI, ctxG, ctxS:
		return l.Install, "install_code"
	case ctxRQ, ctxNRQ, ctxTQ, ctxCQ, ctxCRy, ctxCRt, ctxCC:
		return l.Query, "query"
	case ctxF:
		return l.InspectMessage, "inspect_message"
	case ctxT:
		return l.Update, "system task"
	case ctxRy, ctxRt, ctxC:
		return l.Update, "response callback"
	}
	return l.Update, "update"
}

// meterConfig is the replica-wide metering setup.
type meterConfig struct {
	limits  InstructionLimits
	off     bool // no instrumentation (benchmarks of the overhead only)
	profile bool // WithProfiling (profile.go)
}

// WithInstructionLimits sets the instruction limits per execution (default
// the application subnet's, spec "Unspecified constants and limits"). Tests use small limits to check
// that a canister fails cleanly when it runs out.
func WithInstructionLimits(l InstructionLimits) Option {
	return func(c *config) { c.meter.limits = l }
}

// withoutMetering turns instrumentation off (Result.Instructions is 0, and
// nothing bounds an execution but the wall-clock backstop). Only the
// metering overhead benchmark uses it.
func withoutMetering() Option { return func(c *config) { c.meter.off = true } }

// meterState is an execution's instruction accounting. An execution may run
// several entry points ((start) then canister_init; pre_upgrade, (start),
// post_upgrade) under one budget.
type meterState struct {
	limit   uint64 // set with kind by the first run from the context, unless set before
	kind    string // "" until limit is set
	used    uint64 // instructions of the runs that finished
	budget  int64  // counter value at the start of the current run
	counter api.MutableGlobal
	// callContextBefore is what ic0.performance_counter(1) adds to this
	// execution's count: the instructions of the earlier executions of the
	// same call context. The call-context code sets it before running a
	// callback (and adds e.instructionsUsed() into the context afterwards).
	callContextBefore uint64
	prof              *profileRun // with WithProfiling (profile.go)
}

// instructionsUsed returns the instructions this execution has used so far
// (performance_counter(0); Result.Instructions once it is done). Call
// contexts add it up across their executions (performance_counter(1)).
func (e *execution) instructionsUsed() uint64 {
	ms := &e.meter
	if ms.counter == nil {
		return ms.used
	}
	left := int64(ms.counter.Get())
	return ms.used + uint64(ms.budget-left)
}

// meterBegin arms the counter before an entry point runs in e.inst.
func (e *execution) meterBegin() {
	ms := &e.meter
	if ms.kind == "" { // not set by the caller (a composite query's executions are)
		ms.limit, ms.kind = e.r.meter.limits.limitFor(e.ctx)
	}
	g, _ := e.inst.ExportedGlobal(instrument.CounterExport).(api.MutableGlobal)
	ms.counter = g
	if g == nil { // not metered
		return
	}
	ms.budget = 0
	if ms.used < ms.limit {
		ms.budget = int64(min(ms.limit-ms.used, 1<<62))
	}
	g.Set(uint64(ms.budget))
	e.profileBegin()
}

// meterEnd adds the finished run's instructions to the execution.
func (e *execution) meterEnd() {
	ms := &e.meter
	if ms.counter == nil {
		return
	}
	e.profileEnd()
	ms.used = e.instructionsUsed()
	ms.counter = nil
	e.c.lastInstructions = ms.used
}

// charge takes n instructions for a System API call; past the limit, the
// execution traps at once.
func (e *execution) charge(n uint64) {
	ms := &e.meter
	if ms.counter == nil || n == 0 {
		return
	}
	left := int64(ms.counter.Get())
	if left < 0 || n > uint64(left) {
		ms.counter.Set(uint64(left - int64(min(n, 1<<62))))
		e.outOfInstructions()
	}
	ms.counter.Set(uint64(left - int64(n)))
}

func (e *execution) outOfInstructions() {
	e.raise(ErrCodeInstructionLimitExceeded, fmt.Sprintf("instruction limit exceeded: %d instructions (limit for %s: %d)",
		e.instructionsUsed(), e.meter.kind, e.meter.limit))
}

// performanceCounter implements ic0.performance_counter: 0 is this
// execution, 1 the whole call context.
func (e *execution) performanceCounter(kind uint32) uint64 {
	n := e.instructionsUsed()
	if kind == 1 {
		n += e.meter.callContextBefore
	}
	return n
}

// instantiateMeter registers the __icgo host module that instrumented
// modules import: out_of_instructions (metering) and the dirty-page
// reports (heap.go).
func (r *Replica) instantiateMeter(ctx context.Context) error {
	heapOf := func(m api.Module, fn string) *heap {
		if m == r.reporter.inst { // the common case: the same instance again
			return r.reporter.h
		}
		h := r.heapOf(m)
		if h == nil {
			panic(fmt.Errorf("%s.%s called by an instance the replica does not know", instrument.MeterModule, fn))
		}
		r.reporter.inst, r.reporter.h = m, h
		return h
	}
	_, err := r.rt.NewHostModuleBuilder(instrument.MeterModule).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
			e := executionFrom(ctx)
			if e == nil {
				panic(fmt.Errorf("%s.%s called outside of an execution", instrument.MeterModule, instrument.OutOfInstructionsFunc))
			}
			e.outOfInstructions()
		}), nil, nil).
		Export(instrument.OutOfInstructionsFunc).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
			heapOf(m, instrument.DirtyChunkFunc).report(uint32(stack[0]))
			stack[0] = 1 // any non-null externref
		}), []api.ValueType{api.ValueTypeI32}, []api.ValueType{api.ValueTypeExternref}).
		Export(instrument.DirtyChunkFunc).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
			heapOf(m, instrument.DirtyRangeFunc).reportRange(uint64(uint32(stack[0])), uint64(uint32(stack[1])))
		}), []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, nil).
		Export(instrument.DirtyRangeFunc).
		Instantiate(ctx)
	return err
}

// apiCost is what one System API call costs in instructions: a fixed
// overhead plus perByte times its size argument (argument sizeArg).
type apiCost struct {
	fixed   uint64
	perByte uint64
	sizeArg int  // -1: none
	size64  bool // the size is an i64 (stable64_*); otherwise an i32, whose upper stack bits are undefined
	stable  bool
	// maxSize, if not 0, caps the size charged for: debug_print and trap
	// charge only for the bytes they keep (at most maxTrapMessageBytes),
	// not for the size the canister claims, so that a bad range never
	// runs the execution out of instructions (debug_print never traps,
	// spec "Overview of imports").
	maxSize uint64
}

// byteTransmissionCost is the cost per byte of a reply, reject or call
// argument (spec "Performance counter", BYTE_TRANSMISSION_COST_FACTOR).
const byteTransmissionCost = 50

// dirtyPageCost is charged for each 4 KiB stable memory page an execution
// writes for the first time (spec "Performance counter", DEFAULT_DIRTY_PAGE_OVERHEAD).
const dirtyPageCost = 1000

// defaultAPIOverhead is the fixed cost of a System API call the IC's
// system_api_complexity table does not list.
const defaultAPIOverhead = 20

// systemAPICost returns the cost of ic0.<name> (spec "Performance counter"; the fixed
// overheads are those of dfinity/ic system_api_complexity::overhead). Copy
// functions charge 1 instruction per byte copied.
func systemAPICost(name string) apiCost {
	c := apiCost{fixed: defaultAPIOverhead, sizeArg: -1}
	switch name {
	case "debug_print":
		c.fixed = 100
	case "performance_counter":
		c.fixed = 200
	case "call_new", "call_perform":
		c.fixed = 0
	}
	switch name {
	case "msg_reply_data_append", "msg_reject", "call_data_append":
		c.perByte, c.sizeArg = byteTransmissionCost, 1
	case "debug_print", "trap":
		c.perByte, c.sizeArg = 2+byteTransmissionCost, 1 // 2 x allocated + 50 x transmitted
		c.maxSize = maxTrapMessageBytes
	case "stable64_write":
		c.perByte, c.sizeArg, c.size64, c.stable = 1, 2, true, true
	case "stable_write":
		c.perByte, c.sizeArg, c.stable = 1, 2, true
	case "stable64_read":
		c.perByte, c.sizeArg, c.size64 = 1, 2, true
	case "stable_read":
		c.perByte, c.sizeArg = 1, 2
	case "env_var_name_copy":
		c.perByte, c.sizeArg = 1, 3
	case "env_var_value_copy":
		c.perByte, c.sizeArg = 1, 4
	default:
		if len(name) > 5 && name[len(name)-5:] == "_copy" { // X_copy(dst, offset, size)
			c.perByte, c.sizeArg = 1, 2
		}
	}
	return c
}

// chargeAPI charges a System API call before it runs; stack holds its
// arguments. It returns the stable memory's dirty page count for
// chargeDirtyPages, after the call, when the call writes stable memory.
func (e *execution) chargeAPI(c *apiCost, stack []uint64) int {
	if e.meter.counter == nil {
		return 0
	}
	n := c.fixed
	if c.sizeArg >= 0 && c.sizeArg < len(stack) {
		size := stack[c.sizeArg]
		if !c.size64 {
			size = uint64(uint32(size))
		}
		if c.maxSize != 0 && size > c.maxSize {
			size = c.maxSize
		}
		if size > (1<<62)/c.perByte {
			size = (1 << 62) / c.perByte
		}
		n += size * c.perByte
	}
	e.charge(n)
	if c.stable {
		return e.stable.DirtyChunks()
	}
	return 0
}

// chargeDirtyPages charges the stable memory pages a call dirtied.
func (e *execution) chargeDirtyPages(before int) {
	if e.meter.counter != nil {
		e.charge(uint64(e.stable.DirtyChunks()-before) * dirtyPageCost)
	}
}
