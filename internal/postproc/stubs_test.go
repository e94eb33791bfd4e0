package postproc

import (
	"encoding/binary"
	"fmt"
	"slices"
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
		{modWASI, "fd_read", ft("iiii", "i")},
		{abi.PseudoModule, abi.PseudoStdoutFlush, tVoid},
		{abi.PseudoModule, abi.PseudoRandMode, tI32},
		{abi.PseudoModule, abi.PseudoRandSeed, tI32},
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
	_, mod3 := stubInstance(t, Options{})
	mustCall(t, mod3, "canister_post_upgrade")
	require.Equal(t, first, mem(t, mod3, randomAtInit, 16))
	ic4, mod4 := stubInstance(t, Options{})
	ic4.now++
	mustCall(t, mod4, "canister_post_upgrade")
	require.NotEqual(t, first, mem(t, mod4, randomAtInit, 16), "another time, other bytes")

	// Only the runtime's first read gets bytes: a second read, even during
	// _initialize (a package init calling crypto/rand), is refused, and
	// the crash that follows (crypto/rand's fatal error) traps naming the
	// way out.
	require.Equal(t, []uint64{errnoNotCapable}, mustCall(t, mod2, "call_random_get", scratch, 8))
	_, err := call(mod2, "call_proc_exit", 2)
	require.Error(t, err)
	require.Equal(t, []string{MsgRandom}, ic2.traps)
	require.Contains(t, MsgRandom, "-init-rand=public")

	// After initialization, before the key: refused, naming the seed.
	mustCall(t, mod, "call_rand_mode", 1)
	require.Equal(t, []uint64{errnoNotCapable}, mustCall(t, mod, "call_random_get", scratch, 8))
	_, err = call(mod, "call_proc_exit", 2)
	require.Error(t, err)
	require.Equal(t, []string{MsgRandNotSeeded}, ic.traps)
}

// With -init-rand=public, reads while initializing get public bytes; once
// the mode says the execution keeps its state, they are refused again.
func TestRandomGetInitPublic(t *testing.T) {
	ic, mod := stubInstance(t, Options{InitRandPublic: true})
	mustCall(t, mod, "canister_init")
	require.Equal(t, []uint64{0}, mustCall(t, mod, "call_random_get", scratch, 24))
	require.NotEqual(t, make([]byte, 24), mem(t, mod, scratch, 24))
	// The first public read says so in the log, once.
	require.Equal(t, []uint64{0}, mustCall(t, mod, "call_random_get", scratch, 8))
	require.Equal(t, []string{MsgRandPublic}, slices.DeleteFunc(slices.Clone(ic.prints), func(s string) bool { return s != MsgRandPublic }))
	mustCall(t, mod, "call_rand_mode", 1)
	require.Equal(t, []uint64{errnoNotCapable}, mustCall(t, mod, "call_random_get", scratch, 8))
}

// Once keyed, random_get is the ChaCha20 keystream of the key (64-bit
// block counter from 0, zero nonce), across reads of any size; a reseed
// XORs the new bytes into the key and the counter goes on; queries never
// get bytes.
func TestRandomGetKeyed(t *testing.T) {
	ic, mod := stubInstance(t, Options{})
	mustCall(t, mod, "canister_init")
	var key, seed2 [32]byte
	for i := range key {
		key[i] = byte(i*7 + 1)
		seed2[i] = byte(200 - i)
	}
	require.True(t, mod.Memory().Write(scratch, key[:]))
	mustCall(t, mod, "call_rand_seed", scratch)
	mustCall(t, mod, "call_rand_mode", 1)
	want := chacha20Stream(key, 0, 5*64)
	var got []byte
	for _, n := range []int{1, 63, 64, 100, 0, 92} {
		require.Equal(t, []uint64{0}, mustCall(t, mod, "call_random_get", scratch+100, uint64(n)))
		got = append(got, mem(t, mod, scratch+100, uint32(n))...)
	}
	require.Equal(t, want[:len(got)], got)

	// Reseed: key XOR seed2; blocks 0-4 were used (the last partly), so the
	// keystream goes on with block 5 of the new key.
	require.True(t, mod.Memory().Write(scratch, seed2[:]))
	mustCall(t, mod, "call_rand_seed", scratch)
	var k2 [32]byte
	for i := range k2 {
		k2[i] = key[i] ^ seed2[i]
	}
	require.Equal(t, []uint64{0}, mustCall(t, mod, "call_random_get", scratch+100, 80))
	require.Equal(t, chacha20Stream(k2, 5, 80), mem(t, mod, scratch+100, 80))

	mustCall(t, mod, "call_rand_mode", 2)
	require.Equal(t, []uint64{errnoNotCapable}, mustCall(t, mod, "call_random_get", scratch, 8))
	_, err := call(mod, "call_proc_exit", 2)
	require.Error(t, err)
	require.Equal(t, []string{MsgRandQuery}, ic.traps)
}

