package postproc

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero/api"

	"github.com/icgo/icgo/internal/abi"
	"github.com/icgo/icgo/internal/wasm"
)

const (
	randomAtInit = 20000 // _initialize writes 16 random bytes here
	scratch      = 24000
)

// stubModule imports every WASI function the Go runtime uses, one it does
// not, and the icgo pseudo-imports; each is re-exported as call_NAME.
func stubModule() []byte {
	b := newBuilder()
	imports := []struct {
		module, name string
		t            wasm.FuncType
	}{
		{modWASI, "fd_write", ft("iiii", "i")},
		{modWASI, "clock_time_get", ft("iIi", "i")},
		{modWASI, "proc_exit", ft("i", "")},
		{modWASI, "random_get", ft("ii", "i")},
		{modWASI, "environ_sizes_get", ft("ii", "i")},
		{modWASI, "environ_get", ft("ii", "i")},
		{modWASI, "args_sizes_get", ft("ii", "i")},
		{modWASI, "args_get", ft("ii", "i")},
		{modWASI, "fd_prestat_get", ft("ii", "i")},
		{modWASI, "fd_prestat_dir_name", ft("iii", "i")},
		{modWASI, "fd_fdstat_get", ft("ii", "i")},
		{modWASI, "fd_fdstat_set_flags", ft("ii", "i")},
		{modWASI, "fd_close", ft("i", "i")},
		{modWASI, "sched_yield", ft("", "i")},
		{modWASI, "poll_oneoff", ft("iiii", "i")},
		{modWASI, "path_open", ft("iiiiiIIii", "i")},
		{abi.PseudoModule, abi.PseudoStdoutFlush, tVoid},
		{abi.PseudoModule, abi.PseudoTableIndexPrefix + abi.ExportCallbackReply, tRetI32},
		{abi.PseudoModule, abi.PseudoTableIndexPrefix + "in_table", tRetI32},
	}
	for _, im := range imports {
		b.imp(im.module, im.name, im.t)
	}
	for i, im := range imports {
		name := im.name
		if im.module == abi.PseudoModule {
			name = strings.TrimPrefix(name, abi.PseudoTableIndexPrefix)
		}
		b.forward(name, uint32(i), im.t)
	}
	const randomGet = 3
	b.export(abi.ExportInitialize, b.fn(tVoid, (&asm{}).i32(randomAtInit).i32(16).call(randomGet).op(wasm.OpDrop)))
	b.export(abi.ExportCallbackReply, b.fn(tI32, &asm{}))
	inTable := b.fn(tI32, &asm{})
	b.export("in_table", inTable)
	b.m.Tables = []wasm.TableType{{Elem: wasm.FuncRef, Limits: wasm.Limits{Min: 12, Max: 12, HasMax: true}}}
	b.m.Elements = []wasm.Element{{Mode: wasm.Active, Offset: constI32(10), Type: wasm.FuncRef, Funcs: []uint32{0, inTable}}}
	return b.bytes()
}

const fakeTime = 1_700_000_000_123_456_789

func stubInstance(t *testing.T, opt Options) (*fakeIC0, api.Module) {
	t.Helper()
	opt.KeepExports = true
	out, _, _ := process(t, stubModule(), opt)
	ic := &fakeIC0{now: fakeTime}
	return ic, ic.instantiate(t, out)
}

type write struct {
	fd   int
	iovs []string
}

// fdWrite writes the iovecs at scratch and calls fd_write.
func fdWrite(t *testing.T, mod api.Module, w write) (errno uint32, n uint32) {
	t.Helper()
	iovs := uint32(scratch)
	data := iovs + 8*uint32(len(w.iovs))
	for i, s := range w.iovs {
		require.True(t, mod.Memory().WriteUint32Le(iovs+8*uint32(i), data))
		require.True(t, mod.Memory().WriteUint32Le(iovs+8*uint32(i)+4, uint32(len(s))))
		require.True(t, mod.Memory().WriteString(data, s))
		data += uint32(len(s))
	}
	nw := data + 16
	r := mustCall(t, mod, "call_fd_write", uint64(w.fd), uint64(iovs), uint64(len(w.iovs)), uint64(nw))
	n, _ = mod.Memory().ReadUint32Le(nw)
	return uint32(r[0]), n
}

