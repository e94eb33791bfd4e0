package management

import (
	"os"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/principal"
)

// The management canister checks the Candid types of what it receives, so
// every Go type of this package must be the type of ic.did, field for
// field: nat where ic.did says nat, nat64 where it says nat64. These tests
// check that against testdata/ic.did (the interface specification's file)
// in three ways:
//
//   - type text: the Candid type of each Go type, as package candid renders
//     it, is structurally equal to the ic.did type of the method's
//     arguments and results;
//   - Go to ic.did: a populated Go value, encoded by package candid, decodes
//     (host-side parser internal/candidtext) and re-encodes strictly typed by
//     ic.did, and the result decodes back to the same Go value;
//   - ic.did to Go: values written as Candid text and encoded by
//     internal/candidtext with the ic.did types decode into the Go types.

func loadDID(t *testing.T) *candidtext.Service {
	t.Helper()
	src, err := os.ReadFile("testdata/ic.did")
	require.NoError(t, err)
	s, err := candidtext.ParseDID(string(src))
	require.NoError(t, err)
	return s
}

// goCandidType returns the Candid type of a Go type, parsed into the
// host-side representation.
func goCandidType(t *testing.T, typ reflect.Type) *candidtext.Type {
	t.Helper()
	text, err := candid.TypeText(typ)
	require.NoError(t, err, typ.String())
	ct, err := (*candidtext.Service)(nil).ParseType(text)
	require.NoError(t, err, text)
	return ct
}

// methodTypes are the Go argument and result types this package uses for
// each management canister method.
var methodTypes = []struct {
	method        string
	args, results []any // zero values of the Go types
	argSample     []any // a populated argument, for the wire round trip
}{
	{"raw_rand", nil, []any{[]byte(nil)}, nil},
	{"create_canister", []any{CreateCanisterArgs{}}, []any{CreateCanisterResult{}}, []any{CreateCanisterArgs{Settings: fullSettings(), SenderCanisterVersion: Some(uint64(7))}}},
	{"update_settings", []any{UpdateSettingsArgs{}}, nil, []any{UpdateSettingsArgs{CanisterID: testID, Settings: *fullSettings()}}},
	{"install_code", []any{InstallCodeArgs{}}, nil, []any{InstallCodeArgs{Mode: ModeUpgrade(&UpgradeOptions{SkipPreUpgrade: Some(true), WasmMemoryPersistence: &WasmMemoryPersistence{Replace: null}}), CanisterID: testID, WasmModule: []byte("\x00asm"), Arg: []byte("DIDL\x00\x00"), SenderCanisterVersion: Some(uint64(3))}}},
	{"uninstall_code", []any{UninstallCodeArgs{}}, nil, []any{UninstallCodeArgs{CanisterID: testID, SenderCanisterVersion: Some(uint64(1))}}},
	{"canister_status", []any{CanisterIDArgs{}}, []any{CanisterStatusResult{}}, []any{CanisterIDArgs{testID}}},
	{"start_canister", []any{CanisterIDArgs{}}, nil, nil},
	{"stop_canister", []any{CanisterIDArgs{}}, nil, nil},
	{"delete_canister", []any{CanisterIDArgs{}}, nil, nil},
	{"deposit_cycles", []any{CanisterIDArgs{}}, nil, nil},
	{"upload_chunk", []any{UploadChunkArgs{}}, []any{ChunkHash{}}, []any{UploadChunkArgs{CanisterID: testID, Chunk: []byte{1, 2, 3}}}},
	{"stored_chunks", []any{CanisterIDArgs{}}, []any{[]ChunkHash(nil)}, nil},
	{"clear_chunk_store", []any{CanisterIDArgs{}}, nil, nil},
	{"install_chunked_code", []any{InstallChunkedCodeArgs{}}, nil, []any{InstallChunkedCodeArgs{Mode: ModeInstall(), TargetCanister: testID, StoreCanister: &testID, ChunkHashesList: []ChunkHash{{Hash: make([]byte, 32)}}, WasmModuleHash: make([]byte, 32), Arg: []byte{}, SenderCanisterVersion: Some(uint64(9))}}},
	{"http_request", []any{HTTPRequestArgs{}}, []any{HTTPRequestResult{}}, []any{sampleHTTPArgs()}},
	{"ecdsa_public_key", []any{EcdsaPublicKeyArgs{}}, []any{PublicKeyResult{}}, []any{EcdsaPublicKeyArgs{CanisterID: &testID, DerivationPath: [][]byte{{1}, {}}, KeyID: Secp256k1Key("dfx_test_key")}}},
	{"sign_with_ecdsa", []any{SignWithEcdsaArgs{}}, []any{SignatureResult{}}, []any{SignWithEcdsaArgs{MessageHash: make([]byte, 32), DerivationPath: [][]byte{}, KeyID: Secp256k1Key("key_1")}}},
	{"schnorr_public_key", []any{SchnorrPublicKeyArgs{}}, []any{PublicKeyResult{}}, []any{SchnorrPublicKeyArgs{DerivationPath: [][]byte{}, KeyID: Ed25519Key("test_key_1")}}},
	{"sign_with_schnorr", []any{SignWithSchnorrArgs{}}, []any{SignatureResult{}}, []any{SignWithSchnorrArgs{Message: []byte("m"), DerivationPath: [][]byte{}, KeyID: Bip340Key("key_1"), Aux: &SchnorrAux{Bip341: &Bip341{MerkleRootHash: make([]byte, 32)}}}}},
	{"vetkd_public_key", []any{VetKDPublicKeyArgs{}}, []any{VetKDPublicKeyResult{}}, []any{VetKDPublicKeyArgs{CanisterID: &testID, Context: []byte("app"), KeyID: Bls12381G2Key("key_1")}}},
	{"take_canister_snapshot", []any{TakeCanisterSnapshotArgs{}}, []any{Snapshot{}}, []any{TakeCanisterSnapshotArgs{CanisterID: testID, ReplaceSnapshot: Some([]byte{1, 2}), UninstallCode: Some(true), SenderCanisterVersion: Some(uint64(4))}}},
	{"load_canister_snapshot", []any{LoadCanisterSnapshotArgs{}}, nil, []any{LoadCanisterSnapshotArgs{CanisterID: testID, SnapshotID: []byte{3}, SenderCanisterVersion: Some(uint64(5))}}},
	{"list_canister_snapshots", []any{CanisterIDArgs{}}, []any{[]Snapshot(nil)}, nil},
	{"delete_canister_snapshot", []any{DeleteCanisterSnapshotArgs{}}, nil, []any{DeleteCanisterSnapshotArgs{CanisterID: testID, SnapshotID: []byte{6}}}},
	{"canister_info", []any{CanisterInfoArgs{}}, []any{CanisterInfoResult{}}, []any{CanisterInfoArgs{CanisterID: testID, NumRequestedChanges: Some(uint64(20))}}},
	{"vetkd_derive_key", []any{VetKDDeriveKeyArgs{}}, []any{VetKDDeriveKeyResult{}}, []any{VetKDDeriveKeyArgs{Input: []byte("in"), Context: []byte("ctx"), TransportPublicKey: make([]byte, 48), KeyID: Bls12381G2Key("key_1")}}},
}

