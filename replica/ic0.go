package replica

import (
	"context"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/icgo/icgo/internal/validate"
	"github.com/icgo/icgo/internal/wasm"
	"github.com/icgo/icgo/replica/internal/stablemem"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// The ic0 host module: every function of the IC interface spec's System API
// for wasm32 modules (spec "Overview of imports", I = i32), the legacy 32-bit-only ones
// (spec "Overview of imports"), and the non-spec imports the replica links
// (spec "Overview of imports"). Each entry lists the contexts the spec allows; a call
// from any other context traps (spec "Overview of imports") with IC0504.
//
// Host functions get the running execution from their context.Context and
// the calling instance as api.Module; they trap by panicking with a
// *trapError (execution.trapf), which wazero turns into an error of the
// guest call.

// hostFunc is one ic0 function. Its signature is validate.IC0's for
// wasm32 (I = i32): install refuses any other import, so the table the
// replica links and the one it enforces cannot disagree (hostSignature).
type hostFunc struct {
	name     string
	contexts string // spec letters
	impl     func(e *execution, m api.Module, s []uint64)
}

// hostSignature returns the wasm32 signature of ic0.<name> from
// validate.IC0, the table install enforces.
func hostSignature(name string) (params, results []api.ValueType, err error) {
	sig, ok := validate.IC0[name]
	if !ok {
		return nil, nil, fmt.Errorf("ic0.%s is not in validate.IC0", name)
	}
	ft := sig.FuncType(false)
	conv := func(ts []wasm.ValType) ([]api.ValueType, error) {
		out := make([]api.ValueType, 0, len(ts))
		for _, t := range ts {
			switch t {
			case wasm.I32:
				out = append(out, api.ValueTypeI32)
			case wasm.I64:
				out = append(out, api.ValueTypeI64)
			default:
				return nil, fmt.Errorf("ic0.%s: value type 0x%02x is not i32 or i64", name, byte(t))
			}
		}
		return out, nil
	}
	if params, err = conv(ft.Params); err == nil {
		results, err = conv(ft.Results)
	}
	return params, results, err
}

// Stack helpers: wasm32 pointers and sizes are i32 (read unsigned).
func u32(s []uint64, i int) uint32 { return uint32(s[i]) }

const (
	ctxMsgArg      = "I U RQ NRQ TQ CQ Ry CRy F"
	ctxCallerInfo  = "U RQ NRQ CQ Ry Rt CRy CRt C CC F"
	ctxRespond     = "U RQ NRQ TQ CQ Ry Rt CRy CRt"
	ctxCall        = "U CQ Ry Rt CRy CRt T"
	ctxStarS       = "* s"
	ctxSystemState = "I G U Ry Rt C T"
	notYetCalls    = "inter-canister calls"
)

func ic0Functions() []hostFunc {
	return []hostFunc{
		// Message data and caller.
		{"msg_arg_data_size", ctxMsgArg, func(e *execution, m api.Module, s []uint64) { s[0] = uint64(len(e.arg)) }},
		{"msg_arg_data_copy", ctxMsgArg, blobCopy("msg_arg_data_copy", "the argument", func(e *execution) []byte { return e.arg })},
		{"msg_caller_size", "*", func(e *execution, m api.Module, s []uint64) { s[0] = uint64(len(e.caller)) }},
		{"msg_caller_copy", "*", blobCopy("msg_caller_copy", "the caller", func(e *execution) []byte { return e.caller })},
		// Caller info (spec 0.59.0): only a canister-signature ingress
		// carries it; ingress from this replica never does, so it is empty.
		{"msg_caller_info_data_size", ctxCallerInfo, func(e *execution, m api.Module, s []uint64) { s[0] = 0 }},
		{"msg_caller_info_data_copy", ctxCallerInfo, blobCopy("msg_caller_info_data_copy", "the caller info", func(e *execution) []byte { return nil })},
		{"msg_caller_info_signer_size", ctxCallerInfo, func(e *execution, m api.Module, s []uint64) { s[0] = 0 }},
		{"msg_caller_info_signer_copy", ctxCallerInfo, blobCopy("msg_caller_info_signer_copy", "the caller info signer", func(e *execution) []byte { return nil })},
		// Inside a reply callback the code is 0 (callcontext_ic0.go).
		{"msg_reject_code", "Ry Rt CRy CRt C", ic0MsgRejectCode},
		{"msg_reject_msg_size", "Rt CRt", ic0MsgRejectMsgSize},
		{"msg_reject_msg_copy", "Rt CRt", ic0MsgRejectMsgCopy},
		// 0 for guaranteed-response calls, ingress and all queries.
		{"msg_deadline", "U Q CQ Ry Rt CRy CRt", ic0MsgDeadline},
		{"msg_method_name_size", "F", func(e *execution, m api.Module, s []uint64) { s[0] = uint64(len(e.methodName)) }},
		{"msg_method_name_copy", "F", blobCopy("msg_method_name_copy", "the method name", func(e *execution) []byte { return e.methodName })},
		{"accept_message", "F", func(e *execution, m api.Module, s []uint64) {
			if e.accepted {
				e.contractViolation("ic0.accept_message called twice")
			}
			e.accepted = true
		}},

		// Responding.
		{"msg_reply_data_append", ctxRespond, func(e *execution, m api.Module, s []uint64) {
			e.checkCanRespond("msg_reply_data_append")
			size := u32(s, 1)
			if uint64(len(e.replyBuf))+uint64(size) > uint64(e.maxReply) {
				e.trapf("ic0.msg_reply_data_append: the reply would exceed the maximum size of %d bytes", e.maxReply)
			}
			e.replyBuf = append(e.replyBuf, e.read(m, "msg_reply_data_append", u32(s, 0), size)...)
		}},
		{"msg_reply", ctxRespond, func(e *execution, m api.Module, s []uint64) {
			e.checkCanRespond("msg_reply")
			e.responded = true
			e.reply = append([]byte{}, e.replyBuf...)
			e.replyBuf = nil
		}},
		{"msg_reject", ctxRespond, func(e *execution, m api.Module, s []uint64) {
			e.checkCanRespond("msg_reject")
			size := u32(s, 1)
			if uint64(size) > uint64(e.maxReply) {
				e.trapf("ic0.msg_reject: the reject message exceeds the maximum size of %d bytes", e.maxReply)
			}
			text := e.read(m, "msg_reject", u32(s, 0), size)
			if !utf8.Valid(text) {
				e.contractViolation("ic0.msg_reject: the reject message is not valid UTF-8")
			}
			e.responded = true
			e.replyBuf = nil
			e.reject = &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage, Message: string(text)}
		}},

		// Cycles (callcontext_ic0.go). Ingress carries no cycles.
		{"msg_cycles_available128", "U RQ Rt Ry", ic0MsgCyclesAvailable128},
		{"msg_cycles_refunded128", "Rt Ry", ic0MsgCyclesRefunded128},
		{"msg_cycles_accept128", "U RQ Rt Ry", ic0MsgCyclesAccept128},
		{"cycles_burn128", "I G U RQ Ry Rt C T", func(e *execution, m api.Module, s []uint64) {
			amount := minU128(u128{hi: s[0], lo: s[1]}, e.cycles)
			e.write(m, "cycles_burn128", u32(s, 2), amount.bytes())
			e.cycles = e.cycles.sub(amount)
		}},
		// No freezing threshold or reservations yet: the whole balance is
		// liquid.
		{"canister_cycle_balance128", "*", func(e *execution, m api.Module, s []uint64) {
			e.write(m, "canister_cycle_balance128", u32(s, 0), e.cycles.bytes())
		}},
		{"canister_liquid_cycle_balance128", "*", func(e *execution, m api.Module, s []uint64) {
			e.write(m, "canister_liquid_cycle_balance128", u32(s, 0), e.cycles.bytes())
		}},
		{"call_cycles_add128", "U Ry Rt T", ic0CallCyclesAdd128},

		// Identity and status.
		{"canister_self_size", "*", func(e *execution, m api.Module, s []uint64) { s[0] = uint64(len(e.c.id.raw)) }},
		{"canister_self_copy", "*", blobCopy("canister_self_copy", "the canister id", func(e *execution) []byte { return []byte(e.c.id.raw) })},
		{"subnet_self_size", "*", func(e *execution, m api.Module, s []uint64) { s[0] = uint64(len(e.r.subnetID)) }},
		{"subnet_self_copy", "*", blobCopy("subnet_self_copy", "the subnet id", func(e *execution) []byte { return e.r.subnetID })},
		{"canister_status", "*", func(e *execution, m api.Module, s []uint64) { s[0] = uint64(e.c.runStatus()) }}, // 1 running, 2 stopping, 3 stopped (lifecycle.go)
		{"canister_version", "*", func(e *execution, m api.Module, s []uint64) { s[0] = e.c.version }},
		{"is_controller", "* s", func(e *execution, m api.Module, s []uint64) {
			pr := e.read(m, "is_controller", u32(s, 0), u32(s, 1))
			if len(pr) > maxPrincipalLen {
				e.contractViolation(fmt.Sprintf("ic0.is_controller: %d bytes are not a valid principal", len(pr)))
			}
			s[0] = 0
			if slices.ContainsFunc(e.c.controllers, func(c []byte) bool { return string(c) == string(pr) }) {
				s[0] = 1
			}
		}},
		{"in_replicated_execution", "* s", func(e *execution, m api.Module, s []uint64) {
			s[0] = 0
			if e.ctx.replicated() {
				s[0] = 1
			}
		}},

		// Inter-canister calls (callcontext_ic0.go).
		{"call_new", ctxCall, ic0CallNew},
		{"call_on_cleanup", ctxCall, ic0CallOnCleanup},
		{"call_data_append", ctxCall, ic0CallDataAppend},
		{"call_with_best_effort_response", ctxCall, ic0CallWithBestEffortResponse},
		{"call_perform", ctxCall, ic0CallPerform},

		// Stable memory.
		{"stable64_size", ctxStarS, func(e *execution, m api.Module, s []uint64) { s[0] = e.stable.Size() }},
		{"stable64_grow", ctxStarS, func(e *execution, m api.Module, s []uint64) {
			s[0] = uint64(e.stable.Grow(s[0], stablemem.MaxPages))
		}},
		{"stable64_write", ctxStarS, func(e *execution, m api.Module, s []uint64) {
			e.stableWrite(m, "stable64_write", s[0], s[1], s[2])
		}},
		{"stable64_read", ctxStarS, func(e *execution, m api.Module, s []uint64) {
			e.stableRead(m, "stable64_read", s[0], s[1], s[2])
		}},

		// Certification, time, timer.
		{"root_key_size", "I G U RQ Ry Rt C T", func(e *execution, m api.Module, s []uint64) { s[0] = uint64(len(e.r.rootKeyBytes())) }},
		{"root_key_copy", "I G U RQ Ry Rt C T", blobCopy("root_key_copy", "the root key", func(e *execution) []byte { return e.r.rootKeyBytes() })},
		{"certified_data_set", "I G U Ry Rt T", func(e *execution, m api.Module, s []uint64) {
			if u32(s, 1) > 32 {
				e.contractViolation(fmt.Sprintf("ic0.certified_data_set: %d bytes exceed the maximum of 32", u32(s, 1)))
			}
			e.certifiedData = append([]byte{}, e.read(m, "certified_data_set", u32(s, 0), u32(s, 1))...)
		}},
		// A non-replicated query has a certificate of its canister's
		// certified data (datacert.go).
		{"data_certificate_present", "*", func(e *execution, m api.Module, s []uint64) {
			s[0] = 0
			if e.ctx.hasDataCertificate() && !e.noDataCert {
				s[0] = 1
			}
		}},
		{"data_certificate_size", "NRQ CQ", func(e *execution, m api.Module, s []uint64) {
			if e.noDataCert {
				e.contractViolation("ic0.data_certificate_size: no data certificate is present (a query called by another canister has none)")
			}
			s[0] = uint64(len(e.dataCertificate()))
		}},
		{"data_certificate_copy", "NRQ CQ", func(e *execution, m api.Module, s []uint64) {
			if e.noDataCert {
				e.contractViolation("ic0.data_certificate_copy: no data certificate is present (a query called by another canister has none)")
			}
			blobCopy("data_certificate_copy", "the data certificate", (*execution).dataCertificate)(e, m, s)
		}},
		{"time", "*", func(e *execution, m api.Module, s []uint64) { s[0] = e.time }},
		{"global_timer_set", ctxSystemState, func(e *execution, m api.Module, s []uint64) {
			s[0], e.timer = e.timer, s[0]
		}},
		{"performance_counter", ctxStarS, func(e *execution, m api.Module, s []uint64) {
			if t := u32(s, 0); t > 1 {
				e.contractViolation(fmt.Sprintf("ic0.performance_counter: unknown counter type %d", t))
			}
			s[0] = e.performanceCounter(u32(s, 0)) // metering.go
		}},

		// Cost queries (prices of a 13-node application subnet).
		{"cost_call", ctxStarS, func(e *execution, m api.Module, s []uint64) {
			e.write(m, "cost_call", u32(s, 2), costCall(s[0], s[1]).bytes())
		}},
		{"cost_create_canister", ctxStarS, func(e *execution, m api.Module, s []uint64) {
			e.write(m, "cost_create_canister", u32(s, 0), u128{lo: canisterCreationFee}.bytes())
		}},
		{"cost_http_request", ctxStarS, func(e *execution, m api.Module, s []uint64) {
			e.write(m, "cost_http_request", u32(s, 2), costHTTPRequest(s[0], s[1]).bytes())
		}},
		{"cost_sign_with_ecdsa", ctxStarS, thresholdCost("cost_sign_with_ecdsa", 0)},     // 0 = secp256k1
		{"cost_sign_with_schnorr", ctxStarS, thresholdCost("cost_sign_with_schnorr", 1)}, // 0 = bip340secp256k1, 1 = ed25519
		{"cost_vetkd_derive_key", ctxStarS, thresholdCost("cost_vetkd_derive_key", 0)},   // 0 = bls12_381

		// Environment variables.
		{"env_var_count", "*", func(e *execution, m api.Module, s []uint64) { s[0] = uint64(len(e.c.envVars)) }},
		{"env_var_name_size", "*", func(e *execution, m api.Module, s []uint64) {
			s[0] = uint64(len(e.envVarAt("env_var_name_size", u32(s, 0)).name))
		}},
		{"env_var_name_copy", "*", func(e *execution, m api.Module, s []uint64) {
			v := e.envVarAt("env_var_name_copy", u32(s, 0))
			e.copyBlob(m, "env_var_name_copy", "the variable name", []byte(v.name), u32(s, 1), u32(s, 2), u32(s, 3))
		}},
		{"env_var_name_exists", "*", func(e *execution, m api.Module, s []uint64) {
			_, ok := e.envVarNamed(m, "env_var_name_exists", u32(s, 0), u32(s, 1))
			s[0] = 0
			if ok {
				s[0] = 1
			}
		}},
		{"env_var_value_size", "*", func(e *execution, m api.Module, s []uint64) {
			v := e.mustEnvVarNamed(m, "env_var_value_size", u32(s, 0), u32(s, 1))
			s[0] = uint64(len(v.value))
		}},
		{"env_var_value_copy", "*", func(e *execution, m api.Module, s []uint64) {
			v := e.mustEnvVarNamed(m, "env_var_value_copy", u32(s, 0), u32(s, 1))
			e.copyBlob(m, "env_var_value_copy", "the variable value", []byte(v.value), u32(s, 2), u32(s, 3), u32(s, 4))
		}},

		// Debugging.
		{"debug_print", ctxStarS, func(e *execution, m api.Module, s []uint64) {
			b, ok := readMemory(m, u32(s, 0), u32(s, 1))
			if !ok { // never traps (spec "Overview of imports")
				e.log("(debug message out of memory bounds)")
				return
			}
			e.log(printable(b, maxTrapMessageBytes))
		}},
		{"trap", ctxStarS, func(e *execution, m api.Module, s []uint64) {
			msg := "(trap message out of memory bounds)"
			if b, ok := readMemory(m, u32(s, 0), u32(s, 1)); ok {
				msg = printable(b, maxTrapMessageBytes)
			}
			e.raise(ErrCodeCanisterCalledTrap, msg)
		}},

		// Legacy, wasm32 only (spec "Overview of imports").
		{"msg_cycles_available", "U RQ Rt Ry", ic0MsgCyclesAvailable},
		{"msg_cycles_refunded", "Rt Ry", ic0MsgCyclesRefunded},
		{"msg_cycles_accept", "U RQ Rt Ry", ic0MsgCyclesAccept},
		{"canister_cycle_balance", "*", func(e *execution, m api.Module, s []uint64) {
			if e.cycles.hi != 0 {
				e.contractViolation("ic0.canister_cycle_balance: the balance does not fit in 64 bits; use canister_cycle_balance128")
			}
			s[0] = e.cycles.lo
		}},
		{"call_cycles_add", "U Ry Rt T", ic0CallCyclesAdd},
		{"stable_size", ctxStarS, func(e *execution, m api.Module, s []uint64) {
			e.checkStable32("stable_size")
			s[0] = e.stable.Size()
		}},
		{"stable_grow", ctxStarS, func(e *execution, m api.Module, s []uint64) {
			e.checkStable32("stable_grow")
			s[0] = uint64(uint32(int32(e.stable.Grow(uint64(u32(s, 0)), maxStable32Pages))))
		}},
		{"stable_write", ctxStarS, func(e *execution, m api.Module, s []uint64) {
			e.checkStable32("stable_write")
			e.stableWrite(m, "stable_write", uint64(u32(s, 0)), uint64(u32(s, 1)), uint64(u32(s, 2)))
		}},
		{"stable_read", ctxStarS, func(e *execution, m api.Module, s []uint64) {
			e.checkStable32("stable_read")
			e.stableRead(m, "stable_read", uint64(u32(s, 0)), uint64(u32(s, 1)), uint64(u32(s, 2)))
		}},

		// Linked by the replica but not in the spec (spec "Overview of imports"). The
		// mint functions are for the cycles minting canister only; on any
		// other canister the IC traps, and so does this replica.
		{"mint_cycles", "U Ry Rt T", func(e *execution, m api.Module, s []uint64) {
			e.contractViolation("ic0.mint_cycles can only be executed on the cycles minting canister")
		}},
		{"mint_cycles128", "U Ry Rt T", func(e *execution, m api.Module, s []uint64) {
			e.contractViolation("ic0.mint_cycles128 can only be executed on the cycles minting canister")
		}},
		{"cost_http_request_v2", ctxStarS, func(e *execution, m api.Module, s []uint64) {
			e.notImplemented("cost_http_request_v2", "a pricing hook the spec does not describe")
		}},
	}
}

