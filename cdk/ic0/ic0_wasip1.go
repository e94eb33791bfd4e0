//go:build wasip1

package ic0

import "unsafe"

// MsgArgDataSize is ic0.msg_arg_data_size.
//
//go:wasmimport ic0 msg_arg_data_size
//go:noescape
func MsgArgDataSize() uint32

// MsgArgDataCopy is ic0.msg_arg_data_copy.
//
//go:wasmimport ic0 msg_arg_data_copy
//go:noescape
func MsgArgDataCopy(dst unsafe.Pointer, offset uint32, size uint32)

// MsgCallerSize is ic0.msg_caller_size.
//
//go:wasmimport ic0 msg_caller_size
//go:noescape
func MsgCallerSize() uint32

// MsgCallerCopy is ic0.msg_caller_copy.
//
//go:wasmimport ic0 msg_caller_copy
//go:noescape
func MsgCallerCopy(dst unsafe.Pointer, offset uint32, size uint32)

// MsgRejectCode is ic0.msg_reject_code.
//
//go:wasmimport ic0 msg_reject_code
//go:noescape
func MsgRejectCode() int32

// MsgRejectMsgSize is ic0.msg_reject_msg_size.
//
//go:wasmimport ic0 msg_reject_msg_size
//go:noescape
func MsgRejectMsgSize() uint32

// MsgRejectMsgCopy is ic0.msg_reject_msg_copy.
//
//go:wasmimport ic0 msg_reject_msg_copy
//go:noescape
func MsgRejectMsgCopy(dst unsafe.Pointer, offset uint32, size uint32)

// MsgDeadline is ic0.msg_deadline.
//
//go:wasmimport ic0 msg_deadline
//go:noescape
func MsgDeadline() int64

// MsgMethodNameSize is ic0.msg_method_name_size.
//
//go:wasmimport ic0 msg_method_name_size
//go:noescape
func MsgMethodNameSize() uint32

// MsgMethodNameCopy is ic0.msg_method_name_copy.
//
//go:wasmimport ic0 msg_method_name_copy
//go:noescape
func MsgMethodNameCopy(dst unsafe.Pointer, offset uint32, size uint32)

// AcceptMessage is ic0.accept_message.
//
//go:wasmimport ic0 accept_message
//go:noescape
func AcceptMessage()

// MsgReplyDataAppend is ic0.msg_reply_data_append.
//
//go:wasmimport ic0 msg_reply_data_append
//go:noescape
func MsgReplyDataAppend(src unsafe.Pointer, size uint32)

// MsgReply is ic0.msg_reply.
//
//go:wasmimport ic0 msg_reply
//go:noescape
func MsgReply()

// MsgReject is ic0.msg_reject.
//
//go:wasmimport ic0 msg_reject
//go:noescape
func MsgReject(src unsafe.Pointer, size uint32)

// MsgCyclesAvailable128 is ic0.msg_cycles_available128.
//
//go:wasmimport ic0 msg_cycles_available128
//go:noescape
func MsgCyclesAvailable128(dst unsafe.Pointer)

// MsgCyclesRefunded128 is ic0.msg_cycles_refunded128.
//
//go:wasmimport ic0 msg_cycles_refunded128
//go:noescape
func MsgCyclesRefunded128(dst unsafe.Pointer)

// MsgCyclesAccept128 is ic0.msg_cycles_accept128.
//
//go:wasmimport ic0 msg_cycles_accept128
//go:noescape
func MsgCyclesAccept128(maxHigh int64, maxLow int64, dst unsafe.Pointer)

// CyclesBurn128 is ic0.cycles_burn128.
//
//go:wasmimport ic0 cycles_burn128
//go:noescape
func CyclesBurn128(high int64, low int64, dst unsafe.Pointer)

// CanisterCycleBalance128 is ic0.canister_cycle_balance128.
//
//go:wasmimport ic0 canister_cycle_balance128
//go:noescape
func CanisterCycleBalance128(dst unsafe.Pointer)

// CanisterLiquidCycleBalance128 is ic0.canister_liquid_cycle_balance128.
//
//go:wasmimport ic0 canister_liquid_cycle_balance128
//go:noescape
func CanisterLiquidCycleBalance128(dst unsafe.Pointer)

// CallCyclesAdd128 is ic0.call_cycles_add128.
//
//go:wasmimport ic0 call_cycles_add128
//go:noescape
func CallCyclesAdd128(high int64, low int64)

// CanisterSelfSize is ic0.canister_self_size.
//
//go:wasmimport ic0 canister_self_size
//go:noescape
func CanisterSelfSize() uint32

// CanisterSelfCopy is ic0.canister_self_copy.
//
//go:wasmimport ic0 canister_self_copy
//go:noescape
func CanisterSelfCopy(dst unsafe.Pointer, offset uint32, size uint32)

// CanisterStatus is ic0.canister_status.
//
//go:wasmimport ic0 canister_status
//go:noescape
func CanisterStatus() int32

// CanisterVersion is ic0.canister_version.
//
//go:wasmimport ic0 canister_version
//go:noescape
func CanisterVersion() int64

// IsController is ic0.is_controller.
//
//go:wasmimport ic0 is_controller
//go:noescape
func IsController(src unsafe.Pointer, size uint32) int32