var testID = principal.MustDecode("lxzze-o7777-77777-aaaaa-cai")

func fullSettings() *CanisterSettings {
	return &CanisterSettings{
		Controllers:                       &[]principal.Principal{testID, principal.Anonymous},
		ComputeAllocation:                 Some(Nat(1)),
		MemoryAllocation:                  Some(Nat(1 << 30)),
		FreezingThreshold:                 Some(Nat(2_592_000)),
		ReservedCyclesLimit:               Some(Nat(5_000_000_000_000)),
		MinimumIncomingCanisterCallCycles: Some(Nat(0)),
		LogVisibility:                     VisibleTo(testID),
		LogMemoryLimit:                    Some(Nat(4096)),
		SnapshotVisibility:                VisibleToPublic(),
		StatusVisibility:                  VisibleToControllers(),
		WasmMemoryLimit:                   Some(Nat(3 << 30)),
		WasmMemoryThreshold:               Some(Nat(1 << 20)),
		EnvironmentVariables:              &[]EnvironmentVariable{{"MODE", "prod"}},
	}
}

func sampleHTTPArgs() HTTPRequestArgs {
	m, _ := Method("post")
	return HTTPRequestArgs{
		URL:              "https://example.com/x?y=1",
		MaxResponseBytes: Some(uint64(4096)),
		Method:           m,
		Headers:          []HTTPHeader{{"Content-Type", "application/json"}},
		Body:             Some([]byte(`{"a":1}`)),
		Transform:        &HTTPTransform{Function: TransformFunc{Service: testID, Method: "transform"}, Context: []byte("ctx")},
		IsReplicated:     Some(false),
	}
}

