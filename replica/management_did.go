package replica

import (
	"fmt"
	"math/big"

	"github.com/icgo/icgo/internal/candidtext"
)

// managementDID is the part of the management canister's interface
// (the management canister's ic.did) that the replica implements.
const managementDID = `
type canister_id = principal;
type log_visibility = variant { controllers; public; allowed_viewers : vec principal };
type snapshot_visibility = variant { controllers; public; allowed_viewers : vec principal };
type status_visibility = variant { controllers; public; allowed_viewers : vec principal };
type environment_variable = record { name : text; value : text };
type canister_settings = record {
  controllers : opt vec principal;
  compute_allocation : opt nat;
  memory_allocation : opt nat;
  freezing_threshold : opt nat;
  reserved_cycles_limit : opt nat;
  minimum_incoming_canister_call_cycles : opt nat;
  log_visibility : opt log_visibility;
  log_memory_limit : opt nat;
  snapshot_visibility : opt snapshot_visibility;
  status_visibility : opt status_visibility;
  wasm_memory_limit : opt nat;
  wasm_memory_threshold : opt nat;
  environment_variables : opt vec environment_variable;
};
type definite_canister_settings = record {
  controllers : vec principal;
  compute_allocation : nat;
  memory_allocation : nat;
  freezing_threshold : nat;
  reserved_cycles_limit : nat;
  minimum_incoming_canister_call_cycles : nat;
  log_visibility : log_visibility;
  log_memory_limit : nat;
  snapshot_visibility : snapshot_visibility;
  status_visibility : status_visibility;
  wasm_memory_limit : nat;
  wasm_memory_threshold : nat;
  environment_variables : vec environment_variable;
};
type chunk_hash = record { hash : blob };
type http_header = record { name : text; value : text };
type http_request_result = record { status : nat; headers : vec http_header; body : blob };
type canister_install_mode = variant {
  install;
  reinstall;
  upgrade : opt record { skip_pre_upgrade : opt bool; wasm_memory_persistence : opt variant { keep; replace } };
};
type create_canister_args = record { settings : opt canister_settings; sender_canister_version : opt nat64 };
type create_canister_result = record { canister_id : canister_id };
type provisional_create_canister_with_cycles_args = record {
  amount : opt nat; settings : opt canister_settings; specified_id : opt canister_id; sender_canister_version : opt nat64;
};
type provisional_top_up_canister_args = record { canister_id : canister_id; amount : nat };
type update_settings_args = record { canister_id : canister_id; settings : canister_settings; sender_canister_version : opt nat64 };
type upload_chunk_args = record { canister_id : canister_id; chunk : blob };
type canister_id_args = record { canister_id : canister_id };
type install_code_args = record {
  mode : canister_install_mode; canister_id : canister_id; wasm_module : blob; arg : blob; sender_canister_version : opt nat64;
};
type install_chunked_code_args = record {
  mode : canister_install_mode; target_canister : canister_id; store_canister : opt canister_id;
  chunk_hashes_list : vec chunk_hash; wasm_module_hash : blob; arg : blob; sender_canister_version : opt nat64;
};
type uninstall_code_args = record { canister_id : canister_id; sender_canister_version : opt nat64 };
type canister_status_result = record {
  status : variant { running; stopping; stopped };
  ready_for_migration : bool;
  version : nat64;
  settings : definite_canister_settings;
  module_hash : opt blob;
  memory_size : nat;
  memory_metrics : record {
    wasm_memory_size : nat; stable_memory_size : nat; global_memory_size : nat; wasm_binary_size : nat;
    custom_sections_size : nat; canister_history_size : nat; wasm_chunk_store_size : nat; snapshots_size : nat;
    log_memory_store_size : nat;
  };
  cycles : nat;
  reserved_cycles : nat;
  idle_cycles_burned_per_day : nat;
  query_stats : record {
    num_calls_total : nat; num_instructions_total : nat; request_payload_bytes_total : nat; response_payload_bytes_total : nat;
  };
};
type http_request_args = record {
  url : text;
  max_response_bytes : opt nat64;
  method : variant { get; head; post; put; delete; patch };
  headers : vec http_header;
  body : opt blob;
  transform : opt record {
    function : func (record { response : http_request_result; context : blob }) -> (http_request_result) query;
    context : blob;
  };
  is_replicated : opt bool;
};
type transform_args = record { response : http_request_result; context : blob };
type raw_rand_result = blob;
type canister_log_record = record { idx : nat64; timestamp_nanos : nat64; content : blob };
type fetch_canister_logs_result = record { canister_log_records : vec canister_log_record };
type empty_result = record {};
type snapshot_id = blob;
type snapshot = record { id : snapshot_id; taken_at_timestamp : nat64; total_size : nat64 };
type list_canister_snapshots_result = vec snapshot;
type change_origin = variant {
  from_user : record { user_id : principal };
  from_canister : record { canister_id : canister_id; canister_version : opt nat64 };
};
type change_details = variant {
  creation : record { controllers : vec principal; environment_variables_hash : opt blob };
  code_uninstall;
  code_deployment : record { mode : variant { install; reinstall; upgrade }; module_hash : blob };
  load_snapshot : record {
    from_canister_id : opt principal; snapshot_id : snapshot_id; canister_version : nat64; taken_at_timestamp : nat64;
    source : variant { taken_from_canister : reserved; metadata_upload : reserved };
  };
  controllers_change : record { controllers : vec principal };
  rename_canister : record {
    canister_id : canister_id; total_num_changes : nat64;
    rename_to : record { canister_id : canister_id; version : nat64; total_num_changes : nat64 };
    requested_by : principal;
  };
};
type change = record { timestamp_nanos : nat64; canister_version : nat64; origin : change_origin; details : change_details };
type canister_info_args = record { canister_id : canister_id; num_requested_changes : opt nat64 };
type canister_info_result = record {
  total_num_changes : nat64; recent_changes : vec change; module_hash : opt blob; controllers : vec principal;
};
type take_canister_snapshot_args = record {
  canister_id : canister_id; replace_snapshot : opt snapshot_id; uninstall_code : opt bool; sender_canister_version : opt nat64;
};
type load_canister_snapshot_args = record { canister_id : canister_id; snapshot_id : snapshot_id; sender_canister_version : opt nat64 };
type delete_canister_snapshot_args = record { canister_id : canister_id; snapshot_id : snapshot_id };
type read_canister_snapshot_metadata_args = record { canister_id : canister_id; snapshot_id : snapshot_id };
type read_canister_snapshot_metadata_response = record {
  source : variant { taken_from_canister : reserved; metadata_upload : reserved };
  taken_at_timestamp : nat64;
  wasm_module_size : nat64;
  globals : vec variant { i32 : int32; i64 : int64; f32 : float32; f64 : float64; v128 : nat };
  wasm_memory_size : nat64;
  stable_memory_size : nat64;
  wasm_chunk_store : vec record { hash : blob };
  canister_version : nat64;
  certified_data : blob;
  global_timer : opt variant { inactive; active : nat64 };
  on_low_wasm_memory_hook_status : opt variant { condition_not_satisfied; ready; executed };
};
type read_canister_snapshot_data_args = record {
  canister_id : canister_id;
  snapshot_id : snapshot_id;
  kind : variant {
    wasm_module : record { offset : nat64; size : nat64 };
    wasm_memory : record { offset : nat64; size : nat64 };
    stable_memory : record { offset : nat64; size : nat64 };
    wasm_chunk : record { hash : blob };
  };
};
type read_canister_snapshot_data_response = record { chunk : blob };
type upload_canister_snapshot_metadata_args = record {
  canister_id : canister_id;
  replace_snapshot : opt snapshot_id;
  wasm_module_size : nat64;
  globals : vec variant { i32 : int32; i64 : int64; f32 : float32; f64 : float64; v128 : nat };
  wasm_memory_size : nat64;
  stable_memory_size : nat64;
  certified_data : blob;
  global_timer : opt variant { inactive; active : nat64 };
  on_low_wasm_memory_hook_status : opt variant { condition_not_satisfied; ready; executed };
};
type upload_canister_snapshot_metadata_response = record { snapshot_id : snapshot_id };
type upload_canister_snapshot_data_args = record {
  canister_id : canister_id;
  snapshot_id : snapshot_id;
  kind : variant {
    wasm_module : record { offset : nat64 };
    wasm_memory : record { offset : nat64 };
    stable_memory : record { offset : nat64 };
    wasm_chunk;
  };
  chunk : blob;
};
`

