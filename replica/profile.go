package replica

import (
	"cmp"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/icgo/icgo/internal/wasm"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// Instruction profiles: with WithProfiling, the replica compiles canister
// modules with a wazero function listener (experimental.FunctionListener)
// that, at every entry to and return from a Wasm function, reads the
// metering counter and attributes the instructions charged since the last
// event to the function on top of the call stack. The counter is the one
// that meters the execution, so the profile adds up to the execution's
// instruction count exactly, and the listener, which runs on the host,
// changes no count: a profiled execution uses as many instructions as an
// unprofiled one (it runs several times slower).
//
// A segment's charge is paid when it is entered (see the metering pass), so
// a call's own instructions belong to its caller as they should, and a
// System API call's charge goes to the function that called it.
//
// Stacks are the Wasm call stacks the listener sees. Go's wasm port unwinds
// the Wasm stack when it switches goroutines and resumes a goroutine frame
// by frame from its own stack in memory, so after a switch a stack starts
// at the resumed function, not at the entry point: per-function (flat)
// figures are exact, cumulative ones are a lower bound.

// WithProfiling makes the replica record a per-function instruction
// profile of every execution; LastProfile returns the last one of a
// canister. Modules are compiled with instrumentation for it (a separate
// compilation) and run several times slower.
func WithProfiling() Option { return func(c *config) { c.meter.profile = true } }

// Profile is the instructions of one execution by Wasm function.
type Profile struct {
	// Total is the execution's instructions (Result.Instructions).
	Total uint64
	// Funcs are the functions that used instructions, by their own
	// instructions (not those of their callees), most first.
	Funcs []FuncInstructions

	names  map[uint32]string
	stacks map[string]*uint64 // leaf-first function indexes (little-endian uint32s) -> instructions
}

// FuncInstructions is one function's own instructions in a Profile.
type FuncInstructions struct {
	Name         string // from the module's name section, else its export name, else "func[INDEX]"
	Instructions uint64
	Calls        uint64 // entries into the function
}

// LastProfile returns the instruction profile of the canister's last
// finished execution. It fails unless the replica was created
// WithProfiling.
func (r *Replica) LastProfile(id CanisterID) (*Profile, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.meter.profile {
		return nil, fmt.Errorf("replica: no profile: create the replica with WithProfiling")
	}
	c, err := r.lookup(id)
	if err != nil {
		return nil, err
	}
	if c.lastProfile == nil {
		return nil, fmt.Errorf("replica: canister %s has run no execution yet", id)
	}
	return c.lastProfile.profile(), nil
}

// compileContext is the context modules are compiled with: it carries the
// profiling listener WithProfiling.
func (r *Replica) compileContext() context.Context {
	ctx := context.Background()
	if r.meter.profile {
		ctx = experimental.WithFunctionListenerFactory(ctx, profileListener{})
	}
	return ctx
}

// profileRun is the profile of an execution while it runs.
type profileRun struct {
	last   int64                 // counter at the last event
	stack  []byte                // leaf-last function indexes, 4 bytes each
	self   map[uint32]*[2]uint64 // function index -> instructions, calls
	stacks map[string]*uint64    // key: leaf-first stack
	names  map[uint32]string
	total  uint64
	key    []byte
}

// profileListener is the one listener of every function of a profiled
// module; it finds the running execution in the context.
type profileListener struct{}

func (profileListener) NewFunctionListener(api.FunctionDefinition) experimental.FunctionListener {
	return profileListener{}
}

func (profileListener) Before(ctx context.Context, _ api.Module, def api.FunctionDefinition, _ []uint64, _ experimental.StackIterator) {
	p, now, ok := profiling(ctx)
	if !ok {
		return
	}
	p.charge(now)
	idx := def.Index()
	s := p.self[idx]
	if s == nil {
		s = new([2]uint64)
		p.self[idx] = s
		p.names[idx] = funcName(def)
	}
	s[1]++
	p.stack = binary.LittleEndian.AppendUint32(p.stack, idx)
}

func (profileListener) After(ctx context.Context, _ api.Module, _ api.FunctionDefinition, _ []uint64) {
	if p, now, ok := profiling(ctx); ok {
		p.charge(now)
		p.pop()
	}
}

func (profileListener) Abort(ctx context.Context, _ api.Module, _ api.FunctionDefinition, _ error) {
	if p, now, ok := profiling(ctx); ok {
		p.charge(now)
		p.pop()
	}
}

func funcName(def api.FunctionDefinition) string {
	if n := def.Name(); n != "" {
		return n
	}
	if ex := def.ExportNames(); len(ex) > 0 {
		return ex[0]
	}
	return fmt.Sprintf("func[%d]", def.Index())
}

// profiling returns the running execution's profile and counter.
func profiling(ctx context.Context) (*profileRun, int64, bool) {
	e := executionFrom(ctx)
	if e == nil || e.meter.prof == nil || e.meter.counter == nil {
		return nil, 0, false
	}
	return e.meter.prof, int64(e.meter.counter.Get()), true
}

// profileBegin starts (or, for a later run of the same execution,
// continues) the execution's profile; meterBegin calls it once the counter
// is armed.
func (e *execution) profileBegin() {
	if !e.r.meter.profile || e.meter.counter == nil {
		return
	}
	if e.meter.prof == nil {
		e.meter.prof = &profileRun{self: map[uint32]*[2]uint64{}, stacks: map[string]*uint64{}, names: map[uint32]string{}}
	}
	e.meter.prof.last = e.meter.budget
	e.meter.prof.stack = e.meter.prof.stack[:0]
}

// profileEnd charges what is left (nothing unless the run trapped past the
// listener) and keeps the profile as the canister's last.
func (e *execution) profileEnd() {
	p := e.meter.prof
	if p == nil || e.meter.counter == nil {
		return
	}
	p.charge(int64(e.meter.counter.Get()))
	e.c.lastProfile = p
}

// charge attributes the instructions since the last event to the function
// on top of the stack. (Every charge happens inside a function: the entry
// point is one.)
func (p *profileRun) charge(now int64) {
	d := p.last - now
	p.last = now
	if d <= 0 {
		return
	}
	p.total += uint64(d)
	n := len(p.stack)
	if n >= 4 {
		s := p.self[binary.LittleEndian.Uint32(p.stack[n-4:])]
		s[0] += uint64(d)
	}
	p.key = p.key[:0]
	for i := n - 4; i >= 0; i -= 4 { // leaf first
		p.key = append(p.key, p.stack[i:i+4]...)
	}
	v := p.stacks[string(p.key)]
	if v == nil {
		v = new(uint64)
		p.stacks[string(p.key)] = v
	}
	*v += uint64(d)
}

func (p *profileRun) pop() {
	if n := len(p.stack); n >= 4 {
		p.stack = p.stack[:n-4]
	}
}

// profile returns a copy of the finished profile.
func (p *profileRun) profile() *Profile {
	out := &Profile{Total: p.total, names: map[uint32]string{}, stacks: map[string]*uint64{}}
	for idx, s := range p.self {
		out.names[idx] = p.names[idx]
		if s[0] > 0 || s[1] > 0 {
			out.Funcs = append(out.Funcs, FuncInstructions{Name: p.names[idx], Instructions: s[0], Calls: s[1]})
		}
	}
	slices.SortFunc(out.Funcs, func(a, b FuncInstructions) int {
		return cmp.Or(cmp.Compare(b.Instructions, a.Instructions), cmp.Compare(a.Name, b.Name))
	})
	for k, v := range p.stacks {
		n := *v
		out.stacks[k] = &n
	}
	return out
}

// WriteText writes the profile as a table: a function's own instructions,
// their share of the total, its calls and its name, most first.
func (p *Profile) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "instructions\tshare\tcalls\t function\n")
	for _, f := range p.Funcs {
		share := 0.0
		if p.Total > 0 {
			share = 100 * float64(f.Instructions) / float64(p.Total)
		}
		fmt.Fprintf(tw, "%d\t%.1f%%\t%d\t %s\n", f.Instructions, share, f.Calls, f.Name)
	}
	fmt.Fprintf(tw, "%d\t100.0%%\t\t total\n", p.Total)
	return tw.Flush()
}

