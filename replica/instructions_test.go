package replica

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestResultInstructions checks that updates and queries report the
// instructions they used, and that the count grows with the work done.
func TestResultInstructions(t *testing.T) {
	r := newReplica(t)
	src := `(module
	  (import "ic0" "msg_reply" (func $reply))
	  (import "ic0" "msg_arg_data_size" (func $size (result i32)))
	  (memory 1)
	  (func $spin (param $n i32)
	    (block (loop
	      (br_if 1 (i32.eqz (local.get $n)))
	      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
	      (br 0))))
	  (func (export "canister_update u") (call $spin (i32.mul (call $size) (i32.const 100))) (call $reply))
	  (func (export "canister_query q") (call $spin (i32.mul (call $size) (i32.const 100))) (call $reply)))`
	id, err := r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, r.Install(id, wat(t, src), nil))
	for _, call := range []struct {
		name string
		do   func(arg []byte) (*Result, error)
	}{
		{"update", func(arg []byte) (*Result, error) { return r.Update(id, "u", arg) }},
		{"query", func(arg []byte) (*Result, error) { return r.Query(id, "q", arg) }},
	} {
		small, err := call.do(make([]byte, 1))
		require.NoError(t, err)
		require.Nil(t, small.Reject)
		big, err := call.do(make([]byte, 10))
		require.NoError(t, err)
		require.Nil(t, big.Reject)
		require.NotZero(t, small.Instructions, call.name)
		// 900 more loop iterations of several instructions each.
		require.Greater(t, big.Instructions, small.Instructions+900*4, call.name)
	}
}
