package replica

import (
	"strings"
	"testing"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/principal"
	"github.com/stretchr/testify/require"
)

// managementMethods are the methods the replica's management canister
// implements, and one it does not.
var managementMethods = []string{
	"create_canister", "provisional_create_canister_with_cycles", "provisional_top_up_canister",
	"install_code", "install_chunked_code", "uninstall_code", "upload_chunk", "stored_chunks",
	"clear_chunk_store", "canister_status", "update_settings", "start_canister", "stop_canister",
	"delete_canister", "deposit_cycles", "raw_rand", "http_request", "fetch_canister_logs",
	"take_canister_snapshot", "load_canister_snapshot", "list_canister_snapshots", "delete_canister_snapshot",
	"canister_info", "read_canister_snapshot_metadata", "read_canister_snapshot_data",
	"upload_canister_snapshot_metadata", "upload_canister_snapshot_data", "no_such_method",
}

// emptyModule is the smallest wasm module.
var emptyModule = []byte("\x00asm\x01\x00\x00\x00")

// managementSeeds are valid and almost valid arguments of each method,
// addressed to canister id.
func managementSeeds(id CanisterID) map[string][][]byte {
	cid := cvField("canister_id", cvPrincipal(id.Bytes()))
	hash := cvBlob(make([]byte, 32))
	return map[string][][]byte{
		"create_canister": {encodeMgmt(cvRecord(), "create_canister_args")},
		"provisional_create_canister_with_cycles": {encodeMgmt(cvRecord(cvField("amount", cvOpt(ptr(cvNat(5))))),
			"provisional_create_canister_with_cycles_args")},
		"provisional_top_up_canister": {
			encodeMgmt(cvRecord(cid, cvField("amount", cvNat(7))), "provisional_top_up_canister_args"),
			untyped(cvRecord(cid)),
		},
		"install_code":         {installArg("install", id, emptyModule, nil), installArg("upgrade", id, emptyModule, nil)},
		"install_chunked_code": {untyped(cvRecord(cvField("target_canister", cvPrincipal(id.Bytes()))))},
		"uninstall_code":       {idArg(id)},
		"upload_chunk":         {encodeMgmt(cvRecord(cid, cvField("chunk", cvBlob([]byte("abc")))), "upload_chunk_args")},
		"stored_chunks":        {idArg(id)},
		"clear_chunk_store":    {idArg(id)},
		"canister_status":      {idArg(id)},
		"update_settings": {encodeMgmt(cvRecord(cid, cvField("settings", cvRecord(
			cvField("controllers", cvOpt(ptr(cvVec(cvPrincipal(AnonymousPrincipal.Bytes()))))),
			cvField("wasm_memory_limit", cvOpt(ptr(cvNat(1<<30))))))), "update_settings_args")},
		"start_canister":  {idArg(id)},
		"stop_canister":   {idArg(id)},
		"delete_canister": {idArg(id)},
		"deposit_cycles":  {idArg(id)},
		"raw_rand":        {emptyReply},
		"http_request": {encodeMgmt(cvRecord(cvField("url", cvText("https://example.com")),
			cvField("method", cvVariant("get", cvNull())), cvField("headers", cvVec())), "http_request_args")},
		"fetch_canister_logs": {idArg(id)},
		"take_canister_snapshot": {encodeMgmt(cvRecord(cid, cvField("uninstall_code", cvOpt(ptr(cvBool(true))))), "take_canister_snapshot_args"),
			encodeMgmt(cvRecord(cid, cvField("replace_snapshot", cvOpt(ptr(cvBlob(append(make([]byte, 8), id.Bytes()...)))))), "take_canister_snapshot_args")},
		"load_canister_snapshot":          {encodeMgmt(cvRecord(cid, cvField("snapshot_id", cvBlob(append(make([]byte, 8), id.Bytes()...)))), "load_canister_snapshot_args")},
		"list_canister_snapshots":         {idArg(id)},
		"delete_canister_snapshot":        {encodeMgmt(cvRecord(cid, cvField("snapshot_id", cvBlob([]byte{1}))), "delete_canister_snapshot_args")},
		"canister_info":                   {encodeMgmt(cvRecord(cid, cvField("num_requested_changes", cvOpt(ptr(cvNat64(1<<63))))), "canister_info_args")},
		"read_canister_snapshot_metadata": {encodeMgmt(cvRecord(cid, cvField("snapshot_id", cvBlob([]byte{1}))), "read_canister_snapshot_metadata_args")},
		"read_canister_snapshot_data": {encodeMgmt(cvRecord(cid, cvField("snapshot_id", cvBlob([]byte{1})),
			cvField("kind", cvVariant("wasm_memory", cvRecord(cvField("offset", cvNat64(0)), cvField("size", cvNat64(8)))))), "read_canister_snapshot_data_args")},
		"upload_canister_snapshot_metadata": {encodeMgmt(cvRecord(cid, cvField("wasm_module_size", cvNat64(8)), cvField("globals", cvVec()),
			cvField("wasm_memory_size", cvNat64(65536)), cvField("stable_memory_size", cvNat64(0)), cvField("certified_data", cvBlob(nil))), "upload_canister_snapshot_metadata_args")},
		"upload_canister_snapshot_data": {encodeMgmt(cvRecord(cid, cvField("snapshot_id", cvBlob(append(make([]byte, 8), id.Bytes()...))),
			cvField("kind", cvVariant("wasm_module", cvRecord(cvField("offset", cvNat64(0))))), cvField("chunk", cvBlob(emptyModule))), "upload_canister_snapshot_data_args")},
		"no_such_method": {emptyReply},
		"": {{}, []byte("DIDL"), []byte("DIDL\x01\x6c\x00\x01\x00"), []byte("DIDL\x00\x01\x71\x00"),
			untyped(cvRecord(cvField("chunk_hashes_list", cvVec(cvRecord(cvField("hash", hash))))))},
	}
}

