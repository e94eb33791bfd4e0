// Package management is a typed client for the management canister
// (aaaaa-aa), the IC's system API for canister lifecycle, randomness, HTTPS
// outcalls and threshold keys (interface specification, "The IC management
// canister"; spec "The IC management canister").
//
// Each function is one inter-canister call through the cdk's call API: it
// encodes its Go argument as the Candid type of ic.did, attaches cycles
// where the method needs them, parks the calling goroutine (not the
// canister) until the reply, and decodes the reply. The Go types mirror
// ic.did field for field; the host tests check them against the
// specification's ic.did (testdata/ic.did). Candid nat fields (cycles,
// sizes, allocations) are candid.NatU64, a nat held in a uint64, so that
// canisters using this package do not link math/big; a value above 2^64-1
// fails to decode with an error saying so.
//
// # Where the functions work
//
//	context (spec "Overview of imports")                          management calls
//	update method (U), reply/reject callback         sent; the goroutine parks until the reply. The
//	(Ry/Rt), timer or heartbeat (T)                  state changed before the call is committed, as at
//	                                                 any await; a reject is returned as an error
//	query, composite query, transform (RQ NRQ        error from the cdk: calls are not allowed (the IC
//	CQ TQ), inspect_message (F)                      would trap); canister_status from a composite
//	                                                 query is not supported by this package
//	init, post_upgrade (I), pre_upgrade (G),         error from the cdk: calls are not allowed; start
//	cleanup (C)                                      the work from a timer
//
// # Errors
//
// Every error is a *Error naming the method; it wraps the cdk's
// *cdk.CallError (reject code and the IC's message) for rejects, so
//
//	var ce *cdk.CallError
//	if errors.As(err, &ce) && ce.Code == cdk.SysTransient { ... retry later ... }
//
// # Cycles
//
//	method                      cycles attached
//	http_request                HTTPRequestCost: ic0.cost_http_request of HTTPRequestSize (URL,
//	                            header names and values, body, transform name and context) and
//	                            max_response_bytes (2,000,000 when unset), unless the caller gives
//	                            an amount; the unused part is refunded
//	sign_with_ecdsa,            ic0.cost_sign_with_ecdsa / _schnorr / cost_vetkd_derive_key for
//	sign_with_schnorr,          the key name, unless the caller gives an amount
//	vetkd_derive_key
//	create_canister             the caller's amount: CreateCanisterFee is taken, the rest becomes
//	                            the new canister's balance
//	deposit_cycles              the caller's amount
//	others                      none
//
// The fees are read from the System API at run time, never computed from a
// formula here: prices differ between subnets and change over time.
//
// sender_canister_version is filled with this canister's version
// (ic0.canister_version) in create_canister, install_code,
// install_chunked_code, uninstall_code and update_settings, as the Rust CDK
// does, so that the target's canister history records the change.
//
// Section names quoted as spec "..." are those of the IC interface
// specification, https://internetcomputer.org/docs/references/ic-interface-spec.
package management