// chacha20Block is the RFC 8439 block function (section 2.3), the
// reference for the wasm one.
func chacha20Block(key [32]byte, counter uint32, nonce [12]byte) [64]byte {
	var s [16]uint32
	s[0], s[1], s[2], s[3] = 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574
	for i := range 8 {
		s[4+i] = binary.LittleEndian.Uint32(key[4*i:])
	}
	s[12] = counter
	for i := range 3 {
		s[13+i] = binary.LittleEndian.Uint32(nonce[4*i:])
	}
	x := s
	rotl := func(v uint32, n uint) uint32 { return v<<n | v>>(32-n) }
	qr := func(a, b, c, d int) {
		x[a] += x[b]
		x[d] = rotl(x[d]^x[a], 16)
		x[c] += x[d]
		x[b] = rotl(x[b]^x[c], 12)
		x[a] += x[b]
		x[d] = rotl(x[d]^x[a], 8)
		x[c] += x[d]
		x[b] = rotl(x[b]^x[c], 7)
	}
	for range 10 {
		qr(0, 4, 8, 12)
		qr(1, 5, 9, 13)
		qr(2, 6, 10, 14)
		qr(3, 7, 11, 15)
		qr(0, 5, 10, 15)
		qr(1, 6, 11, 12)
		qr(2, 7, 8, 13)
		qr(3, 4, 9, 14)
	}
	var out [64]byte
	for i := range 16 {
		binary.LittleEndian.PutUint32(out[4*i:], x[i]+s[i])
	}
	return out
}

// chacha20Stream is n bytes of keystream from block `from` on, with the
// 64-bit counter in words 12-13 and a zero nonce (the wasm layout).
func chacha20Stream(key [32]byte, from uint64, n int) []byte {
	var out []byte
	for b := from; len(out) < n; b++ {
		var nonce [12]byte
		binary.LittleEndian.PutUint32(nonce[:], uint32(b>>32))
		blk := chacha20Block(key, uint32(b), nonce)
		out = append(out, blk[:]...)
	}
	return out[:n]
}