func typesOf(vals []any) []reflect.Type {
	ts := make([]reflect.Type, len(vals))
	for i, v := range vals {
		ts[i] = reflect.TypeOf(v)
	}
	return ts
}

func TestTypesMatchDID(t *testing.T) {
	did := loadDID(t)
	seen := map[string]bool{}
	for _, m := range methodTypes {
		seen[m.method] = true
		dm, ok := did.Method(m.method)
		require.True(t, ok, "ic.did has no method %s", m.method)
		require.Len(t, m.args, len(dm.Args), "%s: number of arguments", m.method)
		require.Len(t, m.results, len(dm.Results), "%s: number of results", m.method)
		for i, typ := range typesOf(m.args) {
			if d := candidtext.Diff(m.method+" arg", goCandidType(t, typ), dm.Args[i]); d != "" {
				t.Errorf("%s (Go %s): %s", m.method, typ, d)
			}
		}
		for i, typ := range typesOf(m.results) {
			if d := candidtext.Diff(m.method+" result", goCandidType(t, typ), dm.Results[i]); d != "" {
				t.Errorf("%s (Go %s): %s", m.method, typ, d)
			}
		}
	}
	// Types used elsewhere than as a whole argument.
	for _, c := range []struct {
		goType any
		did    string
	}{
		{Visibility{}, "log_visibility"},
		{Visibility{}, "snapshot_visibility"},
		{Visibility{}, "status_visibility"},
		{TransformArgs{}, "record { response : http_request_result; context : blob }"},
		{DefiniteCanisterSettings{}, "definite_canister_settings"},
	} {
		dt, err := did.ParseType(c.did)
		require.NoError(t, err)
		if d := candidtext.Diff(c.did, goCandidType(t, reflect.TypeOf(c.goType)), dt); d != "" {
			t.Errorf("%T: %s", c.goType, d)
		}
	}
	require.True(t, seen["http_request"] && seen["raw_rand"])
}

// TestTypeCheckCatchesMismatch makes sure the comparison above would see
// the mistake it exists for: nat64 where ic.did says nat.
func TestTypeCheckCatchesMismatch(t *testing.T) {
	did := loadDID(t)
	type badStatus struct {
		CanisterID principal.Principal `ic:"canister_id"`
		Extra      uint64              `ic:"extra"`
	}
	dt, err := did.ParseType("canister_status_args")
	require.NoError(t, err)
	require.Contains(t, candidtext.Diff("x", goCandidType(t, reflect.TypeFor[badStatus]()), dt), "field extra is only in the first type")
	type badHeader struct {
		Status uint64       `ic:"status"`
		Hs     []HTTPHeader `ic:"headers"`
		Body   []byte       `ic:"body"`
	}
	dt, err = did.ParseType("http_request_result")
	require.NoError(t, err)
	require.Contains(t, candidtext.Diff("x", goCandidType(t, reflect.TypeFor[badHeader]()), dt), "x.status: nat64 versus nat")
	// And the wire check refuses a nat64 value at a nat type.
	b, err := candid.Marshal([]any{badHeader{Status: 200, Hs: []HTTPHeader{}, Body: []byte{}}})
	require.NoError(t, err)
	vs, err := candidtext.DecodeValues(b, []*candidtext.Type{dt})
	require.NoError(t, err)
	require.Contains(t, fits("x", vs[0], dt), "x.status: wire nat64, ic.did nat")
}

// fits reports the first place where a decoded value's wire type is not
// exactly the ic.did type (candidtext.Encode alone would coerce numbers).
func fits(path string, v candidtext.Value, t *candidtext.Type) string {
	t = t.Resolved()
	if t == nil {
		return path + ": unresolved type"
	}
	kind := v.Kind
	if kind == candidtext.KindBlob {
		if t.Kind == candidtext.KindVec && t.Elem.Resolved().Kind == candidtext.KindNat8 {
			return ""
		}
		return path + ": wire blob, ic.did " + t.String()
	}
	if kind != t.Kind {
		return path + ": wire " + kind.String() + ", ic.did " + t.String()
	}
	switch kind {
	case candidtext.KindOpt:
		if v.Elem != nil {
			return fits(path+".opt", *v.Elem, t.Elem)
		}
	case candidtext.KindVec:
		for _, e := range v.Elems {
			if d := fits(path+".vec", e, t.Elem); d != "" {
				return d
			}
		}
	case candidtext.KindRecord, candidtext.KindVariant:
		byID := map[uint32]candidtext.Field{}
		for _, f := range t.Fields {
			byID[f.ID] = f
		}
		for _, fv := range v.Fields {
			f, ok := byID[fv.ID]
			if !ok {
				return path + ": wire field " + fv.Name + " is not in ic.did"
			}
			if d := fits(path+"."+f.Label(), fv.Value, f.Type); d != "" {
				return d
			}
		}
		if kind == candidtext.KindRecord && len(v.Fields) != len(t.Fields) {
			return path + ": record has a different number of fields"
		}
	}
	return ""
}

