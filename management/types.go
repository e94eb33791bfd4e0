package management

import (
	"reflect"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/principal"
)

// The Go types of the management canister's interface (its ic.did, spec
// "The IC management canister"). Field tags are the .did
// labels; Candid nat is candid.NatU64 (a nat held in a uint64), nat64 is
// uint64, opt T is *T, blob is []byte, a variant is a struct embedding
// candid.Variant with one pointer per case (*candid.Null for a case without
// a value). The host tests check every type against ic.did.

// Nat is the Candid nat used for cycles, sizes and allocations.
type Nat = candid.NatU64

// Some returns a pointer to v, for opt fields: Some(Nat(5)), Some(true).
func Some[T any](v T) *T { return &v }

// null is the value of variant cases without data.
var null = &candid.Null{}

// ---- canister settings ----

// Visibility says who may read a canister's logs (log_visibility), list its
// snapshots (snapshot_visibility) or read its status (status_visibility):
// variant { controllers; public; allowed_viewers : vec principal }.
type Visibility struct {
	candid.Variant
	Controllers    *candid.Null           `ic:"controllers"`
	Public         *candid.Null           `ic:"public"`
	AllowedViewers *[]principal.Principal `ic:"allowed_viewers"`
}

// VisibleToControllers, VisibleToPublic and VisibleTo build a Visibility.
func VisibleToControllers() *Visibility { return &Visibility{Controllers: null} }

// VisibleToPublic makes the data readable by anyone.
func VisibleToPublic() *Visibility { return &Visibility{Public: null} }

// VisibleTo makes the data readable by the controllers and viewers.
func VisibleTo(viewers ...principal.Principal) *Visibility {
	return &Visibility{AllowedViewers: &viewers}
}

// String returns the case name: "controllers", "public" or
// "allowed_viewers".
func (v Visibility) String() string {
	switch {
	case v.Controllers != nil:
		return "controllers"
	case v.Public != nil:
		return "public"
	case v.AllowedViewers != nil:
		return "allowed_viewers"
	}
	return ""
}

// EnvironmentVariable is one of a canister's environment variables
// (icstd/env reads them).
type EnvironmentVariable struct {
	Name  string `ic:"name"`
	Value string `ic:"value"`
}

// CanisterSettings is canister_settings: every field is optional, and a nil
// field is left unchanged (update_settings) or takes its default
// (create_canister).
type CanisterSettings struct {
	Controllers                       *[]principal.Principal `ic:"controllers"`
	ComputeAllocation                 *Nat                   `ic:"compute_allocation"`
	MemoryAllocation                  *Nat                   `ic:"memory_allocation"`
	FreezingThreshold                 *Nat                   `ic:"freezing_threshold"`
	ReservedCyclesLimit               *Nat                   `ic:"reserved_cycles_limit"`
	MinimumIncomingCanisterCallCycles *Nat                   `ic:"minimum_incoming_canister_call_cycles"`
	LogVisibility                     *Visibility            `ic:"log_visibility"`
	LogMemoryLimit                    *Nat                   `ic:"log_memory_limit"`
	SnapshotVisibility                *Visibility            `ic:"snapshot_visibility"`
	StatusVisibility                  *Visibility            `ic:"status_visibility"`
	WasmMemoryLimit                   *Nat                   `ic:"wasm_memory_limit"`
	WasmMemoryThreshold               *Nat                   `ic:"wasm_memory_threshold"`
	EnvironmentVariables              *[]EnvironmentVariable `ic:"environment_variables"`
}

// DefiniteCanisterSettings is definite_canister_settings: the settings in
// effect, as canister_status reports them.
type DefiniteCanisterSettings struct {
	Controllers                       []principal.Principal `ic:"controllers"`
	ComputeAllocation                 Nat                   `ic:"compute_allocation"`
	MemoryAllocation                  Nat                   `ic:"memory_allocation"`
	FreezingThreshold                 Nat                   `ic:"freezing_threshold"`
	ReservedCyclesLimit               Nat                   `ic:"reserved_cycles_limit"`
	MinimumIncomingCanisterCallCycles Nat                   `ic:"minimum_incoming_canister_call_cycles"`
	LogVisibility                     Visibility            `ic:"log_visibility"`
	LogMemoryLimit                    Nat                   `ic:"log_memory_limit"`
	SnapshotVisibility                Visibility            `ic:"snapshot_visibility"`
	StatusVisibility                  Visibility            `ic:"status_visibility"`
	WasmMemoryLimit                   Nat                   `ic:"wasm_memory_limit"`
	WasmMemoryThreshold               Nat                   `ic:"wasm_memory_threshold"`
	EnvironmentVariables              []EnvironmentVariable `ic:"environment_variables"`
}

