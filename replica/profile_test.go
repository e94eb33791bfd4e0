package replica

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/icgo/icgo/internal/wattest"
	"github.com/stretchr/testify/require"
)

const profileWAT = `(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_arg_data_size" (func $size (result i32)))
  (memory 1)
  (func $spin (param $n i32)
    (block (loop
      (br_if 1 (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br 0))))
  (func $twice (param $n i32) (call $spin (local.get $n)) (call $spin (local.get $n)))
  (func (export "canister_update u") (call $twice (i32.mul (call $size) (i32.const 100))) (call $reply))
  (func (export "canister_query q") (call $spin (i32.mul (call $size) (i32.const 100))) (call $reply)))`

// TestProfile checks that a profile attributes every instruction of an
// execution to the function that ran it, that profiling changes no
// instruction count, and that go tool pprof reads its pprof form.
func TestProfile(t *testing.T) {
	module := wattest.Wasm(t, profileWAT, "--debug-names")
	plain, profiled := newReplica(t), newReplica(t, WithProfiling())
	var results [2]*Result
	var id CanisterID
	for i, r := range []*Replica{plain, profiled} {
		var err error
		id, err = r.CreateCanister()
		require.NoError(t, err)
		require.NoError(t, r.Install(id, module, nil))
		results[i], err = r.Update(id, "u", make([]byte, 10))
		require.NoError(t, err)
		require.Nil(t, results[i].Reject)
	}
	require.Equal(t, results[0].Instructions, results[1].Instructions, "profiling changed the count")
	_, err := plain.LastProfile(id)
	require.ErrorContains(t, err, "WithProfiling")

	p, err := profiled.LastProfile(id)
	require.NoError(t, err)
	require.Equal(t, results[1].Instructions, p.Total)
	byName := map[string]FuncInstructions{}
	var sum uint64
	for _, f := range p.Funcs {
		byName[f.Name] = f
		sum += f.Instructions
	}
	require.Equal(t, p.Total, sum, "the functions' own instructions add up to the total")
	require.Equal(t, uint64(2), byName["spin"].Calls)
	require.Greater(t, byName["spin"].Instructions, uint64(2*1000*4))
	require.Equal(t, "spin", p.Funcs[0].Name)
	require.Equal(t, uint64(1), byName["twice"].Calls)
	require.Less(t, byName["twice"].Instructions, uint64(20))

	var text bytes.Buffer
	require.NoError(t, p.WriteText(&text))
	require.Contains(t, text.String(), " spin\n")

	res, err := profiled.Query(id, "q", make([]byte, 1))
	require.NoError(t, err)
	q, err := profiled.LastProfile(id)
	require.NoError(t, err)
	require.Equal(t, res.Instructions, q.Total, "a query's profile replaces the update's")

	path := filepath.Join(t.TempDir(), "u.pprof")
	var buf bytes.Buffer
	require.NoError(t, p.WritePprof(&buf))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	out, err := exec.Command("go", "tool", "pprof", "-traces", path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	// The two spin calls under twice under the entry point, one stack.
	require.Regexp(t, `(?m)^ +\d+ +spin\n +twice\n +canister_update u\n`, string(out))
	require.True(t, strings.Contains(string(out), "Type: instructions"), "%s", out)
}
