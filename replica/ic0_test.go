package replica

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/icgo/icgo/internal/validate"
	"github.com/icgo/icgo/internal/wasm"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// specContexts is where the IC interface spec lets each ic0 function be
// called (reference sections 1.3 and 1.4, the contexts column). The
// signatures are not repeated here: they come from validate.IC0, which
// install enforces (TestIC0MatchesValidate).
var specContexts = map[string]string{
	"msg_arg_data_size":                "I U RQ NRQ TQ CQ Ry CRy F",
	"msg_arg_data_copy":                "I U RQ NRQ TQ CQ Ry CRy F",
	"msg_caller_size":                  "*",
	"msg_caller_copy":                  "*",
	"msg_caller_info_data_size":        "U RQ NRQ CQ Ry Rt CRy CRt C CC F",
	"msg_caller_info_data_copy":        "U RQ NRQ CQ Ry Rt CRy CRt C CC F",
	"msg_caller_info_signer_size":      "U RQ NRQ CQ Ry Rt CRy CRt C CC F",
	"msg_caller_info_signer_copy":      "U RQ NRQ CQ Ry Rt CRy CRt C CC F",
	"msg_reject_code":                  "Ry Rt CRy CRt C",
	"msg_reject_msg_size":              "Rt CRt",
	"msg_reject_msg_copy":              "Rt CRt",
	"msg_deadline":                     "U RQ NRQ CQ Ry Rt CRy CRt",
	"msg_method_name_size":             "F",
	"msg_method_name_copy":             "F",
	"accept_message":                   "F",
	"msg_reply_data_append":            "U RQ NRQ TQ CQ Ry Rt CRy CRt",
	"msg_reply":                        "U RQ NRQ TQ CQ Ry Rt CRy CRt",
	"msg_reject":                       "U RQ NRQ TQ CQ Ry Rt CRy CRt",
	"msg_cycles_available128":          "U RQ Rt Ry",
	"msg_cycles_refunded128":           "Rt Ry",
	"msg_cycles_accept128":             "U RQ Rt Ry",
	"cycles_burn128":                   "I G U RQ Ry Rt C T",
	"canister_cycle_balance128":        "*",
	"canister_liquid_cycle_balance128": "*",
	"call_cycles_add128":               "U Ry Rt T",
	"canister_self_size":               "*",
	"canister_self_copy":               "*",
	"subnet_self_size":                 "*",
	"subnet_self_copy":                 "*",
	"canister_status":                  "*",
	"canister_version":                 "*",
	"is_controller":                    "* s",
	"in_replicated_execution":          "* s",
	"call_new":                         "U CQ Ry Rt CRy CRt T",
	"call_on_cleanup":                  "U CQ Ry Rt CRy CRt T",
	"call_data_append":                 "U CQ Ry Rt CRy CRt T",
	"call_with_best_effort_response":   "U CQ Ry Rt CRy CRt T",
	"call_perform":                     "U CQ Ry Rt CRy CRt T",
	"stable64_size":                    "* s",
	"stable64_grow":                    "* s",
	"stable64_write":                   "* s",
	"stable64_read":                    "* s",
	"root_key_size":                    "I G U RQ Ry Rt C T",
	"root_key_copy":                    "I G U RQ Ry Rt C T",
	"certified_data_set":               "I G U Ry Rt T",
	"data_certificate_present":         "*",
	"data_certificate_size":            "NRQ CQ",
	"data_certificate_copy":            "NRQ CQ",
	"time":                             "*",
	"global_timer_set":                 "I G U Ry Rt C T",
	"performance_counter":              "* s",
	"cost_call":                        "* s",
	"cost_create_canister":             "* s",
	"cost_http_request":                "* s",
	"cost_sign_with_ecdsa":             "* s",
	"cost_sign_with_schnorr":           "* s",
	"cost_vetkd_derive_key":            "* s",
	"env_var_count":                    "*",
	"env_var_name_size":                "*",
	"env_var_name_copy":                "*",
	"env_var_name_exists":              "*",
	"env_var_value_size":               "*",
	"env_var_value_copy":               "*",
	"debug_print":                      "* s",
	"trap":                             "* s",
	// Legacy (1.4).
	"msg_cycles_available":   "U RQ Rt Ry",
	"msg_cycles_refunded":    "Rt Ry",
	"msg_cycles_accept":      "U RQ Rt Ry",
	"canister_cycle_balance": "*",
	"call_cycles_add":        "U Ry Rt T",
	"stable_size":            "* s",
	"stable_grow":            "* s",
	"stable_write":           "* s",
	"stable_read":            "* s",
}