// WritePprof writes the profile in pprof's format (gzipped protocol
// buffers, github.com/google/pprof/proto/profile.proto), for
// `go tool pprof`: one sample per call stack, valued in instructions.
func (p *Profile) WritePprof(w io.Writer) error {
	var pb protoBuf
	strs := map[string]int64{"": 0}
	table := []string{""}
	str := func(s string) int64 {
		if i, ok := strs[s]; ok {
			return i
		}
		strs[s] = int64(len(table))
		table = append(table, s)
		return strs[s]
	}
	valueType := func(typ, unit string) []byte {
		var v protoBuf
		v.varint(1, uint64(str(typ)))
		v.varint(2, uint64(str(unit)))
		return v.b
	}
	pb.bytes(1, valueType("instructions", "count")) // sample_type
	keys := make([]string, 0, len(p.stacks))
	for k := range p.stacks {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var s, locs protoBuf
		for i := 0; i+4 <= len(k); i += 4 {
			locs.b = wasm.AppendULEB(locs.b, uint64(binary.LittleEndian.Uint32([]byte(k[i:i+4])))+1)
		}
		s.bytes(1, locs.b) // location_id, packed
		s.bytes(2, wasm.AppendULEB(nil, *p.stacks[k]))
		pb.bytes(2, s.b) // sample
	}
	idxs := make([]uint32, 0, len(p.names))
	for idx := range p.names {
		idxs = append(idxs, idx)
	}
	slices.Sort(idxs)
	for _, idx := range idxs { // one location and one function per Wasm function
		var loc, line protoBuf
		line.varint(1, uint64(idx)+1) // function_id
		loc.varint(1, uint64(idx)+1)  // id
		loc.varint(3, uint64(idx))    // address: the function index
		loc.bytes(4, line.b)
		pb.bytes(4, loc.b)
	}
	for _, idx := range idxs {
		var fn protoBuf
		fn.varint(1, uint64(idx)+1)
		fn.varint(2, uint64(str(p.names[idx])))
		fn.varint(3, uint64(str(p.names[idx])))
		pb.bytes(5, fn.b)
	}
	pt := valueType("instructions", "count")
	for _, s := range table {
		pb.bytes(6, []byte(s))
	}
	pb.bytes(11, pt) // period_type
	pb.varint(12, 1) // period
	zw := gzip.NewWriter(w)
	if _, err := zw.Write(pb.b); err != nil {
		return err
	}
	return zw.Close()
}

// protoBuf appends protocol buffer fields (varints are unsigned LEB128).
type protoBuf struct{ b []byte }

func (p *protoBuf) varint(field int, v uint64) {
	p.b = wasm.AppendULEB(p.b, uint64(field)<<3)
	p.b = wasm.AppendULEB(p.b, v)
}

func (p *protoBuf) bytes(field int, v []byte) {
	p.b = wasm.AppendULEB(p.b, uint64(field)<<3|2)
	p.b = wasm.AppendULEB(p.b, uint64(len(v)))
	p.b = append(p.b, v...)
}