// ---- create, install, lifecycle ----

// CreateCanisterArgs is create_canister_args.
type CreateCanisterArgs struct {
	Settings              *CanisterSettings `ic:"settings"`
	SenderCanisterVersion *uint64           `ic:"sender_canister_version"`
}

// CreateCanisterResult is create_canister_result.
type CreateCanisterResult struct {
	CanisterID principal.Principal `ic:"canister_id"`
}

// UpdateSettingsArgs is update_settings_args.
type UpdateSettingsArgs struct {
	CanisterID            principal.Principal `ic:"canister_id"`
	Settings              CanisterSettings    `ic:"settings"`
	SenderCanisterVersion *uint64             `ic:"sender_canister_version"`
}

// WasmMemoryPersistence is variant { keep; replace }: whether an upgrade
// keeps the Wasm heap (only for canisters built for enhanced orthogonal
// persistence; Go canisters always replace it).
type WasmMemoryPersistence struct {
	candid.Variant
	Keep    *candid.Null `ic:"keep"`
	Replace *candid.Null `ic:"replace"`
}

// UpgradeOptions are the options of an upgrade.
type UpgradeOptions struct {
	SkipPreUpgrade        *bool                  `ic:"skip_pre_upgrade"`
	WasmMemoryPersistence *WasmMemoryPersistence `ic:"wasm_memory_persistence"`
}

// InstallMode is canister_install_mode: variant { install; reinstall;
// upgrade : opt record { ... } }. Build it with ModeInstall, ModeReinstall
// or ModeUpgrade.
type InstallMode struct {
	candid.Variant
	Install   *candid.Null     `ic:"install"`
	Reinstall *candid.Null     `ic:"reinstall"`
	Upgrade   **UpgradeOptions `ic:"upgrade"` // the case's value is itself opt
}

// ModeInstall installs code into an empty canister.
func ModeInstall() InstallMode { return InstallMode{Install: null} }

// ModeReinstall replaces the code and wipes the state, stable memory
// included.
func ModeReinstall() InstallMode { return InstallMode{Reinstall: null} }

// ModeUpgrade upgrades the code, keeping stable memory. opts may be nil.
func ModeUpgrade(opts *UpgradeOptions) InstallMode { return InstallMode{Upgrade: &opts} }

// String returns the case name.
func (m InstallMode) String() string {
	switch {
	case m.Install != nil:
		return "install"
	case m.Reinstall != nil:
		return "reinstall"
	case m.Upgrade != nil:
		return "upgrade"
	}
	return ""
}

// InstallCodeArgs is install_code_args.
type InstallCodeArgs struct {
	Mode                  InstallMode         `ic:"mode"`
	CanisterID            principal.Principal `ic:"canister_id"`
	WasmModule            []byte              `ic:"wasm_module"`
	Arg                   []byte              `ic:"arg"`
	SenderCanisterVersion *uint64             `ic:"sender_canister_version"`
}

// ChunkHash is chunk_hash: the SHA-256 of a chunk in a canister's chunk
// store.
type ChunkHash struct {
	Hash []byte `ic:"hash"`
}

// UploadChunkArgs is upload_chunk_args.
type UploadChunkArgs struct {
	CanisterID principal.Principal `ic:"canister_id"`
	Chunk      []byte              `ic:"chunk"`
}

// InstallChunkedCodeArgs is install_chunked_code_args: install a module
// assembled from chunks of StoreCanister's chunk store (TargetCanister's
// own store when nil), checked against WasmModuleHash (SHA-256).
type InstallChunkedCodeArgs struct {
	Mode                  InstallMode          `ic:"mode"`
	TargetCanister        principal.Principal  `ic:"target_canister"`
	StoreCanister         *principal.Principal `ic:"store_canister"`
	ChunkHashesList       []ChunkHash          `ic:"chunk_hashes_list"`
	WasmModuleHash        []byte               `ic:"wasm_module_hash"`
	Arg                   []byte               `ic:"arg"`
	SenderCanisterVersion *uint64              `ic:"sender_canister_version"`
}

