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
//	OnLowWasmMemory(fn)      canister_on_low_wasm_memory
//	GlobalTimer(fn)          canister_global_timer            (always exported: the cdk's timers use it)
//
// Registration must happen during package initialization (init functions
// or package-level variable initializers): the build reads the registry
// right after the Go runtime initializes, and the exports of the module are
// fixed from then on.
//
// # Executor
//
// A message cannot block, so every entry point runs its handler on a
// goroutine (from a small pool) and yields to the Go scheduler until every
// goroutine is finished or blocked, then returns. A goroutine that waits
// (for a call, a timer, a channel, a mutex) stays blocked across messages
// and resumes in the message that unblocks it: the call's reply or reject
// callback, the timer execution, the message that sends or unlocks.
// Calls block only the calling goroutine; many can be in flight:
//
//	var out uint64
//	err := cdk.Call(ledger, "balance", []any{who}, &out)          // wait here
//	f, err := cdk.NewCall(c, "m").WithArgs(x).WithCycles(n).Start() // or start several...
//	err = f.Wait(&out)                                              // ...and wait later
//
// Where calls are not allowed (queries, init, post_upgrade, pre_upgrade,
// inspect_message, cleanup) Call returns an error wrapping
// ErrCallNotAllowed; in init, start them from a timer (SetTimer(0, f)).
//
// Call contexts: a call belongs to the IC call context of the execution
// that makes it, and its callback runs in that context. A handler's result
// is the reply of the call that started it: sent at once if the running
// execution belongs to that call, otherwise kept and sent by the next
// execution of that call context.
//
// # Keep-alive
//
// The IC answers a call with CANISTER_ERROR as soon as an execution of its
// context ends without a reply and without a call in flight. When a
// handler is still blocked at that point (Sleep, a mutex held by another
// method across its call, a channel), the cdk makes a keep-alive call in
// that context, to the management canister's raw_rand, which answers in the
// next round; its callback fires due timers and lets the handler run and
// reply, and repeats while needed (one call, and its fee, per round). If
// nothing in the canister could wake anything (no call in flight, no
// timer of the cdk or of the standard library, no heartbeat) the call is
// rejected as a deadlock. Queries cannot
// be kept open: a query (not a composite query) runs its handler on the
// entry point's goroutine, without the executor's wait for quiescence, and
// a query handler that blocks traps with a message saying so.
//
// # Traps
//
// A panic in any goroutine traps the message it runs in; the IC rolls back
// everything that message did, the Go heap (and so the executor's state)
// included. Messages before an await are already committed. When a reply
// or reject callback traps, the IC runs the cleanup callback: there, the
// goroutine that waited for that call is unwound (Future.Wait panics with
// an internal value that Go-started goroutines and handlers absorb), so its
// deferred functions (Unlock) run.
//
// # Semantics by context
//
// What waiting, calls, Go and Sleep, timers and replies do in each context
// (init and post_upgrade, update, query, callback, timer and heartbeat) is
// one table, in docs/semantics.md of the repository.
//
// The standard library's timers (time.Sleep, time.Timer, time.AfterFunc,
// context deadlines) fire on the global timer too: the executor waits for
// the Go runtime to be idle in a probe that also returns the runtime's next
// deadline, and arms the global timer for the earlier of that and its own
// heap's (docs/semantics.md, "The standard library's timers").
//
// crypto/rand works in updates, callbacks, timers and heartbeats: the cdk
// keys the generator behind it from raw_rand in the first rounds after
// install and upgrade (a zero-delay timer, as in Rust canisters). It traps
// in queries (their state is discarded, so bytes would repeat) and before
// the seed, with messages that say why (docs/semantics.md, "Randomness").
//
// Timers (SetTimer, SetTimerInterval, SetTimerNotify, ClearTimer) share the
// one global timer through a heap; they do not survive upgrades (they are
// Go closures, and the IC deactivates the global timer): create them again
// in PostUpgrade. See also packages icstd/time and icstd/sync, and
// docs/semantics.md in the repository.
//
// Outside a canister (GOOS other than wasip1) registration works, so host
// tests can inspect handlers, but functions that talk to the IC panic.
package cdk