func TestFdWrite(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, c := range []struct {
		name   string
		writes []write
		flush  bool
		want   []string
	}{
		{"lines split across iovecs and writes", []write{{1, []string{"hello\nwor", "ld\npar"}}, {1, []string{"tial"}}}, false, []string{"hello", "world"}},
		{"partial line then stdout_flush", []write{{1, []string{"hello\nwor", "ld\npar"}}, {1, []string{"tial"}}}, true, []string{"hello", "world", "partial"}},
		{"empty lines", []write{{2, []string{"\n\n", "a\n"}}}, false, []string{"", "", "a"}},
		{"flush with nothing pending", []write{{1, nil}, {1, []string{""}}}, true, nil},
		{"fd change emits the pending bytes", []write{{1, []string{"out"}}, {2, []string{"err\n"}}, {1, []string{"x\n"}}}, false, []string{"out", "err", "x"}},
		{"full buffer", []write{{1, []string{long}}}, true, []string{long[:LineBufSize], long[:LineBufSize], long[:5000-2*LineBufSize]}},
		{"exactly a full line", []write{{1, []string{long[:LineBufSize], "\n"}}}, false, []string{long[:LineBufSize]}},
		{"full line and one byte", []write{{1, []string{long[:LineBufSize+1], "\n"}}}, false, []string{long[:LineBufSize], "x"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ic, mod := stubInstance(t, Options{})
			for _, w := range c.writes {
				errno, n := fdWrite(t, mod, w)
				require.Zero(t, errno)
				require.Equal(t, len(strings.Join(w.iovs, "")), int(n))
			}
			if c.flush {
				mustCall(t, mod, "call_stdout_flush")
			}
			require.Equal(t, c.want, ic.prints)
		})
	}
	t.Run("other fds", func(t *testing.T) {
		ic, mod := stubInstance(t, Options{})
		for _, fd := range []int{0, 3, 100} {
			errno, _ := fdWrite(t, mod, write{fd, []string{"x\n"}})
			require.Equal(t, uint32(errnoBadF), errno)
		}
		require.Empty(t, ic.prints)
	})
}

func TestProcExit(t *testing.T) {
	for _, code := range []uint32{0, 2, 10, 255, 1234567890, 4294967295} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			ic, mod := stubInstance(t, Options{})
			fdWrite(t, mod, write{2, []string{"panic: boom\n[recovered"}})
			_, err := call(mod, "call_proc_exit", uint64(code))
			require.Error(t, err)
			require.Equal(t, []string{"panic: boom", "[recovered"}, ic.prints)
			require.Equal(t, []string{fmt.Sprintf("%s%d%s", MsgExitPrefix, code, MsgExitSuffix)}, ic.traps)
		})
	}
}

func TestRandomGet(t *testing.T) {
	ic, mod := stubInstance(t, Options{})
	require.Equal(t, make([]byte, 16), mem(t, mod, randomAtInit, 16))
	mustCall(t, mod, "canister_init")
	first := mem(t, mod, randomAtInit, 16)
	require.NotEqual(t, make([]byte, 16), first)

	// Deterministic for one time; different for another.
	ic2, mod2 := stubInstance(t, Options{})
	mustCall(t, mod2, "canister_init")
	require.Equal(t, first, mem(t, mod2, randomAtInit, 16))
	ic3, mod3 := stubInstance(t, Options{})
	ic3.now++
	mustCall(t, mod3, "canister_post_upgrade")
	require.NotEqual(t, first, mem(t, mod3, randomAtInit, 16), "another time, other bytes")

	// Only the runtime's first read gets bytes: a second read, even during
	// _initialize (a package init calling crypto/rand), traps.
	_, err := call(mod2, "canister_post_upgrade")
	require.Error(t, err)
	require.Equal(t, []string{MsgRandom}, ic2.traps)

	// Outside _initialize: a trap naming the replacement.
	_, err = call(mod, "call_random_get", scratch, 8)
	require.Error(t, err)
	require.Equal(t, []string{MsgRandom}, ic.traps)
	require.Contains(t, MsgRandom, "icstd/rand")
}

