package replica

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/icgo/icgo/principal"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Defaults.
const (
	// DefaultExecutionTimeout is 0: no wall-clock guard. Instruction
	// metering (metering.go) is what bounds executions, as on the IC; the
	// optional backstop (WithExecutionTimeout) costs wazero a context check
	// at every loop header and function entry, about 40x in a tight loop.
	DefaultExecutionTimeout = 0
	// DefaultWasmMemoryLimit is the default wasm_memory_limit canister
	// setting: 3 GiB (spec "WebAssembly module requirements", DFINITY's replica: DEFAULT_WASM_MEMORY_LIMIT).
	DefaultWasmMemoryLimit = 3 << 30
	// MaxWasmMemory is the wasm32 heap limit: 4 GiB (spec "WebAssembly module requirements").
	MaxWasmMemory = 4 << 30
	// DefaultCycles is the balance of a new canister: 100 T, as on
	// development instances (spec "Unspecified constants and limits", provisional cycles).
	DefaultCycles = 100_000_000_000_000
)

// Replica is an embedded, single-subnet IC replica. It is safe for
// concurrent use; executions are serialized, as on one subnet.
type Replica struct {
	mu sync.Mutex

	rt      wazero.Runtime
	cache   wazero.CompilationCache   // nil: a process-wide shared cache (sharedCache)
	modules map[moduleKey]*codeModule // in use or in unused (module.go)
	unused  []*codeModule             // compiled modules no canister uses, least recently used first
	// compiling are the modules being compiled without r.mu (module.go).
	compiling map[moduleKey]*compileJob

	canisters  map[CanisterID]*canister
	nextIndex  uint64
	now        uint64 // ns since the epoch: the timestamp of the next execution
	timeout    time.Duration
	logOut     io.Writer
	randSeed   uint64
	subnetID   []byte
	rootKey    []byte // computed on first use (a BLS scalar multiplication)
	closed     bool
	instanceNo uint64
	heaps      map[api.Module]instanceMemory          // the memory of every live instance (heap.go)
	funcs      map[api.Module]map[string]api.Function // exports called, by instance (exportedFunction)
	reporter   struct {                               // the instance that last reported a dirty chunk (instantiateMeter)
		inst api.Module
		h    *heap
	}

	// stableLimits are the stable memory access limits per message, per
	// install and per query (ic0.go); tests lower them.
	stableLimits [3]uint64

	native map[CanisterID]NativeCanister // HostNative

	nextSnapshot uint64 // the local index of the next snapshot id (snapshot.go)

	sched scheduler   // rounds, messages, call contexts (scheduler.go)
	meter meterConfig // instruction limits (metering.go)
}

type config struct {
	start    time.Time
	logOut   io.Writer
	seed     uint64
	timeout  time.Duration
	cacheDir string
	sched    schedConfig // scheduler.go, http.go
	meter    meterConfig // metering.go

	cacheDirSet bool // WithCompilationCacheDir was given (else the default)
}

// Option configures New.
type Option func(*config)

// WithTime sets the replica's clock. The default is the wall time at New.
// The clock then moves only by AdvanceTime/SetTime and by 1 ns after each
// execution, so ic0.time is constant within an execution and strictly
// increasing between executions (spec "System time").
func WithTime(t time.Time) Option { return func(c *config) { c.start = t } }

// WithLogOutput streams every canister log entry (ic0.debug_print, trap
// messages) to w as "[canister-id] message" lines.
func WithLogOutput(w io.Writer) Option { return func(c *config) { c.logOut = w } }

// WithRandSeed seeds the replica's randomness, for reproducible runs: its
// root key (ic0.root_key_*) and the random tape of raw_rand (reference
// 4.1). Without it, raw_rand draws from a CSPRNG seeded by crypto/rand.
func WithRandSeed(seed uint64) Option {
	return func(c *config) { c.seed, c.sched.seeded = seed, true }
}