// TestWireGoToDID encodes populated arguments with package candid, re-encodes
// them strictly typed by ic.did and decodes the result back.
func TestWireGoToDID(t *testing.T) {
	did := loadDID(t)
	for _, m := range methodTypes {
		if m.argSample == nil {
			continue
		}
		dm, _ := did.Method(m.method)
		b, err := candid.Marshal(m.argSample)
		require.NoError(t, err, m.method)
		vs, err := candidtext.DecodeValues(b, dm.Args)
		require.NoError(t, err, m.method)
		for i := range vs {
			require.Empty(t, fits(m.method, vs[i], dm.Args[i]), "%s: %s", m.method, candidtext.FormatArgs(vs))
		}
		typed, err := candidtext.Encode(vs, dm.Args)
		require.NoError(t, err, "%s: the Go encoding does not fit ic.did: %s", m.method, candidtext.FormatArgs(vs))

		ptrs := make([]any, len(m.argSample))
		for i, a := range m.argSample {
			ptrs[i] = reflect.New(reflect.TypeOf(a)).Interface()
		}
		require.NoError(t, candid.Unmarshal(typed, ptrs), m.method)
		for i, a := range m.argSample {
			require.Equal(t, a, reflect.ValueOf(ptrs[i]).Elem().Interface(), m.method)
		}
	}
}

