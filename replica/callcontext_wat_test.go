package replica

// Test canisters for calls, callbacks, timers and heartbeats.

// callerCanister makes one inter-canister call per message, described by its
// argument:
//
//	0..8   cycles to attach (u64; 0 = none)
//	8..12  best-effort timeout in seconds (u32; 0xffffffff = guaranteed)
//	12..16 flags (u32):
//	         1 trap after call_perform
//	         2 the reply callback traps
//	         4 register a cleanup callback
//	         8 make a second call (same callee and method, payload "second")
//	        16 reply callback = table entry 3, of the wrong type
//	        32 reply callback = table entry 99, out of range
//	        64 reply from the method right away ("early")
//	16..20 callee length, 20..24 method length, 24..28 payload length
//	32..   callee, method, payload
//
// The reply callback (table 0) replies "R" ++ refunded (u64) ++ response;
// the reject callback (table 1) replies "J" ++ refunded (u64) ++ code (u32)
// ++ message; the cleanup (table 2) increments the heap counter at 0 and
// logs "cleanup ran". A callback with env 8 (the second call) only logs
// "second done" and does not reply. Env 9 marks a composite query, whose
// callbacks cannot read the refund (context CRy/CRt).
const callerCanister = `
(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reject_code" (func $reject_code (result i32)))
  (import "ic0" "msg_reject_msg_size" (func $reject_msg_size (result i32)))
  (import "ic0" "msg_reject_msg_copy" (func $reject_msg_copy (param i32 i32 i32)))
  (import "ic0" "msg_cycles_refunded128" (func $refunded (param i32)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_on_cleanup" (func $call_on_cleanup (param i32 i32)))
  (import "ic0" "call_data_append" (func $call_data_append (param i32 i32)))
  (import "ic0" "call_with_best_effort_response" (func $best_effort (param i32)))
  (import "ic0" "call_cycles_add128" (func $cycles_add (param i64 i64)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))
  (import "ic0" "canister_cycle_balance128" (func $balance (param i32)))
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (import "ic0" "msg_caller_size" (func $caller_size (result i32)))

  (memory (export "memory") 2)
  (table 4 funcref)
  (elem (i32.const 0) $on_reply $on_reject $on_cleanup $bad_type)
  (data (i32.const 256) "cleanup ran\00second\00second done\00reply callback trapped\00caller trapped\00early")
  ;; 256 "cleanup ran" (11), 268 "second" (6), 275 "second done" (11),
  ;; 287 "reply callback trapped" (22), 310 "caller trapped" (14), 325 "early" (5)

  (func $flags (result i32) (i32.load (i32.const 1036)))

  (func $make_call (param $env i32) (param $second i32)
    (local $callee i32) (local $method i32) (local $payload i32) (local $rf i32)
    (local.set $callee (i32.const 1056))
    (local.set $method (i32.add (local.get $callee) (i32.load (i32.const 1040))))
    (local.set $payload (i32.add (local.get $method) (i32.load (i32.const 1044))))
    (local.set $rf (i32.const 0))
    (if (i32.and (call $flags) (i32.const 16)) (then (local.set $rf (i32.const 3))))
    (if (i32.and (call $flags) (i32.const 32)) (then (local.set $rf (i32.const 99))))
    (call $call_new (local.get $callee) (i32.load (i32.const 1040))
                    (local.get $method) (i32.load (i32.const 1044))
                    (local.get $rf) (local.get $env) (i32.const 1) (local.get $env))
    (if (i32.and (call $flags) (i32.const 4)) (then (call $call_on_cleanup (i32.const 2) (local.get $env))))
    (if (i32.ne (i32.load (i32.const 1032)) (i32.const -1)) (then (call $best_effort (i32.load (i32.const 1032)))))
    (if (local.get $second)
      (then (call $call_data_append (i32.const 268) (i32.const 6)))
      (else (call $call_data_append (local.get $payload) (i32.load (i32.const 1048)))))
    (if (i64.ne (i64.load (i32.const 1024)) (i64.const 0))
      (then (call $cycles_add (i64.const 0) (i64.load (i32.const 1024)))))
    (drop (call $call_perform)))

  (func $load_arg
    (call $arg_copy (i32.const 1024) (i32.const 0) (call $arg_size)))

  (func (export "canister_update call")
    (call $load_arg)
    (call $make_call (i32.const 7) (i32.const 0))
    (if (i32.and (call $flags) (i32.const 8)) (then (call $make_call (i32.const 8) (i32.const 1))))
    (if (i32.and (call $flags) (i32.const 64)) (then
      (call $reply_append (i32.const 325) (i32.const 5)) (call $reply)))
    (if (i32.and (call $flags) (i32.const 1)) (then (call $trap (i32.const 310) (i32.const 14)))))

  (func (export "canister_composite_query cq_call")
    (call $load_arg)
    (call $make_call (i32.const 9) (i32.const 0)))

  (func $refund_to (param $env i32) (param $dst i32)
    (i64.store (local.get $dst) (i64.const 0))
    (if (i32.ne (local.get $env) (i32.const 9)) (then (call $refunded (i32.const 600)) (i64.store (local.get $dst) (i64.load (i32.const 600))))))

  (func $on_reply (param $env i32)
    (if (i32.eq (local.get $env) (i32.const 8)) (then (call $print (i32.const 275) (i32.const 11)) (return)))
    (if (i32.and (call $flags) (i32.const 2)) (then (call $trap (i32.const 287) (i32.const 22))))
    (if (i32.and (call $flags) (i32.const 64)) (then (return)))
    (i32.store8 (i32.const 4096) (i32.const 82)) ;; "R"
    (call $refund_to (local.get $env) (i32.const 4097))
    (call $arg_copy (i32.const 4105) (i32.const 0) (call $arg_size))
    (call $reply_append (i32.const 4096) (i32.add (i32.const 9) (call $arg_size)))
    (call $reply))

  (func $on_reject (param $env i32)
    (if (i32.eq (local.get $env) (i32.const 8)) (then (call $print (i32.const 275) (i32.const 11)) (return)))
    (if (i32.and (call $flags) (i32.const 64)) (then (return)))
    (i32.store8 (i32.const 4096) (i32.const 74)) ;; "J"
    (call $refund_to (local.get $env) (i32.const 4097))
    (i32.store (i32.const 4105) (call $reject_code))
    (call $reject_msg_copy (i32.const 4109) (i32.const 0) (call $reject_msg_size))
    (call $reply_append (i32.const 4096) (i32.add (i32.const 13) (call $reject_msg_size)))
    (call $reply))

  (func $on_cleanup (param $env i32)
    (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (i64.const 1)))
    (call $print (i32.const 256) (i32.const 11)))

  (func $bad_type (param i32 i32))

  ;; An HTTP-outcall transform: replies the bytes set by set_transform;
  ;; traps unless called by the management canister (empty caller).
  (func (export "canister_update set_transform")
    (i32.store (i32.const 8188) (call $arg_size))
    (call $arg_copy (i32.const 8192) (i32.const 0) (call $arg_size))
    (call $reply))
  (func (export "canister_query transform")
    (if (call $caller_size) (then (call $trap (i32.const 310) (i32.const 14))))
    (call $reply_append (i32.const 8192) (i32.load (i32.const 8188))) (call $reply))
  (func (export "canister_query cleanups")
    (call $reply_append (i32.const 0) (i32.const 8)) (call $reply))
  (func (export "canister_query balance")
    (call $balance (i32.const 640))
    (call $reply_append (i32.const 640) (i32.const 16)) (call $reply))
)
`

