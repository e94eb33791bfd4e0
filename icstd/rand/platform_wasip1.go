//go:build wasip1

package rand

import (
	"errors"
	"strings"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/cdk/ic0"
	"github.com/icgo/icgo/management"
)

type canister struct{}

var thePlatform platform = canister{}

// context tells queries from the rest. The cdk does not export the
// execution context yet, so this uses ic0.in_replicated_execution: 0 in
// non-replicated queries, composite queries, transforms and
// inspect_message. Init, pre_upgrade and cleanup callbacks look like
// updates here; there raw_rand is refused by the cdk (ErrCallNotAllowed),
// which rawRand turns into ErrNotSeeded.
func (canister) context() execContext {
	if ic0.InReplicatedExecution() == 0 {
		return ctxQuery
	}
	return ctxCall
}

func (canister) rawRand() ([]byte, error) {
	b, err := management.RawRand()
	if err != nil && (errors.Is(err, cdk.ErrCallNotAllowed) || strings.Contains(err.Error(), cdk.ErrCallNotAllowed.Error())) {
		return nil, ErrNotSeeded
	}
	return b, err
}

func (canister) now() int64 { return ic0.Time() }

func (canister) selfID() []byte { return cdk.Self().Bytes() }

func (canister) spawn(fn func()) { cdk.Go(fn) }
