package replica

import (
	"fmt"
	"math/big"

	"github.com/icgo/icgo/principal"
)

// A NativeCanister answers the requests that canisters send to its id:
// a canister implemented in Go by the embedder, such as icgo serve's
// system canisters (the cycles ledger, to which icp's cycle recovery
// deposits). It runs in the round that delivers the request, under the
// replica's lock, so it must not call the Replica. It does not run
// ingress messages: an embedder that hosts a native canister for users
// answers them itself.
type NativeCanister func(NativeRequest) NativeResponse

// NativeRequest is a request from a canister to a NativeCanister.
type NativeRequest struct {
	Caller principal.Principal // the calling canister
	Method string
	Arg    []byte
	Cycles *big.Int // attached to the call
}

// NativeResponse is a NativeCanister's answer: a reply or a reject, and
// the cycles it accepted (at most Cycles); the rest is refunded.
type NativeResponse struct {
	Reply    []byte
	Reject   *Reject
	Accepted *big.Int
}

// HostNative hosts h at id: requests from canisters to id go to h (see
// NativeCanister). id must not be a canister of the replica, and a later
// call for the same id replaces h.
func (r *Replica) HostNative(id principal.Principal, h NativeCanister) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cid := CanisterID{string(id.Bytes())}
	if _, ok := r.canisters[cid]; ok {
		return fmt.Errorf("replica: %s is a canister of the replica; it cannot be hosted natively", id)
	}
	if r.native == nil {
		r.native = map[CanisterID]NativeCanister{}
	}
	r.native[cid] = h
	return nil
}

// deliverNative answers a canister's request to a native canister.
func (r *Replica) deliverNative(m *message, h NativeCanister) {
	offered := new(big.Int).Lsh(new(big.Int).SetUint64(m.cycles.hi), 64)
	offered.Or(offered, new(big.Int).SetUint64(m.cycles.lo))
	res := h(NativeRequest{Caller: principal.FromBytes(m.from), Method: m.method, Arg: m.arg, Cycles: new(big.Int).Set(offered)})
	accepted := u128{}
	if res.Accepted != nil && res.Accepted.Cmp(offered) <= 0 {
		accepted, _ = u128OfBig(res.Accepted)
	}
	if res.Reject == nil && res.Reply == nil {
		res.Reject = &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterDidNotReply,
			Message: "native canister " + m.to.String() + " did not reply to " + m.method}
	}
	if res.Reject != nil {
		accepted = u128{}
	}
	r.replyToRequest(m, res.Reply, res.Reject, m.cycles.sub(accepted))
}