// calleeCanister answers calls in various ways.
const calleeCanister = `
(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reject" (func $reject (param i32 i32)))
  (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
  (import "ic0" "msg_caller_copy" (func $caller_copy (param i32 i32 i32)))
  (import "ic0" "msg_cycles_available128" (func $available (param i32)))
  (import "ic0" "msg_cycles_accept128" (func $accept (param i64 i64 i32)))
  (import "ic0" "msg_deadline" (func $deadline (result i64)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_data_append" (func $call_data_append (param i32 i32)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (import "ic0" "trap" (func $trap (param i32 i32)))

  (memory (export "memory") 1)
  (table 2 funcref)
  (elem (i32.const 0) $rand_reply $rand_reject)
  (data (i32.const 256) "nope\00callee boom\00raw_rand\00DIDL\00\00query:")
  ;; 256 "nope" (4), 261 "callee boom" (11), 273 "raw_rand" (8), 282 "DIDL\00\00" (6), 288 "query:" (6)

  (func $copy_arg (result i32)
    (call $arg_copy (i32.const 1024) (i32.const 0) (call $arg_size))
    (call $arg_size))
  (func (export "canister_update echo")
    (call $print (i32.const 1024) (call $copy_arg))
    (call $reply_append (i32.const 1024) (call $arg_size)) (call $reply))
  (func (export "canister_update reject") (call $reject (i32.const 256) (i32.const 4)))
  (func (export "canister_update trap") (call $trap (i32.const 261) (i32.const 11)))
  (func (export "canister_update noreply")
    (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (i64.const 1))))
  (func (export "canister_query count") (call $reply_append (i32.const 0) (i32.const 8)) (call $reply))
  (func (export "canister_query q")
    (drop (call $copy_arg))
    (call $reply_append (i32.const 288) (i32.const 6))
    (call $reply_append (i32.const 1024) (call $arg_size)) (call $reply))
  (func (export "canister_query caller")
    (call $caller_copy (i32.const 1024) (i32.const 0) (call $caller_size))
    (call $reply_append (i32.const 1024) (call $caller_size)) (call $reply))
  ;; accept: arg = amount (u64); replies available-before (16 bytes) ++ accepted (16 bytes).
  (func (export "canister_update accept")
    (drop (call $copy_arg))
    (call $available (i32.const 512))
    (call $accept (i64.const 0) (i64.load (i32.const 1024)) (i32.const 528))
    (call $reply_append (i32.const 512) (i32.const 32)) (call $reply))
  (func (export "canister_update deadline")
    (i64.store (i32.const 512) (call $deadline))
    (call $reply_append (i32.const 512) (i32.const 8)) (call $reply))
  ;; rand: calls raw_rand and replies with its response in the callback.
  (func (export "canister_update rand")
    (call $call_new (i32.const 0) (i32.const 0) (i32.const 273) (i32.const 8) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0))
    (call $call_data_append (i32.const 282) (i32.const 6))
    (drop (call $call_perform)))
  (func (export "canister_query rand_query")
    (call $call_new (i32.const 0) (i32.const 0) (i32.const 273) (i32.const 8) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0)))
  (func $rand_reply (param i32)
    (call $reply_append (i32.const 1024) (call $copy_arg)) (call $reply))
  (func $rand_reject (param i32)
    (call $reject (i32.const 256) (i32.const 4)))
)
`