var mgmtDID = func() *candidtext.Service {
	s, err := candidtext.ParseDID(managementDID + thresholdDID)
	if err != nil {
		panic("replica: management canister interface: " + err.Error())
	}
	return s
}()

func mgmtType(name string) *candidtext.Type {
	t, ok := mgmtDID.Types[name]
	if !ok {
		panic("replica: no management type " + name)
	}
	return t
}

// badArg is the reject for an argument that does not decode.
func badArg(method string, err error) *Reject {
	return &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage,
		Message: fmt.Sprintf("management canister: %s: invalid argument: %v", method, err)}
}

// decodeMgmt decodes the single argument of a management method.
func decodeMgmt(arg []byte, typeName string) (*candidtext.Value, error) {
	vs, err := candidtext.DecodeValues(arg, []*candidtext.Type{mgmtType(typeName)})
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("expected one argument of type %s, got none", typeName)
	}
	return &vs[0], nil
}

// encodeMgmt encodes one result value.
func encodeMgmt(v candidtext.Value, typeName string) []byte {
	b, err := candidtext.Encode([]candidtext.Value{v}, []*candidtext.Type{mgmtType(typeName)})
	if err != nil {
		panic("replica: encoding a management result: " + err.Error())
	}
	return b
}

// emptyReply is the Candid encoding of () (no results).
var emptyReply = []byte("DIDL\x00\x00")