func TestClock(t *testing.T) {
	_, mod := stubInstance(t, Options{})
	for _, id := range []uint64{0, 1, 2, 3} {
		require.Equal(t, []uint64{0}, mustCall(t, mod, "call_clock_time_get", id, 1000, scratch))
		v, _ := mod.Memory().ReadUint64Le(scratch)
		require.Equal(t, uint64(fakeTime), v)
	}
}

func TestEnviron(t *testing.T) {
	for _, c := range []struct {
		name string
		env  []EnvVar
	}{
		{"none", nil},
		{"two", []EnvVar{{"A", "1"}, {"GREETING", "hello world"}}},
		{"empty value", []EnvVar{{"EMPTY", ""}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, mod := stubInstance(t, Options{Env: c.env})
			var blob string
			for _, e := range c.env {
				blob += e.Name + "=" + e.Value + "\x00"
			}
			require.True(t, mod.Memory().Write(scratch, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}))
			require.Equal(t, []uint64{0}, mustCall(t, mod, "call_environ_sizes_get", scratch, scratch+4))
			n, _ := mod.Memory().ReadUint32Le(scratch)
			size, _ := mod.Memory().ReadUint32Le(scratch + 4)
			require.Equal(t, len(c.env), int(n))
			require.Equal(t, len(blob), int(size))

			const envp, buf = 30000, 31000
			require.Equal(t, []uint64{0}, mustCall(t, mod, "call_environ_get", envp, buf))
			require.Equal(t, blob, string(mem(t, mod, buf, uint32(len(blob)))))
			off := uint32(0)
			for i, e := range c.env {
				p, _ := mod.Memory().ReadUint32Le(envp + 4*uint32(i))
				require.Equal(t, buf+off, p)
				off += uint32(len(e.Name) + len(e.Value) + 2)
			}
		})
	}
}

func TestSmallStubs(t *testing.T) {
	ic, mod := stubInstance(t, Options{})
	fill := func() { require.True(t, mod.Memory().Write(scratch, []byte(strings.Repeat("\xff", 32)))) }

	fill()
	require.Equal(t, []uint64{0}, mustCall(t, mod, "call_args_sizes_get", scratch, scratch+4))
	require.Equal(t, make([]byte, 8), mem(t, mod, scratch, 8))
	require.Equal(t, []uint64{0}, mustCall(t, mod, "call_args_get", scratch, scratch+4))
	require.Equal(t, []uint64{0}, mustCall(t, mod, "call_sched_yield"))

	for _, fd := range []uint64{0, 1, 2} {
		fill()
		require.Equal(t, []uint64{0}, mustCall(t, mod, "call_fd_fdstat_get", fd, scratch))
		want := make([]byte, 24)
		want[0] = 2 // character device
		require.Equal(t, want, mem(t, mod, scratch, 24))
		require.Equal(t, byte(0xff), mem(t, mod, scratch+24, 1)[0])
		require.Equal(t, []uint64{0}, mustCall(t, mod, "call_fd_fdstat_set_flags", fd, 0))
	}
	for _, fd := range []uint64{3, 4, 1 << 31} {
		require.Equal(t, []uint64{errnoBadF}, mustCall(t, mod, "call_fd_fdstat_get", fd, scratch))
		require.Equal(t, []uint64{errnoBadF}, mustCall(t, mod, "call_fd_fdstat_set_flags", fd, 0))
		require.Equal(t, []uint64{errnoBadF}, mustCall(t, mod, "call_fd_prestat_get", fd, scratch))
		require.Equal(t, []uint64{errnoBadF}, mustCall(t, mod, "call_fd_prestat_dir_name", fd, scratch, 8))
	}
	require.Equal(t, []uint64{errnoBadF}, mustCall(t, mod, "call_fd_close", 1))
	require.Empty(t, ic.traps)

	// Files, directories and sockets: an ordinary error (ENOSYS) that Go
	// code can handle, not a trap.
	require.Equal(t, []uint64{errnoNoSys}, mustCall(t, mod, "call_path_open", 3, 0, scratch, 1, 0, 0, 0, 0, scratch))
	require.Empty(t, ic.traps)
}

