package postproc

import (
	"fmt"
	"strings"

	"github.com/icgo/icgo/internal/abi"
	"github.com/icgo/icgo/internal/wasm"
)

// WASI errno values returned by the stubs.
const (
	errnoSuccess    = 0
	errnoAgain      = 6
	errnoBadF       = 8
	errnoInval      = 28
	errnoNoSys      = 52
	errnoNotCapable = 76
)

// Why random_get refused bytes (gRandRefused): the message the Go
// program's crash (crypto/rand's fatal error, ending in proc_exit or
// runtime.abort) traps with instead of the generic one.
const (
	refusedNone = iota
	refusedInit
	refusedNotSeeded
	refusedQuery
)

// addStubs appends the flush helper and one function per replaced import,
// at the indices planImports gave them.
func (p *proc) addStubs() error {
	if f := p.addFunc("icgo:stdout_flush", typeVoid, p.flushCode()); f != p.flush {
		return fmt.Errorf("internal error: flush function at %d, planned %d", f, p.flush)
	}
	// The ChaCha20 block function comes after the stubs and the poll shim.
	needChaCha := false
	for _, s := range p.stubs {
		needChaCha = needChaCha || s.name == "random_get"
	}
	p.chachaBlock = p.flush + 1 + uint32(len(p.stubs))
	if p.hasPollShim {
		p.chachaBlock++
	}
	for _, s := range p.stubs {
		var c wasm.Code
		var err error
		switch s.module {
		case modWASI:
			c = p.wasiCode(s.name, p.m.Types[s.typ])
		case abi.PseudoModule:
			switch {
			case s.name == abi.PseudoStdoutFlush:
				c = (&asm{}).call(p.flush).code()
			case s.name == abi.PseudoRandMode:
				c = (&asm{}).get(0).gset(p.gRandMode).i32(refusedNone).gset(p.gRandRefused).code()
			case s.name == abi.PseudoRandSeed:
				c = p.randSeedCode()
			default:
				c, err = p.tableIndexCode(strings.TrimPrefix(s.name, abi.PseudoTableIndexPrefix))
			}
		}
		if err != nil {
			return fmt.Errorf("import %s.%s: %w", s.module, s.name, err)
		}
		if f := p.addFunc("icgo:"+s.module+"."+s.name, p.m.Types[s.typ], c); f != s.index {
			return fmt.Errorf("internal error: stub %s at %d, planned %d", s.name, f, s.index)
		}
	}
	if p.hasPollShim {
		t, err := p.m.FuncTypeOf(p.nImp + p.pollWrapper - uint32(p.oldNImp))
		if err != nil {
			return err
		}
		a := (&asm{}).i32(1).gset(p.gPollNet)
		for i := range t.Params {
			a.get(uint32(i))
		}
		a.call(p.nImp + p.pollWrapper - uint32(p.oldNImp)).i32(0).gset(p.gPollNet)
		if f := p.addFunc("icgo:netpoll_shim", t, a.code()); f != p.pollShim {
			return fmt.Errorf("internal error: poll shim at %d, planned %d", f, p.pollShim)
		}
		p.stats.PollShim = true
	}
	if needChaCha {
		if f := p.addFunc("icgo:chacha20_block", typeVoid, p.chachaBlockCode()); f != p.chachaBlock {
			return fmt.Errorf("internal error: chacha20 block function at %d, planned %d", f, p.chachaBlock)
		}
	}
	// runtime.abort is the end of every fatal path in c-shared builds
	// (fatalpanic crashes, morestack failures): give it a message.
	if f, ok := p.oldByName["runtime.abort"]; ok && int(f) >= p.oldNImp && f-uint32(p.oldNImp) < p.nDef {
		a := (&asm{}).call(p.flush)
		p.randRefusedTrap(a)
		p.m.Code[f-uint32(p.oldNImp)].Body = p.trap(a, MsgAbort).code().Body
		p.stats.AbortReplaced = true
	}
	return nil
}

