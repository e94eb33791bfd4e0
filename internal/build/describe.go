package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/icgo/icgo/internal/abi"
)

// Method is one exported query, update or composite query.
type Method struct {
	Kind  string // abi.KindQuery, abi.KindUpdate or abi.KindCompositeQuery
	Index int
	Name  string
}

// Registry is what a cdk program registered during initialization.
type Registry struct {
	Methods       []Method
	Hooks         []string // keys of abi.Hooks
	CandidArgs    string   // init argument types, e.g. "(text)"; empty without Init
	CandidService string   // the .did text
}

// DefaultDescribeTimeout bounds the describe run: the program's init
// functions run at build time, and one that never returns would otherwise
// hang the build.
const DefaultDescribeTimeout = 60 * time.Second

// Describe runs the raw Go module (WASI, before post-processing) under
// wazero, initializes the Go runtime and asks the cdk for its registry, as
// candid-extractor does for Rust canisters. A module that does not use the
// cdk has an empty registry. The program's own init output (fmt, log) is
// returned in the error when initialization fails. The run is limited to
// DefaultDescribeTimeout.
func Describe(ctx context.Context, raw []byte) (*Registry, error) {
	return DescribeTimeout(ctx, raw, DefaultDescribeTimeout)
}

// DescribeTimeout is Describe with a limit on the time the program's
// initialization and the registry read may take (compiling the module is
// not counted); timeout <= 0 means DefaultDescribeTimeout.
func DescribeTimeout(ctx context.Context, raw []byte, timeout time.Duration) (*Registry, error) {
	if timeout <= 0 {
		timeout = DefaultDescribeTimeout
	}
	// The interpreter: the run is short (the Go runtime's start-up and the
	// program's init functions), so compiling the whole module to machine
	// code would cost more than it saves.
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCloseOnContextDone(true))
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	cm, err := r.CompileModule(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("compiling the Go module: %w", err)
	}
	exports := cm.ExportedFunctions()
	if _, ok := exports[abi.ExportDescribe]; !ok {
		return &Registry{}, nil
	}
	if _, ok := exports[abi.ExportInitialize]; !ok {
		return nil, errors.New("the module exports " + abi.ExportDescribe + " but not " + abi.ExportInitialize +
			": build with -buildmode=c-shared (GOOS=wasip1 GOARCH=wasm)")
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	timedOut := func(err error) error {
		if ctx.Err() == nil && errors.Is(tctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("the describe run did not finish within %v: the program's init() functions run at build time "+
				"(to read its registered methods), and one of them does not return (an endless loop or wait in init?)", timeout)
		}
		return err
	}
	var log bytes.Buffer
	h := &describeHost{log: &log}
	if err := h.instantiate(tctx, r, cm); err != nil {
		return nil, err
	}
	mod, err := r.InstantiateModule(tctx, cm, wazero.NewModuleConfig().
		WithName("canister").WithStdout(&log).WithStderr(&log).WithStartFunctions())
	if err != nil {
		return nil, timedOut(fmt.Errorf("instantiating the Go module: %w", err))
	}
	if _, err := mod.ExportedFunction(abi.ExportInitialize).Call(tctx); err != nil {
		return nil, timedOut(initError(err, log.String()))
	}
	if _, err := mod.ExportedFunction(abi.ExportDescribe).Call(tctx); err != nil {
		return nil, timedOut(fmt.Errorf("reading the registered methods: %w\n%s", err, log.String()))
	}
	if !h.replied {
		return nil, errors.New("reading the registered methods: the program did not reply")
	}
	reg, err := ParseDescribe(h.reply)
	if err != nil {
		return nil, fmt.Errorf("reading the registered methods: %w", err)
	}
	return reg, nil
}

// describeHost is a minimal ic0 for the describe run: replies are recorded,
// debug_print goes to the log, trap fails the run, everything else returns
// zero. The pseudo-imports of module icgo are no-ops.
type describeHost struct {
	log     *bytes.Buffer
	reply   []byte
	replied bool
}

type trapError string

func (e trapError) Error() string { return "trap: " + string(e) }

