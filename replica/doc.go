// Package replica is icgo's embedded Internet Computer replica: it runs
// canister modules (any wasm32 canister: Rust ic-cdk, Motoko, C, icgo's Go
// CDK) on wazero with the semantics of the IC interface specification, for
// tests, development and benchmarks. The API is in the spirit of PocketIC:
//
//	r, _ := replica.New()
//	defer r.Close()
//	id, _ := r.CreateCanister()
//	err := r.Install(id, wasmModule, initArg)
//	res, _ := r.Update(id, "inc", arg) // res.Reply or res.Reject
//	res, _ = r.Query(id, "get", arg)
//
// Section numbers below refer to icgo's reference sheet
// (shared/reference/ic-reference.md), which cites the spec pages.
//
// # What it follows
//
//   - The System API (sections 1.1 to 1.5): the ic0 host module has every
//     wasm32 function of the spec, with its exact signature, and checks the
//     context table (1.2) on every call: a call from a context the spec does
//     not allow traps with "ic0.<fn> called from <entry point>: not allowed
//     in context <letter>". Memory ranges and blob ranges are checked
//     (1.1); debug_print never traps.
//   - Module acceptance (2.1): raw or gzip modules up to 100 MiB. The IC's
//     module rules (section 2) plug in at validateModule, the single hook for
//     internal/validate.
//   - Execution (3.1 to 3.3): update, query (replicated or not), composite
//     query, init, the (start) function and inspect_message each run in
//     their context. A trap discards every effect of the execution: Wasm
//     memory (including its size), all mutable globals, stable memory,
//     certified data, the global timer, cycles burned and the reply. A
//     query's effects are discarded even without a trap. A method that
//     returns without replying gets CANISTER_ERROR and keeps its changes
//     (3.3).
//   - Time (3.5): ic0.time is constant within an execution and strictly
//     increasing between executions; the clock is controlled (WithTime,
//     AdvanceTime, SetTime).
//   - Memory (2.6): the canister's wasm_memory_limit (default 3 GiB, at
//     most 4 GiB) caps memory.grow.
//
// # Results and errors
//
// A call's outcome is a Result with either Reply or Reject (Code is the
// spec's reject code; ErrorCode is DFINITY's IC0nnn code, e.g. IC0502 for a
// Wasm trap, IC0503 for ic0.trap, IC0504 for a System API contract
// violation, IC0506 for no reply, IC0536 for an unknown method). The Go
// error is only for misuse of the API: an unknown canister, a closed
// replica. Install returns a *Reject as its error when the module is
// refused or its initialization traps.
//
// # Not yet
//
// Inter-canister calls and callbacks, the management canister, timers and
// heartbeats, upgrades, certification and instruction metering do not exist
// yet. Their ic0 functions exist and check their contexts, then trap with
// "ic0.<fn> is not implemented yet in the icgo replica" instead of
// pretending to work. Until metering lands: Result.Instructions and
// ic0.performance_counter are 0, and a wall-clock guard per execution
// (WithExecutionTimeout, default 30 s) stands in for the instruction limits
// (3.4). No query has a data certificate (data_certificate_present is 0).
// wasm64 modules are refused.
//
// # Cost model of this version
//
// Each execution copies the whole Wasm memory before it runs (to restore
// it on a trap or after a query): a memcpy of about 1 ms per 10 MiB of
// heap, and a second copy of the heap in RAM. Stable memory is
// copy-on-write in 4 KiB chunks, so its cost follows what an execution
// writes. Compiled code is cached per module hash (and shared across the
// replicas of a process, or on disk with WithCompilationCacheDir), so
// installing the same module again costs only instantiation.
package replica