// InReplicatedExecution is ic0.in_replicated_execution.
//
//go:wasmimport ic0 in_replicated_execution
//go:noescape
func InReplicatedExecution() int32

// CallNew is ic0.call_new.
//
//go:wasmimport ic0 call_new
//go:noescape
func CallNew(calleeSrc unsafe.Pointer, calleeSize uint32, nameSrc unsafe.Pointer, nameSize uint32, replyFun uint32, replyEnv uint32, rejectFun uint32, rejectEnv uint32)

// CallOnCleanup is ic0.call_on_cleanup.
//
//go:wasmimport ic0 call_on_cleanup
//go:noescape
func CallOnCleanup(fun uint32, env uint32)

// CallDataAppend is ic0.call_data_append.
//
//go:wasmimport ic0 call_data_append
//go:noescape
func CallDataAppend(src unsafe.Pointer, size uint32)

// CallWithBestEffortResponse is ic0.call_with_best_effort_response.
//
//go:wasmimport ic0 call_with_best_effort_response
//go:noescape
func CallWithBestEffortResponse(timeoutSeconds int32)

// CallPerform is ic0.call_perform.
//
//go:wasmimport ic0 call_perform
//go:noescape
func CallPerform() int32

// Stable64Size is ic0.stable64_size.
//
//go:wasmimport ic0 stable64_size
//go:noescape
func Stable64Size() int64

// Stable64Grow is ic0.stable64_grow.
//
//go:wasmimport ic0 stable64_grow
//go:noescape
func Stable64Grow(newPages int64) int64

// Stable64Write is ic0.stable64_write.
//
//go:wasmimport ic0 stable64_write
//go:noescape
func Stable64Write(offset int64, src int64, size int64)

// Stable64Read is ic0.stable64_read.
//
//go:wasmimport ic0 stable64_read
//go:noescape
func Stable64Read(dst int64, offset int64, size int64)

// CertifiedDataSet is ic0.certified_data_set.
//
//go:wasmimport ic0 certified_data_set
//go:noescape
func CertifiedDataSet(src unsafe.Pointer, size uint32)

// DataCertificatePresent is ic0.data_certificate_present.
//
//go:wasmimport ic0 data_certificate_present
//go:noescape
func DataCertificatePresent() int32

// DataCertificateSize is ic0.data_certificate_size.
//
//go:wasmimport ic0 data_certificate_size
//go:noescape
func DataCertificateSize() uint32

// DataCertificateCopy is ic0.data_certificate_copy.
//
//go:wasmimport ic0 data_certificate_copy
//go:noescape
func DataCertificateCopy(dst unsafe.Pointer, offset uint32, size uint32)

// Time is ic0.time.
//
//go:wasmimport ic0 time
//go:noescape
func Time() int64

// GlobalTimerSet is ic0.global_timer_set.
//
//go:wasmimport ic0 global_timer_set
//go:noescape
func GlobalTimerSet(timestamp int64) int64

// PerformanceCounter is ic0.performance_counter.
//
//go:wasmimport ic0 performance_counter
//go:noescape
func PerformanceCounter(counterType int32) int64

// CostCall is ic0.cost_call.
//
//go:wasmimport ic0 cost_call
//go:noescape
func CostCall(methodNameSize int64, payloadSize int64, dst unsafe.Pointer)

// CostCreateCanister is ic0.cost_create_canister.
//
//go:wasmimport ic0 cost_create_canister
//go:noescape
func CostCreateCanister(dst unsafe.Pointer)

// CostHttpRequest is ic0.cost_http_request.
//
//go:wasmimport ic0 cost_http_request
//go:noescape
func CostHttpRequest(requestSize int64, maxResBytes int64, dst unsafe.Pointer)

// EnvVarCount is ic0.env_var_count.
//
//go:wasmimport ic0 env_var_count
//go:noescape
func EnvVarCount() uint32

// EnvVarNameSize is ic0.env_var_name_size.
//
//go:wasmimport ic0 env_var_name_size
//go:noescape
func EnvVarNameSize(index uint32) uint32

// EnvVarNameCopy is ic0.env_var_name_copy.
//
//go:wasmimport ic0 env_var_name_copy
//go:noescape
func EnvVarNameCopy(index uint32, dst unsafe.Pointer, offset uint32, size uint32)

// EnvVarNameExists is ic0.env_var_name_exists.
//
//go:wasmimport ic0 env_var_name_exists
//go:noescape
func EnvVarNameExists(nameSrc unsafe.Pointer, nameSize uint32) int32

// EnvVarValueSize is ic0.env_var_value_size.
//
//go:wasmimport ic0 env_var_value_size
//go:noescape
func EnvVarValueSize(nameSrc unsafe.Pointer, nameSize uint32) uint32

// EnvVarValueCopy is ic0.env_var_value_copy.
//
//go:wasmimport ic0 env_var_value_copy
//go:noescape
func EnvVarValueCopy(nameSrc unsafe.Pointer, nameSize uint32, dst unsafe.Pointer, offset uint32, size uint32)

// DebugPrint is ic0.debug_print.
//
//go:wasmimport ic0 debug_print
//go:noescape
func DebugPrint(src unsafe.Pointer, size uint32)

// Trap is ic0.trap.
//
//go:wasmimport ic0 trap
//go:noescape
func Trap(src unsafe.Pointer, size uint32)