func (h *describeHost) instantiate(ctx context.Context, r wazero.Runtime, cm wazero.CompiledModule) error {
	builders := map[string]wazero.HostModuleBuilder{}
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod != "ic0" && mod != abi.PseudoModule {
			continue
		}
		b := builders[mod]
		if b == nil {
			b = r.NewHostModuleBuilder(mod)
			builders[mod] = b
		}
		results := f.ResultTypes()
		fn := h.function(name, len(results))
		b.NewFunctionBuilder().WithGoModuleFunction(fn, f.ParamTypes(), results).Export(name)
	}
	for mod, b := range builders {
		if _, err := b.Instantiate(ctx); err != nil {
			return fmt.Errorf("providing %s to the describe run: %w", mod, err)
		}
	}
	return nil
}

func (h *describeHost) function(name string, nresults int) api.GoModuleFunc {
	read := func(m api.Module, ptr, size uint64) []byte {
		b, ok := m.Memory().Read(uint32(ptr), uint32(size))
		if !ok {
			panic(trapError(name + ": memory range out of bounds"))
		}
		return b
	}
	return func(_ context.Context, m api.Module, stack []uint64) {
		switch name {
		case "msg_reply_data_append":
			h.reply = append(h.reply, read(m, stack[0], stack[1])...)
		case "msg_reply":
			h.replied = true
		case "debug_print":
			if b, ok := m.Memory().Read(uint32(stack[0]), uint32(stack[1])); ok {
				h.log.Write(b)
				h.log.WriteByte('\n')
			}
		case "trap":
			panic(trapError(read(m, stack[0], stack[1])))
		}
		for i := 0; i < nresults; i++ {
			stack[i] = 0
		}
	}
}

// ParseDescribe parses the cdk's registry description (abi.DescribeHeader
// format).
func ParseDescribe(b []byte) (*Registry, error) {
	s := string(b)
	line := func() (string, bool) {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return "", false
		}
		l := s[:i]
		s = s[i+1:]
		return l, true
	}
	first, ok := line()
	if !ok || first != abi.DescribeHeader {
		return nil, fmt.Errorf("unknown description format %q: the cdk and the icgo tool come from different versions", first)
	}
	reg := &Registry{}
	for s != "" {
		l, ok := line()
		if !ok {
			return nil, fmt.Errorf("truncated description at %q", s)
		}
		f := strings.SplitN(l, " ", 4)
		switch {
		case f[0] == "method" && len(f) == 4:
			idx, err := strconv.Atoi(f[2])
			if err != nil {
				return nil, fmt.Errorf("bad method line %q", l)
			}
			reg.Methods = append(reg.Methods, Method{Kind: f[1], Index: idx, Name: f[3]})
		case f[0] == "hook" && len(f) == 2:
			if _, ok := abi.Hooks[f[1]]; !ok {
				return nil, fmt.Errorf("unknown hook %q", f[1])
			}
			reg.Hooks = append(reg.Hooks, f[1])
		case (f[0] == "candid-args" || f[0] == "candid-service") && len(f) == 2:
			n, err := strconv.Atoi(f[1])
			if err != nil || n < 0 || n+1 > len(s) || s[n] != '\n' {
				return nil, fmt.Errorf("bad %s length in %q", f[0], l)
			}
			text := s[:n]
			s = s[n+1:]
			if f[0] == "candid-args" {
				reg.CandidArgs = text
			} else {
				reg.CandidService = text
			}
		default:
			return nil, fmt.Errorf("unknown description line %q", l)
		}
	}
	return reg, nil
}

// initError explains a program whose initialization failed at build time:
// the panic's message (a refused cdk registration, usually) comes first,
// then the program's output and the wasm error.
func initError(err error, log string) error {
	const why = "initializing the program (its init functions ran here to read the registered methods)"
	for _, line := range strings.Split(log, "\n") {
		if msg, ok := strings.CutPrefix(line, "panic: "); ok {
			return fmt.Errorf("%s\n%s failed:\n%s\n%w", msg, why, log, err)
		}
	}
	return fmt.Errorf("%s: %w\n%s", why, err, log)
}
