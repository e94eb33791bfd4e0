package postproc

import (
	"fmt"
	"slices"
	"strings"

	"github.com/icgo/icgo/internal/wasm"
)

// Command mode (Options.Command) turns a wasip1 command module, the output
// of a plain `GOOS=wasip1 GOARCH=wasm go build` or `go test -c`, into a
// canister whose canister_init runs the whole program: _start initializes
// the runtime, runs the package init functions and main.main, and ends in
// proc_exit(status). A canister cannot exit, so proc_exit traps with
// MsgExitPrefix, the status and MsgExitCommandSuffix, and the install fails
// even for status 0: the caller reads the status from the trap message and
// the program's output from the canister log (the replica keeps the log of
// a trapped execution). This is how compat-tests runs packages' own tests
// (`go test -c`) inside a canister; the WASI replacements are the same as
// for a reactor, except that args_get serves Options.Args, and that a wait
// for a timer (time.Sleep, a timeout) ends at once and moves a virtual
// clock forward by its duration (advanceClock): the whole program runs in
// one message, where the IC's time stands still, so waiting could never
// end otherwise.
//
// The module gets no other entry point: there is nothing to call after
// canister_init.

// ExportStart is the entry point of a wasip1 command module.
const ExportStart = "_start"

// MsgExitCommandSuffix follows MsgExitPrefix and the status in command
// mode, where exiting is the normal end of the program.
const MsgExitCommandSuffix = " (command mode: main returned or os.Exit was called; the program's output is in the canister log)"

var errNoStart = fmt.Errorf("command mode: the module has no %s export: build it with GOOS=wasip1 GOARCH=wasm go build (or go test -c) without -buildmode=c-shared", ExportStart)

// commandExports synthesizes canister_init = _start for a command module
// and keeps only the memory exports.
func (p *proc) commandExports(funcExport func(string, wasm.FuncType) (uint32, bool, error)) error {
	if len(p.opt.Methods) > 0 || len(p.opt.Hooks) > 0 {
		return fmt.Errorf("command mode: a command module has no methods or hooks (got %d methods, %d hooks)", len(p.opt.Methods), len(p.opt.Hooks))
	}
	start, ok, err := funcExport(ExportStart, typeVoid)
	if err != nil {
		return err
	}
	if !ok {
		return errNoStart
	}
	// gInit is set for the whole run: the random_get stub still serves
	// only the runtime's first read (schedinit), as in _initialize.
	a := &asm{}
	if unpack := p.unpackFunc(); unpack != nil {
		a.call(*unpack)
	}
	a.i32(1).gset(p.gInit).call(start).i32(0).gset(p.gInit).call(p.flush)
	out := []wasm.Export{{Name: "canister_init", Kind: wasm.KindFunc, Index: p.addFunc("icgo:canister_init", typeVoid, a.code())}}
	for _, e := range p.m.Exports {
		if e.Kind == wasm.KindMemory {
			out = append(out, e)
		}
	}
	p.m.Exports = out
	p.m.SortExports()
	for _, e := range p.m.Exports {
		p.stats.Exports = append(p.stats.Exports, e.Name)
	}
	return nil
}

// requiredIC0 lists the ic0 imports the stubs need: debug_print, trap
// and time, and in command mode the install argument (args_*).
func (p *proc) requiredIC0() []struct {
	name string
	typ  wasm.FuncType
} {
	if !p.opt.Command {
		return ic0Required
	}
	out := slices.Clone(ic0Required)
	out = append(out, out[0], out[0])
	out[len(out)-2].name, out[len(out)-2].typ = "msg_arg_data_size", typeRetI32
	out[len(out)-1].name, out[len(out)-1].typ = "msg_arg_data_copy", wasm.FuncType{Params: []wasm.ValType{wasm.I32, wasm.I32, wasm.I32}}
	return out
}

// scratch reserves n zero bytes in the stubs' region.
func (p *proc) scratch(n int) int32 {
	a := int32(stringsStart + len(p.strs))
	p.strs = append(p.strs, make([]byte, n)...)
	return a
}

