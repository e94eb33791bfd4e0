package replica

import (
	"fmt"
	"slices"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica/internal/instrument"
	"github.com/icgo/icgo/replica/internal/stablemem"
)

// The canister lifecycle (spec "IC method install_code"; IC interface spec, management
// canister: install_code, uninstall_code, start_canister, stop_canister,
// delete_canister, update_settings, canister_status). The Go methods here
// are the single implementation: the management canister's methods call
// the unexported forms (installCode, uninstall, stop, start, deleteCanister,
// setControllers, statusOf) with the calling canister as sender.

// CanisterStatus is a canister's run status (ic0.canister_status).
type CanisterStatus int

// Run statuses.
const (
	StatusRunning  CanisterStatus = 1
	StatusStopping CanisterStatus = 2
	StatusStopped  CanisterStatus = 3
)

func (s CanisterStatus) String() string {
	switch s {
	case StatusRunning:
		return "running"
	case StatusStopping:
		return "stopping"
	case StatusStopped:
		return "stopped"
	}
	return fmt.Sprintf("CanisterStatus(%d)", int(s))
}

func (c *canister) runStatus() CanisterStatus {
	if c.status == 0 {
		return StatusRunning
	}
	return c.status
}

// Error codes of lifecycle rejects (dfinity/ic ErrorCode).
const (
	ErrCodeCanisterStopped           = "IC0508"
	ErrCodeCanisterStopping          = "IC0509"
	ErrCodeCanisterNotStopped        = "IC0510"
	ErrCodeCanisterStoppingCancelled = "IC0511"
	ErrCodeCanisterInvalidController = "IC0512"
)

// InstallMode is install_code's mode.
type InstallMode int

// Install modes.
const (
	ModeInstall InstallMode = iota
	ModeReinstall
	ModeUpgrade
)

func (m InstallMode) String() string {
	switch m {
	case ModeInstall:
		return "install"
	case ModeReinstall:
		return "reinstall"
	case ModeUpgrade:
		return "upgrade"
	}
	return fmt.Sprintf("InstallMode(%d)", int(m))
}

// SkipPreUpgrade makes Upgrade skip the old code's canister_pre_upgrade
// (install_code's upgrade option skip_pre_upgrade).
func SkipPreUpgrade() CallOption { return func(c *callConfig) { c.skipPreUpgrade = true } }

// Upgrade replaces a canister's code and keeps its stable memory
// (install_code with mode upgrade, spec "IC method install_code"): canister_pre_upgrade
// runs on the old instance (context G; skipped with SkipPreUpgrade), then a
// fresh instance of the new module runs its (start) function (context s)
// and canister_post_upgrade (context I) with arg. The Wasm heap and
// globals are replaced; stable memory is kept; the global timer is
// disarmed (spec "Global timer"). The three steps share the install instruction
// limit and are atomic: if any traps, the canister is left exactly as it
// was (module, heap, globals, stable memory, timer, cycles) and the trap
// is returned as a *Reject. The sender (WithCaller) must be a controller.
func (r *Replica) Upgrade(id CanisterID, wasmModule, arg []byte, opts ...CallOption) error {
	return r.installCall(id, opts, func(c *canister, cfg callConfig) error {
		return r.installCode(c, ModeUpgrade, wasmModule, arg, cfg.caller, cfg.skipPreUpgrade)
	})
}

// installCall is lifecycleCall for an install: while the module compiles
// (without r.mu, module.go), it waits and tries again.
func (r *Replica) installCall(id CanisterID, opts []CallOption, fn func(*canister, callConfig) error) error {
	for {
		err := r.lifecycleCall(id, opts, fn)
		if !waitCompiling(err) {
			return err
		}
	}
}

// Uninstall removes a canister's code and state (uninstall_code): it
// becomes empty (no module, heap or stable memory; the timer is disarmed
// and certified data cleared), its open call contexts are rejected, and its
// version increments. Cycles and settings stay.
func (r *Replica) Uninstall(id CanisterID, opts ...CallOption) error {
	return r.lifecycleCall(id, opts, func(c *canister, cfg callConfig) error { return r.uninstall(c, cfg.caller) })
}

// Stop stops a canister (stop_canister): it rejects new calls from now on.
// It is stopped at once when it has no open call contexts, and stopping
// until the last one closes otherwise (heartbeats and timers do not run
// meanwhile).
func (r *Replica) Stop(id CanisterID, opts ...CallOption) error {
	return r.lifecycleCall(id, opts, func(c *canister, cfg callConfig) error { r.stop(c); return nil })
}