// TestIC0MatchesValidate checks the ic0 host module the replica actually
// links against validate.IC0, the import table install enforces: every
// entry of validate.IC0 is provided with its wasm32 signature (I = i32),
// and the replica provides nothing else.
func TestIC0MatchesValidate(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	if err := instantiateIC0(ctx, rt); err != nil {
		t.Fatal(err)
	}
	have := map[string]api.FunctionDefinition{}
	for _, d := range rt.Module("ic0").ExportedFunctionDefinitions() {
		have[d.Name()] = d
	}
	for name, sig := range validate.IC0 {
		d, ok := have[name]
		if !ok {
			t.Errorf("ic0.%s is in validate.IC0 but the replica does not provide it", name)
			continue
		}
		ft := sig.FuncType(false)
		if got, want := sigString(d.ParamTypes(), d.ResultTypes()), wasmSigString(ft.Params, ft.Results); got != want {
			t.Errorf("ic0.%s: the replica provides %s, validate.IC0 says %s", name, got, want)
		}
	}
	for name := range have {
		if _, ok := validate.IC0[name]; !ok {
			t.Errorf("ic0.%s is provided by the replica but not in validate.IC0 (install refuses it)", name)
		}
	}
	if len(have) != len(validate.IC0) {
		t.Errorf("the replica provides %d functions, validate.IC0 has %d", len(have), len(validate.IC0))
	}
}

// TestIC0Contexts checks each function's allowed contexts against the spec.
func TestIC0Contexts(t *testing.T) {
	have := map[string]hostFunc{}
	for _, f := range ic0Functions() {
		if _, dup := have[f.name]; dup {
			t.Errorf("%s defined twice", f.name)
		}
		have[f.name] = f
	}
	for name, want := range specContexts {
		f, ok := have[name]
		if !ok {
			t.Errorf("ic0.%s missing", name)
			continue
		}
		if contexts(f.contexts) != contexts(want) {
			t.Errorf("ic0.%s: contexts %q, spec %q", name, f.contexts, want)
		}
	}
	for name := range have {
		if _, ok := specContexts[name]; !ok && !validate.IC0[name].NotInSpec {
			t.Errorf("ic0.%s is not in the spec", name)
		}
	}
}

func sigString(params, results []api.ValueType) string {
	names := func(ts []api.ValueType) string {
		var s []string
		for _, t := range ts {
			s = append(s, api.ValueTypeName(t))
		}
		return strings.Join(s, ", ")
	}
	return fmt.Sprintf("(%s) -> (%s)", names(params), names(results))
}

func wasmSigString(params, results []wasm.ValType) string {
	conv := func(ts []wasm.ValType) []api.ValueType {
		var out []api.ValueType
		for _, t := range ts {
			switch t {
			case wasm.I32:
				out = append(out, api.ValueTypeI32)
			case wasm.I64:
				out = append(out, api.ValueTypeI64)
			default:
				out = append(out, api.ValueType(0xff)) // never matches
			}
		}
		return out
	}
	return sigString(conv(params), conv(results))
}

func TestContexts(t *testing.T) {
	star := contexts("*")
	if star.has(ctxS) || !star.has(ctxU) || !star.has(ctxT) {
		t.Error("* must be every context but s")
	}
	if !contexts("* s").has(ctxS) {
		t.Error("* s must include s")
	}
	if q := contexts("Q"); !q.has(ctxRQ) || !q.has(ctxNRQ) || q.has(ctxCQ) {
		t.Error("Q must be RQ NRQ")
	}
}

