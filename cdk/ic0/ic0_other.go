//go:build !wasip1

package ic0

import (
	"errors"
	"unsafe"
)

var _ unsafe.Pointer

var errHost = errors.New("ic0: the IC System API is only available inside a canister (build with icgo build, run on the icgo replica or the IC)")

// MsgArgDataSize is ic0.msg_arg_data_size. Outside a canister it panics.
func MsgArgDataSize() uint32 {
	panic(errHost)
}

// MsgArgDataCopy is ic0.msg_arg_data_copy. Outside a canister it panics.
func MsgArgDataCopy(dst unsafe.Pointer, offset uint32, size uint32) {
	panic(errHost)
}

// MsgCallerSize is ic0.msg_caller_size. Outside a canister it panics.
func MsgCallerSize() uint32 {
	panic(errHost)
}

// MsgCallerCopy is ic0.msg_caller_copy. Outside a canister it panics.
func MsgCallerCopy(dst unsafe.Pointer, offset uint32, size uint32) {
	panic(errHost)
}

// MsgRejectCode is ic0.msg_reject_code. Outside a canister it panics.
func MsgRejectCode() int32 {
	panic(errHost)
}

// MsgRejectMsgSize is ic0.msg_reject_msg_size. Outside a canister it panics.
func MsgRejectMsgSize() uint32 {
	panic(errHost)
}

// MsgRejectMsgCopy is ic0.msg_reject_msg_copy. Outside a canister it panics.
func MsgRejectMsgCopy(dst unsafe.Pointer, offset uint32, size uint32) {
	panic(errHost)
}

// MsgDeadline is ic0.msg_deadline. Outside a canister it panics.
func MsgDeadline() int64 {
	panic(errHost)
}

// MsgMethodNameSize is ic0.msg_method_name_size. Outside a canister it panics.
func MsgMethodNameSize() uint32 {
	panic(errHost)
}

// MsgMethodNameCopy is ic0.msg_method_name_copy. Outside a canister it panics.
func MsgMethodNameCopy(dst unsafe.Pointer, offset uint32, size uint32) {
	panic(errHost)
}

// AcceptMessage is ic0.accept_message. Outside a canister it panics.
func AcceptMessage() {
	panic(errHost)
}

// MsgReplyDataAppend is ic0.msg_reply_data_append. Outside a canister it panics.
func MsgReplyDataAppend(src unsafe.Pointer, size uint32) {
	panic(errHost)
}

// MsgReply is ic0.msg_reply. Outside a canister it panics.
func MsgReply() {
	panic(errHost)
}

// MsgReject is ic0.msg_reject. Outside a canister it panics.
func MsgReject(src unsafe.Pointer, size uint32) {
	panic(errHost)
}

// MsgCyclesAvailable128 is ic0.msg_cycles_available128. Outside a canister it panics.
func MsgCyclesAvailable128(dst unsafe.Pointer) {
	panic(errHost)
}

// MsgCyclesRefunded128 is ic0.msg_cycles_refunded128. Outside a canister it panics.
func MsgCyclesRefunded128(dst unsafe.Pointer) {
	panic(errHost)
}

// MsgCyclesAccept128 is ic0.msg_cycles_accept128. Outside a canister it panics.
func MsgCyclesAccept128(maxHigh int64, maxLow int64, dst unsafe.Pointer) {
	panic(errHost)
}

// CyclesBurn128 is ic0.cycles_burn128. Outside a canister it panics.
func CyclesBurn128(high int64, low int64, dst unsafe.Pointer) {
	panic(errHost)
}

// CanisterCycleBalance128 is ic0.canister_cycle_balance128. Outside a canister it panics.
func CanisterCycleBalance128(dst unsafe.Pointer) {
	panic(errHost)
}

// CanisterLiquidCycleBalance128 is ic0.canister_liquid_cycle_balance128. Outside a canister it panics.
func CanisterLiquidCycleBalance128(dst unsafe.Pointer) {
	panic(errHost)
}

// CallCyclesAdd128 is ic0.call_cycles_add128. Outside a canister it panics.
func CallCyclesAdd128(high int64, low int64) {
	panic(errHost)
}

// CanisterSelfSize is ic0.canister_self_size. Outside a canister it panics.
func CanisterSelfSize() uint32 {
	panic(errHost)
}

// CanisterSelfCopy is ic0.canister_self_copy. Outside a canister it panics.
func CanisterSelfCopy(dst unsafe.Pointer, offset uint32, size uint32) {
	panic(errHost)
}

// CanisterStatus is ic0.canister_status. Outside a canister it panics.
func CanisterStatus() int32 {
	panic(errHost)
}

// CanisterVersion is ic0.canister_version. Outside a canister it panics.
func CanisterVersion() int64 {
	panic(errHost)
}

// IsController is ic0.is_controller. Outside a canister it panics.
func IsController(src unsafe.Pointer, size uint32) int32 {
	panic(errHost)
}

