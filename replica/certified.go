package replica

import (
	"fmt"
	"strings"

	blssig "github.com/aviate-labs/agent-go/certification/bls"
	bls "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
	"github.com/icgo/icgo/internal/wasm"
)

// This file is what the HTTP interface (package serve) reads to certify
// the replica's state (IC interface specification, section "Certification"
// and "The system state tree"): the root key and its signature, the subnet
// id, and each canister's certified paths.

// RootKey returns the replica's root public key, DER-encoded (a BLS12-381
// G2 point; the key ic0.root_key_copy gives canisters).
func (r *Replica) RootKey() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte{}, r.rootKeyBytes()...)
}

// SignWithRootKey returns the 48-byte BLS signature (a compressed G1
// point) of msg under the root key, as the NNS signs the subnet
// delegations of certificates (IC interface specification, section
// "Certification > Delegation": BLS12-381 min-sig, hash-to-curve
// BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_). The HTTP interface
// (package serve) uses it to sign its subnet key's delegation.
func (r *Replica) SignWithRootKey(msg []byte) ([]byte, error) {
	var sk fr.Element
	sk.SetBigInt(rootSecretKey(r.randSeed))
	sig, err := (*blssig.SecretKey)(&sk).Sign(msg)
	if err != nil {
		return nil, fmt.Errorf("replica: root key signature: %w", err)
	}
	b := (*bls.G1Affine)(sig).Bytes()
	return b[:], nil
}

// SubnetID returns the id of the replica's subnet.
func (r *Replica) SubnetID() []byte { return append([]byte{}, r.subnetID...) }

// metadataSection is a canister's custom section named "icp:public NAME"
// or "icp:private NAME" (IC interface specification, section "Canister
// module format": exposed in the state tree at canister/<id>/metadata/NAME).
type metadataSection struct {
	public bool
	data   []byte
}

func metadataOf(m *wasm.Module) map[string]metadataSection {
	md := map[string]metadataSection{}
	for _, c := range m.Customs {
		if name, ok := strings.CutPrefix(c.Name, "icp:public "); ok {
			md[name] = metadataSection{public: true, data: c.Data}
		} else if name, ok := strings.CutPrefix(c.Name, "icp:private "); ok {
			md[name] = metadataSection{data: c.Data}
		}
	}
	return md
}

// CertifiedCanister is the part of a canister's state the state tree holds
// (IC interface specification, section "The system state tree > Canister
// information").
type CertifiedCanister struct {
	ID            CanisterID
	ModuleHash    []byte   // nil when the canister is empty
	Controllers   [][]byte // as set
	CertifiedData []byte   // ic0.certified_data_set; empty by default
	// PublicMetadata holds the icp:public custom sections by name;
	// PrivateMetadata the icp:private ones (readable by controllers only).
	PublicMetadata, PrivateMetadata map[string][]byte
}

// CertifiedState returns the certified part of every canister's state, in
// id order.
func (r *Replica) CertifiedState() ([]CertifiedCanister, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	var out []CertifiedCanister
	for _, c := range r.sortedCanisters() {
		cc := CertifiedCanister{ID: c.id, CertifiedData: append([]byte{}, c.certifiedData...),
			PublicMetadata: map[string][]byte{}, PrivateMetadata: map[string][]byte{}}
		for _, p := range c.controllers {
			cc.Controllers = append(cc.Controllers, append([]byte{}, p...))
		}
		if c.code != nil {
			cc.ModuleHash = r.statusOf(c).ModuleHash
			for name, s := range c.code.metadata {
				if s.public {
					cc.PublicMetadata[name] = s.data
				} else {
					cc.PrivateMetadata[name] = s.data
				}
			}
		}
		out = append(out, cc)
	}
	return out, nil
}
