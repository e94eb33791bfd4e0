// Package postproc turns the raw output of
// `GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared` into a module that
// the Internet Computer accepts:
//
//   - every WASI import (and every pseudo-import of module abi.PseudoModule)
//     becomes an internal function written in wasm that uses ic0 (debug_print,
//     trap, time), so that only ic0 imports remain;
//   - function indices are renumbered everywhere (code, globals, elements,
//     exports, start, the name section);
//   - the IC entry points are synthesized: canister_init and
//     canister_post_upgrade run the Go runtime's _initialize first, methods
//     call the cdk's dispatcher with their registry index, hooks call the
//     cdk's Go exports; exports named "canister_query.NAME" (written with
//     //go:wasmexport by programs that skip the cdk) are renamed; in
//     command mode (Options.Command, command.go) canister_init runs a
//     command module's _start instead (go test -c output, compat-tests);
//   - active data segments are merged (the IC caps a module at 100,000),
//     and the Go runtime's findfunctab, mostly zeros, is stored as runs
//     that canister_init and canister_post_upgrade unpack (sparse.go);
//   - the Candid interface is embedded as icp:public custom sections.
//
// The replacements (stubs.go):
//
//	fd_write             fds 1 and 2: line-buffered, one ic0.debug_print per line (a full
//	                     2 KiB buffer counts as a line); other fds: EBADF
//	icgo.stdout_flush    emits the partial line; every synthesized entry point also does
//	clock_time_get       ic0.time for every clock (plus the virtual clock in command mode)
//	proc_exit(n)         flushes, then traps "the Go program exited with status n (...)"
//	random_get           the runtime's first read (hash seeds): splitmix64 of ic0.time;
//	                     then a ChaCha20 keystream keyed by icgo.rand_seed (raw_rand, from
//	                     the cdk); refused in queries and before the key, so that the Go
//	                     program's crash traps saying why (Options.InitRandPublic: public
//	                     bytes while initializing)
//	icgo.rand_mode/seed  the execution's random_get mode; XOR raw_rand into the key
//	environ_*            Options.Env; args_*: Options.Args (none by default)
//	fd_prestat_*         EBADF (no preopened directories); fd_close: EBADF
//	fd_fdstat_get        fds 0-2: character device, no flags or rights; others EBADF
//	fd_fdstat_set_flags  fds 0-2: success; others EBADF
//	sched_yield          success
//	poll_oneoff          the runtime's idle poll with the executor's probe (abi.IdleFD):
//	                     records the next timer deadline and completes the probe's read;
//	                     other clock subscriptions fire at once; a wait with a timeout from
//	                     runtime.netpoll without the probe (package init) traps naming
//	                     icstd/time (see planPollShim); in command mode it ends at once
//	                     and moves a virtual clock that clock_time_get adds (advanceClock)
//	fd_read              abi.IdleFD: the deadline, once per idle poll (EAGAIN before); others ENOSYS
//	files (Options.Embed) path_open, fd_read/pread/seek/readdir/close, *filestat_get and
//	                     fd_prestat_* serve a read-only tree preopened at fd 3 as "/";
//	                     writes fail with EROFS or EBADF (stubs_fs.go)
//	other WASI functions trap "WASI NAME is not available on the IC"
//	icgo.table_index:E   the funcref table index of export E (added to the table if needed)
//
// runtime.abort, where a panic in a c-shared module ends, is given a trap
// message. Both this and the poll_oneoff split find Go runtime functions by
// the name section (kept by default; `-ldflags=-s` removes it).
//
// The stubs keep their state in the region of linear memory [4096, 12288)
// that the Go linker leaves unused on wasm (cmd/link/internal/ld/data.go,
// wasmMinDataAddr, reserved for wasm_exec.js, which wasip1 never runs) and
// in a few new mutable globals. Process fails if a data segment overlaps
// that region.
//
// The contract with the guest side is internal/abi.
package postproc

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/icgo/icgo/internal/abi"
	"github.com/icgo/icgo/internal/wasm"
)

// Method is one method of the canister's registry.
type Method struct {
	Kind  string // abi.KindQuery, abi.KindUpdate or abi.KindCompositeQuery
	Index int    // the index pushed before calling abi.ExportMethod
	Name  string // the Candid method name
}

// EnvVar is an environment variable embedded at build time.
type EnvVar struct{ Name, Value string }