// WithExecutionTimeout sets a wall-clock limit for each execution, as a
// backstop (default none). An execution that runs longer traps with
// "execution exceeded the wall-clock backstop". The IC's instruction limits
// (spec "Unspecified constants and limits", WithInstructionLimits) are what bound executions; this
// guard is for debugging the replica itself (a host call that blocks), and
// it slows Wasm loops and calls down many times over, because wazero must
// then check the context at every loop header and function entry.
func WithExecutionTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithCompilationCacheDir keeps compiled modules in dir across processes
// (wazero.NewCompilationCacheWithDir); the replica closes that cache when
// it is closed. Without this option the replica uses
// DefaultCompilationCacheDir, shared by all replicas of the process. An
// empty dir turns the persistent cache off: compiled code is then shared
// in memory by the replicas of the process and lost when it exits.
func WithCompilationCacheDir(dir string) Option {
	return func(c *config) { c.cacheDir, c.cacheDirSet = dir, true }
}

// DefaultCompilationCacheDir returns where replicas keep compiled modules
// by default: icgo/compiled in the user's cache directory
// (os.UserCacheDir), or "" if the user has none, in which case the cache
// is in memory only. A module installed again, in this process or a later
// one, is then not compiled again.
func DefaultCompilationCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "icgo", "compiled")
}

var (
	sharedCacheMu sync.Mutex
	sharedCaches  = map[string]wazero.CompilationCache{} // by directory; "" is in memory only
)

// sharedCache returns the process-wide compilation cache for dir, created
// on first use. If dir cannot hold a cache, the in-memory cache is used
// (the default directory is a convenience, not a requirement).
func sharedCache(dir string) wazero.CompilationCache {
	sharedCacheMu.Lock()
	defer sharedCacheMu.Unlock()
	if c, ok := sharedCaches[dir]; ok {
		return c
	}
	var c wazero.CompilationCache
	if dir != "" {
		if fc, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
			c = fc
		} else if mc, ok := sharedCaches[""]; ok {
			c = mc
		}
	}
	if c == nil {
		c = wazero.NewCompilationCache()
	}
	sharedCaches[dir] = c
	return c
}

// New creates a replica with no canisters.
func New(opts ...Option) (*Replica, error) {
	cfg := config{start: time.Now(), timeout: DefaultExecutionTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	var cache wazero.CompilationCache
	r := &Replica{}
	switch {
	case !cfg.cacheDirSet:
		cache = sharedCache(DefaultCompilationCacheDir())
	case cfg.cacheDir == "":
		cache = sharedCache("")
	default:
		c, err := wazero.NewCompilationCacheWithDir(cfg.cacheDir)
		if err != nil {
			return nil, fmt.Errorf("replica: compilation cache: %w", err)
		}
		cache, r.cache = c, c
	}
	ctx := context.Background()
	rc := wazero.NewRuntimeConfig().
		WithCompilationCache(cache).
		WithCloseOnContextDone(cfg.timeout > 0). // the optional backstop (WithExecutionTimeout)
		WithMemoryLimitPages(MaxWasmMemory / wasmPageSize).
		WithCoreFeatures(api.CoreFeaturesV2)
	r.rt = wazero.NewRuntimeWithConfig(ctx, rc)
	r.heaps = map[api.Module]instanceMemory{}
	r.funcs = map[api.Module]map[string]api.Function{}
	if err := r.instantiateMeter(ctx); err != nil {
		r.rt.Close(ctx)
		return nil, fmt.Errorf("replica: metering host module: %w", err)
	}
	if err := instantiateIC0(ctx, r.rt); err != nil {
		r.rt.Close(ctx)
		return nil, fmt.Errorf("replica: ic0 host module: %w", err)
	}
	r.modules = map[moduleKey]*codeModule{}
	r.compiling = map[moduleKey]*compileJob{}
	r.stableLimits = [3]uint64{maxStableAccessMessage, maxStableAccessInstall, maxStableAccessQuery}
	r.canisters = map[CanisterID]*canister{}
	// The first id PocketIC hands out on its application subnet:
	// lxzze-o7777-77777-aaaaa-cai.
	r.nextIndex = firstCanisterIndex
	r.now = uint64(cfg.start.UnixNano())
	r.timeout = cfg.timeout
	r.logOut = cfg.logOut
	r.randSeed = cfg.seed
	r.subnetID = defaultSubnetID()
	r.sched.init(cfg.sched, cfg.seed, &r.now)
	r.meter = cfg.meter
	r.meter.limits = r.meter.limits.withDefaults()
	return r, nil
}

// firstCanisterIndex makes the first canister id ffffffff_ffe00000_0101
// (lxzze-o7777-77777-aaaaa-cai), the start of PocketIC's application
// subnet range, so ids look like those of PocketIC tests.
const firstCanisterIndex = 0xffffffff_ffe00000

// ErrClosed is returned by every method after Close.
var ErrClosed = errors.New("replica: closed")

// ErrCanisterNotFound is returned for an id the replica does not host.
var ErrCanisterNotFound = errors.New("replica: canister not found")

// Close releases the replica's resources (compiled code, instances).
func (r *Replica) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	err := r.rt.Close(context.Background())
	// Release the compiled code: the compilation cache is shared by the
	// replicas of the process, and keeps a module until each replica that
	// compiled it closes it (a process that makes replica after replica,
	// as the compat matrix does, would otherwise keep them all).
	for _, cm := range r.modules {
		if cm.compiled != nil {
			cm.compiled.Close(context.Background())
		}
		if cm.memory != nil {
			cm.memory.Close(context.Background())
		}
	}
	r.modules = nil
	for inst, im := range r.heaps { // after every instance is closed
		delete(r.heaps, inst)
		if im.h.buf != nil {
			im.h.free()
		}
	}
	if r.cache != nil {
		if cerr := r.cache.Close(context.Background()); err == nil {
			err = cerr
		}
	}
	return err
}

