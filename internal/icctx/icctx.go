// Package icctx is the execution context of a canister, shared by the cdk
// (which sets it at the start of every execution) and the icstd packages
// (which read it): one definition of what each IC context allows (IC
// interface specification, section "System API imports", the table of
// which functions each context may call).
//
// It also holds the guest side of the post-processor's CSPRNG (WASI
// random_get, see rand.go): the cdk keys it from raw_rand, icstd/rand reads
// from it, and both tell it the context.
package icctx

// Kind is the IC context of the running execution.
type Kind uint8

// The contexts, with the letters of the interface specification.
const (
	None             Kind = iota
	Init                  // I: canister_init, canister_post_upgrade
	PreUpgrade            // G
	Update                // U
	Query                 // RQ / NRQ / TQ (replicated or not)
	Composite             // CQ
	Reply                 // Ry
	Reject                // Rt
	Cleanup               // C
	System                // T: canister_global_timer, canister_heartbeat
	Inspect               // F
	CompositeCB           // CRy / CRt
	CompositeCleanup      // CC
)

var names = [...]string{
	None: "no execution", Init: "canister_init/canister_post_upgrade", PreUpgrade: "canister_pre_upgrade",
	Update: "an update method", Query: "a query method", Composite: "a composite query method",
	Reply: "a reply callback", Reject: "a reject callback", Cleanup: "a cleanup callback",
	System: "a timer or heartbeat", Inspect: "canister_inspect_message",
	CompositeCB: "a composite query callback", CompositeCleanup: "a composite query cleanup callback",
}

func (k Kind) String() string {
	if int(k) < len(names) {
		return names[k]
	}
	return "an unknown context"
}

// CanCall reports whether ic0.call_new is allowed (U CQ Ry Rt CRy CRt T).
func (k Kind) CanCall() bool {
	switch k {
	case Update, Composite, Reply, Reject, System, CompositeCB:
		return true
	}
	return false
}

// CanAddCycles reports whether ic0.call_cycles_add128 is allowed (U Ry Rt
// T: not in a composite query or its callbacks).
func (k Kind) CanAddCycles() bool {
	switch k {
	case Update, Reply, Reject, System:
		return true
	}
	return false
}

// CanReply reports whether msg_reply is allowed (U RQ NRQ TQ CQ Ry Rt CRy CRt).
func (k Kind) CanReply() bool {
	switch k {
	case Update, Query, Composite, Reply, Reject, CompositeCB:
		return true
	}
	return false
}

// CanSetTimer reports whether ic0.global_timer_set is allowed
// (I G U Ry Rt C T) and the change is kept.
func (k Kind) CanSetTimer() bool {
	switch k {
	case Init, PreUpgrade, Update, Reply, Reject, Cleanup, System:
		return true
	}
	return false
}

// Discarded reports whether the execution's state changes are discarded:
// queries of every kind (replicated ones included), composite queries and
// their callbacks, inspect_message. Random bytes handed out there would be
// handed out again.
func (k Kind) Discarded() bool {
	switch k {
	case Query, Composite, CompositeCB, CompositeCleanup, Inspect:
		return true
	}
	return false
}

var current Kind

// Current returns the context of the running execution (None outside any:
// during package initialization).
func Current() Kind { return current }

// Begin records the context of the execution that starts; only the cdk
// calls it, at the start of every entry point.
func Begin(k Kind) {
	current = k
	randContext(k)
}