// planPollShim finds runtime.netpoll and the Go wrapper of the
// poll_oneoff import it calls (runtime.poll_oneoff), by name.
//
// The Go runtime calls poll_oneoff from two places: runtime.usleep (spin
// waits; notably freezetheworld on the way to printing a fatal panic) and
// runtime.netpoll (the scheduler's wait for timers when nothing can run,
// e.g. time.Sleep; and a non-blocking poll after every GC once timers
// exist). Both call the same wrapper with the same kind of clock
// subscription, so the calls from netpoll are redirected to a shim that
// marks them: the stub traps for a marked poll with a timeout and returns
// at once otherwise.
func (p *proc) planPollShim() error {
	var importIdx []uint32
	for _, s := range p.stubs {
		if s.module == modWASI && s.name == "poll_oneoff" {
			importIdx = append(importIdx, s.index)
		}
	}
	if len(importIdx) == 0 || p.oldByName == nil {
		return nil
	}
	caller, ok1 := p.oldByName["runtime.netpoll"]
	wrapper, ok2 := p.oldByName["runtime.poll_oneoff"]
	if !ok1 || !ok2 || int(caller) < p.oldNImp || int(wrapper) < p.oldNImp ||
		caller-uint32(p.oldNImp) >= p.nDef || wrapper-uint32(p.oldNImp) >= p.nDef {
		return nil
	}
	// The wrapper must call the poll_oneoff import, and netpoll the wrapper.
	callsTo := func(f uint32, want func(uint32) bool) bool {
		found := false
		wasm.Walk(p.m.Code[f-uint32(p.oldNImp)].Body, func(in *wasm.Instr) error {
			if in.Op == wasm.OpCall && want(in.Index) {
				found = true
			}
			return nil
		})
		return found
	}
	isPoll := func(g uint32) bool {
		if int(g) >= p.oldNImp {
			return false
		}
		for _, i := range importIdx {
			if p.funcMap[g] == i {
				return true
			}
		}
		return false
	}
	if !callsTo(wrapper, isPoll) || !callsTo(caller, func(g uint32) bool { return g == wrapper }) {
		return nil
	}
	p.pollCaller, p.pollWrapper, p.hasPollShim = caller, wrapper, true
	return nil
}

// emitLine appends: debug_print(linebuf, fill); fill = 0.
func (p *proc) emitLine(a *asm) *asm {
	return a.i32(LineBufStart).gget(p.gFill).call(p.ic0["debug_print"]).i32(0).gset(p.gFill)
}

// flushCode: if fill != 0 { emitLine }.
func (p *proc) flushCode() wasm.Code {
	a := (&asm{}).gget(p.gFill).if_()
	p.emitLine(a).end()
	return a.code()
}

// trap appends ic0.trap(msg); unreachable.
func (p *proc) trap(a *asm, msg string) *asm {
	addr, n := p.str(msg)
	return a.i32(addr).i32(n).call(p.ic0["trap"]).unreachable()
}

func (p *proc) wasiCode(name string, t wasm.FuncType) wasm.Code {
	a := &asm{}
	switch name {
	case "fd_write":
		return p.fdWriteCode()
	case "fd_read":
		return p.fdReadCode()
	case "clock_time_get": // (id, precision, out) -> errno
		a.get(2).call(p.ic0["time"])
		if p.opt.Command {
			a.gget(p.gClockOffset).op(wasm.OpI64Add) // command mode's virtual clock (pollOneoffCode)
		}
		return a.mem(opI64Store, 3, 0).i32(errnoSuccess).code()
	case "proc_exit":
		return p.procExitCode()
	case "random_get":
		return p.randomGetCode()
	case "environ_sizes_get": // (count *u32, size *u32) -> errno
		n, size := p.environ()
		return a.get(0).i32(n).mem(opI32Store, 2, 0).get(1).i32(size).mem(opI32Store, 2, 0).i32(errnoSuccess).code()
	case "environ_get": // (environ **u8, buf *u8) -> errno
		return p.environGetCode()
	case "args_sizes_get", "args_get":
		return p.argsCode(name)
	case "sched_yield":
		return a.i32(errnoSuccess).code()
	case "fd_prestat_get", "fd_prestat_dir_name", "fd_close":
		return a.i32(errnoBadF).code()
	case "fd_fdstat_get": // (fd, *fdstat) -> errno; fdstat is 24 bytes: filetype u8, flags u16 at 2, rights u64 at 8 and 16
		a.get(0).i32(abi.IdleFD).op(wasm.OpI32Eq).if_()
		{
			// The idle probe: a non-blocking character device, so that
			// os.NewFile registers it with the runtime's poller.
			a.get(1).i32(0).i32(24).memoryFill()
			a.get(1).i32(2).mem(opI32Store8, 0, 0)
			a.get(1).i32(4).mem(opI32Store8, 0, 2) // FDFLAG_NONBLOCK
			a.i32(errnoSuccess).ret()
		}
		a.end()
		a.get(0).i32(2).op(wasm.OpI32GtU).if_().i32(errnoBadF).ret().end()
		a.get(1).i32(0).i32(24).memoryFill()
		a.get(1).i32(2).mem(opI32Store8, 0, 0) // character device
		return a.i32(errnoSuccess).code()
	case "fd_fdstat_set_flags":
		a.get(0).i32(2).op(wasm.OpI32GtU).if_().i32(errnoBadF).ret().end()
		return a.i32(errnoSuccess).code()
	case "poll_oneoff":
		return p.pollOneoffCode()
	}
	// Everything else (files, directories, sockets): a canister has none.
	// Functions that report an errno fail with ENOSYS, which Go returns as
	// an ordinary error ("open x: Not implemented on wasip1") that code can
	// handle, as it handles a missing file. Any other shape traps.
	if len(t.Results) == 1 && t.Results[0] == wasm.I32 {
		return a.i32(errnoNoSys).code()
	}
	return p.trap(a, "WASI "+name+" is not available on the IC").code()
}

