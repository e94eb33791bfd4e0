package replica

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/replica/internal/stablemem"
)

// The management canister (aaaaa-aa, spec "The IC management canister"): a virtual canister
// implemented in Go. Canisters call it like any canister (call_new with
// the empty principal as callee); its requests run in the round they are
// delivered, except raw_rand and http_request, whose responses come in a
// later round. Users reach the methods the spec lets them call through
// Update(ManagementCanister, method, candidArg); its canister_status also
// answers Query and composite-query calls. The lifecycle methods use the
// Go implementation of lifecycle.go.

// ManagementCanister is the management canister's id, aaaaa-aa (the empty
// principal).
var ManagementCanister = CanisterID{}

// Wasm chunk store limits (DFINITY's replica: : 1 MiB chunks, 100 chunks per canister).
const (
	maxChunkSize   = 1 << 20
	maxStoreChunks = 100
)

// Settings the replica stores but does not act on, with their defaults
// (DFINITY's replica: : freezing threshold 30 days, reserved cycles limit 5 T).
type storedSettings struct {
	computeAllocation, memoryAllocation uint64
	freezingThreshold                   uint64
	reservedCyclesLimit                 uint64
	minIncomingCallCycles               uint64
	logMemoryLimit                      uint64
	wasmMemoryThreshold                 uint64
	logVisibility                       *candidtext.Value
	snapshotVisibility                  *candidtext.Value
	statusVisibility                    *candidtext.Value
}

func defaultSettings() *storedSettings {
	return &storedSettings{freezingThreshold: 2_592_000, reservedCyclesLimit: 5_000_000_000_000, logMemoryLimit: 4096}
}

type management struct {
	// stops are the stop_canister requests waiting for their canister to
	// stop (lifecycle.go, finishStopping and start).
	stops    map[CanisterID][]*message
	chunks   map[CanisterID]map[[32]byte][]byte
	settings map[CanisterID]*storedSettings
	http     httpState
}

func (m *management) init() {
	m.stops = map[CanisterID][]*message{}
	m.chunks = map[CanisterID]map[[32]byte][]byte{}
	m.settings = map[CanisterID]*storedSettings{}
}

func (m *management) settingsOf(id CanisterID) *storedSettings {
	s, ok := m.settings[id]
	if !ok {
		s = defaultSettings()
		m.settings[id] = s
	}
	return s
}

// mgmtCall is one call to the management canister.
type mgmtCall struct {
	caller       []byte
	fromCanister bool
	method       string
	arg          []byte
	cycles       u128
}

// mgmtResult is its response; refund is the part of the attached cycles
// returned with it; later defers the response to the next round.
type mgmtResult struct {
	reply  []byte
	rej    *Reject
	refund u128
	later  bool
	err    error // an internal replica error: Tick (or the call) fails with it
	// wait defers the request until its module is compiled (module.go):
	// the next round runs it again.
	wait *compileJob
	// outcall is an http_request in flight (http.go): a later round
	// responds.
	outcall *outcallJob
	// stopping is the canister a stop_canister request waits for.
	stopping *canister
}

// canisterOnly lists the methods users cannot call by ingress.
var canisterOnly = map[string]bool{
	"create_canister": true, "raw_rand": true, "canister_info": true, "http_request": true, "deposit_cycles": true,
	"ecdsa_public_key": true, "sign_with_ecdsa": true, "schnorr_public_key": true, "sign_with_schnorr": true,
	"vetkd_public_key": true, "vetkd_derive_key": true,
}

func onlyCanisters(method string) *Reject {
	hint := ""
	if method == "create_canister" {
		hint = "; users create canisters with provisional_create_canister_with_cycles"
	}
	return &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage,
		Message: fmt.Sprintf("management canister method %s can only be called by canisters%s", method, hint)}
}

// managementIngressCheck refuses ingress messages to canister-only methods.
func managementIngressCheck(method string) *Reject {
	if canisterOnly[method] {
		return onlyCanisters(method)
	}
	return nil
}

