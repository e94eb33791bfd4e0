package replica

import (
	"crypto/sha256"
	"testing"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/principal"
	"github.com/stretchr/testify/require"
)

// mgmtViaCaller has callerCanister call the management canister and
// returns the callback's outcome.
func mgmtViaCaller(t *testing.T, r *Replica, caller CanisterID, method string, arg []byte, cycles uint64) callOutcome {
	t.Helper()
	res, err := r.Update(caller, "call", callSpec{cycles: cycles, timeout: -1, method: method, payload: arg}.arg())
	return parseOutcome(t, replyOf(t, res, err))
}

func decodeOne(t *testing.T, b []byte, typeName string) *candidtext.Value {
	t.Helper()
	v, err := decodeMgmt(b, typeName)
	require.NoError(t, err)
	return v
}

func idArg(id CanisterID) []byte {
	return encodeMgmt(cvRecord(cvField("canister_id", cvPrincipal(id.Bytes()))), "canister_id_args")
}

func installArg(mode string, id CanisterID, module, arg []byte) []byte {
	m := cvVariant(mode, cvNull())
	if mode == "upgrade" {
		m = cvVariant(mode, cvOpt(nil))
	}
	return encodeMgmt(cvRecord(cvField("mode", m), cvField("canister_id", cvPrincipal(id.Bytes())),
		cvField("wasm_module", cvBlob(module)), cvField("arg", cvBlob(arg))), "install_code_args")
}

func TestManagementThroughCalls(t *testing.T) {
	r := newReplica(t)
	caller := installWat(t, r, callerCanister)

	// create_canister: the fee is taken from the attached cycles, the rest
	// is the new canister's balance; the caller becomes its controller.
	o := mgmtViaCaller(t, r, caller, "create_canister", encodeMgmt(cvRecord(), "create_canister_args"), 1_000_000_000_000)
	require.False(t, o.rejected, o.msg)
	p, err := principalOf(fieldOf(decodeOne(t, o.data, "create_canister_result"), "canister_id"), "canister_id")
	require.NoError(t, err)
	child := CanisterID{string(p)}
	bal, err := r.CyclesBalance(child)
	require.NoError(t, err)
	require.Equal(t, uint64(1_000_000_000_000-canisterCreationFee), bal)
	info, err := r.Status(child)
	require.NoError(t, err)
	require.Equal(t, []principal.Principal{caller.Principal()}, info.Controllers)

	// Too few cycles: rejected, all refunded.
	o = mgmtViaCaller(t, r, caller, "create_canister", encodeMgmt(cvRecord(), "create_canister_args"), 1000)
	require.True(t, o.rejected)
	require.Equal(t, uint64(1000), o.refunded)

	// install_code, then the child answers.
	callee := wat(t, calleeCanister)
	o = mgmtViaCaller(t, r, caller, "install_code", installArg("install", child, callee, nil), 0)
	require.False(t, o.rejected, o.msg)
	require.Equal(t, "x", string(reply(t)(r.Update(child, "echo", []byte("x")))))

	// upgrade to another module.
	timer := wat(t, timerCanister)
	o = mgmtViaCaller(t, r, caller, "install_code", installArg("upgrade", child, timer, nil), 0)
	require.False(t, o.rejected, o.msg)
	reply(t)(r.Query(child, "state", nil))

	// canister_status.
	o = mgmtViaCaller(t, r, caller, "canister_status", idArg(child), 0)
	require.False(t, o.rejected, o.msg)
	st := decodeOne(t, o.data, "canister_status_result")
	name, _, err := variantOf(fieldOf(st, "status"), "status", "running", "stopping", "stopped")
	require.NoError(t, err)
	require.Equal(t, "running", name)
	hash, err := blobOf(optOf(fieldOf(st, "module_hash")), "module_hash")
	require.NoError(t, err)
	want := sha256.Sum256(timer)
	require.Equal(t, want[:], hash)

	// Only controllers: the anonymous user is not one of the child.
	res, err := r.Update(ManagementCanister, "canister_status", idArg(child))
	reject(t, res, err, CanisterError, ErrCodeCanisterInvalidController, "controllers")

	// stop, then calls to it are rejected; start again.
	o = mgmtViaCaller(t, r, caller, "stop_canister", idArg(child), 0)
	require.False(t, o.rejected, o.msg)
	res, err = r.Update(child, "bump", nil)
	reject(t, res, err, CanisterError, ErrCodeCanisterStopped, "stopped")
	o = mgmtViaCaller(t, r, caller, "start_canister", idArg(child), 0)
	require.False(t, o.rejected, o.msg)

	// Bad arguments are a reject, not a panic.
	for _, m := range []string{"install_code", "canister_status", "create_canister", "upload_chunk", "http_request", "update_settings"} {
		o = mgmtViaCaller(t, r, caller, m, []byte("not candid"), 0)
		require.True(t, o.rejected, m)
		require.Equal(t, CanisterReject, o.code, m)
		require.Contains(t, o.msg, "invalid argument", m)
	}
	o = mgmtViaCaller(t, r, caller, "install_code", encodeMgmt(cvRecord(cvField("canister_id", cvPrincipal(child.Bytes()))), "canister_id_args"), 0)
	require.True(t, o.rejected)
	require.Contains(t, o.msg, "missing field")
}

