package replica

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStackOverflowIsCanisterTrap: a canister's own unbounded recursion is
// the canister's trap (CANISTER_ERROR, IC0502), not a replica error, and
// it rolls back the message.
func TestStackOverflowIsCanisterTrap(t *testing.T) {
	r := newReplica(t)
	id := installWat(t, r, `(module
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory (export "memory") 1)
  (func $f (param i64) (result i64) (i64.add (call $f (i64.add (local.get 0) (i64.const 1))) (i64.const 1)))
  (func (export "canister_update rec") (i32.store (i32.const 0) (i32.const 1)) (drop (call $f (i64.const 0))))
  (func (export "canister_query get") (call $reply_append (i32.const 0) (i32.const 4)) (call $reply)))`)
	res, err := r.Update(id, "rec", nil)
	rej := reject(t, res, err, CanisterError, ErrCodeCanisterTrapped, "canister trapped: stack overflow")
	require.NotContains(t, rej.Message, internalError)
	require.Equal(t, []byte{0, 0, 0, 0}, reply(t)(r.Query(id, "get", nil)), "the trap rolls back")
}