// manage runs a request to the management canister in a round.
func (r *Replica) manage(m *message) error {
	res := r.mgmtDispatch(&mgmtCall{caller: m.from, fromCanister: m.cb != nil, method: m.method, arg: m.arg, cycles: m.cycles})
	if res.err != nil {
		return res.err
	}
	if res.wait != nil {
		r.sched.compiling = append(r.sched.compiling, deferredMessage{m, res.wait})
		return nil
	}
	if res.stopping != nil {
		r.sched.mgmt.stops[res.stopping.id] = append(r.sched.mgmt.stops[res.stopping.id], m)
		return nil
	}
	if res.outcall != nil {
		res.outcall.cb = m.cb
		r.sched.outcalls = append(r.sched.outcalls, res.outcall)
		return nil
	}
	if res.later && m.cb != nil {
		r.sched.respondLater(m.cb, res.reply, res.rej, res.refund)
		return nil
	}
	r.replyToRequest(m, res.reply, res.rej, res.refund)
	return nil
}

// managementQuery answers a query (or a composite query's call) to the
// management canister: only canister_status is a query method.
func (r *Replica) managementQuery(method string, arg, caller []byte) ([]byte, *Reject) {
	if method == "fetch_canister_logs" {
		return r.fetchCanisterLogs(arg, caller)
	}
	if method != "canister_status" {
		return nil, &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage,
			Message: fmt.Sprintf("management canister method %s cannot be called from a query (only canister_status can)", method)}
	}
	res := r.mgmtDispatch(&mgmtCall{caller: caller, method: method, arg: arg})
	if res.err != nil { // only http_request sets err, and it is not a query method
		return nil, &Reject{Code: SysFatal, Message: res.err.Error()}
	}
	return res.reply, res.rej
}