// Options configure Process. The zero value processes a plain Go module
// (no cdk registry) with the default data merging.
type Options struct {
	// Methods become exports "canister_<Kind> <Name>" that call
	// abi.ExportMethod with Index.
	Methods []Method
	// Hooks are the keys of abi.Hooks the program registered. canister_init
	// and canister_post_upgrade are always exported; listing "init" or
	// "post_upgrade" additionally requires the Go export to exist.
	Hooks []string
	// CandidService and CandidArgs, when non-empty, are embedded as the
	// custom sections "icp:public candid:service" and "icp:public candid:args".
	CandidService string
	CandidArgs    string
	// Env is served by WASI environ_get in this order (os.Getenv).
	Env []EnvVar
	// MergeDataGap merges active data segments separated by at most this
	// many bytes (which become zeros). 0 means DefaultMergeDataGap; a
	// negative value disables merging.
	MergeDataGap int
	// DropNames removes the "name" custom section (function names for
	// stack traces). By default it is kept and remapped.
	DropNames bool
	// KeepExports keeps exports that are neither IC entry points nor
	// memories (by default they are removed: the IC ignores them).
	KeepExports bool
	// Command processes a wasip1 command module (a plain go build or
	// go test -c: an _start export, no _initialize) instead of a reactor:
	// canister_init runs _start, which ends in proc_exit, so the install
	// always traps with MsgExitPrefix and the exit status (see command.go).
	Command bool
	// Args is served by WASI args_get in this order (os.Args, including
	// os.Args[0]); empty by default. In command mode the install argument
	// adds more: it is read as a sequence of NUL-terminated arguments that
	// follow Args (see command.go).
	Args []string
	// InitRandPublic makes WASI random_get serve public, predictable
	// bytes (splitmix64 seeded from ic0.time) during package initialization,
	// canister_init and canister_post_upgrade, before the CSPRNG is keyed
	// from raw_rand. Off by default: such reads fail with MsgRandom. For
	// libraries that seed non-secret generators from crypto/rand in their
	// package initialization (`icgo build -init-rand=public`).
	InitRandPublic bool
	// Embed mounts directory trees in a read-only file system served by
	// the WASI file functions (os.Open, os.ReadFile, fs.WalkDir, os.Stat);
	// see stubs_fs.go for the layout and EmbedMaxBytes for the limits.
	Embed []EmbedDir
}

// DefaultMergeDataGap is the data merging gap used when
// Options.MergeDataGap is 0. The Go linker starts a new segment after a run
// of about 17 zero bytes, which gives ~30,000 segments for a small program;
// merging across gaps of up to 64 bytes leaves about ten. The zeros add
// ~0.5 MB to the raw module but make the gzipped module smaller (measured:
// 2.61 MB / 761 KB gzip before, 2.93 MB / 705 KB after).
const DefaultMergeDataGap = 64

// Stats describe what Process did.
type Stats struct {
	InputSize, OutputSize int
	GzipSize              int // size of Gzip(output): set by callers that compress it (Process does not)

	ImportsBefore, ImportsAfter int      // function imports
	Replaced                    []string // "module.name" of each import replaced by an internal function
	AddedImports                []string // ic0 imports added for the stubs
	FunctionsBefore             int      // defined functions
	FunctionsAfter              int

	DataSegmentsBefore, DataSegmentsAfter int
	DataBytesBefore, DataBytesAfter       int // bytes of segment contents

	TableEntriesAdded int // functions added to the table for table_index pseudo-imports
	// PollShim reports that runtime.netpoll was found (by the name section)
	// and its waits trap while runtime.usleep (used by the panic path)
	// returns at once. Without it every poll_oneoff with a timeout traps,
	// and a fatal panic reports a blocking wait instead of its message.
	PollShim bool
	// AbortReplaced reports that runtime.abort (found by the name section)
	// now traps with MsgAbort instead of executing unreachable. A panic in
	// a //go:wasmexport function ends there: c-shared builds crash rather
	// than exit(2).
	AbortReplaced bool
	// EmbedBytes and EmbedEntries describe the embedded file system
	// (Options.Embed): the size of its data segment and its entries.
	EmbedBytes, EmbedEntries int
	Exports                  []string // final export names
	RegionUsed               [2]uint32
	// PackedTable is the address and size of the table of mostly zeros
	// (the Go runtime's findfunctab) that the data segments hold as runs
	// and canister_init and canister_post_upgrade unpack (sparse.go);
	// zero if none.
	PackedTable [2]uint32
}