// fdWriteCode: (fd, iovs, iovs_len, nwritten) -> errno. Bytes for fds 1
// and 2 go to the line buffer; each complete line (or a full buffer) is one
// ic0.debug_print.
func (p *proc) fdWriteCode() wasm.Code {
	const (
		fd, iovs, iovsLen, nwritten = 0, 1, 2, 3
		i, total, ptr, end, b, iov  = 4, 5, 6, 7, 8, 9
	)
	a := &asm{}
	a.get(fd).i32(1).op(wasm.OpI32Ne).get(fd).i32(2).op(wasm.OpI32Ne).op(wasm.OpI32And)
	a.if_().i32(errnoBadF).ret().end()
	// Bytes of another fd are pending: emit them first.
	a.gget(p.gFd).get(fd).op(wasm.OpI32Ne).if_().call(p.flush).end()
	a.get(fd).gset(p.gFd)
	a.block().loop()
	{
		a.get(i).get(iovsLen).op(wasm.OpI32GeU).brIf(1)
		a.get(iovs).get(i).i32(3).op(wasm.OpI32Shl).op(wasm.OpI32Add).tee(iov)
		a.mem(opI32Load, 2, 0).tee(ptr)
		a.get(iov).mem(opI32Load, 2, 4).op(wasm.OpI32Add).set(end)
		a.get(total).get(end).get(ptr).op(wasm.OpI32Sub).op(wasm.OpI32Add).set(total)
		a.block().loop()
		{
			a.get(ptr).get(end).op(wasm.OpI32GeU).brIf(1)
			a.get(ptr).mem(opI32Load8U, 0, 0).tee(b).i32('\n').op(wasm.OpI32Eq)
			a.if_()
			p.emitLine(a)
			a.else_()
			a.gget(p.gFill).i32(LineBufSize).op(wasm.OpI32GeU).if_()
			p.emitLine(a)
			a.end()
			a.gget(p.gFill).get(b).mem(opI32Store8, 0, LineBufStart)
			a.gget(p.gFill).i32(1).op(wasm.OpI32Add).gset(p.gFill)
			a.end()
			a.get(ptr).i32(1).op(wasm.OpI32Add).set(ptr)
			a.br(0)
		}
		a.end().end()
		a.get(i).i32(1).op(wasm.OpI32Add).set(i)
		a.br(0)
	}
	a.end().end()
	a.get(nwritten).get(total).mem(opI32Store, 2, 0)
	a.i32(errnoSuccess)
	return a.code(i32Locals(6))
}