func (r *Replica) mgmtDispatch(call *mgmtCall) (res mgmtResult) {
	res.refund = call.cycles // unless a method keeps them
	defer func() {
		// Every argument is checked before use (FuzzManagementArgs); this
		// keeps a replica bug from killing the host: the call is rejected
		// and Tick reports the bug.
		if p := recover(); p != nil {
			res = mgmtResult{refund: call.cycles, rej: &Reject{Code: SysFatal,
				Message: fmt.Sprintf("%s: management canister method %s panicked: %v", internalError, call.method, p)}}
		}
	}()
	if canisterOnly[call.method] && !call.fromCanister && call.method != "canister_status" {
		res.rej = onlyCanisters(call.method)
		return res
	}
	var err error
	switch call.method {
	case "raw_rand":
		// raw_rand : () -> (blob): its argument is Candid with no values
		// required (IC interface specification, "IC method raw_rand").
		if _, derr := candidtext.DecodeValues(call.arg, nil); derr != nil {
			res.rej = badArg(call.method, derr)
			return res
		}
		var b [32]byte
		r.sched.rng.Read(b[:])
		res.reply, res.later = encodeMgmt(cvBlob(b[:]), "raw_rand_result"), true
	case "create_canister", "provisional_create_canister_with_cycles":
		res.reply, res.refund, err = r.mgmtCreate(call)
	case "install_code":
		res.reply, err = r.mgmtInstall(call)
	case "install_chunked_code":
		res.reply, err = r.mgmtInstallChunked(call)
	case "uninstall_code":
		res.reply, err = r.mgmtOnCanister(call, "uninstall_code_args", func(c *canister) ([]byte, error) {
			return emptyReply, r.uninstall(c, call.caller)
		})
	case "start_canister":
		res.reply, err = r.mgmtOnCanister(call, "canister_id_args", func(c *canister) ([]byte, error) {
			r.start(c)
			return emptyReply, nil
		})
	case "stop_canister":
		// It responds once the canister is stopped: when its last call
		// context closes (IC interface specification, "IC method
		// stop_canister").
		res.reply, err = r.mgmtOnCanister(call, "canister_id_args", func(c *canister) ([]byte, error) {
			r.stop(c)
			if c.runStatus() == StatusStopping {
				res.stopping = c
			}
			return emptyReply, nil
		})
	case "delete_canister":
		res.reply, err = r.mgmtOnCanister(call, "canister_id_args", func(c *canister) ([]byte, error) {
			if err := r.deleteCanister(c); err != nil {
				return nil, err
			}
			delete(r.sched.mgmt.chunks, c.id)
			delete(r.sched.mgmt.settings, c.id)
			return emptyReply, nil
		})
	case "canister_status":
		res.reply, err = r.mgmtOnCanister(call, "canister_id_args", r.mgmtStatus)
	case "update_settings":
		res.reply, err = r.mgmtUpdateSettings(call)
	case "upload_chunk":
		res.reply, err = r.mgmtUploadChunk(call)
	case "stored_chunks":
		res.reply, err = r.mgmtOnCanister(call, "canister_id_args", func(c *canister) ([]byte, error) {
			var hs [][32]byte
			for h := range r.sched.mgmt.chunks[c.id] {
				hs = append(hs, h)
			}
			sort.Slice(hs, func(i, j int) bool { return bytes.Compare(hs[i][:], hs[j][:]) < 0 })
			var vs []candidtext.Value
			for _, h := range hs {
				vs = append(vs, cvRecord(cvField("hash", cvBlob(h[:]))))
			}
			return encodeMgmtVec(vs), nil
		})
	case "clear_chunk_store":
		res.reply, err = r.mgmtOnCanister(call, "canister_id_args", func(c *canister) ([]byte, error) {
			delete(r.sched.mgmt.chunks, c.id)
			return emptyReply, nil
		})
	case "deposit_cycles":
		v, derr := decodeMgmt(call.arg, "canister_id_args")
		if derr != nil {
			res.rej = badArg(call.method, derr)
			return res
		}
		c, lerr := r.mgmtTarget(v, "canister_id")
		if lerr != nil {
			err = lerr
			break
		}
		c.cycles = addU128(c.cycles, call.cycles)
		res.reply, res.refund = emptyReply, u128{}
	case "provisional_top_up_canister":
		v, derr := decodeMgmt(call.arg, "provisional_top_up_canister_args")
		if derr != nil {
			res.rej = badArg(call.method, derr)
			return res
		}
		c, lerr := r.mgmtTarget(v, "canister_id")
		if lerr != nil {
			err = lerr
			break
		}
		amount, aerr := u128Of(fieldOf(v, "amount"), "amount")
		if aerr != nil {
			res.rej = badArg(call.method, aerr)
			return res
		}
		c.cycles = addU128(c.cycles, amount)
		res.reply = emptyReply
	case "http_request":
		return r.mgmtHTTPRequest(call)
	case "ecdsa_public_key", "sign_with_ecdsa", "schnorr_public_key", "sign_with_schnorr", "vetkd_public_key", "vetkd_derive_key":
		return r.mgmtThreshold(call)
	case "fetch_canister_logs":
		res.rej = logsOnlyByQuery()
		return res
	case "canister_info":
		res.reply, err = r.mgmtCanisterInfo(call)
	case "take_canister_snapshot":
		res.reply, err = r.mgmtTakeSnapshot(call)
	case "load_canister_snapshot":
		res.reply, err = r.mgmtLoadSnapshot(call)
	case "list_canister_snapshots":
		res.reply, err = r.mgmtListSnapshots(call)
	case "delete_canister_snapshot":
		res.reply, err = r.mgmtDeleteSnapshot(call)
	case "read_canister_snapshot_metadata":
		res.reply, err = r.mgmtReadSnapshotMetadata(call)
	case "read_canister_snapshot_data":
		res.reply, err = r.mgmtReadSnapshotData(call)
	case "upload_canister_snapshot_metadata":
		res.reply, err = r.mgmtUploadSnapshotMetadata(call)
	case "upload_canister_snapshot_data":
		res.reply, err = r.mgmtUploadSnapshotData(call)
	default:
		res.rej = &Reject{Code: DestinationInvalid, ErrorCode: ErrCodeMethodNotFound,
			Message: fmt.Sprintf("the management canister has no method %q (or the icgo replica does not implement it)", call.method)}
		return res
	}
	if err != nil {
		res.reply = nil
		var rej *Reject
		var ae *argErr
		var de *candidtext.DecodeError
		var ce *compilingError
		switch {
		case errors.As(err, &ce):
			res.wait, res.refund = ce.job, u128{}
		case errors.As(err, &rej):
			res.rej = rej
		case errors.As(err, &ae), errors.As(err, &de):
			res.rej = badArg(call.method, err)
		default:
			res.rej = &Reject{Code: CanisterError, Message: fmt.Sprintf("management canister: %s: %v", call.method, err)}
		}
	}
	return res
}