// Memory region used by the stubs.
const (
	RegionStart  = 4096
	RegionEnd    = 4096 + 8192 // cmd/link wasmMinDataAddr
	LineBufStart = RegionStart
	LineBufSize  = 2048 // longer lines are split
	stringsStart = LineBufStart + LineBufSize
	// The CSPRNG of random_get: its ChaCha20 key and its current keystream
	// block, at the end of the region.
	randKeyAddr   = RegionEnd - 96
	randBlockAddr = RegionEnd - 64
	stringsEnd    = randKeyAddr
)

// Trap messages of the stubs.
const (
	MsgExitPrefix    = "the Go program exited with status "
	MsgExitSuffix    = " (an unrecovered panic or a fatal runtime error: see the canister log)"
	MsgRandom        = "crypto/rand (WASI random_get) was read during initialization (package initialization, canister_init or canister_post_upgrade), before the canister's CSPRNG can be seeded from raw_rand: the stack trace in the canister log names the reading package. Read it later (an update, a timer: the cdk seeds the CSPRNG in the first rounds after install and upgrade; icgo's icstd/rand.Read waits for the seed), or build with `icgo build -init-rand=public` to serve public, predictable bytes during initialization only"
	MsgRandNotSeeded = "crypto/rand (WASI random_get) was read before the canister's CSPRNG was seeded: the cdk seeds it from raw_rand in the first rounds after install and upgrade (the stack trace in the canister log names the reader). Retry later, or use icgo's icstd/rand.Read, which waits for the seed"
	MsgRandQuery     = "crypto/rand (WASI random_get) was read in a query: a query's state changes are discarded, so the same bytes would be handed out again (the stack trace in the canister log names the reader); read random bytes in an update, a timer or a heartbeat (see icgo's icstd/rand)"
	MsgSleep         = "time.Sleep / blocking wait outside the cdk's executor (during package initialization, or in a program without the cdk): nothing can wake it, a canister cannot block; wait in a goroutine started by a method, a timer or cdk.Go (std timers then fire on the IC's global timer), or use icgo's icstd/time"
	// MsgRandPublic is logged once, at the first read that
	// Options.InitRandPublic serves with public bytes.
	MsgRandPublic = "icgo: crypto/rand (WASI random_get) was read during initialization and got public, predictable bytes (icgo build -init-rand=public)"
	MsgAbort      = "the Go program aborted: an unrecovered panic or a fatal runtime error (see the canister log for the message and the stack trace)"
)

const (
	modIC0  = "ic0"
	modWASI = "wasi_snapshot_preview1"
)

var renameRe = regexp.MustCompile(`^(canister_query|canister_update|canister_composite_query)[.:/](.+)$`)

var (
	typeVoid    = wasm.FuncType{}
	typeI32I32  = wasm.FuncType{Params: []wasm.ValType{wasm.I32, wasm.I32}}
	typeTime    = wasm.FuncType{Results: []wasm.ValType{wasm.I64}}
	typeMethod  = wasm.FuncType{Params: []wasm.ValType{wasm.I32}}
	typeRetI32  = wasm.FuncType{Results: []wasm.ValType{wasm.I32}}
	ic0Required = []struct {
		name string
		typ  wasm.FuncType
	}{{"debug_print", typeI32I32}, {"trap", typeI32I32}, {"time", typeTime}}
)

// proc is the state of one Process call.
type proc struct {
	m     *wasm.Module
	opt   Options
	stats *Stats

	oldNImp  int      // function imports of the input
	nImp     uint32   // function imports of the output
	nDef     uint32   // defined functions of the input
	funcMap  []uint32 // old import index -> new function index
	ic0      map[string]uint32
	stubs    []stub
	newNames map[uint32]string // names of the functions Process adds

	// globals added
	gFill, gFd, gInit, gRng uint32
	// random_get's CSPRNG and mode (see randomGetCode), and the idle probe
	// (see pollOneoffCode).
	gRandMode, gRandKeyed, gRandPos, gRandRefused uint32
	gRandCtr                                      uint32 // i64 block counter
	gIdleReady, gIdleDeadline                     uint32 // i32, i64
	chachaBlock                                   uint32 // function
	flush                                         uint32 // function: emit the partial line

	strs    []byte // contents of the region after the line buffer
	strAddr map[string]uint32

	names     *wasm.Names       // the name section, nil when absent or malformed
	oldByName map[string]uint32 // input function index by name

	// poll shim: calls from runtime.netpoll to runtime.poll_oneoff go to
	// pollShim, which sets gPollNet around the call (see pollOneoffCode).
	pollCaller, pollWrapper, pollShim uint32
	hasPollShim                       bool
	gPollNet                          uint32
	// gClockOffset is command mode's virtual clock, added to ic0.time
	// (advanceClock); gRandPublicNoted is set once MsgRandPublic was logged.
	gClockOffset, gRandPublicNoted uint32

	passiveData bool         // the module has passive data segments (not merged)
	table       *packedTable // the table packed by layoutData (sparse.go), or nil
	fs          *fsImage     // the embedded file system (Options.Embed), nil without
}

