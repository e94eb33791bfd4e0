package instrument

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/icgo/icgo/internal/wasm"
	"github.com/icgo/icgo/internal/wattest"
	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// watToWasm assembles a module (internal/wattest), with its names.
func watToWasm(t *testing.T, src string) []byte {
	t.Helper()
	return wattest.Wasm(t, src, "--debug-names")
}

const meterWat = `(module
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (memory 1)
  (table funcref (elem $count $callee))
  (global $g (mut i32) (i32.const 7))
  (func $count (export "count") (param $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l))))
  (func $callee (result i32) (i32.const 42))
  (func $viaTable (export "via_table") (result i32)
    (call_indirect (result i32) (i32.const 1)))
  (func $direct (export "direct") (result i32)
    (call $callee))
  (func $fill (export "fill") (param $n i32)
    (memory.fill (i32.const 0) (i32.const 1) (local.get $n)))
  (func $spin (export "spin")
    (loop $l (br $l)))
  (func $rec (export "rec") (call $rec))
  (func $ifs (export "ifs") (param $x i32) (result i32)
    (if (result i32) (local.get $x)
      (then (i32.const 1))
      (else (i32.const 2)))))`

type meterEnv struct {
	rt      wazero.Runtime
	inst    api.Module
	counter api.MutableGlobal
	outs    int
}

func newMeterEnv(t *testing.T, src string) *meterEnv {
	t.Helper()
	m, err := wasm.Decode(watToWasm(t, src))
	require.NoError(t, err)
	res, err := Module(m, Options{Meter: true})
	require.NoError(t, err)
	require.True(t, res.Metered)

	ctx := context.Background()
	env := &meterEnv{rt: wazero.NewRuntime(ctx)}
	t.Cleanup(func() { env.rt.Close(ctx) })
	_, err = env.rt.NewHostModuleBuilder("ic0").
		NewFunctionBuilder().WithFunc(func(int32, int32) {}).Export("debug_print").
		Instantiate(ctx)
	require.NoError(t, err)
	_, err = env.rt.NewHostModuleBuilder(MeterModule).
		NewFunctionBuilder().WithFunc(func() {
		env.outs++
		panic(errors.New("out of instructions"))
	}).Export(OutOfInstructionsFunc).
		Instantiate(ctx)
	require.NoError(t, err)
	compiled, err := env.rt.CompileModule(ctx, res.Module)
	require.NoError(t, err)
	// The name section was renumbered with the functions.
	require.Equal(t, "count", compiled.ExportedFunctions()["count"].Name())
	require.Equal(t, "rec", compiled.ExportedFunctions()["rec"].Name())
	env.inst, err = env.rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithStartFunctions())
	require.NoError(t, err)
	env.counter = env.inst.ExportedGlobal(CounterExport).(api.MutableGlobal)
	return env
}

// run calls export with the given budget and returns the instructions used.
func (env *meterEnv) run(t *testing.T, budget int64, export string, params ...uint64) (uint64, []uint64, error) {
	t.Helper()
	env.counter.Set(uint64(budget))
	out, err := env.inst.ExportedFunction(export).Call(context.Background(), params...)
	return uint64(budget - int64(env.counter.Get())), out, err
}

func TestMeteringCounts(t *testing.T) {
	env := newMeterEnv(t, meterWat)
	// count: 2 (block, loop) + 10 per iteration + 3 for the last test + 1
	// for the function's end.
	for _, n := range []uint64{0, 1, 10, 1000} {
		used, _, err := env.run(t, 1<<40, "count", n)
		require.NoError(t, err)
		require.Equal(t, 10*n+6, used, "count(%d)", n)
	}
	for _, tc := range []struct {
		export string
		params []uint64
		want   uint64 // result
		used   uint64
	}{
		{"direct", nil, 42, 2 + 2},    // call, end + i32.const, end
		{"via_table", nil, 42, 3 + 2}, // i32.const, call_indirect, end + callee
		{"ifs", []uint64{1}, 1, 2 + 2 + 1},
		{"ifs", []uint64{0}, 2, 2 + 2 + 1},
	} {
		used, out, err := env.run(t, 1<<40, tc.export, tc.params...)
		require.NoError(t, err)
		require.Equal(t, tc.want, out[0], tc.export)
		require.Equal(t, tc.used, used, "%s%v", tc.export, tc.params)
	}
	// Bulk memory is charged by size.
	small, _, err := env.run(t, 1<<40, "fill", 10)
	require.NoError(t, err)
	big, _, err := env.run(t, 1<<40, "fill", 60000)
	require.NoError(t, err)
	require.Equal(t, uint64(60000-10), big-small)
}

func TestMeteringLimit(t *testing.T) {
	env := newMeterEnv(t, meterWat)
	for _, export := range []string{"spin", "rec"} {
		env.outs = 0
		used, _, err := env.run(t, 100_000, export)
		require.Error(t, err, export)
		require.True(t, strings.Contains(err.Error(), "out of instructions"), err.Error())
		require.Equal(t, 1, env.outs)
		require.Greater(t, used, uint64(100_000))
		require.Less(t, used, uint64(100_010))
	}
	// Exactly enough passes; one less traps at the final loop check.
	used, _, err := env.run(t, 1<<40, "count", 5)
	require.NoError(t, err)
	_, _, err = env.run(t, int64(used), "count", 5)
	require.NoError(t, err)
	_, _, err = env.run(t, int64(used)-8, "count", 5)
	require.Error(t, err)
}

func TestMeteringKeepsGlobalsAndStart(t *testing.T) {
	src := `(module
  (global $g (mut i32) (i32.const 7))
  (func $s (global.set $g (i32.const 9)))
  (start $s))`
	m, err := wasm.Decode(watToWasm(t, src))
	require.NoError(t, err)
	res, err := Module(m, Options{Meter: true})
	require.NoError(t, err)
	require.Equal(t, []uint32{0}, res.Globals) // the counter is not a snapshotted global
	out, err := wasm.Decode(res.Module)
	require.NoError(t, err)
	start, ok := out.Export(StartExport)
	require.True(t, ok)
	require.Equal(t, uint32(1), start.Index) // after the out-of-instructions import
	_, ok = out.Export(CounterExport)
	require.True(t, ok)
}