// Accessors over decoded values. A field absent from the wire is nil; an
// opt field that is null is nil as well (Candid subtyping).

func fieldOf(v *candidtext.Value, name string) *candidtext.Value {
	if v == nil || v.Kind != candidtext.KindRecord {
		return nil
	}
	id := candidtext.Hash(name)
	for i := range v.Fields {
		if v.Fields[i].ID == id {
			return &v.Fields[i].Value
		}
	}
	return nil
}

func optOf(v *candidtext.Value) *candidtext.Value {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case candidtext.KindNull, candidtext.KindReserved:
		return nil
	case candidtext.KindOpt:
		return v.Elem
	}
	return v
}

type argErr struct{ msg string }

func (e *argErr) Error() string { return e.msg }

func needField(v *candidtext.Value, name string) (*candidtext.Value, error) {
	f := fieldOf(v, name)
	if f == nil {
		return nil, &argErr{fmt.Sprintf("missing field %s", name)}
	}
	return f, nil
}

func principalOf(v *candidtext.Value, name string) ([]byte, error) {
	if v == nil || v.Kind != candidtext.KindPrincipal {
		return nil, &argErr{fmt.Sprintf("field %s: expected a principal", name)}
	}
	return v.Bytes, nil
}

func blobOf(v *candidtext.Value, name string) ([]byte, error) {
	if v == nil {
		return nil, &argErr{fmt.Sprintf("field %s: expected a blob", name)}
	}
	switch v.Kind {
	case candidtext.KindBlob:
		return v.Bytes, nil
	case candidtext.KindVec:
		if len(v.Elems) == 0 {
			return []byte{}, nil
		}
	}
	return nil, &argErr{fmt.Sprintf("field %s: expected a blob", name)}
}

func natOf(v *candidtext.Value, name string) (*big.Int, error) {
	if v == nil || v.Int == nil || v.Int.Sign() < 0 {
		return nil, &argErr{fmt.Sprintf("field %s: expected a natural number", name)}
	}
	return v.Int, nil
}