func encodeMgmtVec(vs []candidtext.Value) []byte {
	b, err := candidtext.Encode([]candidtext.Value{cvVec(vs...)}, []*candidtext.Type{candidtext.Vec(mgmtType("chunk_hash"))})
	if err != nil {
		panic("replica: encoding a management result: " + err.Error())
	}
	return b
}

// mgmtTarget looks up the canister named by field of a decoded argument.
func (r *Replica) mgmtTarget(v *candidtext.Value, field string) (*canister, error) {
	f, err := needField(v, field)
	if err != nil {
		return nil, err
	}
	p, err := principalOf(f, field)
	if err != nil {
		return nil, err
	}
	c, ok := r.canisters[CanisterID{string(p)}]
	if !ok {
		return nil, &Reject{Code: DestinationInvalid, ErrorCode: ErrCodeCanisterNotFound, Message: fmt.Sprintf("canister %s not found", principalText(p))}
	}
	return c, nil
}

// mgmtOnCanister decodes a record with canister_id, checks that the caller
// controls it and runs fn.
func (r *Replica) mgmtOnCanister(call *mgmtCall, argType string, fn func(*canister) ([]byte, error)) ([]byte, error) {
	c, _, err := r.mgmtControlled(call, argType)
	if err != nil {
		return nil, err
	}
	return fn(c)
}

// mgmtControlled decodes a record of argType whose canister_id the caller
// must control, and returns the canister and the record.
func (r *Replica) mgmtControlled(call *mgmtCall, argType string) (*canister, *candidtext.Value, error) {
	v, err := decodeMgmt(call.arg, argType)
	if err != nil {
		return nil, nil, err
	}
	c, err := r.mgmtTarget(v, "canister_id")
	if err != nil {
		return nil, nil, err
	}
	if rej := checkController(c, call.caller); rej != nil {
		return nil, nil, rej
	}
	return c, v, nil
}

func (r *Replica) mgmtCreate(call *mgmtCall) ([]byte, u128, error) {
	provisional := call.method == "provisional_create_canister_with_cycles"
	argType := "create_canister_args"
	if provisional {
		argType = "provisional_create_canister_with_cycles_args"
	}
	v, err := decodeMgmt(call.arg, argType)
	if err != nil {
		return nil, call.cycles, err
	}
	cycles, refund := u128{lo: DefaultCycles}, call.cycles
	var specified []byte
	if provisional {
		if a := optOf(fieldOf(v, "amount")); a != nil {
			if cycles, err = u128Of(a, "amount"); err != nil {
				return nil, refund, err
			}
		}
		if s := optOf(fieldOf(v, "specified_id")); s != nil {
			if specified, err = principalOf(s, "specified_id"); err != nil {
				return nil, refund, err
			}
			_, native := r.native[CanisterID{string(specified)}]
			if _, taken := r.canisters[CanisterID{string(specified)}]; taken || native || len(specified) == 0 {
				return nil, refund, &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage,
					Message: fmt.Sprintf("specified_id %s is not available", principalText(specified))}
			}
		}
	} else {
		fee := u128{lo: canisterCreationFee}
		if call.cycles.less(fee) {
			return nil, refund, &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage,
				Message: fmt.Sprintf("create_canister: %s cycles attached; the creation fee is %d (ic0.cost_create_canister)", call.cycles, canisterCreationFee)}
		}
		cycles, refund = call.cycles.sub(fee), u128{}
	}
	settings := optOf(fieldOf(v, "settings"))
	// Validate the settings before creating anything.
	scratch := &canister{controllers: [][]byte{call.caller}, wasmMemoryLimit: DefaultWasmMemoryLimit}
	stored := defaultSettings()
	if err := applySettings(scratch, stored, settings); err != nil {
		return nil, refund, err
	}
	id, err := r.createCanister(func(c *canister) { c.controllers = scratch.controllers }, WithWasmMemoryLimit(scratch.wasmMemoryLimit))
	if err != nil {
		return nil, refund, err
	}
	c := r.canisters[id]
	c.cycles, c.envVars, c.logs.limit = cycles, scratch.envVars, scratch.logs.limit
	if specified != nil {
		delete(r.canisters, id)
		r.nextIndex--
		c.id = CanisterID{string(specified)}
		r.canisters[c.id] = c
	}
	r.sched.mgmt.settings[c.id] = stored
	r.recordChange(c, call.caller, creationChange(c))
	return encodeMgmt(cvRecord(cvField("canister_id", cvPrincipal([]byte(c.id.raw)))), "create_canister_result"), refund, nil
}