// CanisterIDArgs is the record { canister_id } argument shared by
// canister_status, start_canister, stop_canister, delete_canister,
// deposit_cycles, clear_chunk_store and stored_chunks.
type CanisterIDArgs struct {
	CanisterID principal.Principal `ic:"canister_id"`
}

// UninstallCodeArgs is uninstall_code_args.
type UninstallCodeArgs struct {
	CanisterID            principal.Principal `ic:"canister_id"`
	SenderCanisterVersion *uint64             `ic:"sender_canister_version"`
}

// ---- canister_status ----

// CanisterStatusType is variant { running; stopping; stopped }.
type CanisterStatusType struct {
	candid.Variant
	Running  *candid.Null `ic:"running"`
	Stopping *candid.Null `ic:"stopping"`
	Stopped  *candid.Null `ic:"stopped"`
}

// String returns "running", "stopping" or "stopped".
func (s CanisterStatusType) String() string {
	switch {
	case s.Running != nil:
		return "running"
	case s.Stopping != nil:
		return "stopping"
	case s.Stopped != nil:
		return "stopped"
	}
	return ""
}

// MemoryMetrics breaks a canister's memory_size down.
type MemoryMetrics struct {
	WasmMemorySize      Nat `ic:"wasm_memory_size"`
	StableMemorySize    Nat `ic:"stable_memory_size"`
	GlobalMemorySize    Nat `ic:"global_memory_size"`
	WasmBinarySize      Nat `ic:"wasm_binary_size"`
	CustomSectionsSize  Nat `ic:"custom_sections_size"`
	CanisterHistorySize Nat `ic:"canister_history_size"`
	WasmChunkStoreSize  Nat `ic:"wasm_chunk_store_size"`
	SnapshotsSize       Nat `ic:"snapshots_size"`
	LogMemoryStoreSize  Nat `ic:"log_memory_store_size"`
}

// QueryStats are a canister's query statistics.
type QueryStats struct {
	NumCallsTotal             Nat `ic:"num_calls_total"`
	NumInstructionsTotal      Nat `ic:"num_instructions_total"`
	RequestPayloadBytesTotal  Nat `ic:"request_payload_bytes_total"`
	ResponsePayloadBytesTotal Nat `ic:"response_payload_bytes_total"`
}

// CanisterStatusResult is canister_status_result. Cycle amounts are
// decoded into 64 bits: a balance above 2^64-1 cycles (18 million XDR) makes
// CanisterStatus fail with a decoding error.
type CanisterStatusResult struct {
	Status                 CanisterStatusType       `ic:"status"`
	ReadyForMigration      bool                     `ic:"ready_for_migration"`
	Version                uint64                   `ic:"version"`
	Settings               DefiniteCanisterSettings `ic:"settings"`
	ModuleHash             *[]byte                  `ic:"module_hash"`
	MemorySize             Nat                      `ic:"memory_size"`
	MemoryMetrics          MemoryMetrics            `ic:"memory_metrics"`
	Cycles                 Nat                      `ic:"cycles"`
	ReservedCycles         Nat                      `ic:"reserved_cycles"`
	IdleCyclesBurnedPerDay Nat                      `ic:"idle_cycles_burned_per_day"`
	QueryStats             QueryStats               `ic:"query_stats"`
}

// ---- HTTPS outcalls ----

// HTTPHeader is http_header.
type HTTPHeader struct {
	Name  string `ic:"name"`
	Value string `ic:"value"`
}

// HTTPRequestResult is http_request_result: the response of an outcall
// (after the transform, if there is one).
type HTTPRequestResult struct {
	Status  Nat          `ic:"status"`
	Headers []HTTPHeader `ic:"headers"`
	Body    []byte       `ic:"body"`
}

// HTTPMethod is variant { get; head; post; put; delete; patch }. PUT,
// DELETE and PATCH are only allowed with IsReplicated = false.
type HTTPMethod struct {
	candid.Variant
	Get    *candid.Null `ic:"get"`
	Head   *candid.Null `ic:"head"`
	Post   *candid.Null `ic:"post"`
	Put    *candid.Null `ic:"put"`
	Delete *candid.Null `ic:"delete"`
	Patch  *candid.Null `ic:"patch"`
}