// Start makes a stopped or stopping canister running again
// (start_canister).
func (r *Replica) Start(id CanisterID, opts ...CallOption) error {
	return r.lifecycleCall(id, opts, func(c *canister, cfg callConfig) error { r.start(c); return nil })
}

// Delete deletes a stopped canister (delete_canister), with its cycles.
// A canister that is not stopped is an IC0510 reject.
func (r *Replica) Delete(id CanisterID, opts ...CallOption) error {
	return r.lifecycleCall(id, opts, func(c *canister, cfg callConfig) error { return r.deleteCanister(c) })
}

// SetControllers replaces the canister's controllers (update_settings with
// controllers; at most 10). The sender must be a current controller.
func (r *Replica) SetControllers(id CanisterID, controllers []principal.Principal, opts ...CallOption) error {
	return r.lifecycleCall(id, opts, func(c *canister, cfg callConfig) error {
		return r.setControllers(c, principalBytes(controllers), cfg.caller)
	})
}

// CanisterInfo is a canister's status (canister_status).
type CanisterInfo struct {
	Status      CanisterStatus
	ModuleHash  []byte                // SHA-256 of the uncompressed module; nil when empty
	Controllers []principal.Principal // in the order they were set
	// MemorySize is the canister's memory in bytes: Wasm memory, stable
	// memory and the (uncompressed) module.
	MemorySize      uint64
	Cycles          uint64 // low 64 bits of the balance
	Version         uint64 // canister_version
	WasmMemoryLimit uint64
}

// Status returns the canister's status. Unlike the management canister's
// canister_status, it does not check that the sender is a controller.
func (r *Replica) Status(id CanisterID) (*CanisterInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.lookup(id)
	if err != nil {
		return nil, err
	}
	return r.statusOf(c), nil
}

// LastInstructions returns the instructions of the canister's most recent
// execution (an install or upgrade as a whole: (start), canister_init or
// pre_upgrade and post_upgrade together; or one message or callback).
func (r *Replica) LastInstructions(id CanisterID) (uint64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.lookup(id)
	if err != nil {
		return 0, err
	}
	return c.lastInstructions, nil
}

// lifecycleCall runs a lifecycle operation for a controller.
func (r *Replica) lifecycleCall(id CanisterID, opts []CallOption, fn func(*canister, callConfig) error) error {
	cfg, err := callConfigOf(opts)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.lookup(id)
	if err != nil {
		return err
	}
	if rej := checkController(c, cfg.caller); rej != nil {
		return rej
	}
	return fn(c, cfg)
}

// checkController returns the reject for a sender that is not a controller
// of c (IC0512), or nil.
func checkController(c *canister, sender []byte) *Reject {
	if isController(c, sender) {
		return nil
	}
	return &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterInvalidController,
		Message: fmt.Sprintf("only the controllers of canister %s can control it; sender %s is not one", c.id, principalText(sender))}
}

func isController(c *canister, p []byte) bool {
	return slices.ContainsFunc(c.controllers, func(ctl []byte) bool { return string(ctl) == string(p) })
}

// statusOf is canister_status.
func (r *Replica) statusOf(c *canister) *CanisterInfo {
	info := &CanisterInfo{
		Status:          c.runStatus(),
		Cycles:          c.cycles.lo,
		Version:         c.version,
		WasmMemoryLimit: c.wasmMemoryLimit,
	}
	for _, p := range c.controllers {
		info.Controllers = append(info.Controllers, principal.FromBytes(p))
	}
	if c.code != nil {
		info.ModuleHash = append([]byte{}, c.code.key.hash[:]...)
		info.MemorySize = uint64(memoryPages(memoryOf(c.inst)))*wasmPageSize + c.stable.Size()*stablemem.PageSize + uint64(c.code.rawSize)
	}
	return info
}

// callReject returns the reject for a new call to c when c does not accept
// calls (stopping or stopped: IC0509 / IC0508, CANISTER_ERROR), else nil.
// The scheduler's callRejectFor delegates to it.
func (c *canister) callReject() *Reject {
	switch c.runStatus() {
	case StatusStopping:
		return &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterStopping, Message: fmt.Sprintf("canister %s is stopping", c.id)}
	case StatusStopped:
		return &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterStopped, Message: fmt.Sprintf("canister %s is stopped", c.id)}
	}
	return nil
}

// stop is stop_canister.
func (r *Replica) stop(c *canister) {
	if c.runStatus() != StatusRunning {
		return
	}
	c.status = StatusStopping
	r.finishStopping(c)
}

