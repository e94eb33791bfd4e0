package validate

import "github.com/icgo/icgo/internal/wasm"

// Ptr stands for the pointer/size type I of the System API in a Signature:
// i32 when the module's memory is 32-bit (or it has no memory), i64 when it
// is a memory64 (wasm64) module. It is not a real value type code.
const Ptr wasm.ValType = 0x01

// Signature is the type of one ic0 import with Ptr placeholders for I.
type Signature struct {
	Params, Results []wasm.ValType
	// Wasm32Only marks the legacy functions that exist only when I = i32.
	Wasm32Only bool
	// NotInSpec marks functions the replica links but the interface spec
	// does not describe (spec "Overview of imports").
	NotInSpec bool
}

// FuncType returns the signature with I replaced by i32, or by i64 when
// wasm64 is set.
func (s Signature) FuncType(wasm64 bool) wasm.FuncType {
	p := wasm.I32
	if wasm64 {
		p = wasm.I64
	}
	sub := func(ts []wasm.ValType) []wasm.ValType {
		out := make([]wasm.ValType, len(ts))
		for i, t := range ts {
			if t == Ptr {
				t = p
			}
			out[i] = t
		}
		return out
	}
	return wasm.FuncType{Params: sub(s.Params), Results: sub(s.Results)}
}

// I is shorthand for Ptr, so that the table below reads like the spec.
const I = Ptr

const (
	i32 = wasm.I32
	i64 = wasm.I64
)

func sig(params []wasm.ValType, results ...wasm.ValType) Signature {
	return Signature{Params: params, Results: results}
}

func p(ts ...wasm.ValType) []wasm.ValType { return ts }

// IC0 is every function a canister may import from module "ic0", by name.
//
// Sources: the ic0 block of the IC interface specification ("Overview of
// imports", spec 0.66.0); the legacy functions that exist only for
// 32-bit memories (dfinity/ic rs/embedders/src/wasm_utils/validation.rs
// get_valid_system_apis_32_only); functions the replica links
// that the spec does not describe (mint_cycles from validation.rs,
// mint_cycles128 and cost_http_request_v2 from wasmtime_embedder/linker.rs).
// The stable64_* functions take i64 in both wasm32 and wasm64.
var IC0 = map[string]Signature{
	// Message data and caller.
	"msg_arg_data_size":           sig(p(), I),
	"msg_arg_data_copy":           sig(p(I, I, I)),
	"msg_caller_size":             sig(p(), I),
	"msg_caller_copy":             sig(p(I, I, I)),
	"msg_caller_info_data_size":   sig(p(), I),
	"msg_caller_info_data_copy":   sig(p(I, I, I)),
	"msg_caller_info_signer_size": sig(p(), I),
	"msg_caller_info_signer_copy": sig(p(I, I, I)),
	"msg_reject_code":             sig(p(), i32),
	"msg_reject_msg_size":         sig(p(), I),
	"msg_reject_msg_copy":         sig(p(I, I, I)),
	"msg_deadline":                sig(p(), i64),
	"msg_method_name_size":        sig(p(), I),
	"msg_method_name_copy":        sig(p(I, I, I)),
	"accept_message":              sig(p()),

	// Responding.
	"msg_reply_data_append": sig(p(I, I)),
	"msg_reply":             sig(p()),
	"msg_reject":            sig(p(I, I)),

	// Cycles.
	"msg_cycles_available128":          sig(p(I)),
	"msg_cycles_refunded128":           sig(p(I)),
	"msg_cycles_accept128":             sig(p(i64, i64, I)),
	"cycles_burn128":                   sig(p(i64, i64, I)),
	"canister_cycle_balance128":        sig(p(I)),
	"canister_liquid_cycle_balance128": sig(p(I)),
	"call_cycles_add128":               sig(p(i64, i64)),

	// Identity and status.
	"canister_self_size":      sig(p(), I),
	"canister_self_copy":      sig(p(I, I, I)),
	"subnet_self_size":        sig(p(), I),
	"subnet_self_copy":        sig(p(I, I, I)),
	"canister_status":         sig(p(), i32),
	"canister_version":        sig(p(), i64),
	"is_controller":           sig(p(I, I), i32),
	"in_replicated_execution": sig(p(), i32),

	// Inter-canister calls.
	"call_new":                       sig(p(I, I, I, I, I, I, I, I)),
	"call_on_cleanup":                sig(p(I, I)),
	"call_data_append":               sig(p(I, I)),
	"call_with_best_effort_response": sig(p(i32)),
	"call_perform":                   sig(p(), i32),

	// Stable memory (64-bit API: i64 in wasm32 too).
	"stable64_size":  sig(p(), i64),
	"stable64_grow":  sig(p(i64), i64),
	"stable64_write": sig(p(i64, i64, i64)),
	"stable64_read":  sig(p(i64, i64, i64)),

	// Certification, time, timer.
	"root_key_size":            sig(p(), I),
	"root_key_copy":            sig(p(I, I, I)),
	"certified_data_set":       sig(p(I, I)),
	"data_certificate_present": sig(p(), i32),
	"data_certificate_size":    sig(p(), I),
	"data_certificate_copy":    sig(p(I, I, I)),
	"time":                     sig(p(), i64),
	"global_timer_set":         sig(p(i64), i64),
	"performance_counter":      sig(p(i32), i64),

	// Cost queries.
	"cost_call":              sig(p(i64, i64, I)),
	"cost_create_canister":   sig(p(I)),
	"cost_http_request":      sig(p(i64, i64, I)),
	"cost_sign_with_ecdsa":   sig(p(I, I, i32, I), i32),
	"cost_sign_with_schnorr": sig(p(I, I, i32, I), i32),
	"cost_vetkd_derive_key":  sig(p(I, I, i32, I), i32),

	// Environment variables.
	"env_var_count":       sig(p(), I),
	"env_var_name_size":   sig(p(I), I),
	"env_var_name_copy":   sig(p(I, I, I, I)),
	"env_var_name_exists": sig(p(I, I), i32),
	"env_var_value_size":  sig(p(I, I), I),
	"env_var_value_copy":  sig(p(I, I, I, I, I)),

	// Debugging.
	"debug_print": sig(p(I, I)),
	"trap":        sig(p(I, I)),

	// Legacy, wasm32 only (section 1.4).
	"msg_cycles_available":   {Results: p(i64), Wasm32Only: true},
	"msg_cycles_refunded":    {Results: p(i64), Wasm32Only: true},
	"msg_cycles_accept":      {Params: p(i64), Results: p(i64), Wasm32Only: true},
	"canister_cycle_balance": {Results: p(i64), Wasm32Only: true},
	"call_cycles_add":        {Params: p(i64), Wasm32Only: true},
	"stable_size":            {Results: p(i32), Wasm32Only: true},
	"stable_grow":            {Params: p(i32), Results: p(i32), Wasm32Only: true},
	"stable_write":           {Params: p(i32, i32, i32), Wasm32Only: true},
	"stable_read":            {Params: p(i32, i32, i32), Wasm32Only: true},

	// Linked by the replica, not in the spec (section 1.5).
	"mint_cycles":          {Params: p(i64), Results: p(i64), NotInSpec: true},
	"mint_cycles128":       {Params: p(i64, i64, I), NotInSpec: true},
	"cost_http_request_v2": {Params: p(I, I, I), NotInSpec: true},
}