// Method returns the HTTPMethod for an HTTP method name ("GET", "post",
// ...); ok is false for a method the IC does not support.
func Method(name string) (m HTTPMethod, ok bool) {
	switch upper(name) {
	case "GET", "":
		m.Get = null
	case "HEAD":
		m.Head = null
	case "POST":
		m.Post = null
	case "PUT":
		m.Put = null
	case "DELETE":
		m.Delete = null
	case "PATCH":
		m.Patch = null
	default:
		return m, false
	}
	return m, true
}

// String returns the method name in upper case, e.g. "GET".
func (m HTTPMethod) String() string {
	switch {
	case m.Get != nil:
		return "GET"
	case m.Head != nil:
		return "HEAD"
	case m.Post != nil:
		return "POST"
	case m.Put != nil:
		return "PUT"
	case m.Delete != nil:
		return "DELETE"
	case m.Patch != nil:
		return "PATCH"
	}
	return ""
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// TransformArgs is the argument of a transform function:
// record { response : http_request_result; context : blob }.
type TransformArgs struct {
	Response HTTPRequestResult `ic:"response"`
	Context  []byte            `ic:"context"`
}

// TransformFunc is a reference to a transform function, a query method of
// the calling canister: func (TransformArgs) -> (HTTPRequestResult) query.
type TransformFunc candid.Func

// CandidFuncType implements candid.FuncTyper.
func (TransformFunc) CandidFuncType() candid.FuncType {
	return candid.FuncType{
		Args:    []reflect.Type{reflect.TypeFor[TransformArgs]()},
		Results: []reflect.Type{reflect.TypeFor[HTTPRequestResult]()},
		Mode:    candid.Query,
	}
}

// HTTPTransform is the transform field of http_request_args: the function
// and an opaque context blob passed to it.
type HTTPTransform struct {
	Function TransformFunc `ic:"function"`
	Context  []byte        `ic:"context"`
}

// HTTPRequestArgs is http_request_args.
type HTTPRequestArgs struct {
	URL              string         `ic:"url"`
	MaxResponseBytes *uint64        `ic:"max_response_bytes"`
	Method           HTTPMethod     `ic:"method"`
	Headers          []HTTPHeader   `ic:"headers"`
	Body             *[]byte        `ic:"body"`
	Transform        *HTTPTransform `ic:"transform"`
	IsReplicated     *bool          `ic:"is_replicated"`
}

// ---- threshold signatures ----

// EcdsaCurve is ecdsa_curve: variant { secp256k1 }.
type EcdsaCurve struct {
	candid.Variant
	Secp256k1 *candid.Null `ic:"secp256k1"`
}

// EcdsaKeyID names a threshold ECDSA key: record { curve; name }. Key names:
// "dfx_test_key" (local), "test_key_1" (test subnet), "key_1" (production).
type EcdsaKeyID struct {
	Curve EcdsaCurve `ic:"curve"`
	Name  string     `ic:"name"`
}

// Secp256k1Key returns the ECDSA key id of the secp256k1 key name.
func Secp256k1Key(name string) EcdsaKeyID {
	return EcdsaKeyID{Curve: EcdsaCurve{Secp256k1: null}, Name: name}
}

// EcdsaPublicKeyArgs is ecdsa_public_key_args. CanisterID nil means the
// calling canister.
type EcdsaPublicKeyArgs struct {
	CanisterID     *principal.Principal `ic:"canister_id"`
	DerivationPath [][]byte             `ic:"derivation_path"`
	KeyID          EcdsaKeyID           `ic:"key_id"`
}

// PublicKeyResult is ecdsa_public_key_result and schnorr_public_key_result.
type PublicKeyResult struct {
	PublicKey []byte `ic:"public_key"`
	ChainCode []byte `ic:"chain_code"`
}

// SignWithEcdsaArgs is sign_with_ecdsa_args. MessageHash is 32 bytes.
type SignWithEcdsaArgs struct {
	MessageHash    []byte     `ic:"message_hash"`
	DerivationPath [][]byte   `ic:"derivation_path"`
	KeyID          EcdsaKeyID `ic:"key_id"`
}

// SignatureResult is sign_with_ecdsa_result and sign_with_schnorr_result.
type SignatureResult struct {
	Signature []byte `ic:"signature"`
}

// SchnorrAlgorithm is schnorr_algorithm: variant { bip340secp256k1;
// ed25519 }.
type SchnorrAlgorithm struct {
	candid.Variant
	Bip340Secp256k1 *candid.Null `ic:"bip340secp256k1"`
	Ed25519         *candid.Null `ic:"ed25519"`
}

// SchnorrKeyID names a threshold Schnorr key: record { algorithm; name }.
type SchnorrKeyID struct {
	Algorithm SchnorrAlgorithm `ic:"algorithm"`
	Name      string           `ic:"name"`
}

// Bip340Key and Ed25519Key return Schnorr key ids.
func Bip340Key(name string) SchnorrKeyID {
	return SchnorrKeyID{Algorithm: SchnorrAlgorithm{Bip340Secp256k1: null}, Name: name}
}

// Ed25519Key returns the Schnorr key id of the ed25519 key name.
func Ed25519Key(name string) SchnorrKeyID {
	return SchnorrKeyID{Algorithm: SchnorrAlgorithm{Ed25519: null}, Name: name}
}

// SchnorrPublicKeyArgs is schnorr_public_key_args.
type SchnorrPublicKeyArgs struct {
	CanisterID     *principal.Principal `ic:"canister_id"`
	DerivationPath [][]byte             `ic:"derivation_path"`
	KeyID          SchnorrKeyID         `ic:"key_id"`
}

// Bip341 is the bip341 case of schnorr_aux: a taproot merkle root.
type Bip341 struct {
	MerkleRootHash []byte `ic:"merkle_root_hash"`
}

// SchnorrAux is schnorr_aux: variant { bip341 : record { merkle_root_hash :
// blob } }.
type SchnorrAux struct {
	candid.Variant
	Bip341 *Bip341 `ic:"bip341"`
}

// SignWithSchnorrArgs is sign_with_schnorr_args.
type SignWithSchnorrArgs struct {
	Message        []byte       `ic:"message"`
	DerivationPath [][]byte     `ic:"derivation_path"`
	KeyID          SchnorrKeyID `ic:"key_id"`
	Aux            *SchnorrAux  `ic:"aux"`
}

// VetKDCurve is vetkd_curve: variant { bls12_381_g2 }.
type VetKDCurve struct {
	candid.Variant
	Bls12381G2 *candid.Null `ic:"bls12_381_g2"`
}

// VetKDKeyID names a vetKD key: record { curve; name }.
type VetKDKeyID struct {
	Curve VetKDCurve `ic:"curve"`
	Name  string     `ic:"name"`
}

// Bls12381G2Key returns the vetKD key id of the bls12_381_g2 key name.
func Bls12381G2Key(name string) VetKDKeyID {
	return VetKDKeyID{Curve: VetKDCurve{Bls12381G2: null}, Name: name}
}

// VetKDPublicKeyArgs is vetkd_public_key_args.
type VetKDPublicKeyArgs struct {
	CanisterID *principal.Principal `ic:"canister_id"`
	Context    []byte               `ic:"context"`
	KeyID      VetKDKeyID           `ic:"key_id"`
}

// VetKDPublicKeyResult is vetkd_public_key_result.
type VetKDPublicKeyResult struct {
	PublicKey []byte `ic:"public_key"`
}

// VetKDDeriveKeyArgs is vetkd_derive_key_args.
type VetKDDeriveKeyArgs struct {
	Input              []byte     `ic:"input"`
	Context            []byte     `ic:"context"`
	TransportPublicKey []byte     `ic:"transport_public_key"`
	KeyID              VetKDKeyID `ic:"key_id"`
}

// VetKDDeriveKeyResult is vetkd_derive_key_result.
type VetKDDeriveKeyResult struct {
	EncryptedKey []byte `ic:"encrypted_key"`
}

// Snapshot is snapshot: a canister snapshot's id, the time it was taken
// (ns since 1970) and its size in bytes.
type Snapshot struct {
	ID               []byte `ic:"id"`
	TakenAtTimestamp uint64 `ic:"taken_at_timestamp"`
	TotalSize        uint64 `ic:"total_size"`
}

// TakeCanisterSnapshotArgs is take_canister_snapshot_args.
type TakeCanisterSnapshotArgs struct {
	CanisterID principal.Principal `ic:"canister_id"`
	// ReplaceSnapshot names a snapshot that the new one replaces.
	ReplaceSnapshot *[]byte `ic:"replace_snapshot"`
	// UninstallCode uninstalls the canister's code once the snapshot is
	// taken.
	UninstallCode         *bool   `ic:"uninstall_code"`
	SenderCanisterVersion *uint64 `ic:"sender_canister_version"`
}

// LoadCanisterSnapshotArgs is load_canister_snapshot_args.
type LoadCanisterSnapshotArgs struct {
	CanisterID            principal.Principal `ic:"canister_id"`
	SnapshotID            []byte              `ic:"snapshot_id"`
	SenderCanisterVersion *uint64             `ic:"sender_canister_version"`
}

// DeleteCanisterSnapshotArgs is delete_canister_snapshot_args.
type DeleteCanisterSnapshotArgs struct {
	CanisterID principal.Principal `ic:"canister_id"`
	SnapshotID []byte              `ic:"snapshot_id"`
}

// CanisterInfoArgs is canister_info_args.
type CanisterInfoArgs struct {
	CanisterID          principal.Principal `ic:"canister_id"`
	NumRequestedChanges *uint64             `ic:"num_requested_changes"`
}

// CanisterInfoResult is canister_info_result: the canister's history (the
// most recent changes asked for, and the count of all), its module hash
// and its controllers.
type CanisterInfoResult struct {
	TotalNumChanges uint64                `ic:"total_num_changes"`
	RecentChanges   []Change              `ic:"recent_changes"`
	ModuleHash      *[]byte               `ic:"module_hash"`
	Controllers     []principal.Principal `ic:"controllers"`
}

// Change is change: one entry of a canister's history.
type Change struct {
	TimestampNanos  uint64        `ic:"timestamp_nanos"`
	CanisterVersion uint64        `ic:"canister_version"`
	Origin          ChangeOrigin  `ic:"origin"`
	Details         ChangeDetails `ic:"details"`
}

// ChangeOrigin is change_origin: who made a change.
type ChangeOrigin struct {
	candid.Variant
	FromUser *struct {
		UserID principal.Principal `ic:"user_id"`
	} `ic:"from_user"`
	FromCanister *struct {
		CanisterID      principal.Principal `ic:"canister_id"`
		CanisterVersion *uint64             `ic:"canister_version"`
	} `ic:"from_canister"`
}

// ChangeDetails is change_details: what a change was.
type ChangeDetails struct {
	candid.Variant
	Creation *struct {
		Controllers              []principal.Principal `ic:"controllers"`
		EnvironmentVariablesHash *[]byte               `ic:"environment_variables_hash"`
	} `ic:"creation"`
	CodeUninstall  *candid.Null `ic:"code_uninstall"`
	CodeDeployment *struct {
		Mode       DeploymentMode `ic:"mode"`
		ModuleHash []byte         `ic:"module_hash"`
	} `ic:"code_deployment"`
	LoadSnapshot *struct {
		FromCanisterID   *principal.Principal `ic:"from_canister_id"`
		SnapshotID       []byte               `ic:"snapshot_id"`
		CanisterVersion  uint64               `ic:"canister_version"`
		TakenAtTimestamp uint64               `ic:"taken_at_timestamp"`
		Source           SnapshotSource       `ic:"source"`
	} `ic:"load_snapshot"`
	ControllersChange *struct {
		Controllers []principal.Principal `ic:"controllers"`
	} `ic:"controllers_change"`
	RenameCanister *struct {
		CanisterID      principal.Principal `ic:"canister_id"`
		TotalNumChanges uint64              `ic:"total_num_changes"`
		RenameTo        struct {
			CanisterID      principal.Principal `ic:"canister_id"`
			Version         uint64              `ic:"version"`
			TotalNumChanges uint64              `ic:"total_num_changes"`
		} `ic:"rename_to"`
		RequestedBy principal.Principal `ic:"requested_by"`
	} `ic:"rename_canister"`
}

// DeploymentMode is the mode of a code deployment in the history.
type DeploymentMode struct {
	candid.Variant
	Install   *candid.Null `ic:"install"`
	Reinstall *candid.Null `ic:"reinstall"`
	Upgrade   *candid.Null `ic:"upgrade"`
}

// SnapshotSource is where a loaded snapshot came from.
type SnapshotSource struct {
	candid.Variant
	TakenFromCanister *candid.Reserved `ic:"taken_from_canister"`
	MetadataUpload    *candid.Reserved `ic:"metadata_upload"`
}