type stub struct {
	module, name string
	typ          uint32 // type index
	index        uint32 // new function index
}

// Process rewrites raw (a Go wasip1 c-shared module) into an IC canister
// module. The output depends only on raw and opt.
func Process(raw []byte, opt Options) ([]byte, *Stats, error) {
	m, err := wasm.Decode(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("postproc: %w", err)
	}
	p := &proc{m: m, opt: opt, stats: &Stats{InputSize: len(raw)}, newNames: map[uint32]string{}, strAddr: map[string]uint32{}}
	for _, step := range []func() error{
		p.loadNames,
		p.planImports,
		p.planPollShim,
		p.remapAll,
		p.addGlobals,
		p.planFS,
		p.addStubs,
		p.layoutData,
		p.exports,
		p.data,
		p.embedFS,
		p.customs,
	} {
		if err := step(); err != nil {
			return nil, nil, fmt.Errorf("postproc: %w", err)
		}
	}
	out := m.Encode()
	p.stats.OutputSize = len(out)
	p.stats.FunctionsAfter = len(m.Funcs)
	p.stats.ImportsAfter = m.NumImported(wasm.KindFunc)
	return out, p.stats, nil
}

// Gzip compresses a module deterministically (no name, no time stamp) at the
// best compression level, as the IC accepts it.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// planImports decides the output imports and the stub that replaces every
// other import, and their function indices.
func (p *proc) planImports() error {
	m := p.m
	p.ic0 = map[string]uint32{}
	var imps []wasm.Import
	stubOf := map[string]int{}
	p.oldNImp = m.NumImported(wasm.KindFunc)
	p.nDef = uint32(len(m.Funcs))
	p.stats.ImportsBefore = p.oldNImp
	p.stats.FunctionsBefore = len(m.Funcs)
	p.funcMap = make([]uint32, p.oldNImp)
	stubIdx := make([]int, p.oldNImp)
	for i, im := range m.Imports {
		if im.Kind != wasm.KindFunc {
			return fmt.Errorf("import %s.%s: only function imports are supported (it is a %s)", im.Module, im.Name, im.Kind)
		}
		if int(im.TypeIndex) >= len(m.Types) {
			return fmt.Errorf("import %s.%s: type index %d out of range", im.Module, im.Name, im.TypeIndex)
		}
		switch im.Module {
		case modIC0:
			if j, ok := p.ic0[im.Name]; ok {
				if !m.Types[imps[j].TypeIndex].Equal(m.Types[im.TypeIndex]) {
					return fmt.Errorf("import ic0.%s is imported twice with different types %s and %s", im.Name, m.Types[imps[j].TypeIndex], m.Types[im.TypeIndex])
				}
				p.funcMap[i] = j
				stubIdx[i] = -1
				continue
			}
			p.ic0[im.Name] = uint32(len(imps))
			p.funcMap[i] = uint32(len(imps))
			stubIdx[i] = -1
			imps = append(imps, im)
			continue
		case modWASI:
		case abi.PseudoModule:
			if !knownPseudo(im.Name) {
				return fmt.Errorf("import %s.%s: unknown icgo pseudo-import (known: %s, %s, %s, %s<EXPORT>)", im.Module, im.Name, abi.PseudoStdoutFlush, abi.PseudoRandMode, abi.PseudoRandSeed, abi.PseudoTableIndexPrefix)
			}
		default:
			return fmt.Errorf("import %s.%s: only ic0, %s and %s imports can be processed", im.Module, im.Name, modWASI, abi.PseudoModule)
		}
		if err := p.checkStubType(im); err != nil {
			return err
		}
		key := fmt.Sprintf("%s\x00%s\x00%d", im.Module, im.Name, im.TypeIndex)
		k, ok := stubOf[key]
		if !ok {
			k = len(p.stubs)
			stubOf[key] = k
			p.stubs = append(p.stubs, stub{module: im.Module, name: im.Name, typ: im.TypeIndex})
			p.stats.Replaced = append(p.stats.Replaced, im.Module+"."+im.Name)
		}
		stubIdx[i] = k
	}
	for _, r := range p.requiredIC0() {
		if j, ok := p.ic0[r.name]; ok {
			if t := m.Types[imps[j].TypeIndex]; !t.Equal(r.typ) {
				return fmt.Errorf("import ic0.%s has type %s, want %s", r.name, t, r.typ)
			}
			continue
		}
		p.ic0[r.name] = uint32(len(imps))
		p.newNames[uint32(len(imps))] = modIC0 + "." + r.name
		imps = append(imps, wasm.Import{Module: modIC0, Name: r.name, Kind: wasm.KindFunc, TypeIndex: m.TypeIndex(r.typ)})
		p.stats.AddedImports = append(p.stats.AddedImports, modIC0+"."+r.name)
	}
	p.nImp = uint32(len(imps))
	// New functions: the original ones, then flush, then the stubs.
	base := p.nImp + p.nDef
	p.flush = base
	for k := range p.stubs {
		p.stubs[k].index = base + 1 + uint32(k)
	}
	p.pollShim = base + 1 + uint32(len(p.stubs))
	for i, k := range stubIdx {
		if k >= 0 {
			p.funcMap[i] = p.stubs[k].index
		}
	}
	m.Imports = imps
	return nil
}