// procExitCode: (code) -> (). Flushes the partial line, formats the
// message in the line buffer and traps with it.
func (p *proc) procExitCode() wasm.Code {
	const code, n, digits, pos = 0, 1, 2, 3
	preAddr, preLen := p.str(MsgExitPrefix)
	suffix := MsgExitSuffix
	if p.opt.Command {
		suffix = MsgExitCommandSuffix
	}
	sufAddr, sufLen := p.str(suffix)
	a := &asm{}
	a.call(p.flush)
	p.randRefusedTrap(a)
	a.i32(LineBufStart).i32(preAddr).i32(preLen).memoryCopy()
	// digits = number of decimal digits of code (unsigned)
	a.get(code).set(n)
	a.loop()
	a.get(digits).i32(1).op(wasm.OpI32Add).set(digits)
	a.get(n).i32(10).op(opI32DivU).tee(n).brIf(0)
	a.end()
	// suffix after the digits
	a.i32(LineBufStart + preLen).get(digits).op(wasm.OpI32Add).tee(pos)
	a.i32(sufAddr).i32(sufLen).memoryCopy()
	// digits, right to left
	a.get(code).set(n)
	a.loop()
	a.get(pos).i32(1).op(wasm.OpI32Sub).tee(pos)
	a.get(n).i32(10).op(opI32RemU).i32('0').op(wasm.OpI32Add).mem(opI32Store8, 0, 0)
	a.get(n).i32(10).op(opI32DivU).tee(n).brIf(0)
	a.end()
	a.i32(LineBufStart).i32(preLen + sufLen).get(digits).op(wasm.OpI32Add).call(p.ic0["trap"])
	a.unreachable()
	return a.code(i32Locals(3))
}

// randomGetCode: (buf, len) -> errno.
//
// The Go runtime reads random bytes once, at the very start of
// _initialize (runtime.schedinit seeds its hash and scheduler randomness),
// before any package init runs: that read gets splitmix64 bytes seeded from
// ic0.time, not secret, which the runtime does not need them to be.
//
// Every other read (crypto/rand, which everything secret in Go reads) is
// served from a ChaCha20 keystream (chachaBlockCode) once the cdk has keyed
// it from raw_rand (abi.PseudoRandSeed), except in a query
// (abi.PseudoRandMode 2), whose state changes are discarded so that the
// same bytes would be handed out again. Before the key, and in queries, the
// read fails with ENOTCAPABLE: crypto/rand then crashes the program with
// its stack trace in the canister log (naming the reader), and the crash
// traps with the message gRandRefused selects (randRefusedTrap). With
// Options.InitRandPublic, reads while initializing get public splitmix64
// bytes instead.
func (p *proc) randomGetCode() wasm.Code {
	const buf, n, i, k, z = 0, 1, 2, 3, 4
	a := &asm{}
	// The runtime's first read, during _initialize (gRng is zero until then).
	a.gget(p.gInit).gget(p.gRng).op(opI64Eqz).op(wasm.OpI32And).if_()
	p.splitmix(a)
	a.i32(errnoSuccess).ret()
	a.end()
	a.gget(p.gRandMode).i32(int32(2)).op(wasm.OpI32Eq).if_()
	a.i32(refusedQuery).gset(p.gRandRefused).i32(errnoNotCapable).ret()
	a.end()
	a.gget(p.gRandKeyed).if_()
	{
		a.block().loop()
		a.get(i).get(n).op(wasm.OpI32GeU).brIf(1)
		a.gget(p.gRandPos).i32(64).op(wasm.OpI32GeU).if_()
		a.call(p.chachaBlock).i32(0).gset(p.gRandPos)
		a.end()
		// k = min(64 - pos, n - i)
		a.i32(64).gget(p.gRandPos).op(wasm.OpI32Sub).tee(k)
		a.get(n).get(i).op(wasm.OpI32Sub).tee(z).get(k).get(z).op(wasm.OpI32LtU).op(opSelect).set(k)
		a.get(buf).get(i).op(wasm.OpI32Add)
		a.gget(p.gRandPos).i32(randBlockAddr).op(wasm.OpI32Add)
		a.get(k).memoryCopy()
		a.get(i).get(k).op(wasm.OpI32Add).set(i)
		a.gget(p.gRandPos).get(k).op(wasm.OpI32Add).gset(p.gRandPos)
		a.br(0)
		a.end().end()
		a.i32(errnoSuccess).ret()
	}
	a.end()
	a.gget(p.gRandMode).op(wasm.OpI32Eqz).if_()
	if p.opt.InitRandPublic {
		a.gget(p.gRandPublicNoted).op(wasm.OpI32Eqz).if_()
		addr, size := p.str(MsgRandPublic)
		a.i32(1).gset(p.gRandPublicNoted).i32(addr).i32(size).call(p.ic0["debug_print"])
		a.end()
		p.splitmix(a)
		a.i32(errnoSuccess).ret()
	} else {
		a.i32(refusedInit).gset(p.gRandRefused).i32(errnoNotCapable).ret()
	}
	a.end()
	a.i32(refusedNotSeeded).gset(p.gRandRefused)
	a.i32(errnoNotCapable)
	return a.code(i32Locals(3), i64Locals(1))
}

