package instrument

import (
	"context"
	"testing"

	"github.com/icgo/icgo/internal/wasm"
	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

const dirtyWat = `(module
  (memory 2)
  (data $d "abc")
  (func (export "stores") (param $a i32)
    (i32.store (local.get $a) (i32.const 1))
    (i64.store offset=8192 (local.get $a) (i64.const 2))
    (f32.store (i32.const 0) (f32.const 0)))
  (func (export "bulk") (param $n i32)
    (memory.fill (i32.const 20000) (i32.const 1) (local.get $n))
    (memory.copy (i32.const 40000) (i32.const 0) (local.get $n))
    (memory.init $d (i32.const 70000) (i32.const 0) (i32.const 3)))
  (func (export "loop") (param $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store (i32.mul (local.get $n) (i32.const 4)) (local.get $n))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))))`

type dirtyEnv struct {
	inst    api.Module
	counter api.MutableGlobal
	chunks  []uint32
	ranges  [][2]uint32
}

func newDirtyEnv(t *testing.T, src string, opt Options) *dirtyEnv {
	t.Helper()
	m, err := wasm.Decode(watToWasm(t, src))
	require.NoError(t, err)
	res, err := Module(m, opt)
	require.NoError(t, err)
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	t.Cleanup(func() { rt.Close(ctx) })
	env := &dirtyEnv{}
	_, err = rt.NewHostModuleBuilder(MeterModule).
		NewFunctionBuilder().WithFunc(func() { panic("out of instructions") }).Export(OutOfInstructionsFunc).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, s []uint64) {
		env.chunks = append(env.chunks, uint32(s[0]))
		s[0] = 1
	}), []api.ValueType{api.ValueTypeI32}, []api.ValueType{api.ValueTypeExternref}).Export(DirtyChunkFunc).
		NewFunctionBuilder().WithFunc(func(dst, n uint32) { env.ranges = append(env.ranges, [2]uint32{dst, n}) }).Export(DirtyRangeFunc).
		Instantiate(ctx)
	require.NoError(t, err)
	env.inst, err = rt.InstantiateWithConfig(ctx, res.Module, wazero.NewModuleConfig().WithStartFunctions())
	require.NoError(t, err)
	if opt.Meter {
		env.counter = env.inst.ExportedGlobal(CounterExport).(api.MutableGlobal)
	}
	return env
}

func (env *dirtyEnv) run(t *testing.T, export string, params ...uint64) uint64 {
	t.Helper()
	if env.counter != nil {
		env.counter.Set(1 << 40)
	}
	_, err := env.inst.ExportedFunction(export).Call(context.Background(), params...)
	require.NoError(t, err)
	if env.counter == nil {
		return 0
	}
	return 1<<40 - env.counter.Get()
}

// Dirty-page tracking reports the chunk of every store once until its
// table entry is cleared (a straddling store by its first chunk), and the
// range of every bulk operation; the instructions it adds are not
// metered.
func TestDirtyPages(t *testing.T) {
	metered := newDirtyEnv(t, dirtyWat, Options{Meter: true})
	tracked := newDirtyEnv(t, dirtyWat, Options{Meter: true, DirtyPages: true})
	for _, tc := range []struct {
		export string
		param  uint64
	}{{"stores", 4094}, {"bulk", 100}, {"loop", 5000}} {
		require.Equal(t, metered.run(t, tc.export, tc.param), tracked.run(t, tc.export, tc.param), tc.export)
	}
	require.Empty(t, metered.chunks)
	// stores(4094): chunk 0 (4094, straddling into chunk 1), chunk 2
	// (4094+8192); chunk 0 again is already reported.
	// loop(5000): addresses 20000 down to 4, chunks 4, 3, 1 (0 and 2 are
	// reported).
	require.Equal(t, []uint32{0, 2, 4, 3, 1}, tracked.chunks)
	require.Equal(t, [][2]uint32{{20000, 100}, {40000, 100}, {70000, 3}}, tracked.ranges)

	// After DirtyClearExport, the cleared chunks are reported again.
	tracked.chunks = nil
	clear := make([]uint64, DirtyClearArity) // chunk 0 in all but one
	clear[1] = 2
	_, err := tracked.inst.ExportedFunction(DirtyClearExport).Call(context.Background(), clear...)
	require.NoError(t, err)
	tracked.run(t, "stores", 4094)
	require.Equal(t, []uint32{0, 2}, tracked.chunks)
	_, err = tracked.inst.ExportedFunction(DirtyResetExport).Call(context.Background())
	require.NoError(t, err)
	tracked.chunks = nil
	tracked.run(t, "loop", 2)
	require.Equal(t, []uint32{0}, tracked.chunks)
}