// A module calling a range of ic0 functions that must work in an update.
func TestIC0Misc(t *testing.T) {
	src := `(module
	  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
	  (import "ic0" "msg_reply" (func $reply))
	  (import "ic0" "canister_status" (func $status (result i32)))
	  (import "ic0" "performance_counter" (func $perf (param i32) (result i64)))
	  (import "ic0" "msg_deadline" (func $deadline (result i64)))
	  (import "ic0" "data_certificate_present" (func $cert (result i32)))
	  (import "ic0" "env_var_count" (func $env_count (result i32)))
	  (import "ic0" "env_var_value_size" (func $env_size (param i32 i32) (result i32)))
	  (import "ic0" "env_var_value_copy" (func $env_copy (param i32 i32 i32 i32 i32)))
	  (import "ic0" "is_controller" (func $is_controller (param i32 i32) (result i32)))
	  (import "ic0" "root_key_size" (func $root_key_size (result i32)))
	  (import "ic0" "subnet_self_size" (func $subnet_size (result i32)))
	  (import "ic0" "cost_create_canister" (func $cost_create (param i32)))
	  (import "ic0" "cost_sign_with_ecdsa" (func $cost_ecdsa (param i32 i32 i32 i32) (result i32)))
	  (import "ic0" "msg_cycles_available128" (func $avail (param i32)))
	  (import "ic0" "stable_grow" (func $sgrow (param i32) (result i32)))
	  (import "ic0" "stable_size" (func $ssize (result i32)))
	  (import "ic0" "performance_counter" (func $perf2 (param i32) (result i64)))
	  (memory 1)
	  (data (i32.const 512) "MODE\04key_1")
	  (func $w (param $off i32) (param $v i64) (i64.store (local.get $off) (local.get $v)))
	  (func (export "canister_update misc")
	    (call $w (i32.const 0) (i64.extend_i32_u (call $status)))
	    (call $w (i32.const 8) (call $perf (i32.const 0)))
	    (call $w (i32.const 16) (call $deadline))
	    (call $w (i32.const 24) (i64.extend_i32_u (call $cert)))
	    (call $w (i32.const 32) (i64.extend_i32_u (call $env_count)))
	    (call $w (i32.const 40) (i64.extend_i32_u (call $env_size (i32.const 512) (i32.const 4))))
	    (call $env_copy (i32.const 512) (i32.const 4) (i32.const 48) (i32.const 0) (i32.const 3))
	    (call $w (i32.const 56) (i64.extend_i32_u (call $is_controller (i32.const 516) (i32.const 1))))
	    (call $w (i32.const 64) (i64.extend_i32_u (call $root_key_size)))
	    (call $w (i32.const 72) (i64.extend_i32_u (call $subnet_size)))
	    (call $cost_create (i32.const 80))
	    (call $w (i32.const 96) (i64.extend_i32_u (call $cost_ecdsa (i32.const 517) (i32.const 5) (i32.const 0) (i32.const 104))))
	    (call $avail (i32.const 120))
	    (call $w (i32.const 136) (i64.extend_i32_u (call $sgrow (i32.const 3))))
	    (call $w (i32.const 144) (i64.extend_i32_u (call $ssize)))
	    (call $append (i32.const 0) (i32.const 152))
	    (call $reply))
	  (func (export "canister_update bad_counter") (drop (call $perf2 (i32.const 7)))))`
	r := newReplica(t)
	id, _ := r.CreateCanister(WithEnvVars(map[string]string{"MODE": "dev"}))
	if err := r.Install(id, wat(t, src), nil); err != nil {
		t.Fatal(err)
	}
	v := u64s(reply(t)(r.Update(id, "misc", nil)))
	if v[1] == 0 || v[1] > 1000 { // performance_counter(0): the instructions so far (metering.go)
		t.Errorf("performance_counter(0) = %d, want a small positive count", v[1])
	}
	want := map[int]uint64{0: 1, 2: 0, 3: 0, 4: 1, 5: 3, 7: 1, 8: 133, 9: 29, 10: canisterCreationFee, 11: 0, 12: 0, 13: thresholdSignatureFee, 15: 0, 16: 0, 17: 0, 18: 3}
	for i, w := range want {
		if v[i] != w {
			t.Errorf("word %d = %d, want %d (all: %v)", i, v[i], w, v)
		}
	}
	if got := string(reply(t)(r.Update(id, "misc", nil))[48:51]); got != "dev" {
		t.Errorf("env var value %q", got)
	}
	res, err := r.Update(id, "bad_counter", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterContractViolation, "unknown counter type 7")
}

func TestCosts(t *testing.T) {
	// Reference 4.2: 49,140,000 base on 13 nodes; 5,200 per request byte;
	// 10,400 per max_response_bytes byte.
	if got := costHTTPRequest(0, 0); got != (u128{lo: 49_140_000}) {
		t.Errorf("base %v", got)
	}
	if got := costHTTPRequest(1, 2_000_000); got != (u128{lo: 49_140_000 + 5_200 + 20_800_000_000}) {
		t.Errorf("http %v", got)
	}
	if got := costCall(3, 10); got != (u128{lo: 260_000 + 13_000 + 5_000_000 + 40_000_000_000 + 2_097_152_000}) {
		t.Errorf("call %v", got)
	}
}
