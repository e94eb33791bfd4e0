package replica

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/replica/internal/stablemem"
	"github.com/tetratelabs/wazero/api"
)

// Saving and loading a replica's state, so that a local network (icgo
// serve -state) keeps its canisters across restarts.
//
// What is saved: every canister's id, settings, cycles, version, status,
// certified data, global timer, code (the module as installed), Wasm
// memory, mutable globals and stable memory; the management canister's
// chunk stores and stored settings; the next canister id and the clock.
// What is not: canister logs, the ingress history (the HTTP layer keeps
// its own), the compiled-module cache, and in-flight calls: SaveState
// first runs rounds until no call is in flight, and fails if some remain.

// stateVersion changes whenever the saved layout does.
const stateVersion = 1

type savedState struct {
	Version      int
	Now          uint64
	NextIndex    uint64
	NextSnapshot uint64
	Canisters    []savedCanister
}

type savedCanister struct {
	ID              []byte
	Controllers     [][]byte
	WasmMemoryLimit uint64
	EnvVars         [][2]string
	CyclesHi        uint64
	CyclesLo        uint64
	Version         uint64
	CertifiedData   []byte
	Timer           uint64
	Status          CanisterStatus
	Module          []byte // nil: empty canister
	HeapPages       uint32
	Heap            []byte
	Globals         []uint64
	StablePages     uint64
	Stable          map[uint64][]byte
	Chunks          map[[32]byte][]byte
	Settings        savedSettings
	Snapshots       []savedSnapshot
	History         []savedChange
	TotalChanges    uint64
}

// savedChange is a canisterChange, its details Candid-encoded.
type savedChange struct {
	Time, Version uint64
	Origin        []byte
	FromCanister  bool
	Details       []byte
}

// savedSnapshot is a canisterSnapshot (snapshot.go).
type savedSnapshot struct {
	ID, Module, Heap, Certified []byte
	Taken, Timer, StablePages   uint64
	Version                     uint64
	HeapPages                   uint32
	Globals                     []uint64
	GlobalTypes                 []byte // api.ValueType of each global
	Stable                      map[uint64][]byte
	LowMemory                   uint8
	Chunks                      map[[32]byte][]byte
	// An uploaded snapshot keeps its module's bytes, uncompiled.
	Uploaded, TimerSet, LowMemorySet bool
}

type savedSettings struct {
	ComputeAllocation, MemoryAllocation, FreezingThreshold, ReservedCyclesLimit uint64
	MinIncomingCallCycles, LogMemoryLimit, WasmMemoryThreshold                  uint64
	// Visibilities, Candid-encoded (nil: the default).
	LogVisibility, SnapshotVisibility, StatusVisibility []byte
}

// quiesceRounds bounds the rounds SaveState runs to finish in-flight calls.
const quiesceRounds = 1000

// SaveState writes the replica's state to w (see the list above).
func (r *Replica) SaveState(w io.Writer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	for i := 0; r.inFlight(); i++ {
		if i == quiesceRounds {
			return fmt.Errorf("replica: cannot save the state: calls are still in flight after %d rounds", quiesceRounds)
		}
		if err := r.runRound(); err != nil {
			return err
		}
	}
	st := savedState{Version: stateVersion, Now: r.now, NextIndex: r.nextIndex, NextSnapshot: r.nextSnapshot}
	for _, c := range r.sortedCanisters() {
		sc, err := r.saveCanister(c)
		if err != nil {
			return err
		}
		st.Canisters = append(st.Canisters, sc)
	}
	return gob.NewEncoder(w).Encode(&st)
}

func (r *Replica) inFlight() bool {
	return len(r.sched.queue) > 0 || len(r.sched.later) > 0 || len(r.sched.contexts) > 0
}