// Time returns the replica's clock: the ic0.time of the next execution.
// With WithWallClock that is at least the wall time, which the next round
// moves the clock to.
func (r *Replica) Time() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w := time.Now().UnixNano(); r.sched.cfg.wallClock && w > 0 && uint64(w) > r.now {
		return time.Unix(0, w)
	}
	return time.Unix(0, int64(r.now))
}

// AdvanceTime moves the clock forward by d (d < 0 is an error: IC time
// never goes backwards, spec "System time").
func (r *Replica) AdvanceTime(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("replica: AdvanceTime(%v): time cannot go backwards", d)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now += uint64(d)
	return nil
}

// SetTime sets the clock to t, which must not be before Time().
func (r *Replica) SetTime(t time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ns := t.UnixNano()
	if ns < 0 || uint64(ns) < r.now {
		return fmt.Errorf("replica: SetTime(%v): before the current time %v; IC time never goes backwards", t, time.Unix(0, int64(r.now)))
	}
	r.now = uint64(ns)
	return nil
}

// rootKeyBytes returns the replica's DER root key. Callers hold r.mu.
func (r *Replica) rootKeyBytes() []byte {
	if r.rootKey == nil {
		r.rootKey = rootKeyDER(r.randSeed)
	}
	return r.rootKey
}

// tick returns the timestamp of a new execution and advances the clock.
func (r *Replica) tick() uint64 {
	t := r.now
	r.now++
	return t
}

// CanisterOption configures CreateCanister (the canister's settings).
type CanisterOption func(*canister)

// WithControllers sets the canister's controllers (default: the anonymous
// principal, the default sender, as in PocketIC). At most 10.
func WithControllers(principals ...principal.Principal) CanisterOption {
	return func(c *canister) { c.controllers = principalBytes(principals) }
}

// principalBytes converts principals to the raw form the replica keeps.
func principalBytes(ps []principal.Principal) [][]byte {
	out := make([][]byte, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Bytes())
	}
	return out
}

// WithCycles sets the initial cycle balance (default DefaultCycles).
func WithCycles(n uint64) CanisterOption { return func(c *canister) { c.cycles = u128{lo: n} } }

