// Command mgmtcan drives the management canister from a canister, for the
// e2e test of package management.
package main

import (
	"crypto/sha256"
	"fmt"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/management"
	"github.com/icgo/icgo/principal"
)

// Status is a summary of canister_status.
type Status struct {
	Status      string                           `ic:"status"`
	ModuleHash  []byte                           `ic:"module_hash"`
	Controllers []principal.Principal            `ic:"controllers"`
	Freezing    uint64                           `ic:"freezing_threshold"`
	Cycles      uint64                           `ic:"cycles"`
	EnvVars     []management.EnvironmentVariable `ic:"env"`
}

func status(id principal.Principal) (Status, error) {
	s, err := management.CanisterStatus(id)
	if err != nil {
		return Status{}, err
	}
	out := Status{Status: s.Status.String(), Controllers: s.Settings.Controllers,
		Freezing: uint64(s.Settings.FreezingThreshold), Cycles: uint64(s.Cycles), EnvVars: s.Settings.EnvironmentVariables}
	if s.ModuleHash != nil {
		out.ModuleHash = *s.ModuleHash
	}
	return out, nil
}

func init() {
	cdk.Update("raw_rand", func() ([]byte, error) { return management.RawRand() })

	// create_and_install creates a canister with 1 T cycles and installs
	// wasm in it.
	cdk.Update("create_and_install", func(wasm []byte) (principal.Principal, error) {
		id, err := management.CreateCanister(&management.CanisterSettings{
			FreezingThreshold: management.Some(management.Nat(1234)),
		}, 1_000_000_000_000)
		if err != nil {
			return principal.Principal{}, err
		}
		err = management.InstallCode(management.InstallCodeArgs{
			Mode: management.ModeInstall(), CanisterID: id, WasmModule: wasm, Arg: []byte("DIDL\x00\x00"),
		})
		return id, err
	})
	cdk.Update("status", status)

	// chunked uploads wasm in chunks and reinstalls it with
	// install_chunked_code.
	cdk.Update("chunked", func(id principal.Principal, wasm []byte) ([][]byte, error) {
		if err := management.ClearChunkStore(id); err != nil {
			return nil, err
		}
		var hashes []management.ChunkHash
		for off := 0; off < len(wasm); off += 500_000 {
			end := min(off+500_000, len(wasm))
			h, err := management.UploadChunk(id, wasm[off:end])
			if err != nil {
				return nil, err
			}
			hashes = append(hashes, management.ChunkHash{Hash: h})
		}
		stored, err := management.StoredChunks(id)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(wasm)
		return stored, management.InstallChunkedCode(management.InstallChunkedCodeArgs{
			Mode: management.ModeReinstall(), TargetCanister: id, ChunkHashesList: hashes, WasmModuleHash: sum[:], Arg: []byte("DIDL\x00\x00"),
		})
	})

	cdk.Update("settings", func(id principal.Principal) error {
		return management.UpdateSettings(id, management.CanisterSettings{
			FreezingThreshold:    management.Some(management.Nat(99)),
			EnvironmentVariables: &[]management.EnvironmentVariable{{Name: "MODE", Value: "test"}},
		})
	})
	cdk.Update("deposit", func(id principal.Principal, n uint64) error { return management.DepositCycles(id, n) })
	cdk.Update("stop_start", func(id principal.Principal) ([]string, error) {
		var seen []string
		if err := management.StopCanister(id); err != nil {
			return nil, err
		}
		s, err := status(id)
		if err != nil {
			return nil, err
		}
		seen = append(seen, s.Status)
		if err := management.StartCanister(id); err != nil {
			return nil, err
		}
		s, err = status(id)
		seen = append(seen, s.Status)
		return seen, err
	})
	cdk.Update("uninstall", func(id principal.Principal) error { return management.UninstallCode(id) })
	// snapshots takes a snapshot of id, lists, loads and deletes it, and
	// returns the kinds of id's last changes (canister_info).
	cdk.Update("snapshots", func(id principal.Principal) ([]string, error) {
		if err := management.StopCanister(id); err != nil {
			return nil, err
		}
		s, err := management.TakeCanisterSnapshot(management.TakeCanisterSnapshotArgs{CanisterID: id})
		if err != nil {
			return nil, err
		}
		list, err := management.ListCanisterSnapshots(id)
		if err != nil {
			return nil, err
		}
		if len(list) != 1 || string(list[0].ID) != string(s.ID) {
			return nil, fmt.Errorf("list_canister_snapshots: %v, took %x", list, s.ID)
		}
		if err := management.LoadCanisterSnapshot(id, s.ID); err != nil {
			return nil, err
		}
		if err := management.DeleteCanisterSnapshot(id, s.ID); err != nil {
			return nil, err
		}
		if err := management.StartCanister(id); err != nil {
			return nil, err
		}
		info, err := management.CanisterInfo(id, 2)
		if err != nil {
			return nil, err
		}
		var kinds []string
		for _, c := range info.RecentChanges {
			switch d := c.Details; {
			case d.CodeDeployment != nil:
				kinds = append(kinds, "code_deployment")
			case d.LoadSnapshot != nil:
				kinds = append(kinds, "load_snapshot")
			default:
				kinds = append(kinds, "other")
			}
		}
		return kinds, nil
	})
	cdk.Update("delete", func(id principal.Principal) error {
		if err := management.StopCanister(id); err != nil {
			return err
		}
		return management.DeleteCanister(id)
	})
	// ecdsa returns a threshold ECDSA public key and a signature of a
	// 32-byte hash with it (the fee from ic0.cost_sign_with_ecdsa).
	cdk.Update("ecdsa", func(hash []byte) ([][]byte, error) {
		key := management.Secp256k1Key("dfx_test_key")
		pk, err := management.EcdsaPublicKey(management.EcdsaPublicKeyArgs{DerivationPath: [][]byte{}, KeyID: key})
		if err != nil {
			return nil, err
		}
		sig, err := management.SignWithEcdsa(management.SignWithEcdsaArgs{MessageHash: hash, DerivationPath: [][]byte{}, KeyID: key}, 0)
		return [][]byte{pk.PublicKey, sig}, err
	})
	// schnorr returns a threshold Schnorr public key for path and a
	// signature of msg with it; alg is "bip340secp256k1" or "ed25519", a
	// non-nil merkleRoot asks for a BIP-341 (taproot) signature.
	cdk.Update("schnorr", func(alg string, path [][]byte, msg []byte, merkleRoot *[]byte) ([][]byte, error) {
		key := management.Bip340Key("test_key_1")
		if alg == "ed25519" {
			key = management.Ed25519Key("test_key_1")
		}
		pk, err := management.SchnorrPublicKey(management.SchnorrPublicKeyArgs{DerivationPath: path, KeyID: key})
		if err != nil {
			return nil, err
		}
		args := management.SignWithSchnorrArgs{Message: msg, DerivationPath: path, KeyID: key}
		if merkleRoot != nil {
			args.Aux = &management.SchnorrAux{Bip341: &management.Bip341{MerkleRootHash: *merkleRoot}}
		}
		sig, err := management.SignWithSchnorr(args, 0)
		return [][]byte{pk.PublicKey, pk.ChainCode, sig}, err
	})
	// vetkd returns the vetKD public key of context and the vetKey of input
	// encrypted under the transport public key tpk.
	cdk.Update("vetkd", func(context, input, tpk []byte) ([][]byte, error) {
		key := management.Bls12381G2Key("key_1")
		pk, err := management.VetKDPublicKey(management.VetKDPublicKeyArgs{Context: context, KeyID: key})
		if err != nil {
			return nil, err
		}
		ek, err := management.VetKDDeriveKey(management.VetKDDeriveKeyArgs{Input: input, Context: context, TransportPublicKey: tpk, KeyID: key}, 0)
		return [][]byte{pk, ek}, err
	})
	// sign_unknown signs with a key the replica does not have.
	cdk.Update("sign_unknown", func() (string, error) {
		_, err := management.SignWithEcdsa(management.SignWithEcdsaArgs{MessageHash: make([]byte, 32), DerivationPath: [][]byte{}, KeyID: management.Secp256k1Key("nope")}, 10_000_000_000)
		if err == nil {
			return "", nil
		}
		return err.Error(), nil
	})
	cdk.Query("status_in_query", func(id principal.Principal) (string, error) {
		s, err := status(id)
		return s.Status, err
	})
}

func main() {}