func (r *Replica) saveCanister(c *canister) (savedCanister, error) {
	sc := savedCanister{
		ID: []byte(c.id.raw), Controllers: c.controllers, WasmMemoryLimit: c.wasmMemoryLimit,
		CyclesHi: c.cycles.hi, CyclesLo: c.cycles.lo, Version: c.version, CertifiedData: c.certifiedData,
		Timer: c.timer, Status: c.status, Chunks: r.sched.mgmt.chunks[c.id],
	}
	for _, v := range c.envVars {
		sc.EnvVars = append(sc.EnvVars, [2]string{v.name, v.value})
	}
	if c.code != nil {
		sc.Module = c.code.src
		sc.HeapPages, sc.Heap, sc.Globals = instanceState(c.inst, c.globals)
		sc.StablePages, sc.Stable = c.stable.Export()
	}
	sc.TotalChanges = c.totalChanges
	for _, ch := range c.history {
		d, err := candidtext.Encode([]candidtext.Value{ch.details}, []*candidtext.Type{mgmtType("change_details")})
		if err != nil {
			return sc, fmt.Errorf("replica: saving the history of %s: %w", c.id, err)
		}
		sc.History = append(sc.History, savedChange{Time: ch.time, Version: ch.version, Origin: ch.origin, FromCanister: ch.fromCanister, Details: d})
	}
	for _, s := range c.snapshots {
		sc.Snapshots = append(sc.Snapshots, savedSnapshot{ID: s.id, Module: s.moduleBytes(), Uploaded: s.uploaded, TimerSet: s.timerSet, LowMemorySet: s.lowMemorySet, Heap: s.heap, Certified: s.certified,
			Taken: s.taken, Version: s.version, Timer: s.timer, StablePages: s.stablePages, HeapPages: s.pages, Globals: s.globals, GlobalTypes: s.globalTypes,
			Stable: s.stable, LowMemory: uint8(s.lowMemory), Chunks: s.chunks})
	}
	if s, ok := r.sched.mgmt.settings[c.id]; ok {
		vis := func(v *candidtext.Value) ([]byte, error) {
			if v == nil {
				return nil, nil
			}
			return candidtext.Encode([]candidtext.Value{*v}, []*candidtext.Type{mgmtType("log_visibility")})
		}
		var errs [3]error
		sc.Settings = savedSettings{
			ComputeAllocation: s.computeAllocation, MemoryAllocation: s.memoryAllocation,
			FreezingThreshold: s.freezingThreshold, ReservedCyclesLimit: s.reservedCyclesLimit,
			MinIncomingCallCycles: s.minIncomingCallCycles, LogMemoryLimit: s.logMemoryLimit,
			WasmMemoryThreshold: s.wasmMemoryThreshold,
		}
		sc.Settings.LogVisibility, errs[0] = vis(s.logVisibility)
		sc.Settings.SnapshotVisibility, errs[1] = vis(s.snapshotVisibility)
		sc.Settings.StatusVisibility, errs[2] = vis(s.statusVisibility)
		if err := errors.Join(errs[:]...); err != nil {
			return sc, fmt.Errorf("replica: saving the settings of %s: %w", c.id, err)
		}
	} else {
		sc.Settings.FreezingThreshold = 1<<64 - 1 // marks "never set": defaults on load
	}
	return sc, nil
}