func TestTableIndex(t *testing.T) {
	out, st, m := process(t, stubModule(), Options{KeepExports: true})
	require.Equal(t, 1, st.TableEntriesAdded)
	require.Equal(t, uint64(13), m.Tables[0].Limits.Min)
	require.Equal(t, uint64(13), m.Tables[0].Limits.Max)
	ic := &fakeIC0{}
	mod := ic.instantiate(t, out)
	// Already in the table at 11.
	require.Equal(t, []uint64{11}, mustCall(t, mod, "call_in_table"))
	require.Equal(t, uint32(11), tableSlot(t, m, funcIndex(t, m, "in_table")))
	// Appended at the end of the table (the element segment grows).
	require.Equal(t, []uint64{12}, mustCall(t, mod, "call_"+abi.ExportCallbackReply))
	require.Len(t, m.Elements, 1)
	require.Len(t, m.Elements[0].Funcs, 3)
	// The export itself is gone (icgo_*), the table entry stays.
	_, ok := m.Export(abi.ExportCallbackReply)
	require.False(t, ok)

	// A table whose last entries are not covered by a segment: a new segment.
	b := newBuilder()
	b.imp(abi.PseudoModule, abi.PseudoTableIndexPrefix+"cb", tRetI32)
	b.forward("cb_index", 0, tRetI32)
	b.export(abi.ExportInitialize, b.fn(tVoid, &asm{}))
	b.export("cb", b.fn(tI32, &asm{}))
	b.m.Tables = []wasm.TableType{{Elem: wasm.FuncRef, Limits: wasm.Limits{Min: 20}}}
	out, _, m = process(t, b.bytes(), Options{KeepExports: true})
	require.Len(t, m.Elements, 1)
	require.Equal(t, uint64(21), m.Tables[0].Limits.Min)
	mod = (&fakeIC0{}).instantiate(t, out)
	require.Equal(t, []uint64{20}, mustCall(t, mod, "call_cb_index"))
	require.Equal(t, uint32(20), tableSlot(t, m, funcIndex(t, m, "cb")))

	// No table at all: one is made.
	b = newBuilder()
	b.imp(abi.PseudoModule, abi.PseudoTableIndexPrefix+"cb", tRetI32)
	b.export(abi.ExportInitialize, b.fn(tVoid, &asm{}))
	b.export("cb", b.fn(tI32, &asm{}))
	_, _, m = process(t, b.bytes(), Options{KeepExports: true})
	require.Equal(t, uint64(1), m.Tables[0].Limits.Min)
	require.Equal(t, uint32(0), tableSlot(t, m, funcIndex(t, m, "cb")))
}

// tableSlot finds function f in the module's active element segments.
func tableSlot(t *testing.T, m *wasm.Module, f uint32) uint32 {
	t.Helper()
	for _, e := range m.Elements {
		off, ok := evalConstI32(e.Offset)
		require.True(t, ok)
		for i, g := range e.Funcs {
			if g == f {
				return off + uint32(i)
			}
		}
	}
	t.Fatalf("function %d is not in the table", f)
	return 0
}

func TestEvalConstI32(t *testing.T) {
	for _, v := range []uint32{0, 1, 4096, 1 << 31, 1<<32 - 1} {
		got, ok := evalConstI32(constI32(v))
		require.True(t, ok)
		require.Equal(t, v, got)
	}
	_, ok := evalConstI32([]byte{wasm.OpGlobalGet, 0, wasm.OpEnd})
	require.False(t, ok)
	_, ok = evalConstI32(binary.LittleEndian.AppendUint16(nil, 0))
	require.False(t, ok)
}

// subscription writes a clock subscription (48 bytes) at p.
func subscription(t *testing.T, mod api.Module, p uint32, userdata, timeout uint64) {
	t.Helper()
	b := make([]byte, 48)
	binary.LittleEndian.PutUint64(b[0:], userdata)
	b[8] = 0 // clock
	binary.LittleEndian.PutUint32(b[16:], 1)
	binary.LittleEndian.PutUint64(b[24:], timeout)
	binary.LittleEndian.PutUint64(b[32:], 1000)
	require.True(t, mod.Memory().Write(p, b))
}