// TestWireDIDToGo encodes replies written as Candid text, typed by ic.did,
// and decodes them into the Go result types.
func TestWireDIDToGo(t *testing.T) {
	did := loadDID(t)
	encode := func(method, text string) []byte {
		t.Helper()
		dm, ok := did.Method(method)
		require.True(t, ok)
		vs, err := did.ParseArgs(text)
		require.NoError(t, err)
		b, err := candidtext.Encode(vs, dm.Results)
		require.NoError(t, err)
		return b
	}

	var st CanisterStatusResult
	require.NoError(t, candid.Unmarshal(encode("canister_status", `(record {
		status = variant { stopping };
		ready_for_migration = false;
		version = 12;
		settings = record {
			controllers = vec { principal "lxzze-o7777-77777-aaaaa-cai" };
			compute_allocation = 0;
			memory_allocation = 0;
			freezing_threshold = 2_592_000;
			reserved_cycles_limit = 5_000_000_000_000;
			minimum_incoming_canister_call_cycles = 0;
			log_visibility = variant { allowed_viewers = vec { principal "2vxsx-fae" } };
			log_memory_limit = 4096;
			snapshot_visibility = variant { public };
			status_visibility = variant { controllers };
			wasm_memory_limit = 3_221_225_472;
			wasm_memory_threshold = 0;
			environment_variables = vec { record { name = "A"; value = "b" } };
		};
		module_hash = opt blob "\01\02";
		memory_size = 1_000_000;
		memory_metrics = record {
			wasm_memory_size = 1; stable_memory_size = 2; global_memory_size = 3;
			wasm_binary_size = 4; custom_sections_size = 5; canister_history_size = 6;
			wasm_chunk_store_size = 7; snapshots_size = 8; log_memory_store_size = 9;
		};
		cycles = 18_446_744_073_709_551_615;
		reserved_cycles = 0;
		idle_cycles_burned_per_day = 123_456;
		query_stats = record {
			num_calls_total = 1; num_instructions_total = 2;
			request_payload_bytes_total = 3; response_payload_bytes_total = 4;
		};
	})`), []any{&st}))
	require.Equal(t, "stopping", st.Status.String())
	require.Equal(t, uint64(12), st.Version)
	require.Equal(t, []principal.Principal{testID}, st.Settings.Controllers)
	require.Equal(t, Nat(2_592_000), st.Settings.FreezingThreshold)
	require.Equal(t, "allowed_viewers", st.Settings.LogVisibility.String())
	require.Equal(t, []principal.Principal{principal.Anonymous}, *st.Settings.LogVisibility.AllowedViewers)
	require.Equal(t, "public", st.Settings.SnapshotVisibility.String())
	require.Equal(t, Nat(4096), st.Settings.LogMemoryLimit)
	require.Equal(t, []EnvironmentVariable{{"A", "b"}}, st.Settings.EnvironmentVariables)
	require.Equal(t, []byte{1, 2}, *st.ModuleHash)
	require.Equal(t, Nat(9), st.MemoryMetrics.LogMemoryStoreSize)
	require.Equal(t, Nat(1<<64-1), st.Cycles)
	require.Equal(t, Nat(4), st.QueryStats.ResponsePayloadBytesTotal)

	// A balance above 2^64-1 cycles fails with a clear message.
	err := candid.Unmarshal(encode("create_canister", `(record { canister_id = principal "aaaaa-aa" })`), []any{&CreateCanisterResult{}})
	require.NoError(t, err)
	var hr HTTPRequestResult
	require.NoError(t, candid.Unmarshal(encode("http_request", `(record {
		status = 200;
		headers = vec { record { name = "content-type"; value = "text/plain" } };
		body = blob "hello";
	})`), []any{&hr}))
	require.Equal(t, HTTPRequestResult{Status: 200, Headers: []HTTPHeader{{"content-type", "text/plain"}}, Body: []byte("hello")}, hr)

	var info CanisterInfoResult
	require.NoError(t, candid.Unmarshal(encode("canister_info", `(record {
		total_num_changes = 3;
		recent_changes = vec {
			record { timestamp_nanos = 1; canister_version = 0; origin = variant { from_user = record { user_id = principal "2vxsx-fae" } };
				details = variant { creation = record { controllers = vec { principal "2vxsx-fae" }; environment_variables_hash = null } } };
			record { timestamp_nanos = 2; canister_version = 1; origin = variant { from_canister = record { canister_id = principal "lxzze-o7777-77777-aaaaa-cai"; canister_version = opt 7 } };
				details = variant { code_deployment = record { mode = variant { upgrade }; module_hash = blob "\01" } } };
			record { timestamp_nanos = 3; canister_version = 2; origin = variant { from_user = record { user_id = principal "2vxsx-fae" } };
				details = variant { load_snapshot = record { from_canister_id = null; snapshot_id = blob "\02"; canister_version = 1; taken_at_timestamp = 2; source = variant { taken_from_canister } } } };
		};
		module_hash = opt blob "\01";
		controllers = vec { principal "2vxsx-fae" };
	})`), []any{&info}))
	require.Equal(t, uint64(3), info.TotalNumChanges)
	require.Len(t, info.RecentChanges, 3)
	require.NotNil(t, info.RecentChanges[0].Details.Creation)
	require.Equal(t, testID, info.RecentChanges[1].Origin.FromCanister.CanisterID)
	require.NotNil(t, info.RecentChanges[1].Details.CodeDeployment.Mode.Upgrade)
	require.Equal(t, []byte{2}, info.RecentChanges[2].Details.LoadSnapshot.SnapshotID)
	require.NotNil(t, info.RecentChanges[2].Details.LoadSnapshot.Source.TakenFromCanister)

	var raw []byte
	require.NoError(t, candid.Unmarshal(encode("raw_rand", `(blob "0123456789abcdef0123456789abcdef")`), []any{&raw}))
	require.Len(t, raw, 32)

	var chunks []ChunkHash
	require.NoError(t, candid.Unmarshal(encode("stored_chunks", `(vec { record { hash = blob "\aa" } })`), []any{&chunks}))
	require.Equal(t, []ChunkHash{{Hash: []byte{0xaa}}}, chunks)
}

func TestCyclesAboveUint64(t *testing.T) {
	did := loadDID(t)
	dm, _ := did.Method("http_request")
	vs, err := did.ParseArgs(`(record { status = 18_446_744_073_709_551_616; headers = vec {}; body = blob "" })`)
	require.NoError(t, err)
	b, err := candidtext.Encode(vs, dm.Results)
	require.NoError(t, err)
	err = candid.Unmarshal(b, []any{&HTTPRequestResult{}})
	require.ErrorContains(t, err, "does not fit in 64 bits")
}