// argsCode is args_sizes_get or args_get. They serve Options.Args and, in
// command mode, the arguments in the install argument: a sequence of
// NUL-terminated strings (bytes after the last NUL are ignored). The
// install argument is readable there because the Go runtime reads its
// arguments in schedinit, under _start, under canister_init.
//
//	args_sizes_get (count *u32, size *u32) -> errno
//	args_get       (argv **u8, buf *u8) -> errno
func (p *proc) argsCode(name string) wasm.Code {
	var sb strings.Builder
	for _, s := range p.opt.Args {
		sb.WriteString(s)
		sb.WriteByte(0)
	}
	n, size := int32(len(p.opt.Args)), int32(sb.Len())
	a := &asm{}
	if name == "args_sizes_get" {
		if !p.opt.Command {
			return a.get(0).i32(n).mem(opI32Store, 2, 0).get(1).i32(size).mem(opI32Store, 2, 0).i32(errnoSuccess).code()
		}
		// Locals: 2 argLen, 3 i, 4 count.
		const argLen, i, count = 2, 3, 4
		b := p.scratch(1)
		a.call(p.ic0["msg_arg_data_size"]).set(argLen)
		a.block().loop()
		a.get(i).get(argLen).op(wasm.OpI32GeU).brIf(1)
		a.i32(b).get(i).i32(1).call(p.ic0["msg_arg_data_copy"])
		a.i32(b).mem(opI32Load8U, 0, 0).op(wasm.OpI32Eqz).if_()
		a.get(count).i32(1).op(wasm.OpI32Add).set(count)
		a.end()
		a.get(i).i32(1).op(wasm.OpI32Add).set(i)
		a.br(0)
		a.end().end()
		a.get(0).get(count).i32(n).op(wasm.OpI32Add).mem(opI32Store, 2, 0)
		a.get(1).get(argLen).i32(size).op(wasm.OpI32Add).mem(opI32Store, 2, 0)
		return a.i32(errnoSuccess).code(i32Locals(3))
	}
	const argv, buf = 0, 1
	if size > 0 {
		addr, _ := p.str(sb.String())
		a.get(buf).i32(addr).i32(size).memoryCopy()
		off := int32(0)
		for i, s := range p.opt.Args {
			a.get(argv).get(buf).i32(off).op(wasm.OpI32Add).mem(opI32Store, 2, uint32(4*i))
			off += int32(len(s) + 1)
		}
	}
	if !p.opt.Command {
		return a.i32(errnoSuccess).code()
	}
	// Locals: 2 argLen, 3 i, 4 k (next argv slot), 5 start (of the
	// current argument), 6 base (where the install argument is copied).
	const argLen, i, k, start, base = 2, 3, 4, 5, 6
	a.call(p.ic0["msg_arg_data_size"]).set(argLen)
	a.get(buf).i32(size).op(wasm.OpI32Add).tee(base).set(start)
	a.get(base).i32(0).get(argLen).call(p.ic0["msg_arg_data_copy"])
	a.i32(n).set(k)
	a.block().loop()
	a.get(i).get(argLen).op(wasm.OpI32GeU).brIf(1)
	a.get(base).get(i).op(wasm.OpI32Add).mem(opI32Load8U, 0, 0).op(wasm.OpI32Eqz).if_()
	{
		a.get(argv).get(k).i32(2).op(wasm.OpI32Shl).op(wasm.OpI32Add).get(start).mem(opI32Store, 2, 0)
		a.get(k).i32(1).op(wasm.OpI32Add).set(k)
		a.get(base).get(i).op(wasm.OpI32Add).i32(1).op(wasm.OpI32Add).set(start)
	}
	a.end()
	a.get(i).i32(1).op(wasm.OpI32Add).set(i)
	a.br(0)
	a.end().end()
	return a.i32(errnoSuccess).code(i32Locals(5))
}
