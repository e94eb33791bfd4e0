package replica

import (
	"testing"
	"time"

	"github.com/aviate-labs/agent-go/certification"
	agentprincipal "github.com/aviate-labs/agent-go/principal"
	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/require"
)

// certifier sets its certified data from an update's argument, and its
// query "cert" replies with data_certificate_present (one byte) and the
// certificate.
const certifier = `(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "certified_data_set" (func $set (param i32 i32)))
  (import "ic0" "data_certificate_present" (func $present (result i32)))
  (import "ic0" "data_certificate_size" (func $size (result i32)))
  (import "ic0" "data_certificate_copy" (func $copy (param i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "canister_update set")
    (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
    (call $set (i32.const 0) (call $arg_size))
    (call $reply))
  (func (export "canister_update present")
    (i32.store8 (i32.const 0) (call $present))
    (call $append (i32.const 0) (i32.const 1))
    (call $reply))
  (func (export "canister_query presentq")
    (i32.store8 (i32.const 0) (call $present))
    (call $append (i32.const 0) (i32.const 1))
    (call $reply))
  (func (export "canister_query cert")
    (i32.store8 (i32.const 0) (call $present))
    (call $copy (i32.const 1) (i32.const 0) (call $size))
    (call $append (i32.const 0) (i32.add (i32.const 1) (call $size)))
    (call $reply)))`

// A query reads a certificate of its canister's certified data, signed
// by the root key, which agent-go verifies; updates have none.
func TestDataCertificate(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, certifier)
	reply(t)(r.Update(id, "set", []byte("the data")))
	out := reply(t)(r.Query(id, "cert", nil))
	require.Equal(t, byte(1), out[0])
	var cert certification.Certificate
	require.NoError(t, cbor.Unmarshal(out[1:], &cert))
	require.NoError(t, certification.VerifyCertifiedData(cert, agentprincipal.Principal{Raw: id.Bytes()}, r.RootKey(), []byte("the data")))
	require.NoError(t, cert.VerifyTime(time.Minute)) // the replica's time: the wall clock at New

	other := installWat(t, r, certifier)
	require.Error(t, certification.VerifyCertifiedData(cert, agentprincipal.Principal{Raw: other.Bytes()}, r.RootKey(), []byte("the data")))
	require.Equal(t, []byte{0}, reply(t)(r.Update(id, "present", nil)))

	// A query called by a composite query has none either.
	require.Equal(t, []byte{1}, reply(t)(r.Query(id, "presentq", nil)))
	caller := installWat(t, r, callerCanister)
	o := parseOutcome(t, reply(t)(r.Query(caller, "cq_call", callSpec{timeout: -1, callee: id.Bytes(), method: "presentq"}.arg())))
	require.False(t, o.rejected, o.msg)
	require.Equal(t, []byte{0}, o.data)
}
