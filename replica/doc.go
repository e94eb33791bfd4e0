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
// Section names in quotes ("Entry points") are sections of the IC interface
// specification, https://internetcomputer.org/docs/references/ic-interface-spec;
// section numbers (3.3) in the text below are those of its topics as this
// documentation groups them: 1 the System API, 2 module rules, 3
// execution, 4 the management canister.
//
// # What it follows
//
//   - The System API (sections 1.1 to 1.5): the ic0 host module has every
//     wasm32 function of the spec, with its exact signature, and checks the
//     context table (1.2) on every call: a call from a context the spec does
//     not allow traps with "ic0.<fn> called from <entry point>: not allowed
//     in context <letter>". Memory ranges and blob ranges are checked
//     (1.1); debug_print never traps.
//   - Module acceptance (2.1): raw or gzip modules up to 100 MiB (gzip
//     output and module files are read up to that size plus one byte,
//     never more). The IC's
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
//     most 4 GiB, 0 for none): an update, canister_init or
//     canister_post_upgrade that leaves the Wasm memory above it traps
//     (IC0539, checked when the execution ends: memory never shrinks);
//     queries, callbacks, timers, heartbeats and canister_pre_upgrade may
//     exceed it. An execution may read and may write (in 4 KiB pages,
//     each counted once) at most 2 GiB of stable memory, an install or
//     upgrade 8 GiB, a query 1 GiB; past that it traps (IC0524).
//   - Rounds (scheduler.go): Tick runs one round: management responses
//     of earlier rounds, then bounded-wait timeouts, then heartbeats and
//     due global timers canister by canister in id order (heartbeat
//     first; the timer is disarmed before canister_global_timer runs),
//     then the message queue in FIFO order (ingress in submission order,
//     requests in call_perform order, responses), including the messages
//     those executions produce, up to MaxExecutionsPerRound. Update is
//     SubmitUpdate + AwaitUpdate: it ticks until the call context
//     responds, at most WithMaxRounds rounds (then ErrPending). Query
//     runs at once, outside rounds. WithWallClock makes the clock follow
//     the wall time.
//   - Calls and call contexts (3.3, callcontext*.go): every call opens a
//     call context; it responds once, from the method or any later
//     callback; the starvation rule gives CANISTER_ERROR (the trap's, if
//     the last execution trapped) when no call is outstanding. Calls are
//     performed only if the execution does not trap; attached cycles leave
//     the balance at call_cycles_add and come back if the call is not
//     sent. Reply, reject and cleanup callbacks are table entries called
//     through call_indirect with type (i32) -> () (a trampoline export the
//     replica adds), so a bad index or type traps as on the IC. Reject
//     codes: 3 for a missing canister, 4 for msg_reject, 5 for traps,
//     missing replies, stopped canisters, missing methods; 6 when a
//     bounded-wait call's deadline (call time + timeout, at most 300 s)
//     passes before its response. Unaccepted cycles are refunded with the
//     response. A replicated query (RQ) keeps only accepted cycles and its
//     version bump.
//   - Composite queries (callcontext_query.go): their calls run
//     synchronously inside the query, to query and composite methods of
//     any canister (all are on the one subnet) and to the management
//     canister's canister_status; the call graph is at most 6 deep;
//     every change is discarded at the end.
//   - The management canister (management*.go): create_canister,
//     provisional_create_canister_with_cycles, provisional_top_up_canister,
//     install_code, install_chunked_code, upload_chunk, stored_chunks,
//     clear_chunk_store, uninstall_code, canister_status, update_settings,
//     start_canister, stop_canister, delete_canister, deposit_cycles,
//     raw_rand, http_request and fetch_canister_logs (a query, by users,
//     honouring log_visibility), with ic.did's Candid types; a bad
//     argument is a CANISTER_REJECT naming the problem. Users reach the
//     methods the spec allows through Update(ManagementCanister, ...).
//     raw_rand answers in the next round with 32 bytes of a ChaCha8 tape
//     (seeded by WithRandSeed, else by crypto/rand); like every method it
//     requires a Candid argument. stop_canister responds once the canister
//     is stopped (its last call context closed); a start_canister
//     meanwhile rejects it (IC0511). Arguments are decoded and checked
//     before use (FuzzManagementArgs); a panic in the management canister
//     would be a SYS_FATAL reject naming the replica, not a crash.
//   - HTTPS outcalls (http.go): URL, method, header and size limits (of
//     the response too: 64 headers, 8 KiB each, 48 KiB in all, checked as
//     it is read), no redirects followed (the 3xx response is the answer),
//     user-agent, the fee of ic0.cost_http_request with the rest
//     refunded, transforms in context TQ with caller aaaaa-aa, and
//     consensus over 13 nodes' transformed responses (MockHTTP,
//     QueueHTTPResponses give per-node answers).
//
// # Threshold signatures and vetKD
//
// The management canister serves ecdsa_public_key, sign_with_ecdsa,
// schnorr_public_key, sign_with_schnorr (bip340secp256k1, with the
// optional BIP-341 merkle root of aux, and ed25519), vetkd_public_key and
// vetkd_derive_key (bls12_381_g2) for the key names dfx_test_key,
// test_key_1 and key_1 of every scheme, as PocketIC does (threshold.go,
// internal/tkeys). Keys are derived as the IC interface specification
// says: the canister id is the first element of the derivation path
// (secp256k1: the generalized BIP32 of ia.cr/2021/1330, Appendix D;
// Ed25519: "Ed25519 hierarchical key derivation"; vetKD: DFINITY's
// canister and context derivation), so *_public_key of a path verifies
// what sign_with_* returns for it. Signatures: ECDSA r || s with low s
// over a 32-byte hash, BIP-340 over any message, RFC 8032 Ed25519; the
// encrypted vetKey E1 · E2 · E3 decrypts and verifies with DFINITY's
// vetKeys libraries. Signing and vetkd_derive_key cost the fee that
// ic0.cost_sign_with_ecdsa, cost_sign_with_schnorr and
// cost_vetkd_derive_key report (10 B cycles, a 13-node subnet); the rest
// of the attached cycles is refunded. Rejects, with the IC's messages:
// an unknown key (DESTINATION_INVALID, "Requested unknown threshold
// key"), too few cycles ("request sent with N cycles, but M cycles are
// required"), a message hash that is not 32 bytes, a merkle root that is
// not 0 or 32 bytes, aux with ed25519, more than 255 path elements, a
// transport public key that is not a G1 point (CANISTER_REJECT); ingress
// and query calls are refused like other canister-only methods.
//
// Checked against published vectors (internal/tkeys tests): the secp256k1
// (ECDSA and BIP-340) and Ed25519 derivations against every vector of
// DFINITY's ic-pub-key (test/samples.json, and the mainnet key_1 /
// test_key_1 and PocketIC key derivations with the canister id prefix);
// the vetKD derivation against the vetkeys library's vectors (mainnet
// key_1 / test_key_1, PocketIC keys, canister and context steps); the
// vetKey decryption against its fixed-randomness protocol vector; BIP-340
// signing and the reference verifier against BIP-340's test vectors 0 to
// 18; the taproot tweak and signatures against BIP-341's key-path
// spending vectors. ECDSA signing is decred's (RFC 6979) and is checked by decred's
// verifier; Ed25519 signatures by crypto/ed25519.Verify.
//
// Deviations: the replica holds each master key whole, derived from the
// fixed seed tkeys.DefaultSeed (not PocketIC's or the IC's keys, so the
// public keys differ from theirs; the chain code of a master key is zero,
// as on the IC); these keys are public knowledge. A signature is answered
// in the round of the request, not after the IC's consensus rounds; ECDSA
// nonces are deterministic (RFC 6979) where the IC's are random, and
// BIP-340 aux randomness, Ed25519 nonces and the vetKD encryption scalar
// come from the replica's random tape (WithRandSeed). There is no signing
// queue limit and no disabled key; vetkd_public_key does not check that
// canister_id is a canister id.
//
// # Deviations in calls, scheduling and the management canister
//
//   - One FIFO queue for the whole subnet, rather than per-canister
//     queues with round-robin scheduling: the IC's ordering guarantees
//     hold, but the interleaving of unrelated canisters is this replica's.
//   - No call fees: sending a call, the response prepayment and execution
//     are not charged in cycles (cost_call still reports them); no
//     freezing threshold or callback quotas, so call_perform always
//     returns 0. Payloads of calls are limited to 10 MiB (same subnet).
//   - A bounded-wait call that times out loses the cycles it attached if
//     its request had reached the callee (the spec allows this); a late
//     response is dropped.
//   - Composite queries: a callback that traps has its heap and stable
//     memory changes rolled back. The whole call graph shares the query
//     instruction limit, with 50 M charged per call. The depth-limit
//     reject is CANISTER_ERROR without an IC error code.
//   - update_settings stores every setting and canister_status reports
//     them, but only controllers, wasm_memory_limit, log_memory_limit (at
//     most 1 MiB honoured), log_visibility and environment_variables have
//     an effect. canister_status reports zero reserved cycles, idle burn
//     and query stats. Snapshots (snapshot.go): take, load, list and
//     delete, at most 10 per canister and 8 GiB for all canisters (they
//     are copies in the host's memory; the IC charges them as memory),
//     snapshot_visibility aside (listing is for controllers); their ids
//     are an 8-byte index and the canister id, as the IC's; their data
//     can be read and uploaded (icp canister snapshot download and
//     upload), v128 globals aside;
//     and the bitcoin methods are not implemented (DESTINATION_INVALID
//     naming the method).
//   - canister_info (history.go): the last 20 changes are kept; a
//     creation's environment_variables_hash is null, and a change made by
//     a canister has no canister_version in its origin.
//   - HTTPS outcalls: the replica makes one real request and gives every
//     node that answer (mocks give per-node answers); it is made without
//     the replica's lock (queries and other callers go on), but the next
//     round (Tick) waits for it, up to 30 s; with WithHTTPClient the
//     response headers are bounded only if its Transport is an
//     *http.Transport; responses count body and headers against
//     max_response_bytes; the non-replicated mode is priced like the
//     replicated one.
//   - Modules are compiled without the replica's lock: Install waits for
//     its module, an install_code request runs in the first round after
//     its compilation ends. The replica refuses modules whose br_tables
//     have more than 32,768 targets in one function (precisely: the sum
//     over functions of the square of their targets above 32,768²), which
//     the IC accepts up to 131,072 per br_table: wazero's compile time
//     grows with that square (32,768 targets take about 4 s, 131,072
//     minutes; BenchmarkBrTableCompile). Go canisters have at most about
//     a thousand per function.
//   - A canister's own unbounded recursion traps with "stack overflow"
//     (IC0502) at wazero's call-depth limit, not the IC's.
//   - Ingress history: the status of a finished ingress message is kept
//     for 5 minutes of replica time (the IC keeps it until the message's
//     ingress expiry); AwaitUpdate forgets a status it returns, and Update
//     never depends on the history.
//   - Canister logs (Logs, as fetch_canister_logs gives them): kept up to
//     the log_memory_limit setting (default 4 KiB of messages, oldest
//     dropped first), not kept for non-replicated executions (queries,
//     composite queries and their callbacks, inspect_message), purged by
//     reinstall and uninstall, kept by upgrade. WithLogOutput still
//     streams every message, including those the log does not keep. The
//     Go API's Stop returns at once (the canister may still be stopping).
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
// wasm64 modules are refused.
//
// # Certified data
//
// A non-replicated query (and a composite query's own method) has a data
// certificate (ic0.data_certificate_copy; spec "Certified data"): a state
// tree revealing canister/<id>/certified_data and time, signed by the root
// key itself, as the NNS subnet's certificates are, rather than by a
// subnet key with a delegation from the root key (datacert.go). Agents
// verify both forms; icgo serve's own certificates (responses, read_state)
// use a subnet key with a delegation.
//
// # Instruction metering and the lifecycle
//
// Every module is instrumented to count its instructions (metering.go,
// internal/instrument): each basic block charges its instruction count,
// and function entries and loop headers check the message's limit
// (spec "Unspecified constants and limits": 40 B for updates, timers, heartbeats and callbacks, 5 B
// for queries, 300 B for a whole install or upgrade, 200 M for
// inspect_message; WithInstructionLimits changes them). Past it, the
// execution traps with IC0522 "instruction limit exceeded" and its state
// is rolled back. System API calls charge a fixed overhead, 50 per byte of
// reply, reject or call argument, 1 per byte copied, and 1,000 per newly
// dirtied stable page (spec "Performance counter"). ic0.performance_counter, Result
// and LastInstructions report the counts. There is no wall-clock limit
// unless WithExecutionTimeout sets one (it makes Wasm much slower). In a
// tight loop metering costs about 2.5x (BenchmarkMeteringOverhead).
//
// A deviation in the counts: the metering charges 1 instruction for each
// block, loop, end and else, which DFINITY's replica charges 0 for. Go's
// code opens many nested blocks and jumps back to loop heads, so the Go
// figures are somewhat higher than the IC would count; the exact counts
// that tests and BENCHMARKS.md assert are this metering's.
//
// WithProfiling records where an execution's instructions go: LastProfile
// gives them by Wasm function (text or pprof, as `icgo run -profile`
// writes them). A wazero function listener reads the metering counter at
// every function entry and return (profile.go), so counts are the same as
// without it; the run is several times slower.
//
// Install, Reinstall, Upgrade (pre_upgrade, (start), post_upgrade as one
// atomic unit), Uninstall, Stop, Start, Delete, SetControllers and Status
// (lifecycle.go) are the single implementation of the lifecycle; the
// management canister's methods use them. They require the sender
// (WithCaller, default anonymous) to be a controller.
//
// # Cost model of this version
//
// An execution costs what it writes, not the size of the heap. Each
// instance's Wasm memory is one reservation of its maximum (an anonymous
// mapping on Linux, macOS and FreeBSD: pages the canister never touches
// hold no host memory, and memory.grow never copies). The instrumentation
// makes every store, memory.fill/copy/init and every System API call that
// writes guest memory report the 4 KiB chunk it is about to write first;
// the replica saves a chunk the first time an execution writes it, and a
// trap, or the end of a query, puts back only the saved chunks (heap.go).
// The reporting costs a few Wasm instructions per store, which metering
// does not count. Host memory is the heap plus the chunks a message
// writes; a composite query that calls back into a canister already in
// its call graph is the exception: it copies that canister's heap. A trap
// re-instantiates the module (wazero does not reuse an instance after a
// runtime error) over the same memory, saving and restoring only the bytes
// the data segments cover. Stable memory is copy-on-write in 4 KiB
// chunks, so its cost follows what an execution writes too. Compiled code
// is cached per module hash while a canister uses it (plus the 8 most
// recently unused modules), shared across the replicas of a process, and
// kept on disk in DefaultCompilationCacheDir (the user's cache directory;
// WithCompilationCacheDir chooses another or, with "", none), so installing
// the same module again, in this process or a later one, costs decoding,
// validation, instrumentation and instantiation, not compilation.
//
// # A 4 GiB heap
//
// wazero 1.12's compiler reads the length of a memory that the module
// defines as 32 bits: once memory.grow reaches 65,536 pages (4 GiB), every
// load and store traps as out of bounds, and memory.size reads 0 (its
// interpreter is right). The replica works around both, so that a canister
// can use the whole 4 GiB as on the IC: the instrumentation turns the
// module's memory into an import from a small module the replica
// instantiates per instance (whose bounds checks use the 64-bit length),
// and, for a memory whose maximum is 65,536 pages, replaces memory.size by
// memory.grow of 0 pages (which gives the same result through the
// runtime). A memory declaring more than 65,536 pages, initial or maximum,
// is refused at install, as the WebAssembly specification and the IC do
// (internal/validate, rule "memory").
//
// # Local conveniences
//
// WithCallCycles attaches cycles to a user's update call, which the IC's
// ingress messages cannot carry (users send cycles through a canister): a
// stand-in for that step in tests and icgo run -cycles. The low Wasm memory
// hook runs at the start of the round after the execution that crossed the
// threshold (the IC schedules it as a message of its own after that
// execution).
//
// # The HTTP interface and saved state
//
// Package serve (icgo serve) puts the IC's HTTP interface in front of a
// replica; it reads RootKey, SubnetID, SignWithRootKey and CertifiedState
// (certified.go: module hash, controllers, certified data and the
// icp:public / icp:private custom sections, which the state tree exposes
// as canister/<id>/metadata/<name>). SaveState and LoadState (persist.go)
// keep canisters across restarts: code as installed, Wasm memory,
// globals, stable memory, settings, chunk stores, the next canister id and
// the clock. Canister logs, the compiled-module cache and in-flight calls
// are not saved (SaveState first runs rounds until none is in flight).
// With WithWallClock, Time reports at least the wall time between rounds,
// since the next round moves the clock there.
package replica