// wasiTypes are the signatures of the WASI functions that have a real
// replacement.
var wasiTypes = map[string]string{
	"fd_write":            "(i32, i32, i32, i32) -> (i32)",
	"fd_read":             "(i32, i32, i32, i32) -> (i32)",
	"clock_time_get":      "(i32, i64, i32) -> (i32)",
	"proc_exit":           "(i32) -> ()",
	"random_get":          "(i32, i32) -> (i32)",
	"environ_sizes_get":   "(i32, i32) -> (i32)",
	"environ_get":         "(i32, i32) -> (i32)",
	"args_sizes_get":      "(i32, i32) -> (i32)",
	"args_get":            "(i32, i32) -> (i32)",
	"fd_prestat_get":      "(i32, i32) -> (i32)",
	"fd_prestat_dir_name": "(i32, i32, i32) -> (i32)",
	"fd_fdstat_get":       "(i32, i32) -> (i32)",
	"fd_fdstat_set_flags": "(i32, i32) -> (i32)",
	"fd_close":            "(i32) -> (i32)",
	"sched_yield":         "() -> (i32)",
	"poll_oneoff":         "(i32, i32, i32, i32) -> (i32)",
}

func (p *proc) checkStubType(im wasm.Import) error {
	t := p.m.Types[im.TypeIndex]
	var want string
	switch {
	case im.Module == modWASI:
		want = wasiTypes[im.Name]
	case im.Name == abi.PseudoStdoutFlush:
		want = typeVoid.String()
	case im.Name == abi.PseudoRandMode || im.Name == abi.PseudoRandSeed:
		want = typeMethod.String()
	default:
		want = typeRetI32.String()
	}
	if want != "" && t.String() != want {
		return fmt.Errorf("import %s.%s has type %s, want %s", im.Module, im.Name, t, want)
	}
	return nil
}

func knownPseudo(name string) bool {
	switch name {
	case abi.PseudoStdoutFlush, abi.PseudoRandMode, abi.PseudoRandSeed:
		return true
	}
	return strings.HasPrefix(name, abi.PseudoTableIndexPrefix)
}

// remap returns the new index of old function index f.
func (p *proc) remap(f uint32) (uint32, error) {
	if int(f) < p.oldNImp {
		return p.funcMap[f], nil
	}
	if f-uint32(p.oldNImp) >= p.nDef {
		return 0, fmt.Errorf("function index %d out of range", f)
	}
	return p.nImp + f - uint32(p.oldNImp), nil
}

