package replica

import (
	"fmt"
	"unicode/utf8"

	"github.com/tetratelabs/wazero/api"
)

// The ic0 functions of inter-canister calls and cycles (spec "Overview of imports"),
// wired into the host module by ic0.go.

func ic0CallNew(e *execution, m api.Module, s []uint64) {
	callee := e.read(m, "call_new", u32(s, 0), u32(s, 1))
	if len(callee) > maxPrincipalLen {
		e.contractViolation(fmt.Sprintf("ic0.call_new: a callee of %d bytes is not a valid principal", len(callee)))
	}
	name := e.read(m, "call_new", u32(s, 2), u32(s, 3))
	if !utf8.Valid(name) {
		e.contractViolation("ic0.call_new: the method name is not valid UTF-8")
	}
	e.dropBuilding() // a call already being built is discarded
	e.calls.building = &outCall{
		callee: append([]byte{}, callee...), method: string(name),
		replyFun: u32(s, 4), replyEnv: u32(s, 5), rejectFun: u32(s, 6), rejectEnv: u32(s, 7),
	}
}

func (e *execution) mustBuild(fn string) *outCall {
	if e.calls.building == nil {
		e.contractViolation(fmt.Sprintf("ic0.%s called when no call is being built (call ic0.call_new first)", fn))
	}
	return e.calls.building
}

func ic0CallOnCleanup(e *execution, m api.Module, s []uint64) {
	b := e.mustBuild("call_on_cleanup")
	if b.hasCleanup {
		e.contractViolation("ic0.call_on_cleanup called twice for the same call")
	}
	b.cleanupFun, b.cleanupEnv, b.hasCleanup = u32(s, 0), u32(s, 1), true
}

func ic0CallDataAppend(e *execution, m api.Module, s []uint64) {
	b := e.mustBuild("call_data_append")
	size := u32(s, 1)
	if uint64(len(b.arg))+uint64(size) > maxLocalCallPayload {
		e.contractViolation(fmt.Sprintf("ic0.call_data_append: the argument would exceed the maximum of %d bytes", maxLocalCallPayload))
	}
	b.arg = append(b.arg, e.read(m, "call_data_append", u32(s, 0), size)...)
}

func ic0CallWithBestEffortResponse(e *execution, m api.Module, s []uint64) {
	b := e.mustBuild("call_with_best_effort_response")
	if b.bestEffort {
		e.contractViolation("ic0.call_with_best_effort_response called twice for the same call")
	}
	b.bestEffort, b.timeoutSeconds = true, min(u32(s, 0), maxCallTimeoutSeconds)
}

func (e *execution) callCyclesAdd(fn string, amount u128) {
	b := e.mustBuild(fn)
	if e.cycles.less(amount) {
		e.contractViolation(fmt.Sprintf("ic0.%s: cannot attach %s cycles, the balance is %s", fn, amount, e.cycles))
	}
	e.cycles = e.cycles.sub(amount)
	b.cycles = addU128(b.cycles, amount)
}

func ic0CallCyclesAdd128(e *execution, m api.Module, s []uint64) {
	e.callCyclesAdd("call_cycles_add128", u128{hi: s[0], lo: s[1]})
}

func ic0CallCyclesAdd(e *execution, m api.Module, s []uint64) {
	e.callCyclesAdd("call_cycles_add", u128{lo: s[0]})
}

func ic0CallPerform(e *execution, m api.Module, s []uint64) {
	b := e.mustBuild("call_perform")
	e.calls.building = nil
	e.calls.performed = append(e.calls.performed, b)
	s[0] = 0
}

func ic0MsgRejectCode(e *execution, m api.Module, s []uint64) { s[0] = uint64(e.calls.rejectCode) }

func (e *execution) rejectMessage(fn string) []byte {
	if e.calls.rejectCode == 0 {
		e.contractViolation(fmt.Sprintf("ic0.%s: the response is a reply, not a reject", fn))
	}
	return []byte(e.calls.rejectMsg)
}

func ic0MsgRejectMsgSize(e *execution, m api.Module, s []uint64) {
	s[0] = uint64(len(e.rejectMessage("msg_reject_msg_size")))
}

func ic0MsgRejectMsgCopy(e *execution, m api.Module, s []uint64) {
	e.copyBlob(m, "msg_reject_msg_copy", "the reject message", e.rejectMessage("msg_reject_msg_copy"), u32(s, 0), u32(s, 1), u32(s, 2))
}

func ic0MsgDeadline(e *execution, m api.Module, s []uint64) { s[0] = e.calls.deadline }

func ic0MsgCyclesAvailable128(e *execution, m api.Module, s []uint64) {
	e.write(m, "msg_cycles_available128", u32(s, 0), e.calls.available.bytes())
}

func ic0MsgCyclesRefunded128(e *execution, m api.Module, s []uint64) {
	e.write(m, "msg_cycles_refunded128", u32(s, 0), e.calls.refunded.bytes())
}

func (e *execution) acceptCycles(max u128) u128 {
	amount := minU128(max, e.calls.available)
	e.calls.available = e.calls.available.sub(amount)
	e.calls.accepted = addU128(e.calls.accepted, amount)
	e.cycles = addU128(e.cycles, amount)
	return amount
}

func ic0MsgCyclesAccept128(e *execution, m api.Module, s []uint64) {
	dst := u32(s, 2)
	e.read(m, "msg_cycles_accept128", dst, 16) // check the range before moving anything
	e.write(m, "msg_cycles_accept128", dst, e.acceptCycles(u128{hi: s[0], lo: s[1]}).bytes())
}

// Legacy 64-bit forms (spec "Overview of imports").

func ic0MsgCyclesAvailable(e *execution, m api.Module, s []uint64) {
	if e.calls.available.hi != 0 {
		e.contractViolation("ic0.msg_cycles_available: the amount does not fit in 64 bits; use msg_cycles_available128")
	}
	s[0] = e.calls.available.lo
}

func ic0MsgCyclesRefunded(e *execution, m api.Module, s []uint64) {
	if e.calls.refunded.hi != 0 {
		e.contractViolation("ic0.msg_cycles_refunded: the amount does not fit in 64 bits; use msg_cycles_refunded128")
	}
	s[0] = e.calls.refunded.lo
}

func ic0MsgCyclesAccept(e *execution, m api.Module, s []uint64) {
	s[0] = e.acceptCycles(u128{lo: s[0]}).lo
}