// untyped encodes v with the type Candid infers from it.
func untyped(v candidtext.Value) []byte {
	b, err := candidtext.Encode([]candidtext.Value{v}, nil)
	if err != nil {
		panic(err)
	}
	return b
}

// fuzzManagement is a replica with a canister that calls the management
// canister (callerCanister), an empty canister the arguments name, and
// outcalls answered by a mock, never the network.
func fuzzManagement(tb testing.TB) (r *Replica, caller, target CanisterID) {
	r = newReplica(tb)
	r.MockHTTP(func(*HTTPRequest, int) (*HTTPResponse, error) { return &HTTPResponse{Status: 200}, nil })
	// Nobody the fuzzer speaks for controls the caller, so it stays
	// installed and running whatever the arguments say.
	caller = installWat(tb, r, callerCanister)
	require.NoError(tb, r.SetControllers(caller, []principal.Principal{principal.FromBytes([]byte("fuzz"))}))
	target, err := r.CreateCanister(WithControllers(AnonymousPrincipal, caller.Principal()))
	require.NoError(tb, err)
	return r, caller, target
}

// FuzzManagementArgs sends arbitrary bytes as the argument of every
// management method, by ingress and from a canister: each call must end in
// a reply or a reject that blames the argument, never a panic of the
// replica (an "internal error" reject) or a Go error.
func FuzzManagementArgs(f *testing.F) {
	r, caller, target := fuzzManagement(f)
	for _, args := range managementSeeds(target) {
		for _, a := range args {
			f.Add(a)
		}
	}
	f.Fuzz(func(t *testing.T, arg []byte) {
		for _, m := range managementMethods {
			r.mu.Lock() // refill what create_canister, deposit_cycles and outcalls took
			r.canisters[caller].cycles = u128{lo: DefaultCycles}
			r.mu.Unlock()
			res, err := r.Update(ManagementCanister, m, arg)
			require.NoError(t, err, "ingress %s(%x)", m, arg)
			if res.Reject != nil {
				require.NotContains(t, res.Reject.Message, internalError, "ingress %s(%x)", m, arg)
			}
			if m == "canister_status" || m == "fetch_canister_logs" {
				res, err := r.Query(ManagementCanister, m, arg)
				require.NoError(t, err, "query %s(%x)", m, arg)
				if res.Reject != nil {
					require.NotContains(t, res.Reject.Message, internalError, "query %s(%x)", m, arg)
				}
			}
			res, err = r.Update(caller, "call", callSpec{cycles: 1 << 40, timeout: -1, method: m, payload: arg}.arg())
			o := parseOutcome(t, replyOf(t, res, err))
			require.NotContains(t, o.msg, internalError, "%s(%x) from a canister", m, arg)
		}
	})
}

// TestManagementMissingFields: an argument without a required field is a
// CANISTER_REJECT naming the field, from a user and from a canister
// (provisional_top_up_canister without amount used to panic).
func TestManagementMissingFields(t *testing.T) {
	r, caller, target := fuzzManagement(t)
	cid := cvField("canister_id", cvPrincipal(target.Bytes()))
	for _, tc := range []struct {
		method string
		arg    candidtext.Value
		want   string
	}{
		{"provisional_top_up_canister", cvRecord(cid), "amount"},
		{"provisional_top_up_canister", cvRecord(cvField("amount", cvNat(1))), "canister_id"},
		{"install_code", cvRecord(cid), "mode"},
		{"install_chunked_code", cvRecord(cvField("target_canister", cvPrincipal(target.Bytes()))), "mode"},
		{"upload_chunk", cvRecord(cid), "chunk"},
		{"update_settings", cvRecord(cid), "settings"},
		{"stop_canister", cvRecord(), "canister_id"},
		{"deposit_cycles", cvRecord(), "canister_id"},
	} {
		t.Run(tc.method+"/"+tc.want, func(t *testing.T) {
			arg := untyped(tc.arg)
			if !canisterOnly[tc.method] {
				res, err := r.Update(ManagementCanister, tc.method, arg)
				reject(t, res, err, CanisterReject, ErrCodeCanisterRejectedMessage, tc.want)
			}
			o := mgmtViaCaller(t, r, caller, tc.method, arg, 0)
			require.True(t, o.rejected)
			require.Equal(t, CanisterReject, o.code, o.msg)
			require.Contains(t, o.msg, tc.want)
			require.True(t, strings.Contains(o.msg, "invalid argument") || strings.Contains(o.msg, "missing"), o.msg)
		})
	}
}

// TestRawRandArgument: raw_rand takes () like any management method's
// Candid argument; an empty or non-Candid argument is rejected.
func TestRawRandArgument(t *testing.T) {
	r, caller, _ := fuzzManagement(t)
	for _, tc := range []struct {
		name string
		arg  []byte
		ok   bool
	}{
		{"empty", nil, false},
		{"not Candid", []byte("hello"), false},
		{"truncated", []byte("DIDL\x00"), false},
		{"unit", []byte("DIDL\x00\x00"), true},
		{"extra values", untyped(cvNat(1)), true}, // Candid lets a callee ignore extra arguments
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := mgmtViaCaller(t, r, caller, "raw_rand", tc.arg, 0)
			if tc.ok {
				require.False(t, o.rejected, o.msg)
				return
			}
			require.True(t, o.rejected)
			require.Equal(t, CanisterReject, o.code, o.msg)
			require.Contains(t, o.msg, "raw_rand: invalid argument")
		})
	}
}