// InReplicatedExecution is ic0.in_replicated_execution. Outside a canister it panics.
func InReplicatedExecution() int32 {
	panic(errHost)
}

// CallNew is ic0.call_new. Outside a canister it panics.
func CallNew(calleeSrc unsafe.Pointer, calleeSize uint32, nameSrc unsafe.Pointer, nameSize uint32, replyFun uint32, replyEnv uint32, rejectFun uint32, rejectEnv uint32) {
	panic(errHost)
}

// CallOnCleanup is ic0.call_on_cleanup. Outside a canister it panics.
func CallOnCleanup(fun uint32, env uint32) {
	panic(errHost)
}

// CallDataAppend is ic0.call_data_append. Outside a canister it panics.
func CallDataAppend(src unsafe.Pointer, size uint32) {
	panic(errHost)
}

// CallWithBestEffortResponse is ic0.call_with_best_effort_response. Outside a canister it panics.
func CallWithBestEffortResponse(timeoutSeconds int32) {
	panic(errHost)
}

// CallPerform is ic0.call_perform. Outside a canister it panics.
func CallPerform() int32 {
	panic(errHost)
}

// Stable64Size is ic0.stable64_size. Outside a canister it panics.
func Stable64Size() int64 {
	panic(errHost)
}

// Stable64Grow is ic0.stable64_grow. Outside a canister it panics.
func Stable64Grow(newPages int64) int64 {
	panic(errHost)
}

// Stable64Write is ic0.stable64_write. Outside a canister it panics.
func Stable64Write(offset int64, src int64, size int64) {
	panic(errHost)
}

// Stable64Read is ic0.stable64_read. Outside a canister it panics.
func Stable64Read(dst int64, offset int64, size int64) {
	panic(errHost)
}

// CertifiedDataSet is ic0.certified_data_set. Outside a canister it panics.
func CertifiedDataSet(src unsafe.Pointer, size uint32) {
	panic(errHost)
}

// DataCertificatePresent is ic0.data_certificate_present. Outside a canister it panics.
func DataCertificatePresent() int32 {
	panic(errHost)
}

// DataCertificateSize is ic0.data_certificate_size. Outside a canister it panics.
func DataCertificateSize() uint32 {
	panic(errHost)
}

// DataCertificateCopy is ic0.data_certificate_copy. Outside a canister it panics.
func DataCertificateCopy(dst unsafe.Pointer, offset uint32, size uint32) {
	panic(errHost)
}

// Time is ic0.time. Outside a canister it panics.
func Time() int64 {
	panic(errHost)
}

// GlobalTimerSet is ic0.global_timer_set. Outside a canister it panics.
func GlobalTimerSet(timestamp int64) int64 {
	panic(errHost)
}

// PerformanceCounter is ic0.performance_counter. Outside a canister it panics.
func PerformanceCounter(counterType int32) int64 {
	panic(errHost)
}

// CostCall is ic0.cost_call. Outside a canister it panics.
func CostCall(methodNameSize int64, payloadSize int64, dst unsafe.Pointer) {
	panic(errHost)
}

// CostCreateCanister is ic0.cost_create_canister. Outside a canister it panics.
func CostCreateCanister(dst unsafe.Pointer) {
	panic(errHost)
}

// CostHttpRequest is ic0.cost_http_request. Outside a canister it panics.
func CostHttpRequest(requestSize int64, maxResBytes int64, dst unsafe.Pointer) {
	panic(errHost)
}

// EnvVarCount is ic0.env_var_count. Outside a canister it panics.
func EnvVarCount() uint32 {
	panic(errHost)
}

// EnvVarNameSize is ic0.env_var_name_size. Outside a canister it panics.
func EnvVarNameSize(index uint32) uint32 {
	panic(errHost)
}

// EnvVarNameCopy is ic0.env_var_name_copy. Outside a canister it panics.
func EnvVarNameCopy(index uint32, dst unsafe.Pointer, offset uint32, size uint32) {
	panic(errHost)
}

// EnvVarNameExists is ic0.env_var_name_exists. Outside a canister it panics.
func EnvVarNameExists(nameSrc unsafe.Pointer, nameSize uint32) int32 {
	panic(errHost)
}

// EnvVarValueSize is ic0.env_var_value_size. Outside a canister it panics.
func EnvVarValueSize(nameSrc unsafe.Pointer, nameSize uint32) uint32 {
	panic(errHost)
}

// EnvVarValueCopy is ic0.env_var_value_copy. Outside a canister it panics.
func EnvVarValueCopy(nameSrc unsafe.Pointer, nameSize uint32, dst unsafe.Pointer, offset uint32, size uint32) {
	panic(errHost)
}

// DebugPrint is ic0.debug_print. Outside a canister it panics.
func DebugPrint(src unsafe.Pointer, size uint32) {
	panic(errHost)
}

// Trap is ic0.trap. Outside a canister it panics.
func Trap(src unsafe.Pointer, size uint32) {
	panic(errHost)
}
