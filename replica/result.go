package replica

import (
	"fmt"

	"github.com/icgo/icgo/internal/abi"
)

// RejectCode classifies a reject (IC interface spec, "Reject codes";
// spec "Inter-canister method calls").
type RejectCode int

// Reject codes.
const (
	SysFatal           RejectCode = 1
	SysTransient       RejectCode = 2
	DestinationInvalid RejectCode = 3
	CanisterReject     RejectCode = 4
	CanisterError      RejectCode = 5
	SysUnknown         RejectCode = 6
)

func (c RejectCode) String() string {
	if name := abi.RejectCodeName(int(c)); name != "" {
		return name
	}
	return fmt.Sprintf("RejectCode(%d)", int(c))
}

// Error codes of DFINITY's replica (dfinity/ic rs/types/error_types,
// ErrorCode; the first digit is the reject code). The spec leaves them to
// the implementation; the replica reports the same ones so that tools and
// users see familiar codes.
const (
	ErrCodeCertifiedStateUnavailable         = "IC0208" // code 2: here, a response the replica dropped
	ErrCodeCanisterNotFound                  = "IC0301" // code 3
	ErrCodeMethodNotFound                    = "IC0302" // code 3: an unknown management canister method
	ErrCodeCanisterRejectedMessage           = "IC0406" // code 4: msg_reject, or inspect_message refused
	ErrCodeInvalidManagementPayload          = "IC0408" // code 4: a bad management canister argument
	ErrCodeCanisterInvalidWasm               = "IC0505" // code 5: a module the replica refuses
	ErrCodeCanisterTrapped                   = "IC0502" // code 5: a Wasm trap
	ErrCodeCanisterCalledTrap                = "IC0503" // code 5: ic0.trap
	ErrCodeCanisterContractViolation         = "IC0504" // code 5: a System API misuse
	ErrCodeCanisterDidNotReply               = "IC0506" // code 5
	ErrCodeInstructionLimitExceeded          = "IC0522" // code 5: here, the wall-clock guard
	ErrCodeCanisterMemoryAccessLimitExceeded = "IC0524" // code 5: too much stable memory written
	ErrCodeCompositeQueryReplicated          = "IC0527" // code 5
	ErrCodeCanisterMethodNotFound            = "IC0536" // code 5 (was IC0302, code 3)
	ErrCodeCanisterWasmModuleNotFound        = "IC0537" // code 5
	ErrCodeCanisterAlreadyInstalled          = "IC0538" // code 5
	ErrCodeCanisterWasmMemoryLimitExceeded   = "IC0539" // code 5
)

// Reject is a call's negative response. It implements error, so that
// Install can return it and callers can use errors.As.
type Reject struct {
	Code RejectCode
	// Message is the reject text: the canister's own text for
	// CANISTER_REJECT, a description from the replica otherwise.
	Message string
	// ErrorCode is DFINITY's "IC0nnn" code for this kind of reject, as
	// mainnet reports it to ingress senders.
	ErrorCode string
}

func (r *Reject) Error() string {
	if r.ErrorCode != "" {
		return fmt.Sprintf("reject %d (%s) %s: %s", int(r.Code), r.Code, r.ErrorCode, r.Message)
	}
	return fmt.Sprintf("reject %d (%s): %s", int(r.Code), r.Code, r.Message)
}

// Result is the response to an ingress update or a query: exactly one of
// Reply and Reject is set (Reply may be empty but is then non-nil).
type Result struct {
	Reply  []byte
	Reject *Reject
	// Instructions is the number of instructions the message's execution
	// took, as metered (metering.go), when the code that builds the Result
	// knows it; Replica.LastInstructions gives the count of a canister's
	// last execution in every case. For a composite query it is the sum
	// over every execution of the evaluation (the method, its callees and
	// its callbacks, on every canister), without the per-call charge.
	Instructions uint64
	// Refunded is what the canister did not accept of the cycles the call
	// carried (WithCallCycles).
	Refunded uint64
}

// Err returns r.Reject as an error, or nil for a reply.
func (r *Result) Err() error {
	if r.Reject != nil {
		return r.Reject
	}
	return nil
}
