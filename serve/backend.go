package serve

import (
	"errors"
	"io"
	"time"

	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica"
)

// backend is every call the server makes into the replica, in one place.
type backend struct{ r *replica.Replica }

// outcome is a finished call or query: a reply or a reject.
type outcome struct {
	reply  []byte
	reject *replica.Reject
}

func outcomeOf(res *replica.Result) outcome {
	if res.Reject != nil {
		return outcome{reject: res.Reject}
	}
	return outcome{reply: res.Reply}
}

// canisterNotFound is the reject for a call to a canister the replica
// does not host (DESTINATION_INVALID, IC0301).
func canisterNotFound(id []byte) *replica.Reject {
	return &replica.Reject{Code: replica.DestinationInvalid, ErrorCode: "IC0301",
		Message: "Canister " + principalText(id) + " not found"}
}

func (b backend) canisterID(id []byte) (replica.CanisterID, error) {
	return replica.CanisterIDFromBytes(id)
}

// submit submits an update call. A call the replica refuses at once
// (unknown canister, empty canister, canister_inspect_message) returns
// its reject as rejected, with await nil.
func (b backend) submit(canister []byte, method string, arg, sender []byte) (rejected *replica.Reject, await func() (outcome, error), err error) {
	id, err := b.canisterID(canister)
	if err != nil {
		return canisterNotFound(canister), nil, nil
	}
	mid, err := b.r.SubmitUpdate(id, method, arg, replica.WithCaller(principal.FromBytes(sender)))
	if errors.Is(err, replica.ErrCanisterNotFound) {
		return canisterNotFound(canister), nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if res, done, err := b.r.IngressStatus(mid); err == nil && done && res.Reject != nil {
		if _, err := b.r.AwaitUpdate(mid); err != nil { // forget it
			return nil, nil, err
		}
		return res.Reject, nil, nil
	}
	return nil, func() (outcome, error) {
		for {
			res, err := b.r.AwaitUpdate(mid)
			if errors.Is(err, replica.ErrPending) {
				continue
			}
			if err != nil {
				return outcome{}, err
			}
			return outcomeOf(res), nil
		}
	}, nil
}

// update runs an update call to completion (the system canisters' calls
// into the management canister).
func (b backend) update(canister []byte, method string, arg, sender []byte) (outcome, error) {
	rej, await, err := b.submit(canister, method, arg, sender)
	if err != nil || rej != nil {
		return outcome{reject: rej}, err
	}
	return await()
}

func (b backend) query(canister []byte, method string, arg, sender []byte) (outcome, error) {
	id, err := b.canisterID(canister)
	if err != nil {
		return outcome{reject: canisterNotFound(canister)}, nil
	}
	res, err := b.r.Query(id, method, arg, replica.WithCaller(principal.FromBytes(sender)))
	if errors.Is(err, replica.ErrCanisterNotFound) {
		return outcome{reject: canisterNotFound(canister)}, nil
	}
	if err != nil {
		return outcome{}, err
	}
	return outcomeOf(res), nil
}

func (b backend) now() time.Time { return b.r.Time() }

func (b backend) tick() error { return b.r.Tick() }

func (b backend) certified() ([]replica.CertifiedCanister, error) { return b.r.CertifiedState() }

func (b backend) signRoot(msg []byte) ([]byte, error) { return b.r.SignWithRootKey(msg) }

func (b backend) save(w io.Writer) error { return b.r.SaveState(w) }

func (b backend) load(r io.Reader) error { return b.r.LoadState(r) }