func uint64Of(v *candidtext.Value, name string) (uint64, error) {
	n, err := natOf(v, name)
	if err != nil {
		return 0, err
	}
	if !n.IsUint64() {
		return 0, &argErr{fmt.Sprintf("field %s: %s does not fit in 64 bits", name, n)}
	}
	return n.Uint64(), nil
}

func textOf(v *candidtext.Value, name string) (string, error) {
	if v == nil || v.Kind != candidtext.KindText {
		return "", &argErr{fmt.Sprintf("field %s: expected text", name)}
	}
	return v.Text, nil
}

// variantOf returns a variant's case name (from the expected type's labels)
// and its payload.
func variantOf(v *candidtext.Value, name string, cases ...string) (string, *candidtext.Value, error) {
	if v == nil || v.Kind != candidtext.KindVariant || len(v.Fields) != 1 {
		return "", nil, &argErr{fmt.Sprintf("field %s: expected a variant", name)}
	}
	for _, c := range cases {
		if v.Fields[0].ID == candidtext.Hash(c) {
			return c, &v.Fields[0].Value, nil
		}
	}
	return "", nil, &argErr{fmt.Sprintf("field %s: unknown case %d", name, v.Fields[0].ID)}
}

// Value constructors for results.

func cvRecord(fields ...candidtext.FieldValue) candidtext.Value {
	return candidtext.Value{Kind: candidtext.KindRecord, Fields: fields}
}

func cvField(name string, v candidtext.Value) candidtext.FieldValue {
	return candidtext.FieldValue{Name: name, ID: candidtext.Hash(name), Value: v}
}

func cvVariant(name string, v candidtext.Value) candidtext.Value {
	return candidtext.Value{Kind: candidtext.KindVariant, Fields: []candidtext.FieldValue{cvField(name, v)}}
}

func cvNull() candidtext.Value { return candidtext.Value{Kind: candidtext.KindNull} }

func cvNat(n uint64) candidtext.Value {
	return candidtext.Value{Kind: candidtext.KindNat, Int: new(big.Int).SetUint64(n)}
}

func cvNatU128(n u128) candidtext.Value {
	i := new(big.Int).SetUint64(n.hi)
	i.Lsh(i, 64).Or(i, new(big.Int).SetUint64(n.lo))
	return candidtext.Value{Kind: candidtext.KindNat, Int: i}
}

func cvNat64(n uint64) candidtext.Value {
	return candidtext.Value{Kind: candidtext.KindNat64, Int: new(big.Int).SetUint64(n)}
}

func cvBool(b bool) candidtext.Value { return candidtext.Value{Kind: candidtext.KindBool, Bool: b} }

func cvText(s string) candidtext.Value { return candidtext.Value{Kind: candidtext.KindText, Text: s} }

func cvBlob(b []byte) candidtext.Value {
	return candidtext.Value{Kind: candidtext.KindBlob, Bytes: append([]byte{}, b...)}
}

func cvPrincipal(b []byte) candidtext.Value {
	return candidtext.Value{Kind: candidtext.KindPrincipal, Bytes: append([]byte{}, b...)}
}

func cvOpt(v *candidtext.Value) candidtext.Value {
	return candidtext.Value{Kind: candidtext.KindOpt, Elem: v}
}

func cvVec(vs ...candidtext.Value) candidtext.Value {
	return candidtext.Value{Kind: candidtext.KindVec, Elems: vs}
}

// u128Of reads a nat field that must fit in 128 bits (cycle amounts).
func u128Of(v *candidtext.Value, name string) (u128, error) {
	n, err := natOf(v, name)
	if err != nil {
		return u128{}, err
	}
	x, ok := u128OfBig(n)
	if !ok {
		return u128{}, &argErr{fmt.Sprintf("field %s: %s is not below 2^128", name, n)}
	}
	return x, nil
}

func u128OfBig(n *big.Int) (u128, bool) {
	if n.Sign() < 0 || n.BitLen() > 128 {
		return u128{}, false
	}
	lo := new(big.Int).And(n, new(big.Int).SetUint64(^uint64(0))).Uint64()
	hi := new(big.Int).Rsh(n, 64).Uint64()
	return u128{hi: hi, lo: lo}, true
}
