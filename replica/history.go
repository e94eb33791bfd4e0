package replica

import (
	"github.com/icgo/icgo/internal/candidtext"
)

// The canister history (IC interface specification, "IC method
// canister_info"): every creation, code deployment, code uninstallation,
// snapshot load and controllers change, with the time, the canister
// version after it and its origin. The most recent maxHistory changes are
// kept; the total count goes on.

// maxHistory is how many changes a canister keeps (the spec guarantees at
// least 20).
const maxHistory = 20

type canisterChange struct {
	time, version uint64
	origin        []byte // a user's principal or a canister id
	fromCanister  bool
	details       candidtext.Value // a change_details value
}

// recordChange appends a change made by origin to c's history.
func (r *Replica) recordChange(c *canister, origin []byte, details candidtext.Value) {
	_, isCanister := r.canisters[CanisterID{string(origin)}]
	c.history = append(c.history, canisterChange{time: r.now, version: c.version, origin: append([]byte{}, origin...),
		fromCanister: isCanister, details: details})
	if len(c.history) > maxHistory {
		c.history = c.history[len(c.history)-maxHistory:]
	}
	c.totalChanges++
}

func principalsValue(ps [][]byte) candidtext.Value {
	var vs []candidtext.Value
	for _, p := range ps {
		vs = append(vs, cvPrincipal(p))
	}
	return cvVec(vs...)
}

// creationChange is a creation. Its environment_variables_hash is null:
// the replica does not compute the IC's hash of the variables.
func creationChange(c *canister) candidtext.Value {
	return cvVariant("creation", cvRecord(cvField("controllers", principalsValue(c.controllers)), cvField("environment_variables_hash", cvOpt(nil))))
}

func deploymentChange(mode InstallMode, hash [32]byte) candidtext.Value {
	name := map[InstallMode]string{ModeInstall: "install", ModeReinstall: "reinstall", ModeUpgrade: "upgrade"}[mode]
	return cvVariant("code_deployment", cvRecord(cvField("mode", cvVariant(name, cvNull())), cvField("module_hash", cvBlob(hash[:]))))
}

func controllersChange(c *canister) candidtext.Value {
	return cvVariant("controllers_change", cvRecord(cvField("controllers", principalsValue(c.controllers))))
}

func loadSnapshotChange(s *canisterSnapshot, from CanisterID, self CanisterID) candidtext.Value {
	var fromID *candidtext.Value
	if from != self {
		p := cvPrincipal(from.Bytes())
		fromID = &p
	}
	return cvVariant("load_snapshot", cvRecord(
		cvField("from_canister_id", cvOpt(fromID)),
		cvField("snapshot_id", cvBlob(s.id)),
		cvField("canister_version", cvNat64(s.version)),
		cvField("taken_at_timestamp", cvNat64(s.taken)),
		cvField("source", cvVariant("taken_from_canister", candidtext.Value{Kind: candidtext.KindReserved})),
	))
}

// changeValue is a change as canister_info returns it.
func (ch canisterChange) value() candidtext.Value {
	origin := cvVariant("from_user", cvRecord(cvField("user_id", cvPrincipal(ch.origin))))
	if ch.fromCanister {
		origin = cvVariant("from_canister", cvRecord(cvField("canister_id", cvPrincipal(ch.origin)), cvField("canister_version", cvOpt(nil))))
	}
	return cvRecord(cvField("timestamp_nanos", cvNat64(ch.time)), cvField("canister_version", cvNat64(ch.version)),
		cvField("origin", origin), cvField("details", ch.details))
}

// mgmtCanisterInfo is canister_info (for canisters only): the history's
// most recent num_requested_changes changes (at most maxHistory), the
// module hash and the controllers.
func (r *Replica) mgmtCanisterInfo(call *mgmtCall) ([]byte, error) {
	v, err := decodeMgmt(call.arg, "canister_info_args")
	if err != nil {
		return nil, err
	}
	c, err := r.mgmtTarget(v, "canister_id")
	if err != nil {
		return nil, err
	}
	n := uint64(0)
	if f := optOf(fieldOf(v, "num_requested_changes")); f != nil && f.Int != nil && f.Int.IsUint64() {
		n = f.Int.Uint64()
	}
	n = min(n, uint64(len(c.history)))
	var changes []candidtext.Value
	for _, ch := range c.history[uint64(len(c.history))-n:] {
		changes = append(changes, ch.value())
	}
	var hash *candidtext.Value
	if c.code != nil {
		h := cvBlob(c.code.key.hash[:])
		hash = &h
	}
	return encodeMgmt(cvRecord(
		cvField("total_num_changes", cvNat64(c.totalChanges)),
		cvField("recent_changes", cvVec(changes...)),
		cvField("module_hash", cvOpt(hash)),
		cvField("controllers", principalsValue(c.controllers)),
	), "canister_info_result"), nil
}
