package replica

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/wasm"
)

// An upgrade whose candid:service is not a subtype of the old one warns in
// the log output, naming what breaks.
func TestUpgradeWarnsOnBreakingInterface(t *testing.T) {
	module := func(did string) []byte {
		m, err := wasm.Decode(wat(t, `(module (memory 1) (func (export "canister_query greet") nop))`))
		require.NoError(t, err)
		m.Customs = append(m.Customs, wasm.Custom{Name: "icp:public candid:service", Data: []byte(did)})
		return m.Encode()
	}
	var log strings.Builder
	r := newReplica(t, WithLogOutput(&log))
	id, err := r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, r.Install(id, module(`service : { greet : (text) -> (text) query; inc : () -> (nat) }`), nil))
	require.NoError(t, r.Upgrade(id, module(`service : { greet : (text, opt nat) -> (text) query; inc : () -> (nat) }`), nil))
	require.NotContains(t, log.String(), "warning")
	require.NoError(t, r.Upgrade(id, module(`service : { greet : (nat) -> (text) query }`), nil))
	require.Contains(t, log.String(), "warning: the upgrade's Candid interface breaks callers: method greet: arguments.0: text is not a subtype of nat")
	require.Contains(t, log.String(), "warning: the upgrade's Candid interface breaks callers: method inc is removed")
}