// applySettings applies a canister_settings record (nil: nothing) to c and
// s, or fails without changing either.
func applySettings(c *canister, s *storedSettings, v *candidtext.Value) error {
	if v == nil {
		return nil
	}
	nc, ns := *c, *s
	if ctl := optOf(fieldOf(v, "controllers")); ctl != nil {
		if ctl.Kind != candidtext.KindVec && ctl.Kind != candidtext.KindBlob {
			return &argErr{"field controllers: expected a vector of principals"}
		}
		if len(ctl.Elems) > maxControllers {
			return &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage, Message: fmt.Sprintf("%d controllers; at most %d", len(ctl.Elems), maxControllers)}
		}
		nc.controllers = nil
		for i := range ctl.Elems {
			p, err := principalOf(&ctl.Elems[i], "controllers")
			if err != nil {
				return err
			}
			nc.controllers = append(nc.controllers, append([]byte{}, p...))
		}
	}
	nats := []struct {
		name string
		dst  *uint64
	}{
		{"compute_allocation", &ns.computeAllocation}, {"memory_allocation", &ns.memoryAllocation},
		{"freezing_threshold", &ns.freezingThreshold}, {"reserved_cycles_limit", &ns.reservedCyclesLimit},
		{"minimum_incoming_canister_call_cycles", &ns.minIncomingCallCycles}, {"log_memory_limit", &ns.logMemoryLimit},
		{"wasm_memory_threshold", &ns.wasmMemoryThreshold}, {"wasm_memory_limit", &nc.wasmMemoryLimit},
	}
	for _, n := range nats {
		if f := optOf(fieldOf(v, n.name)); f != nil {
			x, err := uint64Of(f, n.name)
			if err != nil {
				return err
			}
			*n.dst = x
		}
	}
	if ns.computeAllocation > 100 {
		return &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage, Message: fmt.Sprintf("compute_allocation %d: must be at most 100", ns.computeAllocation)}
	}
	if nc.wasmMemoryLimit > MaxWasmMemory {
		return &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage, Message: fmt.Sprintf("wasm_memory_limit %d: at most %d", nc.wasmMemoryLimit, uint64(MaxWasmMemory))}
	}
	for _, vis := range []struct {
		name string
		dst  **candidtext.Value
	}{{"log_visibility", &ns.logVisibility}, {"snapshot_visibility", &ns.snapshotVisibility}, {"status_visibility", &ns.statusVisibility}} {
		if f := optOf(fieldOf(v, vis.name)); f != nil {
			if _, _, err := variantOf(f, vis.name, "controllers", "public", "allowed_viewers"); err != nil {
				return err
			}
			*vis.dst = f
		}
	}
	if ev := optOf(fieldOf(v, "environment_variables")); ev != nil {
		if len(ev.Elems) > maxEnvVars {
			return &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage, Message: fmt.Sprintf("%d environment variables; at most %d", len(ev.Elems), maxEnvVars)}
		}
		nc.envVars = nil
		for i := range ev.Elems {
			name, err := textOf(fieldOf(&ev.Elems[i], "name"), "environment_variables.name")
			if err != nil {
				return err
			}
			value, err := textOf(fieldOf(&ev.Elems[i], "value"), "environment_variables.value")
			if err != nil {
				return err
			}
			if len(name) > maxEnvVarLen || len(value) > maxEnvVarLen {
				return &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage, Message: fmt.Sprintf("environment variable %q: name and value must be at most %d bytes", name, maxEnvVarLen)}
			}
			nc.envVars = append(nc.envVars, envVar{name, value})
		}
		sort.Slice(nc.envVars, func(i, j int) bool { return nc.envVars[i].name < nc.envVars[j].name })
	}
	c.controllers, c.wasmMemoryLimit, c.envVars = nc.controllers, nc.wasmMemoryLimit, nc.envVars
	if optOf(fieldOf(v, "log_memory_limit")) != nil {
		c.logs.limit = ns.logMemoryLimit
	}
	*s = ns
	return nil
}