// timerCanister counts global timer and heartbeat runs.
//
// Heap: 0 timer runs, 8 time of the last timer run, 16 re-arm interval
// (0: none), 24 what global_timer_set returned inside the handler (the
// timer must already be disarmed: 0), 32 heartbeat runs, 40 "bump" runs
// (an update the timer calls on the canister itself), 48 bump replies
// received by the timer's callback.
const timerCanister = `
(module
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "global_timer_set" (func $timer_set (param i64) (result i64)))
  (import "ic0" "time" (func $time (result i64)))
  (import "ic0" "canister_self_size" (func $self_size (result i32)))
  (import "ic0" "canister_self_copy" (func $self_copy (param i32 i32 i32)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))

  (memory (export "memory") 1)
  (table 1 funcref)
  (elem (i32.const 0) $bumped)
  (data (i32.const 256) "bump")

  (func $inc (param $at i32) (i64.store (local.get $at) (i64.add (i64.load (local.get $at)) (i64.const 1))))

  ;; arm: arg = absolute timestamp (u64) ++ re-arm interval (u64).
  (func (export "canister_update arm")
    (call $arg_copy (i32.const 512) (i32.const 0) (i32.const 16))
    (i64.store (i32.const 16) (i64.load (i32.const 520)))
    (drop (call $timer_set (i64.load (i32.const 512))))
    (call $reply_append (i32.const 0) (i32.const 0)) (call $reply))
  (func (export "canister_global_timer")
    (call $inc (i32.const 0))
    (i64.store (i32.const 8) (call $time))
    (if (i64.ne (i64.load (i32.const 16)) (i64.const 0))
      (then (i64.store (i32.const 24) (call $timer_set (i64.add (call $time) (i64.load (i32.const 16))))))
      (else (i64.store (i32.const 24) (call $timer_set (i64.const 0)))))
    (call $self_copy (i32.const 600) (i32.const 0) (call $self_size))
    (call $call_new (i32.const 600) (call $self_size) (i32.const 256) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (drop (call $call_perform)))
  (func (export "canister_heartbeat") (call $inc (i32.const 32)))
  (func (export "canister_update bump") (call $inc (i32.const 40)) (call $reply_append (i32.const 0) (i32.const 0)) (call $reply))
  (func $bumped (param i32) (call $inc (i32.const 48)))
  (func (export "canister_query state") (call $reply_append (i32.const 0) (i32.const 56)) (call $reply))
)
`