// advanceClock appends command mode's answer to the runtime's idle wait
// (a clock subscription at local sub, from runtime.netpoll): the program
// runs in one message, where the IC's time stands still and nothing else
// can happen, so the wait ends at once and the virtual clock that
// clock_time_get adds to ic0.time moves to its deadline, as
// testing/synctest's fake clock does. The clock moves once per poll: by
// the smallest relative timeout (pollOneoffCode's local tmin), or to an
// absolute deadline (subclockflags bit 0) if that is later. Local
// hasClock, no longer needed, marks that it moved.
func (p *proc) advanceClock(a *asm, sub uint32) {
	const hasClock, tmin = 9, 10 // pollOneoffCode's locals
	a.get(hasClock).if_()
	a.i32(0).set(hasClock)
	a.get(sub).mem(opI32Load16U, 1, 40).i32(1).op(wasm.OpI32And).if_()
	{
		a.get(sub).mem(opI64Load, 3, 24).call(p.ic0["time"]).op(wasm.OpI64Sub).set(tmin)
		a.get(tmin).gget(p.gClockOffset).op(opI64GtS).if_().get(tmin).gset(p.gClockOffset).end()
	}
	a.else_()
	a.gget(p.gClockOffset).get(tmin).op(wasm.OpI64Add).gset(p.gClockOffset)
	a.end()
	a.end()
}

// splitmix appends a loop that fills (buf, len), locals 0 and 1, with
// splitmix64 bytes seeded once from ic0.time (gRng); it uses randomGetCode's
// i32 local 2 and i64 local 5.
func (p *proc) splitmix(a *asm) {
	const buf, n, i, z = 0, 1, 2, 5
	a.i32(0).set(i)
	a.gget(p.gRng).op(opI64Eqz).if_().call(p.ic0["time"]).i64(0x2545F4914F6CDD1D).op(opI64Xor).gset(p.gRng).end()
	a.block().loop()
	a.get(i).get(n).op(wasm.OpI32GeU).brIf(1)
	a.get(i).i32(7).op(wasm.OpI32And).op(wasm.OpI32Eqz).if_()
	{
		a.gget(p.gRng).i64(-0x61c8864680b583eb).op(wasm.OpI64Add).gset(p.gRng) // 0x9E3779B97F4A7C15
		a.gget(p.gRng).set(z)
		mix := func(shift, mul int64) {
			a.get(z).get(z).i64(shift).op(wasm.OpI64ShrU).op(opI64Xor)
			if mul != 0 {
				a.i64(mul).op(wasm.OpI64Mul)
			}
			a.set(z)
		}
		mix(30, -0x40a7b892e31b1a47) // 0xBF58476D1CE4E5B9
		mix(27, -0x6b2fb644ecceee15) // 0x94D049BB133111EB
		mix(31, 0)
	}
	a.end()
	a.get(buf).get(i).op(wasm.OpI32Add).get(z).mem(opI64Store8, 0, 0)
	a.get(z).i64(8).op(wasm.OpI64ShrU).set(z)
	a.get(i).i32(1).op(wasm.OpI32Add).set(i)
	a.br(0)
	a.end().end()
}

// randSeedCode: (key) -> (). XORs the 32 bytes at key into the ChaCha20
// key (so the key never gets weaker, and the block counter goes on, so
// that no (key, counter) pair is used twice even if a key recurred) and
// discards the buffered keystream.
func (p *proc) randSeedCode() wasm.Code {
	a := &asm{}
	for w := uint32(0); w < 8; w++ {
		a.i32(randKeyAddr)
		a.i32(randKeyAddr).mem(opI32Load, 2, 4*w)
		a.get(0).mem(opI32Load, 0, 4*w)
		a.op(opI32Xor)
		a.mem(opI32Store, 2, 4*w)
	}
	a.i32(64).gset(p.gRandPos)
	a.i32(1).gset(p.gRandKeyed)
	return a.code()
}