func (r *Replica) mgmtUpdateSettings(call *mgmtCall) ([]byte, error) {
	c, v, err := r.mgmtControlled(call, "update_settings_args")
	if err != nil {
		return nil, err
	}
	settings, err := needField(v, "settings")
	if err != nil {
		return nil, err
	}
	if err := applySettings(c, r.sched.mgmt.settingsOf(c.id), settings); err != nil {
		return nil, err
	}
	c.version++
	if optOf(fieldOf(settings, "controllers")) != nil {
		r.recordChange(c, call.caller, controllersChange(c))
	}
	return emptyReply, nil
}

// installMode decodes canister_install_mode.
func installModeOf(v *candidtext.Value) (InstallMode, bool, error) {
	name, payload, err := variantOf(v, "mode", "install", "reinstall", "upgrade")
	if err != nil {
		return 0, false, err
	}
	switch name {
	case "install":
		return ModeInstall, false, nil
	case "reinstall":
		return ModeReinstall, false, nil
	}
	skip := false
	if opts := optOf(payload); opts != nil {
		if s := optOf(fieldOf(opts, "skip_pre_upgrade")); s != nil {
			if s.Kind != candidtext.KindBool {
				return 0, false, &argErr{"field skip_pre_upgrade: expected a bool"}
			}
			skip = s.Bool
		}
	}
	return ModeUpgrade, skip, nil
}

func (r *Replica) mgmtInstall(call *mgmtCall) ([]byte, error) {
	v, err := decodeMgmt(call.arg, "install_code_args")
	if err != nil {
		return nil, err
	}
	c, err := r.mgmtTarget(v, "canister_id")
	if err != nil {
		return nil, err
	}
	mode, skip, arg, err := installModeAndArg(v)
	if err != nil {
		return nil, err
	}
	module, err := blobOf(fieldOf(v, "wasm_module"), "wasm_module")
	if err != nil {
		return nil, err
	}
	if rej := checkController(c, call.caller); rej != nil {
		return nil, rej
	}
	if err := r.installCode(c, mode, module, arg, call.caller, skip); err != nil {
		return nil, err
	}
	return emptyReply, nil
}

// installModeAndArg reads the mode and arg fields that install_code and
// install_chunked_code share.
func installModeAndArg(v *candidtext.Value) (InstallMode, bool, []byte, error) {
	mf, err := needField(v, "mode")
	if err != nil {
		return 0, false, nil, err
	}
	mode, skip, err := installModeOf(mf)
	if err != nil {
		return 0, false, nil, err
	}
	arg, err := blobOf(fieldOf(v, "arg"), "arg")
	if err != nil {
		return 0, false, nil, err
	}
	return mode, skip, arg, nil
}

func (r *Replica) mgmtUploadChunk(call *mgmtCall) ([]byte, error) {
	v, err := decodeMgmt(call.arg, "upload_chunk_args")
	if err != nil {
		return nil, err
	}
	c, err := r.mgmtTarget(v, "canister_id")
	if err != nil {
		return nil, err
	}
	if rej := checkController(c, call.caller); rej != nil {
		return nil, rej
	}
	chunk, err := blobOf(fieldOf(v, "chunk"), "chunk")
	if err != nil {
		return nil, err
	}
	if len(chunk) > maxChunkSize {
		return nil, &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage, Message: fmt.Sprintf("upload_chunk: a chunk of %d bytes exceeds the maximum of %d", len(chunk), maxChunkSize)}
	}
	store := r.sched.mgmt.chunks[c.id]
	if store == nil {
		store = map[[32]byte][]byte{}
		r.sched.mgmt.chunks[c.id] = store
	}
	h := sha256.Sum256(chunk)
	if _, ok := store[h]; !ok && len(store) >= maxStoreChunks {
		return nil, &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage, Message: fmt.Sprintf("upload_chunk: the chunk store of canister %s is full (%d chunks)", c.id, maxStoreChunks)}
	}
	store[h] = append([]byte{}, chunk...)
	return encodeMgmt(cvRecord(cvField("hash", cvBlob(h[:]))), "chunk_hash"), nil
}