// maxStable32Pages is the 4 GiB the legacy 32-bit stable API can address.
const maxStable32Pages = 1 << 16

// instantiateIC0 registers the ic0 host module in rt.
func instantiateIC0(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder("ic0")
	for _, f := range ic0Functions() {
		f := f
		params, results, err := hostSignature(f.name)
		if err != nil {
			return err
		}
		allowed := contexts(f.contexts)
		cost := systemAPICost(f.name) // metering.go
		b.NewFunctionBuilder().
			WithName(f.name).
			WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
				e := executionFrom(ctx)
				if e == nil { // cannot happen: the replica runs guest code only inside executions
					panic(fmt.Errorf("ic0.%s called outside of an execution", f.name))
				}
				if !allowed.has(e.ctx) {
					e.contractViolation(fmt.Sprintf("ic0.%s called from %s: not allowed in context %s", f.name, e.entryName(), e.ctx))
				}
				dirty := e.chargeAPI(&cost, stack)
				f.impl(e, m, stack)
				if cost.stable {
					e.chargeDirtyPages(dirty)
				}
			}), params, results).
			Export(f.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

// contractViolation traps with IC0504 CanisterContractViolation.
func (e *execution) contractViolation(desc string) {
	e.raise(ErrCodeCanisterContractViolation, desc)
}

func (e *execution) checkCanRespond(fn string) {
	if !e.needsResponse {
		e.contractViolation(fmt.Sprintf("ic0.%s: %s has no caller to respond to", fn, e.entryName()))
	}
	if e.responded {
		e.contractViolation(fmt.Sprintf("ic0.%s: the call has already been replied to or rejected", fn))
	}
}

// readMemory returns a view of [ptr, ptr+size) of m's memory.
func readMemory(m api.Module, ptr, size uint32) ([]byte, bool) {
	mem := memoryOf(m)
	if mem == nil {
		return nil, ptr == 0 && size == 0
	}
	return mem.Read(ptr, size)
}

// read returns a view of guest memory, trapping if the range is out of
// bounds. The view is valid until the guest runs again.
func (e *execution) read(m api.Module, fn string, ptr, size uint32) []byte {
	b, ok := readMemory(m, ptr, size)
	if !ok {
		e.trapf("ic0.%s: memory range [%d, %d) is out of bounds of the Wasm memory (%d bytes)", fn, ptr, uint64(ptr)+uint64(size), uint64(memoryPages(memoryOf(m)))*wasmPageSize)
	}
	return b
}

func (e *execution) write(m api.Module, fn string, dst uint32, data []byte) {
	b := e.read(m, fn, dst, uint32(len(data)))
	e.reportWrite(m, uint64(dst), uint64(len(b)))
	copy(b, data)
}

// reportWrite tells m's heap that the replica is about to write guest
// memory (heap.go: the undo log saves the chunks first).
func (e *execution) reportWrite(m api.Module, dst, n uint64) {
	if h := e.r.heapOf(m); h != nil {
		h.reportRange(dst, n)
	}
}

// copyBlob is the blob pattern X_copy(dst, offset, size): copy
// blob[offset:offset+size] to dst, trapping if the range is outside the
// blob or outside memory (spec "Blob-typed arguments and results").
func (e *execution) copyBlob(m api.Module, fn, what string, blob []byte, dst, off, size uint32) {
	if uint64(off)+uint64(size) > uint64(len(blob)) {
		e.trapf("ic0.%s: range [%d, %d) is out of bounds of %s (%d bytes)", fn, off, uint64(off)+uint64(size), what, len(blob))
	}
	e.write(m, fn, dst, blob[off:off+size])
}

func blobCopy(fn, what string, blob func(*execution) []byte) func(*execution, api.Module, []uint64) {
	return func(e *execution, m api.Module, s []uint64) {
		e.copyBlob(m, fn, what, blob(e), u32(s, 0), u32(s, 1), u32(s, 2))
	}
}

// heapRange checks a 64-bit heap range of a stable64_* call (wasm32
// memory is at most 4 GiB, so it must also fit 32 bits).
func (e *execution) heapRange(m api.Module, fn string, ptr, size uint64) []byte {
	if ptr > 1<<32 || size > 1<<32 || ptr+size > uint64(memoryPages(memoryOf(m)))*wasmPageSize { // no overflow: both ≤ 2^32
		e.trapf("ic0.%s: memory range [%d, %d) is out of bounds of the Wasm memory (%d bytes)", fn, ptr, ptr+size, uint64(memoryPages(memoryOf(m)))*wasmPageSize)
	}
	if size == 0 {
		return nil
	}
	b, ok := readMemory(m, uint32(ptr), uint32(size))
	if !ok {
		e.trapf("ic0.%s: memory range [%d, %d) is not addressable by the replica", fn, ptr, ptr+size)
	}
	return b
}

func (e *execution) stableWrite(m api.Module, fn string, off, src, size uint64) {
	if !e.stable.InBounds(off, size) {
		e.trapf("ic0.%s: range [%d, %d) is out of bounds of stable memory (%d bytes)", fn, off, off+size, e.stable.Size()*stablemem.PageSize)
	}
	if dirty := (uint64(e.stable.DirtyChunks()) + e.stable.NewChunks(off, size)) * stablemem.ChunkSize; dirty > e.r.stableLimit(e.ctx) {
		e.stableLimitExceeded(fn, "write", dirty)
	}
	e.stable.Write(off, e.heapRange(m, fn, src, size))
}

// Limits on the stable memory one execution may read and write (4 KiB
// pages accessed, each counted once): 2 GiB per message, 8 GiB per install
// or upgrade, 1 GiB per query (IC interface specification, "Resource
// limits").
const (
	maxStableAccessMessage = 2 << 30
	maxStableAccessInstall = 8 << 30
	maxStableAccessQuery   = 1 << 30
)

// stableLimit is the limit on stable memory read, and on stable memory
// written, in context ctx.
func (r *Replica) stableLimit(ctx execContext) uint64 {
	switch {
	case ctx == ctxI || ctx == ctxS || ctx == ctxG:
		return r.stableLimits[1]
	case ctx.isQuery():
		return r.stableLimits[2]
	}
	return r.stableLimits[0]
}

func stableLimitScope(ctx execContext) string {
	switch {
	case ctx == ctxI || ctx == ctxS || ctx == ctxG:
		return "install or upgrade"
	case ctx.isQuery():
		return "query"
	}
	return "message"
}

func (e *execution) stableLimitExceeded(fn, access string, n uint64) {
	e.raise(ErrCodeCanisterMemoryAccessLimitExceeded, fmt.Sprintf(
		"ic0.%s: the execution would %s %d bytes of stable memory, above the limit of %d per %s",
		fn, access, n, e.r.stableLimit(e.ctx), stableLimitScope(e.ctx)))
}

func (e *execution) stableRead(m api.Module, fn string, dst, off, size uint64) {
	if !e.stable.InBounds(off, size) {
		e.trapf("ic0.%s: range [%d, %d) is out of bounds of stable memory (%d bytes)", fn, off, off+size, e.stable.Size()*stablemem.PageSize)
	}
	b := e.heapRange(m, fn, dst, size)
	if read := e.stableReads.add(off, size, e.r.stableLimit(e.ctx)/stablemem.ChunkSize) * stablemem.ChunkSize; read > e.r.stableLimit(e.ctx) {
		e.stableLimitExceeded(fn, "read", read)
	}
	e.reportWrite(m, dst, size)
	e.stable.Read(b, off)
}

// chunkSet is the set of stable memory chunks an execution has read, as a
// sparse bitmap.
type chunkSet struct {
	words map[uint64]uint64
	n     uint64
}

// add adds the chunks of [off, off+size) and returns how many the set
// holds, stopping once that exceeds max: the work is bounded by max plus
// the chunks already in the set.
func (s *chunkSet) add(off, size, max uint64) uint64 {
	if size == 0 {
		return s.n
	}
	if s.words == nil {
		s.words = map[uint64]uint64{}
	}
	for c := off / stablemem.ChunkSize; c <= (off+size-1)/stablemem.ChunkSize && s.n <= max; c++ {
		w, bit := c/64, uint64(1)<<(c%64)
		if s.words[w]&bit == 0 {
			s.words[w] |= bit
			s.n++
		}
	}
	return s.n
}

func (e *execution) checkStable32(fn string) {
	if e.stable.Size() > maxStable32Pages {
		e.contractViolation(fmt.Sprintf("ic0.%s: stable memory is larger than 4 GiB; use the stable64 API", fn))
	}
}

func (e *execution) envVarAt(fn string, i uint32) envVar {
	if uint64(i) >= uint64(len(e.c.envVars)) {
		e.contractViolation(fmt.Sprintf("ic0.%s: index %d is out of range (%d variables)", fn, i, len(e.c.envVars)))
	}
	return e.c.envVars[i]
}

func (e *execution) envVarNamed(m api.Module, fn string, src, size uint32) (envVar, bool) {
	if size > maxEnvVarLen {
		e.contractViolation(fmt.Sprintf("ic0.%s: a name of %d bytes exceeds the maximum of %d", fn, size, maxEnvVarLen))
	}
	name := e.read(m, fn, src, size)
	if !utf8.Valid(name) {
		e.contractViolation(fmt.Sprintf("ic0.%s: the name is not valid UTF-8", fn))
	}
	for _, v := range e.c.envVars {
		if v.name == string(name) {
			return v, true
		}
	}
	return envVar{}, false
}

func (e *execution) mustEnvVarNamed(m api.Module, fn string, src, size uint32) envVar {
	v, ok := e.envVarNamed(m, fn, src, size)
	if !ok {
		e.contractViolation(fmt.Sprintf("ic0.%s: no environment variable named %q", fn, printable(e.read(m, fn, src, size), 128)))
	}
	return v
}

// thresholdCost implements cost_sign_with_ecdsa, cost_sign_with_schnorr and
// cost_vetkd_derive_key: (key name src, size, curve/algorithm, dst) -> 0 ok,
// 1 unknown curve/algorithm, 2 unknown key name.
func thresholdCost(fn string, maxAlgorithm uint32) func(*execution, api.Module, []uint64) {
	return func(e *execution, m api.Module, s []uint64) {
		name := e.read(m, fn, u32(s, 0), u32(s, 1))
		switch {
		case u32(s, 2) > maxAlgorithm:
			s[0] = 1
		case !thresholdKeyNames[string(name)]:
			s[0] = 2
		default:
			e.write(m, fn, u32(s, 3), u128{lo: thresholdSignatureFee}.bytes())
			s[0] = 0
		}
	}
}