// chachaBlockCode: () -> (). Writes the ChaCha20 block (RFC 8439, section
// 2.3, with the original 64-bit block counter in words 12-13 and a zero
// nonce) of the key at randKeyAddr and counter gRandCtr to randBlockAddr,
// and increments the counter.
func (p *proc) chachaBlockCode() wasm.Code {
	const round = 16 // locals 0-15: the working state; 16: the round counter
	a := &asm{}
	initial := func(w uint32) {
		switch {
		case w < 4:
			a.i32(int32([4]uint32{0x61707865, 0x3320646e, 0x79622d32, 0x6b206574}[w]))
		case w < 12:
			a.i32(randKeyAddr).mem(opI32Load, 2, 4*(w-4))
		case w == 12:
			a.gget(p.gRandCtr).op(wasm.OpI32WrapI64)
		case w == 13:
			a.gget(p.gRandCtr).i64(32).op(wasm.OpI64ShrU).op(wasm.OpI32WrapI64)
		default:
			a.i32(0)
		}
	}
	for w := uint32(0); w < 16; w++ {
		initial(w)
		a.set(w)
	}
	qr := func(x, y, z, t uint32) {
		step := func(x, y, t uint32, rot int32) { // x += y; t ^= x; t <<<= rot
			a.get(x).get(y).op(wasm.OpI32Add).set(x)
			a.get(t).get(x).op(opI32Xor).i32(rot).op(opI32Rotl).set(t)
		}
		step(x, y, t, 16)
		step(z, t, y, 12)
		step(x, y, t, 8)
		step(z, t, y, 7)
	}
	a.i32(10).set(round)
	a.loop()
	qr(0, 4, 8, 12)
	qr(1, 5, 9, 13)
	qr(2, 6, 10, 14)
	qr(3, 7, 11, 15)
	qr(0, 5, 10, 15)
	qr(1, 6, 11, 12)
	qr(2, 7, 8, 13)
	qr(3, 4, 9, 14)
	a.get(round).i32(1).op(wasm.OpI32Sub).tee(round).brIf(0)
	a.end()
	for w := uint32(0); w < 16; w++ {
		a.i32(randBlockAddr).get(w)
		initial(w)
		a.op(wasm.OpI32Add).mem(opI32Store, 2, 4*w)
	}
	a.gget(p.gRandCtr).i64(1).op(wasm.OpI64Add).gset(p.gRandCtr)
	return a.code(i32Locals(17))
}

// randRefusedTrap appends: if random_get refused bytes in this execution,
// trap with the message that says why (the Go program is crashing because
// of it: crypto/rand's fatal error).
func (p *proc) randRefusedTrap(a *asm) {
	for _, c := range []struct {
		why int32
		msg string
	}{{refusedInit, MsgRandom}, {refusedNotSeeded, MsgRandNotSeeded}, {refusedQuery, MsgRandQuery}} {
		a.gget(p.gRandRefused).i32(c.why).op(wasm.OpI32Eq).if_()
		p.trap(a, c.msg)
		a.end()
	}
}

// fdReadCode: (fd, iovs, iovs_len, nread) -> errno. Only the idle probe
// (abi.IdleFD) can be read: EAGAIN until poll_oneoff found the runtime idle,
// then 8 bytes, the deadline of the runtime's next timer (0: none). Other
// fds: ENOSYS (a canister has no files).
func (p *proc) fdReadCode() wasm.Code {
	const fd, iovs, iovsLen, nread = 0, 1, 2, 3
	a := &asm{}
	a.get(fd).i32(abi.IdleFD).op(wasm.OpI32Ne).if_().i32(errnoNoSys).ret().end()
	a.gget(p.gIdleReady).op(wasm.OpI32Eqz).if_().i32(errnoAgain).ret().end()
	a.get(iovsLen).op(wasm.OpI32Eqz).if_().i32(errnoInval).ret().end()
	a.get(iovs).mem(opI32Load, 2, 4).i32(8).op(wasm.OpI32LtU).if_().i32(errnoInval).ret().end()
	a.get(iovs).mem(opI32Load, 2, 0).gget(p.gIdleDeadline).mem(opI64Store, 0, 0)
	a.get(nread).i32(8).mem(opI32Store, 2, 0)
	a.i32(0).gset(p.gIdleReady)
	return a.i32(errnoSuccess).code()
}

