package management

import (
	"github.com/icgo/icgo/principal"
)

// ID is the management canister's id, aaaaa-aa (the empty principal).
var ID = principal.ManagementCanister

// MaxResponseBytes is the default and largest max_response_bytes of an
// HTTPS outcall: 2,000,000 bytes (spec "IC method http_request").
const MaxResponseBytes = 2_000_000

// ---- randomness ----

// RawRand returns 32 bytes that nobody could know when the call was made
// (raw_rand, spec "IC method raw_rand"): the IC produces them from its random tape in a
// later round, so the calling goroutine waits about one round. Most code
// should use package icstd/rand, which seeds a generator with them.
func RawRand() ([]byte, error) {
	var b []byte
	if err := call("raw_rand", 0, nil, []any{&b}); err != nil {
		return nil, err
	}
	return b, nil
}

// ---- canister lifecycle ----

// CreateCanisterFee returns the fee for creating a canister on this subnet
// (ic0.cost_create_canister; 500 B cycles on a 13-node subnet).
func CreateCanisterFee() (uint64, error) { return costCreateCanister() }

// CreateCanister creates a canister with settings (nil: the defaults, with
// this canister as the only controller) and returns its id. cycles are
// attached: the creation fee (CreateCanisterFee) is taken from them and the
// rest becomes the new canister's balance.
func CreateCanister(settings *CanisterSettings, cycles uint64) (principal.Principal, error) {
	v := canisterVersion()
	args := CreateCanisterArgs{Settings: settings, SenderCanisterVersion: &v}
	var res CreateCanisterResult
	if err := call("create_canister", cycles, []any{args}, []any{&res}); err != nil {
		return principal.Principal{}, err
	}
	return res.CanisterID, nil
}

// InstallCode installs, reinstalls or upgrades the code of a canister this
// canister controls (install_code; atomic). A nil SenderCanisterVersion is
// filled with this canister's version.
func InstallCode(args InstallCodeArgs) error {
	if args.SenderCanisterVersion == nil {
		v := canisterVersion()
		args.SenderCanisterVersion = &v
	}
	return call("install_code", 0, []any{args}, nil)
}

// UninstallCode removes a canister's code and state; it keeps its id,
// settings and cycles.
func UninstallCode(id principal.Principal) error {
	v := canisterVersion()
	return call("uninstall_code", 0, []any{UninstallCodeArgs{CanisterID: id, SenderCanisterVersion: &v}}, nil)
}

// CanisterStatus returns the status, settings, memory use and cycles of a
// canister (canister_status). The caller must be a controller, unless the
// canister's status_visibility allows it.
func CanisterStatus(id principal.Principal) (*CanisterStatusResult, error) {
	var res CanisterStatusResult
	if err := call("canister_status", 0, []any{CanisterIDArgs{id}}, []any{&res}); err != nil {
		return nil, err
	}
	return &res, nil
}

// UpdateSettings changes the settings of a canister: nil fields are left
// as they are.
func UpdateSettings(id principal.Principal, settings CanisterSettings) error {
	v := canisterVersion()
	return call("update_settings", 0, []any{UpdateSettingsArgs{CanisterID: id, Settings: settings, SenderCanisterVersion: &v}}, nil)
}

// StartCanister starts a stopped canister.
func StartCanister(id principal.Principal) error {
	return call("start_canister", 0, []any{CanisterIDArgs{id}}, nil)
}

// StopCanister stops a canister: it waits until the canister has no open
// call contexts (the IC gives up after 5 minutes).
func StopCanister(id principal.Principal) error {
	return call("stop_canister", 0, []any{CanisterIDArgs{id}}, nil)
}

// DeleteCanister deletes a stopped canister; its remaining cycles are lost.
func DeleteCanister(id principal.Principal) error {
	return call("delete_canister", 0, []any{CanisterIDArgs{id}}, nil)
}

// DepositCycles moves cycles from this canister to canister id.
func DepositCycles(id principal.Principal, cycles uint64) error {
	return call("deposit_cycles", cycles, []any{CanisterIDArgs{id}}, nil)
}

// ---- chunked code ----

// UploadChunk stores a chunk (at most 1 MiB) in the chunk store of canister
// id and returns its SHA-256.
func UploadChunk(id principal.Principal, chunk []byte) ([]byte, error) {
	var res ChunkHash
	if err := call("upload_chunk", 0, []any{UploadChunkArgs{CanisterID: id, Chunk: chunk}}, []any{&res}); err != nil {
		return nil, err
	}
	return res.Hash, nil
}

