package management

import (
	"github.com/icgo/icgo/candid"
)

// Error is a failed call to the management canister: the call was rejected
// (Err then carries the reject code and message, from the cdk's call API),
// could not be sent, or its reply did not decode.
type Error struct {
	Method string // the management canister method, e.g. "raw_rand"
	Err    error
}

func (e *Error) Error() string { return "management canister " + e.Method + ": " + e.Err.Error() }

// Unwrap returns the underlying error, so errors.As finds the cdk's reject
// error in it.
func (e *Error) Unwrap() error { return e.Err }

// call calls method of the management canister with the Candid encoding of
// args, attaching cycles, parks the calling goroutine until the reply, and
// decodes the reply into results (pointers).
func call(method string, cycles uint64, args []any, results []any) error {
	arg, err := candid.Marshal(args)
	if err != nil {
		return &Error{method, err}
	}
	reply, err := callRaw(method, arg, cycles)
	if err != nil {
		return &Error{method, err}
	}
	if err := candid.Unmarshal(reply, results); err != nil {
		return &Error{method, err}
	}
	return nil
}