// finishStopping makes a stopping canister stopped once it has no open call
// context. The call-context code calls it whenever a context of a stopping
// canister closes.
func (r *Replica) finishStopping(c *canister) {
	if c.runStatus() == StatusStopping && !r.hasOpenCallContexts(c) {
		c.status = StatusStopped
		r.answerStops(c, emptyReply, nil)
	}
}

// start is start_canister. The stop_canister calls still waiting for a
// stopping canister are rejected (IC interface specification, "IC method
// start_canister").
func (r *Replica) start(c *canister) {
	c.status = StatusRunning
	r.answerStops(c, nil, &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterStoppingCancelled,
		Message: fmt.Sprintf("stop_canister of canister %s was cancelled by start_canister", c.id)})
}

// answerStops responds to the stop_canister requests waiting for c
// (management.go).
func (r *Replica) answerStops(c *canister, reply []byte, rej *Reject) {
	waiting := r.sched.mgmt.stops[c.id]
	delete(r.sched.mgmt.stops, c.id)
	for _, m := range waiting {
		r.replyToRequest(m, reply, rej, m.cycles)
	}
}

// deleteCanister is delete_canister.
func (r *Replica) deleteCanister(c *canister) error {
	if c.runStatus() != StatusStopped {
		return &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterNotStopped,
			Message: fmt.Sprintf("canister %s must be stopped before it is deleted", c.id)}
	}
	r.rejectCallContexts(c, fmt.Sprintf("canister %s has been deleted", c.id))
	if c.inst != nil {
		r.closeInstance(c.inst)
	}
	r.releaseModule(c.code)
	c.code, c.inst = nil, nil
	r.dropSnapshots(c)
	delete(r.canisters, c.id)
	return nil
}

// setControllers is update_settings' controllers.
func (r *Replica) setControllers(c *canister, controllers [][]byte, sender []byte) error {
	if len(controllers) > maxControllers {
		return &Reject{Code: CanisterReject, ErrorCode: ErrCodeInvalidManagementPayload, Message: fmt.Sprintf("%d controllers; at most %d", len(controllers), maxControllers)}
	}
	var ctls [][]byte
	for _, p := range controllers {
		if len(p) > maxPrincipalLen {
			return &Reject{Code: CanisterReject, ErrorCode: ErrCodeInvalidManagementPayload, Message: fmt.Sprintf("a controller of %d bytes is not a principal", len(p))}
		}
		ctls = append(ctls, append([]byte{}, p...))
	}
	c.controllers = ctls
	c.version++
	r.recordChange(c, sender, controllersChange(c))
	return nil
}

// uninstall is uninstall_code.
func (r *Replica) uninstall(c *canister, sender []byte) error {
	r.rejectCallContexts(c, fmt.Sprintf("canister %s has been uninstalled", c.id))
	if c.inst != nil {
		r.closeInstance(c.inst)
	}
	r.releaseModule(c.code)
	c.code, c.inst, c.globals, c.stable = nil, nil, nil, nil
	c.snap = heapSnapshot{}
	c.certifiedData, c.timer = nil, 0
	c.logs.purgeBefore(c.logs.next)
	c.version++
	r.recordChange(c, sender, cvVariant("code_uninstall", cvNull()))
	return nil
}