// StoredChunks lists the hashes of the chunks in the chunk store of
// canister id.
func StoredChunks(id principal.Principal) ([][]byte, error) {
	var res []ChunkHash
	if err := call("stored_chunks", 0, []any{CanisterIDArgs{id}}, []any{&res}); err != nil {
		return nil, err
	}
	hashes := make([][]byte, len(res))
	for i, h := range res {
		hashes[i] = h.Hash
	}
	return hashes, nil
}

// ClearChunkStore empties the chunk store of canister id.
func ClearChunkStore(id principal.Principal) error {
	return call("clear_chunk_store", 0, []any{CanisterIDArgs{id}}, nil)
}

// InstallChunkedCode installs a module assembled from stored chunks
// (install_chunked_code). A nil SenderCanisterVersion is filled with this
// canister's version.
func InstallChunkedCode(args InstallChunkedCodeArgs) error {
	if args.SenderCanisterVersion == nil {
		v := canisterVersion()
		args.SenderCanisterVersion = &v
	}
	return call("install_chunked_code", 0, []any{args}, nil)
}

// ---- HTTPS outcalls ----

// HTTPRequestSize is the request size that prices an outcall
// (ic0.cost_http_request, spec "Overview of imports"; spec "IC method http_request"): the URL, the header names
// and values, the body, the transform method's name and the transform
// context, in bytes.
func HTTPRequestSize(args *HTTPRequestArgs) uint64 {
	n := uint64(len(args.URL))
	for _, h := range args.Headers {
		n += uint64(len(h.Name) + len(h.Value))
	}
	if args.Body != nil {
		n += uint64(len(*args.Body))
	}
	if t := args.Transform; t != nil {
		n += uint64(len(t.Function.Method) + len(t.Context))
	}
	return n
}

// HTTPRequestCost returns the cycles an outcall with args costs, from
// ic0.cost_http_request with HTTPRequestSize and max_response_bytes (or
// MaxResponseBytes when it is not set). The IC refunds what it does not
// use.
func HTTPRequestCost(args *HTTPRequestArgs) (uint64, error) {
	max := uint64(MaxResponseBytes)
	if args.MaxResponseBytes != nil {
		max = *args.MaxResponseBytes
	}
	return costHTTPRequest(HTTPRequestSize(args), max)
}

// HTTPRequest makes an HTTPS outcall (http_request, spec "IC method http_request"). cycles
// are attached; 0 attaches HTTPRequestCost(args), the fee the System API
// quotes (the unused part is refunded). The transform, if any, must be a
// query method of this canister. The result is the response after the
// transform.
func HTTPRequest(args *HTTPRequestArgs, cycles uint64) (*HTTPRequestResult, error) {
	if cycles == 0 {
		c, err := HTTPRequestCost(args)
		if err != nil {
			return nil, &Error{"http_request", err}
		}
		cycles = c
	}
	var res HTTPRequestResult
	if err := call("http_request", cycles, []any{*args}, []any{&res}); err != nil {
		return nil, err
	}
	return &res, nil
}

// ---- threshold signatures ----

// EcdsaPublicKey returns a threshold ECDSA public key (free).
func EcdsaPublicKey(args EcdsaPublicKeyArgs) (*PublicKeyResult, error) {
	var res PublicKeyResult
	if err := call("ecdsa_public_key", 0, []any{args}, []any{&res}); err != nil {
		return nil, err
	}
	return &res, nil
}

// SignWithEcdsa signs a 32-byte message hash with a threshold ECDSA key and
// returns the signature. cycles are attached; 0 attaches the fee from
// ic0.cost_sign_with_ecdsa.
func SignWithEcdsa(args SignWithEcdsaArgs, cycles uint64) ([]byte, error) {
	if cycles == 0 {
		c, err := costThreshold("cost_sign_with_ecdsa", args.KeyID.Name, curveSecp256k1)
		if err != nil {
			return nil, &Error{"sign_with_ecdsa", err}
		}
		cycles = c
	}
	var res SignatureResult
	if err := call("sign_with_ecdsa", cycles, []any{args}, []any{&res}); err != nil {
		return nil, err
	}
	return res.Signature, nil
}