// environ returns the number of variables and the size of their
// "NAME=VALUE\0" strings.
func (p *proc) environ() (n, size int32) {
	for _, e := range p.opt.Env {
		size += int32(len(e.Name) + len(e.Value) + 2)
	}
	return int32(len(p.opt.Env)), size
}

func (p *proc) environBlob() string {
	var sb strings.Builder
	for _, e := range p.opt.Env {
		sb.WriteString(e.Name + "=" + e.Value + "\x00")
	}
	return sb.String()
}

// environGetCode: (environ, buf) -> errno. Copies the strings to buf and
// their addresses to environ.
func (p *proc) environGetCode() wasm.Code {
	a := &asm{}
	if len(p.opt.Env) > 0 {
		addr, size := p.str(p.environBlob())
		a.get(1).i32(addr).i32(size).memoryCopy()
		off := int32(0)
		for i, e := range p.opt.Env {
			a.get(0).get(1).i32(off).op(wasm.OpI32Add).mem(opI32Store, 2, uint32(4*i))
			off += int32(len(e.Name) + len(e.Value) + 2)
		}
	}
	return a.i32(errnoSuccess).code()
}

// tableIndexCode: () -> i32, the table index of the function exported as
// name, added to the table when absent.
func (p *proc) tableIndexCode(name string) (wasm.Code, error) {
	e, ok := p.m.Export(name)
	if !ok || e.Kind != wasm.KindFunc {
		return wasm.Code{}, fmt.Errorf("no function is exported as %q", name)
	}
	idx, err := p.tableIndex(e.Index)
	if err != nil {
		return wasm.Code{}, err
	}
	return (&asm{}).i32(int32(idx)).code(), nil
}

// tableIndex returns the index of function f in table 0, adding it at the
// end of the table when it is not there.
func (p *proc) tableIndex(f uint32) (uint32, error) {
	m := p.m
	if len(m.Tables) == 0 {
		m.Tables = append(m.Tables, wasm.TableType{Elem: wasm.FuncRef})
	}
	t := &m.Tables[0]
	if t.Elem != wasm.FuncRef {
		return 0, fmt.Errorf("table 0 is not a funcref table")
	}
	best := uint32(0)
	found := false
	var last *wasm.Element
	for i := range m.Elements {
		e := &m.Elements[i]
		if e.Mode != wasm.Active || e.Table != 0 {
			continue
		}
		off, ok := evalConstI32(e.Offset)
		if !ok {
			return 0, fmt.Errorf("element segment %d has a non-constant offset", i)
		}
		for j, g := range e.Funcs {
			if g == f && (!found || off+uint32(j) < best) {
				best, found = off+uint32(j), true
			}
		}
		if e.Exprs == nil && uint64(off)+uint64(len(e.Funcs)) == t.Limits.Min {
			last = e
		}
	}
	if found {
		return best, nil
	}
	idx := uint32(t.Limits.Min)
	if last != nil {
		last.Funcs = append(last.Funcs, f)
	} else {
		m.Elements = append(m.Elements, wasm.Element{Mode: wasm.Active, Offset: constI32(idx), Type: wasm.FuncRef, Funcs: []uint32{f}})
	}
	t.Limits.Min++
	if t.Limits.HasMax && t.Limits.Max < t.Limits.Min {
		t.Limits.Max = t.Limits.Min
	}
	p.stats.TableEntriesAdded++
	return idx, nil
}