func TestManagementIngress(t *testing.T) {
	r := newReplica(t)
	// provisional_create_canister_with_cycles is for users; create_canister is not.
	res, err := r.Update(ManagementCanister, "provisional_create_canister_with_cycles",
		encodeMgmt(cvRecord(cvField("amount", cvOpt(ptr(cvNat(12345))))), "provisional_create_canister_with_cycles_args"))
	id := CanisterID{string(func() []byte {
		p, err := principalOf(fieldOf(decodeOne(t, replyOf(t, res, err), "create_canister_result"), "canister_id"), "canister_id")
		require.NoError(t, err)
		return p
	}())}
	bal, _ := r.CyclesBalance(id)
	require.Equal(t, uint64(12345), bal)
	res, err = r.Update(ManagementCanister, "create_canister", encodeMgmt(cvRecord(), "create_canister_args"))
	reject(t, res, err, CanisterReject, "IC0406", "only be called by canisters")

	// update_settings stores the settings; canister_status reports them.
	settings := cvRecord(cvField("freezing_threshold", cvOpt(ptr(cvNat(777)))), cvField("wasm_memory_limit", cvOpt(ptr(cvNat(1<<30)))))
	reply(t)(r.Update(ManagementCanister, "update_settings", encodeMgmt(cvRecord(cvField("canister_id", cvPrincipal(id.Bytes())), cvField("settings", settings)), "update_settings_args")))
	st := decodeOne(t, reply(t)(r.Query(ManagementCanister, "canister_status", idArg(id))), "canister_status_result")
	s := fieldOf(st, "settings")
	ft, _ := uint64Of(fieldOf(s, "freezing_threshold"), "")
	ml, _ := uint64Of(fieldOf(s, "wasm_memory_limit"), "")
	require.Equal(t, uint64(777), ft)
	require.Equal(t, uint64(1<<30), ml)
}

func ptr[T any](v T) *T { return &v }

func TestChunkedInstall(t *testing.T) {
	r := newReplica(t)
	id, err := r.CreateCanister()
	require.NoError(t, err)
	module := wat(t, calleeCanister)
	half := len(module) / 2
	var hashes []candidtext.Value
	for _, chunk := range [][]byte{module[:half], module[half:]} {
		b := reply(t)(r.Update(ManagementCanister, "upload_chunk", encodeMgmt(cvRecord(cvField("canister_id", cvPrincipal(id.Bytes())), cvField("chunk", cvBlob(chunk))), "upload_chunk_args")))
		h, err := blobOf(fieldOf(decodeOne(t, b, "chunk_hash"), "hash"), "hash")
		require.NoError(t, err)
		want := sha256.Sum256(chunk)
		require.Equal(t, want[:], h)
		hashes = append(hashes, cvRecord(cvField("hash", cvBlob(h))))
	}
	stored, err := candidtext.DecodeValues(reply(t)(r.Update(ManagementCanister, "stored_chunks", idArg(id))), nil)
	require.NoError(t, err)
	require.Len(t, stored[0].Elems, 2)

	install := func(moduleHash []byte) (*Result, error) {
		return r.Update(ManagementCanister, "install_chunked_code", encodeMgmt(cvRecord(
			cvField("mode", cvVariant("install", cvNull())),
			cvField("target_canister", cvPrincipal(id.Bytes())),
			cvField("chunk_hashes_list", cvVec(hashes...)),
			cvField("wasm_module_hash", cvBlob(moduleHash)),
			cvField("arg", cvBlob(nil))), "install_chunked_code_args"))
	}
	res, err := install(make([]byte, 32))
	reject(t, res, err, CanisterReject, "IC0406", "does not match the SHA-256")
	sum := sha256.Sum256(module)
	reply(t)(install(sum[:]))
	require.Equal(t, "y", string(reply(t)(r.Update(id, "echo", []byte("y")))))

	reply(t)(r.Update(ManagementCanister, "clear_chunk_store", idArg(id)))
	stored, err = candidtext.DecodeValues(reply(t)(r.Update(ManagementCanister, "stored_chunks", idArg(id))), nil)
	require.NoError(t, err)
	require.Len(t, stored[0].Elems, 0)
}

// The effective canister id of a user's management call comes from its
// argument (spec "Effective canister id").
func TestManagementEffectiveCanisterID(t *testing.T) {
	id := principal.FromBytes([]byte{0, 0, 0, 0, 0, 0, 0, 7, 1, 1})
	canisterArg := encodeMgmt(cvRecord(cvField("canister_id", cvPrincipal(id.Bytes()))), "canister_id_args")
	vals, err := candidtext.ParseArgs(`(record { mode = variant { install }; target_canister = principal "` + id.String() + `"; wasm_module_hash = blob ""; arg = blob "" })`)
	require.NoError(t, err)
	chunked, err := candidtext.Encode(vals, nil)
	require.NoError(t, err)
	for _, c := range []struct {
		method string
		arg    []byte
		want   principal.Principal
		anyID  bool
		err    string
	}{
		{"canister_status", canisterArg, id, false, ""},
		{"install_chunked_code", chunked, id, false, ""},
		{"install_chunked_code", canisterArg, principal.Principal{}, false, "no principal field target_canister"},
		{"provisional_create_canister_with_cycles", []byte("DIDL\x00\x00"), principal.Principal{}, true, ""},
		{"update_settings", []byte("DIDL\x00\x00"), principal.Principal{}, false, "no principal field canister_id"},
		{"stop_canister", []byte("not candid"), principal.Principal{}, false, "not Candid"},
	} {
		got, anyID, err := ManagementEffectiveCanisterID(c.method, c.arg)
		if c.err != "" {
			require.ErrorContains(t, err, c.err, c.method)
			continue
		}
		require.NoError(t, err, c.method)
		require.Equal(t, c.want, got, c.method)
		require.Equal(t, c.anyID, anyID, c.method)
	}
}