// SchnorrPublicKey returns a threshold Schnorr public key (free).
func SchnorrPublicKey(args SchnorrPublicKeyArgs) (*PublicKeyResult, error) {
	var res PublicKeyResult
	if err := call("schnorr_public_key", 0, []any{args}, []any{&res}); err != nil {
		return nil, err
	}
	return &res, nil
}

// SignWithSchnorr signs a message with a threshold Schnorr key and returns
// the signature. cycles are attached; 0 attaches the fee from
// ic0.cost_sign_with_schnorr.
func SignWithSchnorr(args SignWithSchnorrArgs, cycles uint64) ([]byte, error) {
	if cycles == 0 {
		alg := int32(algoBip340Secp256k1)
		if args.KeyID.Algorithm.Ed25519 != nil {
			alg = algoEd25519
		}
		c, err := costThreshold("cost_sign_with_schnorr", args.KeyID.Name, alg)
		if err != nil {
			return nil, &Error{"sign_with_schnorr", err}
		}
		cycles = c
	}
	var res SignatureResult
	if err := call("sign_with_schnorr", cycles, []any{args}, []any{&res}); err != nil {
		return nil, err
	}
	return res.Signature, nil
}

// VetKDPublicKey returns a vetKD public key (free).
func VetKDPublicKey(args VetKDPublicKeyArgs) ([]byte, error) {
	var res VetKDPublicKeyResult
	if err := call("vetkd_public_key", 0, []any{args}, []any{&res}); err != nil {
		return nil, err
	}
	return res.PublicKey, nil
}

// VetKDDeriveKey derives a vetKD key encrypted under the transport public
// key. cycles are attached; 0 attaches the fee from
// ic0.cost_vetkd_derive_key.
func VetKDDeriveKey(args VetKDDeriveKeyArgs, cycles uint64) ([]byte, error) {
	if cycles == 0 {
		c, err := costThreshold("cost_vetkd_derive_key", args.KeyID.Name, curveBls12381G2)
		if err != nil {
			return nil, &Error{"vetkd_derive_key", err}
		}
		cycles = c
	}
	var res VetKDDeriveKeyResult
	if err := call("vetkd_derive_key", cycles, []any{args}, []any{&res}); err != nil {
		return nil, err
	}
	return res.EncryptedKey, nil
}

// TakeCanisterSnapshot takes a snapshot of a canister this canister
// controls: its code, memory, stable memory, certified data and chunk
// store (spec "IC method take_canister_snapshot"). Stop the canister
// first, so that no callback is outstanding.
func TakeCanisterSnapshot(args TakeCanisterSnapshotArgs) (*Snapshot, error) {
	if args.SenderCanisterVersion == nil {
		v := canisterVersion()
		args.SenderCanisterVersion = &v
	}
	var res Snapshot
	if err := call("take_canister_snapshot", 0, []any{args}, []any{&res}); err != nil {
		return nil, err
	}
	return &res, nil
}

// LoadCanisterSnapshot loads a snapshot back into canister id (spec "IC
// method load_canister_snapshot").
func LoadCanisterSnapshot(id principal.Principal, snapshotID []byte) error {
	v := canisterVersion()
	return call("load_canister_snapshot", 0, []any{LoadCanisterSnapshotArgs{CanisterID: id, SnapshotID: snapshotID, SenderCanisterVersion: &v}}, nil)
}

// ListCanisterSnapshots lists the snapshots of canister id.
func ListCanisterSnapshots(id principal.Principal) ([]Snapshot, error) {
	var res []Snapshot
	if err := call("list_canister_snapshots", 0, []any{CanisterIDArgs{id}}, []any{&res}); err != nil {
		return nil, err
	}
	return res, nil
}

// DeleteCanisterSnapshot deletes a snapshot of canister id.
func DeleteCanisterSnapshot(id principal.Principal, snapshotID []byte) error {
	return call("delete_canister_snapshot", 0, []any{DeleteCanisterSnapshotArgs{CanisterID: id, SnapshotID: snapshotID}}, nil)
}

// CanisterInfo returns a canister's history (its changes, the most recent
// n of them at most), module hash and controllers; any canister may ask
// about any other (spec "IC method canister_info").
func CanisterInfo(id principal.Principal, n uint64) (*CanisterInfoResult, error) {
	var res CanisterInfoResult
	if err := call("canister_info", 0, []any{CanisterInfoArgs{CanisterID: id, NumRequestedChanges: &n}}, []any{&res}); err != nil {
		return nil, err
	}
	return &res, nil
}