// pollOneoffCode: (in, out, nsubscriptions, nevents) -> errno.
//
// The idle probe: a poll with a read subscription for abi.IdleFD comes from
// runtime.netpoll while the cdk's executor waits for the runtime to have
// nothing to run. When it may block (no clock subscription, or one with a
// timeout), the runtime is idle: the stub records the deadline of its next
// timer (now + the clock timeout; 0 without a clock) for the probe's read
// and answers with the probe's read event, which wakes the executor; the
// canister then returns to the IC, and the cdk arms the global timer for
// that deadline. A poll with a zero timeout is the runtime's non-blocking
// check: its clock fires at once.
//
// Any other poll: every clock subscription fires at once (ic0.time does not
// move during a message); descriptor subscriptions never fire (there are
// none on the IC). A poll marked by the netpoll shim (gPollNet) with a
// non-zero timeout and no probe is a blocking wait outside the executor
// (package initialization, a program without the cdk): it traps.
func (p *proc) pollOneoffCode() wasm.Code {
	const (
		in, out, nsubs, nevents = 0, 1, 2, 3
		i, n, sub, ev, probe    = 4, 5, 6, 7, 8
		hasClock, tmin          = 9, 10 // i32, i64
	)
	const subSize, evSize = 48, 32
	a := &asm{}
	// First pass: the probe's subscription and the smallest clock timeout.
	a.i64(-1).set(tmin)
	a.block().loop()
	a.get(i).get(nsubs).op(wasm.OpI32GeU).brIf(1)
	a.get(in).get(i).i32(subSize).op(wasm.OpI32Mul).op(wasm.OpI32Add).tee(sub)
	a.mem(opI32Load8U, 0, 8).op(wasm.OpI32Eqz).if_()
	{
		a.i32(1).set(hasClock)
		a.get(sub).mem(opI64Load, 3, 24).get(tmin).get(sub).mem(opI64Load, 3, 24).get(tmin).op(wasm.OpI64LtU).op(opSelect).set(tmin)
	}
	a.else_()
	{
		a.get(sub).mem(opI32Load8U, 0, 8).i32(1).op(wasm.OpI32Eq)
		a.get(sub).mem(opI32Load, 2, 16).i32(abi.IdleFD).op(wasm.OpI32Eq).op(wasm.OpI32And).if_()
		a.get(sub).set(probe)
		a.end()
	}
	a.end()
	a.get(i).i32(1).op(wasm.OpI32Add).set(i)
	a.br(0)
	a.end().end()
	// The runtime is idle: answer the probe.
	a.get(probe).op(wasm.OpI32Eqz).op(wasm.OpI32Eqz).get(hasClock).op(wasm.OpI32Eqz).get(tmin).op(opI64Eqz).op(wasm.OpI32Eqz).op(opI32Or).op(wasm.OpI32And).if_()
	{
		a.i64(0).gset(p.gIdleDeadline)
		a.get(hasClock).if_()
		a.call(p.ic0["time"]).get(tmin).op(wasm.OpI64Add).gset(p.gIdleDeadline)
		a.end()
		a.i32(1).gset(p.gIdleReady)
		a.get(out).i32(0).i32(evSize).memoryFill()
		a.get(out).get(probe).mem(opI64Load, 3, 0).mem(opI64Store, 3, 0) // userdata
		a.get(out).i32(1).mem(opI32Store8, 0, 10)                        // type fd_read
		a.get(out).i64(8).mem(opI64Store, 3, 16)                         // nbytes
		a.get(nevents).i32(1).mem(opI32Store, 2, 0)
		a.i32(errnoSuccess).ret()
	}
	a.end()
	a.i32(0).set(i)
	a.block().loop()
	a.get(i).get(nsubs).op(wasm.OpI32GeU).brIf(1)
	a.get(in).get(i).i32(subSize).op(wasm.OpI32Mul).op(wasm.OpI32Add).tee(sub)
	a.mem(opI32Load8U, 0, 8).op(wasm.OpI32Eqz).if_() // eventtype clock
	{
		a.gget(p.gPollNet).get(probe).op(wasm.OpI32Eqz).op(wasm.OpI32And)
		a.get(sub).mem(opI64Load, 3, 24).op(opI64Eqz).op(wasm.OpI32Eqz).op(wasm.OpI32And).if_()
		if p.opt.Command {
			p.advanceClock(a, sub)
		} else {
			p.trap(a, MsgSleep)
		}
		a.end()
		a.get(out).get(n).i32(evSize).op(wasm.OpI32Mul).op(wasm.OpI32Add).tee(ev)
		a.i32(0).i32(evSize).memoryFill()
		a.get(ev).get(sub).mem(opI64Load, 3, 0).mem(opI64Store, 3, 0) // userdata; error 0, type clock 0
		a.get(n).i32(1).op(wasm.OpI32Add).set(n)
	}
	a.end()
	a.get(i).i32(1).op(wasm.OpI32Add).set(i)
	a.br(0)
	a.end().end()
	a.get(nevents).get(n).mem(opI32Store, 2, 0)
	return a.i32(errnoSuccess).code(i32Locals(6), i64Locals(1))
}