// LoadState loads a state SaveState wrote into r, which must have no
// canisters yet. The clock becomes the later of r's and the saved one (IC
// time never goes backwards). Each canister's module is compiled again.
func (r *Replica) LoadState(rd io.Reader) error {
	var st savedState
	if err := gob.NewDecoder(rd).Decode(&st); err != nil {
		return fmt.Errorf("replica: reading the saved state: %w", err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("replica: the saved state has version %d; this replica reads version %d (start from an empty state directory)", st.Version, stateVersion)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	if len(r.canisters) != 0 {
		return errors.New("replica: LoadState needs a replica without canisters")
	}
	for _, sc := range st.Canisters {
		if err := r.loadCanister(&sc); err != nil {
			return fmt.Errorf("replica: loading canister %s: %w", principalText(sc.ID), err)
		}
	}
	r.nextIndex = max(r.nextIndex, st.NextIndex)
	r.nextSnapshot = max(r.nextSnapshot, st.NextSnapshot)
	r.now = max(r.now, st.Now)
	return nil
}

func (r *Replica) loadCanister(sc *savedCanister) error {
	id, err := CanisterIDFromBytes(sc.ID)
	if err != nil {
		return err
	}
	if _, native := r.native[id]; native {
		return fmt.Errorf("its id is hosted natively (HostNative)")
	}
	c := &canister{id: id, controllers: sc.Controllers, wasmMemoryLimit: sc.WasmMemoryLimit,
		cycles: u128{hi: sc.CyclesHi, lo: sc.CyclesLo}, version: sc.Version, certifiedData: sc.CertifiedData,
		timer: sc.Timer, status: sc.Status}
	for _, v := range sc.EnvVars {
		c.envVars = append(c.envVars, envVar{v[0], v[1]})
	}
	if sc.Module != nil {
		cm, err := r.loadModuleNow(sc.Module, MaxWasmMemory)
		if err != nil {
			return err
		}
		inst, globals, err := r.instantiate(cm, nil)
		if err != nil {
			return err
		}
		if err := restoreInstanceState(inst, globals, sc.HeapPages, sc.Heap, sc.Globals); err != nil {
			r.closeInstance(inst)
			return err
		}
		if err := r.commitHeap(inst); err != nil {
			r.closeInstance(inst)
			return err
		}
		stable, err := stablemem.Import(sc.StablePages, sc.Stable)
		if err != nil {
			inst.Close(context.Background())
			return err
		}
		r.useModule(cm)
		c.code, c.inst, c.globals, c.stable = cm, inst, globals, stable
	}
	if sc.Settings.FreezingThreshold != 1<<64-1 {
		s := &storedSettings{
			computeAllocation: sc.Settings.ComputeAllocation, memoryAllocation: sc.Settings.MemoryAllocation,
			freezingThreshold: sc.Settings.FreezingThreshold, reservedCyclesLimit: sc.Settings.ReservedCyclesLimit,
			minIncomingCallCycles: sc.Settings.MinIncomingCallCycles, logMemoryLimit: sc.Settings.LogMemoryLimit,
			wasmMemoryThreshold: sc.Settings.WasmMemoryThreshold,
		}
		for _, f := range []struct {
			b   []byte
			dst **candidtext.Value
		}{{sc.Settings.LogVisibility, &s.logVisibility}, {sc.Settings.SnapshotVisibility, &s.snapshotVisibility}, {sc.Settings.StatusVisibility, &s.statusVisibility}} {
			if f.b == nil {
				continue
			}
			v, err := decodeMgmt(f.b, "log_visibility")
			if err != nil {
				return err
			}
			*f.dst = v
		}
		r.sched.mgmt.settings[id] = s
	}
	if len(sc.Chunks) > 0 {
		r.sched.mgmt.chunks[id] = sc.Chunks
	}
	for _, ss := range sc.Snapshots {
		s := &canisterSnapshot{id: ss.ID, taken: ss.Taken, version: ss.Version, pages: ss.HeapPages, heap: ss.Heap,
			globals: ss.Globals, globalTypes: ss.GlobalTypes, stablePages: ss.StablePages, stable: ss.Stable, certified: ss.Certified, timer: ss.Timer,
			lowMemory: lowMemoryStatus(ss.LowMemory), chunks: ss.Chunks, uploaded: ss.Uploaded, timerSet: ss.TimerSet, lowMemorySet: ss.LowMemorySet}
		if ss.Uploaded {
			s.module = ss.Module
		} else {
			cm, err := r.loadModuleNow(ss.Module, MaxWasmMemory)
			if err != nil {
				return fmt.Errorf("snapshot %x: %w", ss.ID, err)
			}
			r.useModule(cm)
			s.code = cm
		}
		c.snapshots = append(c.snapshots, s)
	}
	c.totalChanges = sc.TotalChanges
	for _, ch := range sc.History {
		d, err := decodeMgmt(ch.Details, "change_details")
		if err != nil {
			return fmt.Errorf("the canister history: %w", err)
		}
		c.history = append(c.history, canisterChange{time: ch.Time, version: ch.Version, origin: ch.Origin, fromCanister: ch.FromCanister, details: *d})
	}
	r.canisters[id] = c
	return nil
}

// instanceState copies an instance's Wasm memory and mutable globals.
func instanceState(inst api.Module, globals []api.Global) (pages uint32, mem []byte, gs []uint64) {
	if m := memoryOf(inst); m != nil {
		pages = memoryPages(m)
		b, _ := m.Read(0, m.Size())
		mem = append([]byte(nil), b...)
	}
	for _, g := range globals {
		gs = append(gs, g.Get())
	}
	return pages, mem, gs
}

// restoreInstanceState puts saved memory and globals into a fresh
// instance of the same module.
func restoreInstanceState(inst api.Module, globals []api.Global, pages uint32, mem []byte, gs []uint64) error {
	if len(gs) != len(globals) || uint64(len(mem)) != uint64(pages)*wasmPageSize {
		return errors.New("the saved memory or globals do not fit the module")
	}
	m := memoryOf(inst)
	if m == nil {
		if pages != 0 {
			return errors.New("the saved memory does not fit the module (it has none)")
		}
	} else {
		if cur := memoryPages(m); cur < pages {
			if _, ok := m.Grow(pages - cur); !ok {
				return fmt.Errorf("growing the memory to %d saved pages", pages)
			}
		}
		if !m.Write(0, mem) {
			return errors.New("writing the saved memory")
		}
	}
	for i, g := range globals {
		g.(api.MutableGlobal).Set(gs[i])
	}
	return nil
}
