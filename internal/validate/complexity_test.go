package validate

import (
	"testing"

	"github.com/icgo/icgo/internal/wasm"
	"github.com/stretchr/testify/require"
)

// brTableBody is (block (br_table 0 0 ... 0 (local.get 0))) with n targets
// and the default, for a function of type (i32) -> ().
func brTableBody(n int) []byte {
	b := []byte{wasm.OpBlock, 0x40, wasm.OpLocalGet, 0, wasm.OpBrTable}
	b = wasm.AppendULEB(b, uint64(n))
	b = append(b, make([]byte, n+1)...) // n targets and the default, all label 0
	return append(b, wasm.OpEnd)
}

// TestBrTableTargets: the IC's decoder refuses a br_table of more than
// MaxBrTableTargets targets (a module of 1,000,000 targets used to pass
// check and then take minutes to compile); BrTableCost sums the squares
// per function.
func TestBrTableTargets(t *testing.T) {
	i32 := wasm.FuncType{Params: []wasm.ValType{wasm.I32}}
	for _, tc := range []struct {
		targets []int // one function each
		ok      bool
		cost    int64
	}{
		{[]int{3}, true, 9},
		{[]int{100, 200}, true, 100*100 + 200*200},
		{[]int{MaxBrTableTargets}, true, MaxBrTableTargets * MaxBrTableTargets},
		{[]int{MaxBrTableTargets + 1}, false, (MaxBrTableTargets + 1) * (MaxBrTableTargets + 1)},
		{[]int{1_000_000}, false, 1_000_000 * 1_000_000},
	} {
		m := canister()
		for _, n := range tc.targets {
			m.Funcs = append(m.Funcs, m.TypeIndex(i32))
			m.Code = append(m.Code, wasm.Code{Body: brTableBody(n)})
		}
		r := run(t, m)
		require.Equal(t, tc.cost, r.BrTableCost)
		if tc.ok {
			require.True(t, r.OK(), "%v", r.Violations)
			continue
		}
		require.Len(t, r.Violations, 1)
		require.Equal(t, RuleLimit, r.Violations[0].Rule)
		require.Contains(t, r.Violations[0].Msg, "br_table with")
		require.Contains(t, r.Violations[0].Msg, "at most 131072")
	}
}
