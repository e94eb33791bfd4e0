package postproc

import (
	"fmt"
	"strings"

	"github.com/icgo/icgo/internal/abi"
	"github.com/icgo/icgo/internal/wasm"
)

// WASI errno values returned by the stubs.
const (
	errnoSuccess = 0
	errnoBadF    = 8
	errnoNoSys   = 52
)

// addStubs appends the flush helper and one function per replaced import,
// at the indices planImports gave them.
func (p *proc) addStubs() error {
	if f := p.addFunc("icgo:stdout_flush", typeVoid, p.flushCode()); f != p.flush {
		return fmt.Errorf("internal error: flush function at %d, planned %d", f, p.flush)
	}
	for _, s := range p.stubs {
		var c wasm.Code
		var err error
		switch s.module {
		case modWASI:
			c = p.wasiCode(s.name, p.m.Types[s.typ])
		case abi.PseudoModule:
			if s.name == abi.PseudoStdoutFlush {
				c = (&asm{}).call(p.flush).code()
			} else {
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
	// runtime.abort is the end of every fatal path in c-shared builds
	// (fatalpanic crashes, morestack failures): give it a message.
	if f, ok := p.oldByName["runtime.abort"]; ok && int(f) >= p.oldNImp && f-uint32(p.oldNImp) < p.nDef {
		p.m.Code[f-uint32(p.oldNImp)].Body = p.trap((&asm{}).call(p.flush), MsgAbort).code().Body
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
	case "clock_time_get": // (id, precision, out) -> errno
		return a.get(2).call(p.ic0["time"]).mem(opI64Store, 3, 0).i32(errnoSuccess).code()
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

// randomGetCode: (buf, len) -> errno. The Go runtime reads random bytes
// once, at the very start of _initialize (runtime.schedinit seeds its hash
// and scheduler randomness), before any package init runs. That one call
// gets deterministic bytes (splitmix64 seeded from ic0.time): they are not
// secret and the runtime does not need them to be. Every other call traps,
// including crypto/rand reads from package init functions, so that no
// program is ever handed predictable bytes as if they were secret.
func (p *proc) randomGetCode() wasm.Code {
	const buf, n, i, z = 0, 1, 2, 3
	a := &asm{}
	// gRng is zero until the first call seeds it.
	a.gget(p.gInit).op(wasm.OpI32Eqz).gget(p.gRng).op(opI64Eqz).op(wasm.OpI32Eqz).op(opI32Or).if_()
	p.trap(a, MsgRandom)
	a.end()
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
	a.i32(errnoSuccess)
	return a.code(i32Locals(1), i64Locals(1))
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

// pollOneoffCode: (in, out, nsubscriptions, nevents) -> errno. Every clock
// subscription fires at once (ic0.time does not move during a message);
// descriptor subscriptions never fire (there are none on the IC). A poll
// marked by the netpoll shim (gPollNet) with a non-zero timeout is a
// blocking wait: it traps.
func (p *proc) pollOneoffCode() wasm.Code {
	const (
		in, out, nsubs, nevents = 0, 1, 2, 3
		i, n, sub, ev           = 4, 5, 6, 7
	)
	const subSize, evSize = 48, 32
	a := &asm{}
	a.block().loop()
	a.get(i).get(nsubs).op(wasm.OpI32GeU).brIf(1)
	a.get(in).get(i).i32(subSize).op(wasm.OpI32Mul).op(wasm.OpI32Add).tee(sub)
	a.mem(opI32Load8U, 0, 8).op(wasm.OpI32Eqz).if_() // eventtype clock
	{
		a.gget(p.gPollNet).get(sub).mem(opI64Load, 3, 24).op(opI64Eqz).op(wasm.OpI32Eqz).op(wasm.OpI32And).if_()
		p.trap(a, MsgSleep)
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
	return a.i32(errnoSuccess).code(i32Locals(4))
}