func TestChaCha20Reference(t *testing.T) {
	// RFC 8439, section 2.3.2.
	var key [32]byte
	for i := range key {
		key[i] = byte(i)
	}
	nonce := [12]byte{0, 0, 0, 9, 0, 0, 0, 0x4a}
	blk := chacha20Block(key, 1, nonce)
	require.Equal(t, "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"+
		"d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e", fmt.Sprintf("%x", blk))
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
		names := wasm.AppendNameMap(nil, []wasm.NameEntry{{Index: imp, Name: "wasi.poll_oneoff"}, {Index: wrapper, Name: "runtime.poll_oneoff"}, {Index: usleep, Name: "runtime.usleep"}, {Index: netpoll, Name: "runtime.netpoll"}, {Index: abort, Name: "runtime.abort"}})
		b.m.Customs = []wasm.Custom{{Name: "name", Data: append(wasm.AppendULEB([]byte{wasm.NameFunction}, uint64(len(names))), names...), After: wasm.SectionData}}
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

func fdReadSubscription(t *testing.T, mod api.Module, p uint32, userdata uint64, fd uint32) {
	t.Helper()
	b := make([]byte, 48)
	binary.LittleEndian.PutUint64(b[0:], userdata)
	b[8] = 1 // fd_read
	binary.LittleEndian.PutUint32(b[16:], fd)
	require.True(t, mod.Memory().Write(p, b))
}

// The executor's idle probe: a poll that includes a read of abi.IdleFD and
// may block records the runtime's next deadline and answers with the read
// event; the probe's read then returns the deadline once. A poll with a
// zero timeout is non-blocking: its clock fires, the probe does not.
func TestIdleProbe(t *testing.T) {
	const in, evs, nev, buf, iov, nread = scratch, scratch + 200, scratch + 400, scratch + 500, scratch + 520, scratch + 540
	read := func(t *testing.T, mod api.Module) (uint64, []byte) {
		require.True(t, mod.Memory().WriteUint32Le(iov, buf))
		require.True(t, mod.Memory().WriteUint32Le(iov+4, 8))
		r := mustCall(t, mod, "call_fd_read", abi.IdleFD, iov, 1, nread)
		return r[0], mem(t, mod, buf, 8)
	}
	for _, c := range []struct {
		name      string
		clock     bool
		timeout   uint64
		wantProbe bool
		deadline  uint64
	}{
		{"idle with a timer", true, 5e9, true, fakeTime + 5e9},
		{"idle without timers", false, 0, true, 0},
		{"non-blocking poll", true, 0, false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ic, mod := stubInstance(t, Options{})
			errno, _ := read(t, mod)
			require.Equal(t, uint64(errnoAgain), errno, "nothing to read before the poll")
			n := uint64(0)
			if c.clock {
				subscription(t, mod, in, 0x1122, c.timeout)
				n++
			}
			fdReadSubscription(t, mod, in+48*uint32(n), 0x3344, abi.IdleFD)
			n++
			require.Equal(t, []uint64{0}, mustCall(t, mod, "call_poll_oneoff", in, evs, n, nev))
			got, _ := mod.Memory().ReadUint32Le(nev)
			require.Equal(t, uint32(1), got)
			ev := mem(t, mod, evs, 32)
			errno, b := read(t, mod)
			if !c.wantProbe {
				require.Equal(t, uint64(0x1122), binary.LittleEndian.Uint64(ev))
				require.Equal(t, byte(0), ev[10])
				require.Equal(t, uint64(errnoAgain), errno)
				return
			}
			require.Equal(t, uint64(0x3344), binary.LittleEndian.Uint64(ev))
			require.Equal(t, byte(1), ev[10], "fd_read event")
			require.Equal(t, uint64(0), errno)
			require.Equal(t, c.deadline, binary.LittleEndian.Uint64(b))
			nr, _ := mod.Memory().ReadUint32Le(nread)
			require.Equal(t, uint32(8), nr)
			errno, _ = read(t, mod)
			require.Equal(t, uint64(errnoAgain), errno, "one read per idle poll")
			require.Empty(t, ic.traps)
		})
	}
	t.Run("a blocking wait without the probe traps", func(t *testing.T) {
		ic, mod := stubInstance(t, Options{})
		subscription(t, mod, in, 1, 1e9)
		_, err := call(mod, "call_poll_oneoff", in, evs, 1, nev)
		require.Error(t, err)
		require.Equal(t, []string{MsgSleep}, ic.traps)
	})
	t.Run("the probe's fd is a non-blocking character device; others are not readable", func(t *testing.T) {
		_, mod := stubInstance(t, Options{})
		require.Equal(t, []uint64{0}, mustCall(t, mod, "call_fd_fdstat_get", abi.IdleFD, scratch))
		st := mem(t, mod, scratch, 4)
		require.Equal(t, byte(2), st[0])
		require.Equal(t, byte(4), st[2])
		require.Equal(t, []uint64{errnoNoSys}, mustCall(t, mod, "call_fd_read", 0, iov, 1, nread))
	})
}