// remapCode rewrites the function indices of call, return_call and
// ref.func. caller is the input index of the function whose body code is,
// or -1.
func (p *proc) remapCode(code []byte, caller int64) ([]byte, error) {
	var out []byte
	last := 0
	err := wasm.Walk(code, func(in *wasm.Instr) error {
		if in.Op != wasm.OpCall && in.Op != wasm.OpReturnCall && in.Op != wasm.OpRefFunc {
			return nil
		}
		n, err := p.remap(in.Index)
		if err != nil {
			return fmt.Errorf("at byte %d: %w", in.Pos, err)
		}
		if p.hasPollShim && caller == int64(p.pollCaller) && in.Op == wasm.OpCall && in.Index == p.pollWrapper {
			n = p.pollShim
		}
		if out == nil {
			out = make([]byte, 0, len(code)+8)
		}
		out = append(out, code[last:in.ImmPos]...)
		out = wasm.AppendULEB(out, uint64(n))
		last = in.End
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return code, nil
	}
	return append(out, code[last:]...), nil
}

func (p *proc) remapAll() error {
	m := p.m
	var err error
	for i := range m.Code {
		if m.Code[i].Body, err = p.remapCode(m.Code[i].Body, int64(p.oldNImp+i)); err != nil {
			return fmt.Errorf("function %d: %w", p.oldNImp+i, err)
		}
	}
	for i := range m.Globals {
		if m.Globals[i].Init, err = p.remapCode(m.Globals[i].Init, -1); err != nil {
			return fmt.Errorf("global %d: %w", i, err)
		}
	}
	for i := range m.Elements {
		e := &m.Elements[i]
		for j := range e.Funcs {
			if e.Funcs[j], err = p.remap(e.Funcs[j]); err != nil {
				return fmt.Errorf("element segment %d: %w", i, err)
			}
		}
		for j := range e.Exprs {
			if e.Exprs[j], err = p.remapCode(e.Exprs[j], -1); err != nil {
				return fmt.Errorf("element segment %d: %w", i, err)
			}
		}
		if e.Offset != nil {
			if e.Offset, err = p.remapCode(e.Offset, -1); err != nil {
				return fmt.Errorf("element segment %d: %w", i, err)
			}
		}
	}
	for i := range m.Exports {
		if m.Exports[i].Kind == wasm.KindFunc {
			if m.Exports[i].Index, err = p.remap(m.Exports[i].Index); err != nil {
				return fmt.Errorf("export %q: %w", m.Exports[i].Name, err)
			}
		}
	}
	if m.Start != nil {
		s, err := p.remap(*m.Start)
		if err != nil {
			return fmt.Errorf("start: %w", err)
		}
		m.Start = &s
	}
	return p.remapNames()
}

func (p *proc) addGlobal(t wasm.ValType) uint32 {
	init := constI32(0)
	if t == wasm.I64 {
		init = []byte{wasm.OpI64Const, 0, wasm.OpEnd}
	}
	p.m.Globals = append(p.m.Globals, wasm.Global{Type: wasm.GlobalType{Type: t, Mutable: true}, Init: init})
	return uint32(len(p.m.Globals) - 1)
}

func (p *proc) addGlobals() error {
	p.gFill = p.addGlobal(wasm.I32) // bytes in the line buffer
	p.gFd = p.addGlobal(wasm.I32)   // fd whose bytes are in the line buffer
	p.gInit = p.addGlobal(wasm.I32) // 1 while _initialize runs
	p.gRng = p.addGlobal(wasm.I64)  // random_get state during _initialize
	p.gPollNet = p.addGlobal(wasm.I32)
	p.gRandMode = p.addGlobal(wasm.I32)
	p.gRandKeyed = p.addGlobal(wasm.I32)
	p.gRandPos = p.addGlobal(wasm.I32)
	p.m.Globals[p.gRandPos].Init = constI32(64) // no keystream buffered
	p.gRandRefused = p.addGlobal(wasm.I32)
	p.gRandCtr = p.addGlobal(wasm.I64)
	p.gIdleReady = p.addGlobal(wasm.I32)
	p.gIdleDeadline = p.addGlobal(wasm.I64)
	p.gClockOffset = p.addGlobal(wasm.I64)
	p.gRandPublicNoted = p.addGlobal(wasm.I32)
	if !p.hasPollShim {
		// Without the shim every poll with a timeout is a blocking wait.
		p.m.Globals[p.gPollNet].Init = constI32(1)
	}
	return nil
}

// addFunc appends a function and returns its index.
func (p *proc) addFunc(name string, t wasm.FuncType, c wasm.Code) uint32 {
	idx := p.nImp + uint32(len(p.m.Funcs))
	p.m.Funcs = append(p.m.Funcs, p.m.TypeIndex(t))
	p.m.Code = append(p.m.Code, c)
	p.newNames[idx] = name
	return idx
}

// str places s in the region (once) and returns its address.
func (p *proc) str(s string) (addr, size int32) {
	if a, ok := p.strAddr[s]; ok {
		return int32(a), int32(len(s))
	}
	a := uint32(stringsStart + len(p.strs))
	p.strAddr[s] = a
	p.strs = append(p.strs, s...)
	return int32(a), int32(len(s))
}

var errNoInitialize = errors.New("the module has no " + abi.ExportInitialize + " export: build it with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared")

// exports synthesizes the IC entry points and filters the export list.
func (p *proc) exports() error {
	m := p.m
	byName := map[string]wasm.Export{}
	for _, e := range m.Exports {
		if _, dup := byName[e.Name]; dup {
			return fmt.Errorf("export %q appears twice", e.Name)
		}
		byName[e.Name] = e
	}
	funcExport := func(name string, want wasm.FuncType) (uint32, bool, error) {
		e, ok := byName[name]
		if !ok {
			return 0, false, nil
		}
		if e.Kind != wasm.KindFunc {
			return 0, false, fmt.Errorf("export %q is a %s, want a function", name, e.Kind)
		}
		t, err := m.FuncTypeOf(e.Index)
		if err != nil {
			return 0, false, err
		}
		if !t.Equal(want) {
			return 0, false, fmt.Errorf("export %q has type %s, want %s", name, t, want)
		}
		return e.Index, true, nil
	}
	if p.opt.Command {
		return p.commandExports(funcExport)
	}
	initialize, ok, err := funcExport(abi.ExportInitialize, typeVoid)
	if err != nil {
		return err
	}
	if !ok {
		return errNoInitialize
	}

	var out []wasm.Export
	final := map[string]bool{}
	methods := map[string]string{} // method name -> export name
	add := func(name string, idx uint32) error {
		if final[name] {
			return fmt.Errorf("export %q is defined twice", name)
		}
		if kind, method, ok := strings.Cut(name, " "); ok && strings.HasPrefix(kind, "canister_") {
			if prev, dup := methods[method]; dup {
				return fmt.Errorf("method name %q is used twice (%q and %q)", method, prev, name)
			}
			methods[method] = name
		}
		final[name] = true
		out = append(out, wasm.Export{Name: name, Kind: wasm.KindFunc, Index: idx})
		return nil
	}
	hooks := map[string]bool{}
	for _, h := range p.opt.Hooks {
		if _, ok := abi.Hooks[h]; !ok {
			return fmt.Errorf("unknown hook %q", h)
		}
		hooks[h] = true
	}
	consumed := map[string]bool{abi.ExportInitialize: true}

	// canister_init and canister_post_upgrade: the memory is as the data
	// segments wrote it, so the packed table is unpacked first.
	unpack := p.unpackFunc()
	for _, h := range []string{"init", "post_upgrade"} {
		ic, goName := abi.Hooks[h].IC, abi.Hooks[h].Go
		a := &asm{}
		if unpack != nil {
			a.call(*unpack)
		}
		a.i32(1).gset(p.gInit).call(initialize).i32(0).gset(p.gInit)
		user, okGo, err := funcExport(goName, typeVoid)
		if err != nil {
			return err
		}
		direct, okDirect, err := funcExport(ic, typeVoid)
		if err != nil {
			return err
		}
		switch {
		case okGo && okDirect:
			return fmt.Errorf("the module exports both %q and %q", goName, ic)
		case okGo:
			a.call(user)
		case okDirect:
			a.call(direct)
			consumed[ic] = true
		case hooks[h]:
			return fmt.Errorf("hook %q is registered but the module does not export %q", h, goName)
		}
		a.call(p.flush)
		if err := add(ic, p.addFunc("icgo:"+ic, typeVoid, a.code())); err != nil {
			return err
		}
	}
	// Other hooks, in a fixed order.
	keys := make([]string, 0, len(hooks))
	for h := range hooks {
		keys = append(keys, h)
	}
	sort.Strings(keys)
	for _, h := range keys {
		if h == "init" || h == "post_upgrade" {
			continue
		}
		ic, goName := abi.Hooks[h].IC, abi.Hooks[h].Go
		f, ok, err := funcExport(goName, typeVoid)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("hook %q is registered but the module does not export %q", h, goName)
		}
		if err := add(ic, p.addFunc("icgo:"+ic, typeVoid, (&asm{}).call(f).call(p.flush).code())); err != nil {
			return err
		}
	}
	// Methods of the registry.
	if len(p.opt.Methods) > 0 {
		dispatch, ok, err := funcExport(abi.ExportMethod, typeMethod)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("methods are registered but the module does not export %q", abi.ExportMethod)
		}
		for _, meth := range p.opt.Methods {
			switch meth.Kind {
			case abi.KindQuery, abi.KindUpdate, abi.KindCompositeQuery:
			default:
				return fmt.Errorf("method %q: unknown kind %q", meth.Name, meth.Kind)
			}
			if meth.Name == "" {
				return fmt.Errorf("method %d (%s) has an empty name", meth.Index, meth.Kind)
			}
			if meth.Index < 0 || int64(meth.Index) > 1<<31-1 {
				return fmt.Errorf("method %q: index %d out of range", meth.Name, meth.Index)
			}
			name := "canister_" + meth.Kind + " " + meth.Name
			f := p.addFunc("icgo:"+name, typeVoid, (&asm{}).i32(int32(meth.Index)).call(dispatch).call(p.flush).code())
			if err := add(name, f); err != nil {
				return err
			}
		}
	}
	// The module's own exports.
	icHooks := map[string]bool{}
	for _, h := range abi.Hooks {
		icHooks[h.IC] = true
	}
	for _, e := range m.Exports {
		switch {
		case consumed[e.Name] || strings.HasPrefix(e.Name, "icgo_"):
			continue
		case e.Kind == wasm.KindMemory:
			out = append(out, e)
			final[e.Name] = true
			continue
		}
		if mm := renameRe.FindStringSubmatch(e.Name); mm != nil || strings.HasPrefix(e.Name, "canister_") {
			if _, _, err := funcExport(e.Name, typeVoid); err != nil {
				return err
			}
			name := e.Name
			switch {
			case mm != nil:
				name = mm[1] + " " + mm[2]
			case icHooks[name]:
			default:
				if k, meth, ok := strings.Cut(name, " "); !ok || meth == "" || (k != "canister_query" && k != "canister_update" && k != "canister_composite_query") {
					return fmt.Errorf("export %q: not an IC entry point name (canister_query NAME, canister_update NAME, canister_composite_query NAME, %s)", e.Name, strings.Join(sortedKeys(icHooks), ", "))
				}
			}
			f := p.addFunc("icgo:"+name, typeVoid, (&asm{}).call(e.Index).call(p.flush).code())
			if err := add(name, f); err != nil {
				return err
			}
			continue
		}
		if p.opt.KeepExports {
			if final[e.Name] {
				return fmt.Errorf("export %q is defined twice", e.Name)
			}
			final[e.Name] = true
			out = append(out, e)
		}
	}
	// IC limits on methods (validation.rs).
	nameBytes := 0
	for meth := range methods {
		nameBytes += len(meth)
	}
	if len(methods) > 1000 {
		return fmt.Errorf("%d methods: the IC accepts at most 1000", len(methods))
	}
	if nameBytes > 20000 {
		return fmt.Errorf("method names take %d bytes: the IC accepts at most 20000", nameBytes)
	}
	m.Exports = out
	m.SortExports()
	for _, e := range m.Exports {
		p.stats.Exports = append(p.stats.Exports, e.Name)
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// customs sets the custom sections of the output.
func (p *proc) customs() error {
	var cs []wasm.Custom
	for _, c := range p.m.Customs {
		switch {
		case c.Name == "go:buildid":
		case c.Name == "name": // rewritten by finishNames
		case c.Name == "icp:public candid:service" && p.opt.CandidService != "":
		case c.Name == "icp:public candid:args" && p.opt.CandidArgs != "":
		default:
			cs = append(cs, c)
		}
	}
	p.m.Customs = cs
	p.finishNames()
	if p.opt.CandidService != "" {
		p.m.SetCustom("icp:public candid:service", []byte(p.opt.CandidService))
	}
	if p.opt.CandidArgs != "" {
		p.m.SetCustom("icp:public candid:args", []byte(p.opt.CandidArgs))
	}
	return nil
}
