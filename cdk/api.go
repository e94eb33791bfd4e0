package cdk

import (
	"time"
	"unsafe"

	"github.com/icgo/icgo/cdk/ic0"
	"github.com/icgo/icgo/principal"
)

// ArgData returns the argument of the current message: the raw Candid bytes
// of a method call, or the install/upgrade argument in Init and PostUpgrade.
// Spec: ic0.msg_arg_data_size/copy.
func ArgData() []byte {
	n := ic0.MsgArgDataSize()
	b := make([]byte, n)
	if n > 0 {
		ic0.MsgArgDataCopy(unsafe.Pointer(&b[0]), 0, n)
	}
	return b
}

// Caller returns the principal that sent the current message: a user, a
// canister, or the management canister for system tasks. Spec:
// ic0.msg_caller_size/copy.
func Caller() principal.Principal {
	n := ic0.MsgCallerSize()
	b := make([]byte, n)
	if n > 0 {
		ic0.MsgCallerCopy(unsafe.Pointer(&b[0]), 0, n)
	}
	return principal.FromBytes(b)
}

// Self returns this canister's id. Spec: ic0.canister_self_size/copy.
func Self() principal.Principal {
	n := ic0.CanisterSelfSize()
	b := make([]byte, n)
	if n > 0 {
		ic0.CanisterSelfCopy(unsafe.Pointer(&b[0]), 0, n)
	}
	return principal.FromBytes(b)
}

// Time returns the IC's block time: constant during one message, never
// decreasing between messages. Spec: ic0.time. The standard library's
// time.Now returns the same value inside a canister.
func Time() time.Time { return time.Unix(0, ic0.Time()) }

// Print appends msg to the canister log. It never traps. Spec:
// ic0.debug_print. fmt.Println and package log reach the log too, a line
// at a time.
func Print(msg string) {
	if msg == "" {
		return
	}
	ic0.DebugPrint(unsafe.Pointer(unsafe.StringData(msg)), uint32(len(msg)))
}

// Trap aborts the current message with msg: the IC rolls back everything
// the message did and rejects the call with msg (CANISTER_ERROR). It does
// not return. Spec: ic0.trap.
func Trap(msg string) {
	flushStdout()
	if msg == "" {
		msg = "trap"
	}
	ic0.Trap(unsafe.Pointer(unsafe.StringData(msg)), uint32(len(msg)))
	panic("unreachable: ic0.trap returned")
}

// MethodName returns the name of the method being inspected; only valid in
// an InspectMessage handler. Spec: ic0.msg_method_name_size/copy.
func MethodName() string {
	n := ic0.MsgMethodNameSize()
	b := make([]byte, n)
	if n > 0 {
		ic0.MsgMethodNameCopy(unsafe.Pointer(&b[0]), 0, n)
	}
	return string(b)
}

// InReplicatedExecution reports whether the current message runs on every
// node of the subnet (updates, replicated queries) rather than on one
// (query calls). Spec: ic0.in_replicated_execution.
func InReplicatedExecution() bool { return ic0.InReplicatedExecution() == 1 }

// CanisterVersion returns the canister's version counter. Spec:
// ic0.canister_version.
func CanisterVersion() uint64 { return uint64(ic0.CanisterVersion()) }

// InstructionCounter returns the instructions executed so far in the
// current message. Spec: ic0.performance_counter(0).
func InstructionCounter() uint64 { return uint64(ic0.PerformanceCounter(0)) }

// CallContextInstructionCounter returns the instructions executed so far in
// the whole call context, across awaits. Spec: ic0.performance_counter(1).
func CallContextInstructionCounter() uint64 { return uint64(ic0.PerformanceCounter(1)) }

// IsController reports whether p controls this canister. Spec:
// ic0.is_controller.
func IsController(p principal.Principal) bool {
	b := p.Bytes()
	var ptr unsafe.Pointer
	if len(b) > 0 {
		ptr = unsafe.Pointer(&b[0])
	}
	return ic0.IsController(ptr, uint32(len(b))) == 1
}

// SetCertifiedData sets the data (at most 32 bytes) that the IC certifies
// for this canister; queries can return it with a certificate. Spec:
// ic0.certified_data_set.
func SetCertifiedData(data []byte) {
	var ptr unsafe.Pointer
	if len(data) > 0 {
		ptr = unsafe.Pointer(&data[0])
	}
	ic0.CertifiedDataSet(ptr, uint32(len(data)))
}

// DataCertificate returns the IC's certificate of this canister's
// certified data (SetCertifiedData), which a query can return to its
// caller to verify against the IC's root key. It exists only in a query
// called as a query (not as an update, and not in a composite query's
// callbacks); elsewhere ok is false. Spec: ic0.data_certificate_present,
// ic0.data_certificate_copy ("Certified data").
func DataCertificate() (cert []byte, ok bool) {
	if ic0.DataCertificatePresent() != 1 {
		return nil, false
	}
	n := ic0.DataCertificateSize()
	cert = make([]byte, n)
	if n > 0 {
		ic0.DataCertificateCopy(unsafe.Pointer(&cert[0]), 0, n)
	}
	return cert, true
}

// reply sends b as the reply of the current call.
func reply(b []byte) {
	if len(b) > 0 {
		ic0.MsgReplyDataAppend(unsafe.Pointer(&b[0]), uint32(len(b)))
	}
	ic0.MsgReply()
}
