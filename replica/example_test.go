package replica_test

import (
	"fmt"
	"os"

	"github.com/icgo/icgo/internal/wattest"
	"github.com/icgo/icgo/replica"
)

// counter is a tiny canister in WebAssembly text: canister_init stores the
// init argument's first byte as the counter; "inc" adds one and replies
// with the counter; "get" (a query) replies with it.
const counter = `
(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (memory 1)
  (data (i32.const 16) "initialized")
  (func (export "canister_init")
    (if (call $arg_size) (then (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 1))))
    (call $print (i32.const 16) (i32.const 11)))
  (func (export "canister_update inc")
    (i32.store8 (i32.const 0) (i32.add (i32.load8_u (i32.const 0)) (i32.const 1)))
    (call $append (i32.const 0) (i32.const 1))
    (call $reply))
  (func (export "canister_query get")
    (call $append (i32.const 0) (i32.const 1))
    (call $reply)))
`

func Example() {
	r, err := replica.New(replica.WithLogOutput(os.Stdout))
	if err != nil {
		panic(err)
	}
	defer r.Close()

	id, err := r.CreateCanister()
	if err != nil {
		panic(err)
	}
	fmt.Println("canister", id)

	if err := r.Install(id, assemble(counter), []byte{41}); err != nil {
		panic(err)
	}
	res, _ := r.Update(id, "inc", nil)
	fmt.Println("inc:", res.Reply)
	res, _ = r.Query(id, "get", nil)
	fmt.Println("get:", res.Reply)
	res, _ = r.Query(id, "nope", nil)
	fmt.Println(res.Reject.Code, res.Reject.ErrorCode, res.Reject.Message)
	// Output:
	// canister lxzze-o7777-77777-aaaaa-cai
	// [lxzze-o7777-77777-aaaaa-cai] initialized
	// inc: [42]
	// get: [42]
	// CANISTER_ERROR IC0536 canister lxzze-o7777-77777-aaaaa-cai has no query method 'nope'
}

// assemble returns the module for src (internal/wattest).
func assemble(src string) []byte {
	b, err := wattest.Assemble(src)
	if err != nil {
		panic(err)
	}
	return b
}