// WithWasmMemoryLimit sets the wasm_memory_limit setting in bytes (default
// DefaultWasmMemoryLimit; at most MaxWasmMemory; 0: no limit): an update,
// canister_init or canister_post_upgrade that grows the Wasm memory past
// it traps (IC0539); queries, callbacks, timers, heartbeats and
// canister_pre_upgrade may exceed it.
func WithWasmMemoryLimit(bytes uint64) CanisterOption {
	return func(c *canister) { c.wasmMemoryLimit = bytes }
}

// WithLogMemoryLimit sets the log_memory_limit setting: how many bytes of
// messages the canister log keeps (default 4 KiB, as on the IC; the
// replica honours at most 1 MiB).
func WithLogMemoryLimit(bytes uint64) CanisterOption {
	return func(c *canister) { c.logs.limit = bytes }
}

// WithEnvVars sets the canister's environment variables (ic0.env_var_*).
// At most 20, names and values at most 128 bytes (spec "Overview of imports").
func WithEnvVars(vars map[string]string) CanisterOption {
	return func(c *canister) {
		c.envVars = c.envVars[:0]
		for k, v := range vars {
			c.envVars = append(c.envVars, envVar{k, v})
		}
		sort.Slice(c.envVars, func(i, j int) bool { return c.envVars[i].name < c.envVars[j].name })
	}
}

// Limits on settings ().
const (
	maxControllers = 10
	maxEnvVars     = 20
	maxEnvVarLen   = 128
)

// CreateCanister creates an empty canister and returns its id. Ids are
// allocated in order from lxzze-o7777-77777-aaaaa-cai.
func (r *Replica) CreateCanister(opts ...CanisterOption) (CanisterID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, err := r.createCanister(opts...)
	if err == nil {
		r.recordChange(r.canisters[id], principal.Anonymous.Bytes(), creationChange(r.canisters[id]))
	}
	return id, err
}

// createCanister is CreateCanister with r.mu held (management.go).
func (r *Replica) createCanister(opts ...CanisterOption) (CanisterID, error) {
	if r.closed {
		return CanisterID{}, ErrClosed
	}
	c := &canister{
		controllers:     [][]byte{principal.Anonymous.Bytes()},
		cycles:          u128{lo: DefaultCycles},
		wasmMemoryLimit: DefaultWasmMemoryLimit,
	}
	for _, o := range opts {
		o(c)
	}
	if len(c.controllers) > maxControllers {
		return CanisterID{}, fmt.Errorf("replica: %d controllers; at most %d", len(c.controllers), maxControllers)
	}
	for _, p := range c.controllers {
		if len(p) > maxPrincipalLen {
			return CanisterID{}, fmt.Errorf("replica: controller of %d bytes is not a principal", len(p))
		}
	}
	if c.wasmMemoryLimit > MaxWasmMemory {
		return CanisterID{}, fmt.Errorf("replica: wasm_memory_limit %d: must be at most %d (0: no limit)", c.wasmMemoryLimit, uint64(MaxWasmMemory))
	}
	if len(c.envVars) > maxEnvVars {
		return CanisterID{}, fmt.Errorf("replica: %d environment variables; at most %d", len(c.envVars), maxEnvVars)
	}
	for _, v := range c.envVars {
		if len(v.name) > maxEnvVarLen || len(v.value) > maxEnvVarLen {
			return CanisterID{}, fmt.Errorf("replica: environment variable %q: name and value must be at most %d bytes", v.name, maxEnvVarLen)
		}
	}
	c.id = canisterIDFromIndex(r.nextIndex)
	r.nextIndex++
	r.canisters[c.id] = c
	return c.id, nil
}

func (r *Replica) lookup(id CanisterID) (*canister, error) {
	if r.closed {
		return nil, ErrClosed
	}
	c, ok := r.canisters[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrCanisterNotFound, id)
	}
	return c, nil
}

// CyclesBalance returns a canister's cycle balance (low 64 bits; balances
// above 2^64 are not reachable yet).
func (r *Replica) CyclesBalance(id CanisterID) (uint64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.lookup(id)
	if err != nil {
		return 0, err
	}
	return c.cycles.lo, nil
}