// pollModule mimics the Go runtime: runtime.poll_oneoff wraps the import,
// runtime.usleep and runtime.netpoll call the wrapper; runtime.abort is
// unreachable.
func pollModule(withNames bool) []byte {
	b := newBuilder()
	t := ft("iiii", "i")
	imp := b.imp(modWASI, "poll_oneoff", t)
	fwd := func(target uint32) *asm { return (&asm{}).get(0).get(1).get(2).get(3).call(target) }
	wrapper := b.fn(t, fwd(imp))
	usleep := b.fn(t, fwd(wrapper))
	netpoll := b.fn(t, fwd(wrapper))
	abort := b.fn(tVoid, (&asm{}).unreachable())
	b.export("call_usleep", usleep)
	b.export("call_netpoll", netpoll)
	b.export("canister_update.abort", abort)
	b.export(abi.ExportInitialize, b.fn(tVoid, &asm{}))
	if withNames {
		names := appendNameMap(nil, []nameEntry{{imp, "wasi.poll_oneoff"}, {wrapper, "runtime.poll_oneoff"}, {usleep, "runtime.usleep"}, {netpoll, "runtime.netpoll"}, {abort, "runtime.abort"}})
		b.m.Customs = []wasm.Custom{{Name: "name", Data: append(wasm.AppendULEB([]byte{nameFunction}, uint64(len(names))), names...), After: wasm.SectionData}}
	}
	return b.bytes()
}

func TestPollOneoff(t *testing.T) {
	for _, c := range []struct {
		name     string
		names    bool
		export   string
		timeout  uint64
		wantTrap string
		wantShim bool
	}{
		{"usleep returns at once", true, "call_usleep", 1e6, "", true},
		{"netpoll without timeout (after a GC)", true, "call_netpoll", 0, "", true},
		{"netpoll with a timeout is a blocking wait", true, "call_netpoll", 1e9, MsgSleep, true},
		{"no names: any timeout traps", false, "call_usleep", 1e6, MsgSleep, false},
		{"no names: no timeout", false, "call_usleep", 0, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, st, _ := process(t, pollModule(c.names), Options{KeepExports: true})
			require.Equal(t, c.wantShim, st.PollShim)
			ic := &fakeIC0{}
			mod := ic.instantiate(t, out)
			const in, evs, nev = scratch, scratch + 200, scratch + 400
			subscription(t, mod, in, 0x1122334455667788, c.timeout)
			subscription(t, mod, in+48, 7, 0)
			require.True(t, mod.Memory().Write(evs, []byte(strings.Repeat("\xff", 64))))
			r, err := call(mod, c.export, in, evs, 2, nev)
			if c.wantTrap != "" {
				require.Error(t, err)
				require.Equal(t, []string{c.wantTrap}, ic.traps)
				return
			}
			require.NoError(t, err)
			require.Equal(t, []uint64{0}, r)
			n, _ := mod.Memory().ReadUint32Le(nev)
			require.Equal(t, uint32(2), n)
			ev := mem(t, mod, evs, 64)
			require.Equal(t, uint64(0x1122334455667788), binary.LittleEndian.Uint64(ev[0:]))
			require.Equal(t, make([]byte, 24), ev[8:32]) // error 0, type clock, no fd data
			require.Equal(t, uint64(7), binary.LittleEndian.Uint64(ev[32:]))
		})
	}
}

func TestAbort(t *testing.T) {
	out, st, _ := process(t, pollModule(true), Options{})
	require.True(t, st.AbortReplaced)
	ic := &fakeIC0{}
	mod := ic.instantiate(t, out)
	_, err := call(mod, "canister_update abort")
	require.Error(t, err)
	require.Equal(t, []string{MsgAbort}, ic.traps)

	_, st, _ = process(t, pollModule(false), Options{})
	require.False(t, st.AbortReplaced)
}
