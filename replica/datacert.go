package replica

import (
	"fmt"

	"github.com/aviate-labs/agent-go/certification/hashtree"
	"github.com/fxamacker/cbor/v2"
	"github.com/icgo/icgo/internal/wasm"
)

// dataCertificate is the certificate a non-replicated query reads
// (ic0.data_certificate_copy; IC interface specification, "Certified
// data"): a state tree that reveals canister/<id>/certified_data and time,
// as of the state the query sees, signed by the root key (BLS12-381 over
// "\x0Dic-state-root" and the tree's root hash; spec "Certification").
// There is no subnet delegation: the replica's root key signs for its one
// subnet, as the NNS subnet's certificates are signed. It is built on
// first use and kept for the execution.
func (e *execution) dataCertificate() []byte {
	if e.dataCert != nil {
		return e.dataCert
	}
	tree := hashtree.Fork{
		LeftTree: hashtree.Labeled{Label: []byte("canister"), Tree: hashtree.Labeled{Label: e.c.id.Bytes(),
			Tree: hashtree.Labeled{Label: []byte("certified_data"), Tree: hashtree.Leaf(append([]byte{}, e.certifiedData...))}}},
		RightTree: hashtree.Labeled{Label: []byte("time"), Tree: hashtree.Leaf(wasm.AppendULEB(nil, e.time))},
	}
	root := tree.Reconstruct()
	sig, err := e.r.SignWithRootKey(append([]byte("\x0dic-state-root"), root[:]...))
	if err != nil {
		panic(fmt.Sprintf("replica: signing a data certificate: %v", err))
	}
	tb, err := hashtree.Serialize(tree)
	if err != nil {
		panic(fmt.Sprintf("replica: encoding a data certificate: %v", err))
	}
	cert, err := cbor.Marshal(cbor.Tag{Number: 55799, Content: map[string]any{"tree": cbor.RawMessage(tb), "signature": sig}})
	if err != nil {
		panic(fmt.Sprintf("replica: encoding a data certificate: %v", err))
	}
	e.dataCert = cert
	return cert
}

// hasDataCertificate reports whether the execution's context has a data
// certificate: a non-replicated query or a composite query's own method.
func (c execContext) hasDataCertificate() bool { return c == ctxNRQ || c == ctxCQ }
