// Package cdk is the core of icgo's canister development kit: it turns plain
// Go functions into the entry points of an Internet Computer canister.
//
// Register methods in an init function; arguments and results are encoded
// as Candid from their Go types (see package candid for the mapping):
//
//	func init() {
//		cdk.Query("greet", func(name string) string { return "Hello, " + name + "!" })
//		cdk.Update("inc", func() uint64 { counter++; return counter })
//	}
//
//	func main() {}
//
// Build with `icgo build`, which compiles the package with GOOS=wasip1
// GOARCH=wasm, reads the registered methods by running the module once,
// and post-processes it into a module the IC accepts, with its .did.
//
// # Handlers
//
// A handler is any func whose parameters and results have Candid types. A
// last result of type error is special: a non-nil error rejects the call
// with its text (reject code 4, CANISTER_REJECT) and the other results are
// not sent; state changes made before the error are kept, as for any reply.
// A panic traps: the IC rolls the message back completely (heap, globals,
// stable memory, outgoing calls, timers) and the canister stays usable for
// the next message. An argument that does not decode as the handler's
// parameter types is rejected with a message naming the method and what did
// not decode; the handler does not run.
//
// # Entry points (interface specification, "Entry points")
//
//	Query(name, fn)          canister_query <name>            (state changes discarded)
//	CompositeQuery(name, fn) canister_composite_query <name>
//	Update(name, fn)         canister_update <name>
//	Init(fn)                 canister_init                    (its parameters are the install argument)
//	PostUpgrade(fn)          canister_post_upgrade            (its parameters are the upgrade argument)
//	PreUpgrade(fn)           canister_pre_upgrade
//	InspectMessage(fn)       canister_inspect_message         (accepts the ingress message when fn returns true)
//	Heartbeat(fn)            canister_heartbeat
//	GlobalTimer(fn)          canister_global_timer
//
// Registration must happen during package initialization (init functions
// or package-level variable initializers): the build reads the registry
// right after the Go runtime initializes, and the exports of the module are
// fixed from then on.
//
// Outside a canister (GOOS other than wasip1) registration works, so host
// tests can inspect handlers, but functions that talk to the IC panic.
package cdk