func (r *Replica) mgmtInstallChunked(call *mgmtCall) ([]byte, error) {
	v, err := decodeMgmt(call.arg, "install_chunked_code_args")
	if err != nil {
		return nil, err
	}
	target, err := r.mgmtTarget(v, "target_canister")
	if err != nil {
		return nil, err
	}
	store := target
	if s := optOf(fieldOf(v, "store_canister")); s != nil {
		wrapped := cvRecord(cvField("store_canister", *s))
		if store, err = r.mgmtTarget(&wrapped, "store_canister"); err != nil {
			return nil, err
		}
	}
	mode, skip, arg, err := installModeAndArg(v)
	if err != nil {
		return nil, err
	}
	wantHash, err := blobOf(fieldOf(v, "wasm_module_hash"), "wasm_module_hash")
	if err != nil {
		return nil, err
	}
	if rej := checkController(target, call.caller); rej != nil {
		return nil, rej
	}
	if rej := checkController(store, call.caller); rej != nil {
		return nil, rej
	}
	list := fieldOf(v, "chunk_hashes_list")
	if list == nil {
		return nil, &argErr{"missing field chunk_hashes_list"}
	}
	var module []byte
	for i := range list.Elems {
		h, err := blobOf(fieldOf(&list.Elems[i], "hash"), "chunk_hashes_list.hash")
		if err != nil {
			return nil, err
		}
		var key [32]byte
		chunk, ok := []byte(nil), len(h) == 32
		if ok {
			copy(key[:], h)
			chunk, ok = r.sched.mgmt.chunks[store.id][key]
		}
		if !ok {
			return nil, &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage,
				Message: fmt.Sprintf("install_chunked_code: chunk %x is not in the chunk store of canister %s", h, store.id)}
		}
		module = append(module, chunk...)
	}
	if got := sha256.Sum256(module); !bytes.Equal(got[:], wantHash) {
		return nil, &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage,
			Message: fmt.Sprintf("install_chunked_code: wasm_module_hash %x does not match the SHA-256 of the assembled module %x", wantHash, got)}
	}
	if err := r.installCode(target, mode, module, arg, call.caller, skip); err != nil {
		return nil, err
	}
	return emptyReply, nil
}

// mgmtStatus is canister_status's result.
func (r *Replica) mgmtStatus(c *canister) ([]byte, error) {
	info := r.statusOf(c)
	s := r.sched.mgmt.settingsOf(c.id)
	var ctls []candidtext.Value
	for _, p := range c.controllers {
		ctls = append(ctls, cvPrincipal(p))
	}
	var env []candidtext.Value
	for _, e := range c.envVars {
		env = append(env, cvRecord(cvField("name", cvText(e.name)), cvField("value", cvText(e.value))))
	}
	vis := func(v *candidtext.Value) candidtext.Value {
		if v == nil {
			return cvVariant("controllers", cvNull())
		}
		return *v
	}
	var hash *candidtext.Value
	var wasmMem, stableMem, binary uint64
	if c.code != nil {
		h := cvBlob(info.ModuleHash)
		hash = &h
		wasmMem = uint64(memoryPages(memoryOf(c.inst))) * wasmPageSize
		stableMem = c.stable.Size() * stablemem.PageSize
		binary = info.MemorySize - wasmMem - stableMem
	}
	var chunkBytes uint64
	for _, ch := range r.sched.mgmt.chunks[c.id] {
		chunkBytes += uint64(len(ch))
	}
	result := cvRecord(
		cvField("status", cvVariant(info.Status.String(), cvNull())),
		cvField("ready_for_migration", cvBool(false)),
		cvField("version", cvNat64(c.version)),
		cvField("settings", cvRecord(
			cvField("controllers", cvVec(ctls...)),
			cvField("compute_allocation", cvNat(s.computeAllocation)),
			cvField("memory_allocation", cvNat(s.memoryAllocation)),
			cvField("freezing_threshold", cvNat(s.freezingThreshold)),
			cvField("reserved_cycles_limit", cvNat(s.reservedCyclesLimit)),
			cvField("minimum_incoming_canister_call_cycles", cvNat(s.minIncomingCallCycles)),
			cvField("log_visibility", vis(s.logVisibility)),
			cvField("log_memory_limit", cvNat(c.logs.setting())),
			cvField("snapshot_visibility", vis(s.snapshotVisibility)),
			cvField("status_visibility", vis(s.statusVisibility)),
			cvField("wasm_memory_limit", cvNat(c.wasmMemoryLimit)),
			cvField("wasm_memory_threshold", cvNat(s.wasmMemoryThreshold)),
			cvField("environment_variables", cvVec(env...)),
		)),
		cvField("module_hash", cvOpt(hash)),
		cvField("memory_size", cvNat(info.MemorySize)),
		cvField("memory_metrics", cvRecord(
			cvField("wasm_memory_size", cvNat(wasmMem)),
			cvField("stable_memory_size", cvNat(stableMem)),
			cvField("global_memory_size", cvNat(0)),
			cvField("wasm_binary_size", cvNat(binary)),
			cvField("custom_sections_size", cvNat(0)),
			cvField("canister_history_size", cvNat(0)),
			cvField("wasm_chunk_store_size", cvNat(chunkBytes)),
			cvField("snapshots_size", cvNat(c.snapshotsSize())),
			cvField("log_memory_store_size", cvNat(0)),
		)),
		cvField("cycles", cvNatU128(c.cycles)),
		cvField("reserved_cycles", cvNat(0)),
		cvField("idle_cycles_burned_per_day", cvNat(0)),
		cvField("query_stats", cvRecord(
			cvField("num_calls_total", cvNat(0)),
			cvField("num_instructions_total", cvNat(0)),
			cvField("request_payload_bytes_total", cvNat(0)),
			cvField("response_payload_bytes_total", cvNat(0)),
		)),
	)
	return encodeMgmt(result, "canister_status_result"), nil
}

