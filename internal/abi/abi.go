// Package abi is the contract between the guest side of icgo (the cdk package,
// compiled into a canister by `go build`) and the host side (the
// post-processor in internal/postproc and the build step in cmd/icgo).
//
// A Go module built with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared cannot
// export the IC's spaced names ("canister_query greet") and imports WASI. The
// cdk therefore exports a small fixed set of Go entry points (the names
// below), and the post-processor synthesizes the IC's exports from the
// method registry that the build reads by running the module once
// (see Describe).
//
// Everything in this package is constants and tiny functions, so that both
// sides can import it without pulling code into the canister.
package abi

// Go exports of the cdk (//go:wasmexport). The post-processor wires the IC's
// entry points to them and removes them from the final export list.
const (
	// ExportInitialize is the Go runtime's reactor initializer. canister_init
	// and canister_post_upgrade call it exactly once, before anything else.
	ExportInitialize = "_initialize"

	// ExportInit has type () -> (). canister_init calls it after _initialize.
	ExportInit = "icgo_init"
	// ExportPostUpgrade has type () -> (). canister_post_upgrade calls it
	// after _initialize.
	ExportPostUpgrade = "icgo_post_upgrade"
	// ExportPreUpgrade has type () -> (); canister_pre_upgrade calls it.
	ExportPreUpgrade = "icgo_pre_upgrade"
	// ExportInspect has type () -> (); canister_inspect_message calls it.
	ExportInspect = "icgo_inspect_message"
	// ExportHeartbeat has type () -> (); canister_heartbeat calls it.
	ExportHeartbeat = "icgo_heartbeat"
	// ExportGlobalTimer has type () -> (); canister_global_timer calls it.
	ExportGlobalTimer = "icgo_global_timer"
	// ExportLowMemory has type () -> (); canister_on_low_wasm_memory calls it.
	ExportLowMemory = "icgo_on_low_wasm_memory"
	// ExportMethod has type (i32) -> (). "canister_query NAME",
	// "canister_update NAME" and "canister_composite_query NAME" each become
	// a synthesized function that pushes the method's index in the registry
	// (as listed by Describe) and calls ExportMethod.
	ExportMethod = "icgo_method"
	// ExportDescribe has type () -> (). It is only called by the build step,
	// under wazero with WASI and a recording ic0, after _initialize: it
	// replies (ic0.msg_reply_data_append + ic0.msg_reply) with the registry
	// in the Describe format.
	ExportDescribe = "icgo_describe"

	// ExportCallbackReply, ExportCallbackReject and ExportCallbackCleanup
	// have type (env i32) -> (). They are the callbacks handed to
	// ic0.call_new and ic0.call_on_cleanup by table index.
	ExportCallbackReply   = "icgo_callback_reply"
	ExportCallbackReject  = "icgo_callback_reject"
	ExportCallbackCleanup = "icgo_callback_cleanup"
)

// Pseudo-imports: functions the cdk imports from module PseudoModule. They
// never reach the IC: the post-processor replaces each with an internal
// function.
const (
	PseudoModule = "icgo"

	// PseudoTableIndexPrefix + EXPORT, type () -> i32: returns the funcref
	// table index of the function exported as EXPORT (the post-processor adds
	// it to the table when it is not there yet). This is how the cdk finds
	// the table index of its callbacks without relying on linker internals.
	PseudoTableIndexPrefix = "table_index:"

	// PseudoStdoutFlush, type () -> (): flushes the partial line that the
	// replacement of WASI fd_write may hold. The cdk calls it at the end of
	// every entry point.
	PseudoStdoutFlush = "stdout_flush"

	// PseudoRandMode, type (i32) -> (): tells the replacement of WASI
	// random_get what the running execution allows: 0 initializing
	// (package initialization, canister_init, canister_post_upgrade), 1
	// allowed (serve the CSPRNG once keyed), 2 discarded (a query: never
	// serve). The cdk calls it at the start of every execution
	// (internal/icctx).
	PseudoRandMode = "rand_mode"

	// PseudoRandSeed, type (i32) -> (): XORs the 32 bytes at the address
	// into the key of random_get's CSPRNG (ChaCha20) and discards the
	// buffered keystream. The cdk calls it with raw_rand's bytes.
	PseudoRandSeed = "rand_seed"
)

// IdleFD is the file descriptor of the executor's idle probe: the cdk
// reads 8 bytes from it with os.File, which parks the reading goroutine in
// the Go runtime's poller; when no goroutine can run, the runtime polls
// with the deadline of its next timer (WASI poll_oneoff), and the
// post-processor's poll_oneoff answers with a read event for this fd, so
// the read returns that deadline (little-endian ns of IC time, 0 for
// none). That is how the executor learns that the runtime is idle and when
// the standard library's timers want to run.
const IdleFD = 0x49434730 // "ICG0"

// Describe format: the reply of ExportDescribe is UTF-8 text, one record a
// line, fields separated by a single space:
//
//	icgo-describe 1
//	method KIND INDEX NAME          (KIND: query, update, composite_query)
//	hook KIND                       (KIND: init, post_upgrade, pre_upgrade, inspect_message, heartbeat, global_timer, on_low_wasm_memory)
//	candid-args LEN                 (then LEN bytes of text and a newline: the init argument types, e.g. "(text, nat)")
//	candid-service LEN              (then LEN bytes of .did text and a newline)
//
// Unknown records are an error for the reader: the format is versioned by
// the first line.
const DescribeHeader = "icgo-describe 1"

// Method kinds as they appear in Describe.
const (
	KindQuery          = "query"
	KindUpdate         = "update"
	KindCompositeQuery = "composite_query"
)

// Hook kinds as they appear in Describe, with the IC export each one maps to.
var Hooks = map[string]struct{ IC, Go string }{
	"init":               {"canister_init", ExportInit},
	"post_upgrade":       {"canister_post_upgrade", ExportPostUpgrade},
	"pre_upgrade":        {"canister_pre_upgrade", ExportPreUpgrade},
	"inspect_message":    {"canister_inspect_message", ExportInspect},
	"heartbeat":          {"canister_heartbeat", ExportHeartbeat},
	"global_timer":       {"canister_global_timer", ExportGlobalTimer},
	"on_low_wasm_memory": {"canister_on_low_wasm_memory", ExportLowMemory},
}

// RejectCodeName returns the interface specification's name of a reject
// code ("Reject codes": 1 SYS_FATAL ... 6 SYS_UNKNOWN), or "" for a code
// it does not define. The guest's cdk.RejectCode and the replica's share it.
func RejectCodeName(code int) string {
	switch code {
	case 1:
		return "SYS_FATAL"
	case 2:
		return "SYS_TRANSIENT"
	case 3:
		return "DESTINATION_INVALID"
	case 4:
		return "CANISTER_REJECT"
	case 5:
		return "CANISTER_ERROR"
	case 6:
		return "SYS_UNKNOWN"
	}
	return ""
}