// installCode is install_code (spec "IC method install_code"), the single implementation
// behind Install, Reinstall, Upgrade and the management canister. It runs
// everything as one execution under the install instruction limit, and
// changes the canister only if nothing traps. The caller holds r.mu and
// has checked that sender is a controller.
func (r *Replica) installCode(c *canister, mode InstallMode, wasmModule, arg, sender []byte, skipPreUpgrade bool) error {
	switch {
	case mode == ModeInstall && c.code != nil:
		return &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterAlreadyInstalled, Message: fmt.Sprintf("canister %s is already installed", c.id)}
	case mode == ModeUpgrade && c.code == nil:
		return &Reject{Code: CanisterError, ErrorCode: ErrCodeCanisterWasmModuleNotFound,
			Message: fmt.Sprintf("canister %s contains no Wasm module to upgrade", c.id)}
	}
	cm, err := r.loadModule(wasmModule, MaxWasmMemory) // wasm_memory_limit: execution.go, memoryLimitTrap
	if err != nil {
		return err // a *Reject, or a *compilingError: retry without r.mu
	}

	logMark := c.logs.next // a reinstall purges the log before it
	stable := &stablemem.Memory{}
	if mode == ModeUpgrade {
		stable = c.stable // kept; the execution works on a transaction
	}
	e := &execution{
		r: r, c: c, ctx: ctxS, time: r.tick(), caller: sender, arg: arg,
		stable: stable.Begin(), cycles: c.cycles,
	}
	if mode == ModeUpgrade {
		e.certifiedData = c.certifiedData
	}

	// pre_upgrade on the old instance. Its heap is snapshotted first, so
	// that a later failure can put it back.
	oldTouched := false
	restoreOld := func(trapped bool) error {
		if !oldTouched {
			return nil
		}
		return r.rollback(c, trapped)
	}
	if mode == ModeUpgrade && !skipPreUpgrade && c.code.exports["canister_pre_upgrade"] {
		if err := r.takeSnapshot(&c.snap, c.inst, c.globals); err != nil {
			return err
		}
		oldTouched = true
		e.inst, e.ctx, e.entry = c.inst, ctxG, "canister_pre_upgrade"
		if trap := e.run("canister_pre_upgrade"); trap != nil {
			if err := restoreOld(true); err != nil {
				return err
			}
			return upgradeReject(c, "canister_pre_upgrade", trap)
		}
	}
	// install_code disarms the global timer (spec "Global timer"); post_upgrade
	// or canister_init may arm it again.
	e.timer = 0

	inst, globals, err := r.instantiate(cm, nil)
	if err != nil {
		if rerr := restoreOld(false); rerr != nil {
			return rerr
		}
		return invalidWasm("%v", err)
	}
	e.inst = inst
	var trap *trapError
	step := ""
	if cm.hasStart {
		e.ctx, e.entry, step = ctxS, "", "the (start) function"
		trap = e.run(instrument.StartExport)
	}
	initExport := "canister_init"
	if mode == ModeUpgrade {
		initExport = "canister_post_upgrade"
	}
	if trap == nil && cm.exports[initExport] {
		e.ctx, e.entry, step = ctxI, initExport, initExport
		trap = e.run(initExport)
	}
	if trap == nil { // a module whose initial memory is above the limit
		e.ctx = ctxI
		trap = e.memoryLimitTrap()
	}
	if trap != nil {
		r.closeInstance(inst)
		if err := restoreOld(false); err != nil {
			return err
		}
		if mode == ModeUpgrade {
			return upgradeReject(c, step, trap)
		}
		return rejectOf(trap)
	}

	// Commit.
	if err := r.commitHeap(inst); err != nil { // from here on, messages are rolled back to this state
		r.closeInstance(inst)
		if rerr := restoreOld(false); rerr != nil {
			return rerr
		}
		return err
	}
	if mode == ModeReinstall && c.code != nil {
		r.rejectCallContexts(c, fmt.Sprintf("canister %s has been reinstalled", c.id))
	}
	if mode == ModeReinstall {
		c.logs.purgeBefore(logMark)
	}
	if c.inst != nil {
		r.closeInstance(c.inst)
	}
	e.stable.Commit()
	if mode == ModeUpgrade {
		r.warnBreakingUpgrade(c, c.code.service, cm.service)
	}
	r.useModule(cm)
	r.releaseModule(c.code)
	c.code, c.inst, c.globals, c.stable = cm, inst, globals, stable
	c.snap = heapSnapshot{}
	c.cycles, c.certifiedData, c.timer = e.cycles, e.certifiedData, e.timer
	c.lastInstructions = e.instructionsUsed()
	c.version++
	r.recordChange(c, sender, deploymentChange(mode, cm.key.hash))
	return nil
}

// upgradeReject is the reject for an upgrade step that trapped; the
// canister keeps its old code and state.
func upgradeReject(c *canister, step string, t *trapError) *Reject {
	rej := rejectOf(t)
	rej.Message = fmt.Sprintf("upgrade of canister %s failed in %s, the canister keeps its previous code and state: %s", c.id, step, rej.Message)
	return rej
}

// warnBreakingUpgrade writes to the log output a warning for each method
// whose new Candid type breaks the old interface's callers (a removed
// method, or a type that is not a subtype of the old one), as DFINITY's
// tools check before an upgrade. The upgrade itself goes ahead, as on the
// IC, which does not check interfaces.
func (r *Replica) warnBreakingUpgrade(c *canister, oldDid, newDid string) {
	if r.logOut == nil || oldDid == "" || newDid == "" {
		return
	}
	oldSvc, err1 := candidtext.ParseDID(oldDid)
	newSvc, err2 := candidtext.ParseDID(newDid)
	if err1 != nil || err2 != nil {
		return
	}
	for _, b := range candidtext.UpgradeBreaks(oldSvc, newSvc) {
		fmt.Fprintf(r.logOut, "[%s] warning: the upgrade's Candid interface breaks callers: %s\n", c.id, b)
	}
}