// fetchCanisterLogs is fetch_canister_logs, a query users call (not
// canisters, nor replicated calls: IC interface specification, "IC method
// fetch_canister_logs"). The log_visibility setting says who may read the
// log: the controllers (the default), everyone, or the controllers and
// allowed_viewers.
func (r *Replica) fetchCanisterLogs(arg, caller []byte) ([]byte, *Reject) {
	v, err := decodeMgmt(arg, "canister_id_args")
	if err != nil {
		return nil, badArg("fetch_canister_logs", err)
	}
	c, err := r.mgmtTarget(v, "canister_id")
	if err != nil {
		if rej, ok := err.(*Reject); ok {
			return nil, rej
		}
		return nil, badArg("fetch_canister_logs", err)
	}
	if !r.mayReadLogs(c, caller) {
		return nil, &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage,
			Message: fmt.Sprintf("caller %s may not read the logs of canister %s (its log_visibility)", principalText(caller), c.id)}
	}
	var recs []candidtext.Value
	for _, l := range c.logs.entries {
		recs = append(recs, cvRecord(cvField("idx", cvNat64(l.Index)),
			cvField("timestamp_nanos", cvNat64(uint64(l.Time.UnixNano()))), cvField("content", cvBlob([]byte(l.Message)))))
	}
	return encodeMgmt(cvRecord(cvField("canister_log_records", cvVec(recs...))), "fetch_canister_logs_result"), nil
}

func logsOnlyByQuery() *Reject {
	return &Reject{Code: CanisterReject, ErrorCode: ErrCodeCanisterRejectedMessage,
		Message: "fetch_canister_logs can only be called by users, as a query (not by canisters, nor as an update)"}
}

func (r *Replica) mayReadLogs(c *canister, caller []byte) bool {
	return mayView(c, caller, r.sched.mgmt.settingsOf(c.id).logVisibility)
}

// mayView reports whether caller may see what a visibility setting
// (log_visibility, snapshot_visibility) guards: controllers always;
// everyone if it is public; the allowed_viewers it names.
func mayView(c *canister, caller []byte, vis *candidtext.Value) bool {
	if isController(c, caller) {
		return true
	}
	name, viewers, err := variantOf(vis, "visibility", "controllers", "public", "allowed_viewers")
	switch {
	case err != nil || name == "controllers":
		return false
	case name == "public":
		return true
	}
	for i := range viewers.Elems {
		if string(viewers.Elems[i].Bytes) == string(caller) {
			return true
		}
	}
	return false
}
