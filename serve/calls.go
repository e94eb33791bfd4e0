package serve

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/aviate-labs/agent-go/certification/hashtree"
	"github.com/fxamacker/cbor/v2"
	"github.com/icgo/icgo/internal/wasm"
	"github.com/icgo/icgo/replica"
)

// requestStatus is an ingress message's entry in the ingress history
// (IC interface specification, section "Request status"), certified at
// request_status/<request id>.
type requestStatus struct {
	sender []byte
	expiry time.Time
	state  string // processing, replied, rejected or done
	out    outcome
	done   chan struct{} // closed when replied or rejected

	// Cached by history (history.go); nil when to compute.
	node   hashtree.Node
	tree   *tree
	digest [32]byte
}

const (
	// syncCallTimeout is how long a v3/v4 call waits for its result
	// before it answers 202 (then the agent polls read_state).
	syncCallTimeout = 10 * time.Second
	// maxIngressHistory bounds the ingress history. Entries leave it once
	// their expiry has passed (IC interface specification, section
	// "Request status": the status may then be forgotten).
	maxIngressHistory = 100_000
	// maxIngressHistoryBytes bounds the replies and reject messages it
	// keeps.
	maxIngressHistoryBytes = 512 << 20
)

func (s *Server) call(w http.ResponseWriter, ecid, body []byte, sync bool) string {
	now := s.be.now()
	req, err := decodeRequest(body, "call", now)
	if err != nil {
		httpError(w, err)
		return ""
	}
	note := fmt.Sprintf("call %s.%s from %s", principalText(req.CanisterID), req.MethodName, principalText(req.Sender))
	if err := checkTarget(req, ecid); err != nil {
		httpError(w, err)
		return note
	}
	st, rej, err := s.submit(req, now)
	if err != nil {
		httpError(w, err)
		return note
	}
	if rej != nil {
		s.nonReplicated(w, rej, sync)
		return note + ": " + rej.Error()
	}
	if !sync {
		w.WriteHeader(http.StatusAccepted)
		return note
	}
	select {
	case <-st.done:
	case <-time.After(syncCallTimeout):
		w.WriteHeader(http.StatusAccepted)
		return note + ": still running"
	}
	cert, err := s.certificate([][]string{{"request_status", string(req.id[:])}})
	if err != nil {
		httpError(w, err)
		return note
	}
	writeCBOR(w, 200, map[string]any{"status": "replied", "certificate": cert})
	return note
}

// nonReplicated answers a call refused before it was accepted (IC
// interface specification, section "Request: Call": a 200 response with
// the reject; v3 and later mark it non_replicated_rejection).
func (s *Server) nonReplicated(w http.ResponseWriter, rej *replica.Reject, sync bool) {
	m := map[string]any{"reject_code": uint64(rej.Code), "reject_message": rej.Message, "error_code": rej.ErrorCode}
	if sync {
		m["status"] = "non_replicated_rejection"
	}
	writeCBOR(w, 200, m)
}

// submit enters a call into the ingress history and starts it. A call
// whose request id is already there is not run again (IC interface
// specification, section "Request: Call": a duplicate is ignored); its
// status is returned. A call refused at once returns its reject and is
// not kept.
func (s *Server) submit(req *request, now time.Time) (*requestStatus, *replica.Reject, error) {
	s.mu.Lock()
	if st, ok := s.hist.get(req.id); ok {
		s.mu.Unlock()
		return st, nil, nil
	}
	s.forgetExpired(now)
	if s.hist.len() >= maxIngressHistory || s.hist.bytes >= maxIngressHistoryBytes {
		s.mu.Unlock()
		return nil, nil, &requestError{http.StatusServiceUnavailable,
			fmt.Sprintf("the ingress history is full (%d messages, %d bytes of replies; at most %d and %d); retry once older messages expire",
				s.hist.len(), s.hist.bytes, maxIngressHistory, maxIngressHistoryBytes)}
	}
	st := &requestStatus{sender: req.Sender, expiry: time.Unix(0, int64(req.IngressExpiry)), state: "processing", done: make(chan struct{})}
	s.hist.put(req.id, st)
	s.mu.Unlock()

	rej, await, err := s.dispatch(req)
	if err != nil || rej != nil {
		s.mu.Lock()
		s.hist.del(req.id)
		s.mu.Unlock()
		return nil, rej, err
	}
	go func() {
		out, err := await()
		if err != nil {
			out = outcome{reject: &replica.Reject{Code: replica.SysFatal, Message: err.Error()}}
		}
		s.mu.Lock()
		st.out = out
		st.state = "replied"
		if out.reject != nil {
			st.state = "rejected"
		}
		close(st.done)
		s.hist.finished(req.id)
		s.mu.Unlock()
		s.dirty.Store(true)
	}()
	return st, nil, nil
}

// dispatch starts a call on a system canister (system.go) or the replica.
func (s *Server) dispatch(req *request) (*replica.Reject, func() (outcome, error), error) {
	if sc, ok := s.system.lookup(req.CanisterID); ok {
		return nil, func() (outcome, error) { return sc.call(s, req.MethodName, req.Arg, req.Sender, false) }, nil
	}
	return s.be.submit(req.CanisterID, req.MethodName, req.Arg, req.Sender)
}

// forgetExpired drops the statuses whose expiry has passed, at most once
// a second. Callers hold s.mu.
func (s *Server) forgetExpired(now time.Time) {
	if now.Sub(s.lastForget) < time.Second && s.hist.len() < maxIngressHistory {
		return
	}
	s.lastForget = now
	for id, st := range s.hist.entries {
		if st.state != "processing" && st.expiry.Before(now) {
			s.hist.del(id)
		}
	}
}

func (s *Server) query(w http.ResponseWriter, ecid, body []byte) string {
	req, err := decodeRequest(body, "query", s.be.now())
	if err != nil {
		httpError(w, err)
		return ""
	}
	note := fmt.Sprintf("query %s.%s from %s", principalText(req.CanisterID), req.MethodName, principalText(req.Sender))
	if err := checkTarget(req, ecid); err != nil {
		httpError(w, err)
		return note
	}
	var out outcome
	if sc, ok := s.system.lookup(req.CanisterID); ok {
		out, err = sc.call(s, req.MethodName, req.Arg, req.Sender, true)
	} else {
		out, err = s.be.query(req.CanisterID, req.MethodName, req.Arg, req.Sender)
	}
	if err != nil {
		httpError(w, err)
		return note
	}
	resp, err := s.signedQueryResponse(req.id, out)
	if err != nil {
		httpError(w, err)
		return note
	}
	writeCBOR(w, 200, resp)
	if out.reject != nil {
		note += ": " + out.reject.Error()
	}
	return note
}

// signedQueryResponse is a query response with the node's signature
// (IC interface specification, section "Query call > Query response
// signatures": Ed25519 over domain_sep("ic-response") · hash_of_map of
// the response with its timestamp and request_id).
func (s *Server) signedQueryResponse(rid [32]byte, out outcome) (map[string]any, error) {
	ts := uint64(s.be.now().UnixNano())
	var resp, signed map[string]any
	if out.reject != nil {
		resp = map[string]any{"status": "rejected", "reject_code": uint64(out.reject.Code),
			"reject_message": out.reject.Message, "error_code": out.reject.ErrorCode}
	} else {
		resp = map[string]any{"status": "replied", "reply": map[string]any{"arg": out.reply}}
	}
	signed = map[string]any{"timestamp": ts, "request_id": rid[:]}
	for k, v := range resp {
		signed[k] = v
	}
	h, err := hashOfMap(signed)
	if err != nil {
		return nil, err
	}
	sig := ed25519Sign(s.keys.nodeSK, append([]byte("\x0bic-response"), h[:]...))
	resp["signatures"] = []any{map[string]any{"timestamp": ts, "signature": sig, "identity": s.keys.nodeID}}
	return resp, nil
}

// maxPaths and maxPathLabels bound a read_state request.
const (
	maxPaths      = 1000
	maxPathLabels = 127
)

func (s *Server) readCanisterState(w http.ResponseWriter, ecid, body []byte) string {
	return s.readState(w, ecid, body, false)
}

func (s *Server) readSubnetState(w http.ResponseWriter, sid, body []byte) string {
	return s.readState(w, sid, body, true)
}

// readState answers read_state (IC interface specification, section
// "Request: Read state"), checking the paths a sender may read.
func (s *Server) readState(w http.ResponseWriter, ecid, body []byte, subnet bool) string {
	req, err := decodeRequest(body, "read_state", s.be.now())
	if err != nil {
		httpError(w, err)
		return ""
	}
	note := fmt.Sprintf("read_state %d paths from %s", len(req.Paths), principalText(req.Sender))
	if len(req.Paths) > maxPaths {
		httpError(w, badRequest("%d paths exceed the limit of %d", len(req.Paths), maxPaths))
		return note
	}
	var paths [][]string
	for _, p := range req.Paths {
		if len(p) > maxPathLabels {
			httpError(w, badRequest("a path of %d labels exceeds the limit of %d", len(p), maxPathLabels))
			return note
		}
		if err := s.mayRead(req, ecid, p, subnet); err != nil {
			httpError(w, err)
			return note
		}
		paths = append(paths, labelsOf(p))
	}
	cert, err := s.certificate(paths)
	if err != nil {
		httpError(w, err)
		return note
	}
	writeCBOR(w, 200, map[string]any{"certificate": cert})
	return note
}

// mayRead applies the read_state access rules of the IC interface
// specification, section "Request: Read state".
func (s *Server) mayRead(req *request, ecid []byte, p [][]byte, subnet bool) error {
	if len(p) == 0 {
		return badRequest("an empty path may not be requested")
	}
	first := string(p[0])
	if subnet {
		switch first {
		case "time", "subnet", "canister_ranges":
			return nil
		}
		return &requestError{http.StatusNotFound, fmt.Sprintf("path %q cannot be read from a subnet's state", first)}
	}
	switch first {
	case "time", "subnet", "canister_ranges", "api_boundary_nodes":
		return nil
	case "canister":
		if len(p) < 2 {
			return badRequest("path canister must name the effective canister id %s", principalText(ecid))
		}
		if !bytes.Equal(p[1], ecid) {
			return badRequest("path canister/%s: the effective canister id is %s", principalText(p[1]), principalText(ecid))
		}
		switch {
		case len(p) >= 4 && string(p[2]) == "metadata":
			return s.mayReadMetadata(req, p[1], string(p[3]))
		case len(p) == 2 || len(p) == 3 && string(p[2]) == "metadata":
			return s.mayReadMetadata(req, p[1], "") // a prefix of every section
		}
		return nil
	case "request_status":
		if len(p) < 2 {
			return badRequest("request_status must be followed by a request id")
		}
		if len(p[1]) != 32 {
			return nil // no such request: proven absent
		}
		s.mu.Lock()
		st, ok := s.hist.get([32]byte(p[1]))
		s.mu.Unlock()
		if ok && !bytes.Equal(st.sender, req.Sender) {
			return forbidden("request %x was sent by another principal; only its sender may read its status", p[1])
		}
		return nil
	}
	return &requestError{http.StatusNotFound, fmt.Sprintf("path %q cannot be read", first)}
}

// mayReadMetadata: icp:private sections are for controllers only. name
// "" stands for every section (a path that ends above them).
func (s *Server) mayReadMetadata(req *request, canister []byte, name string) error {
	cs, err := s.be.certified()
	if err != nil {
		return err
	}
	for _, c := range cs {
		if !bytes.Equal(c.ID.Bytes(), canister) {
			continue
		}
		if _, private := c.PrivateMetadata[name]; !private && (name != "" || len(c.PrivateMetadata) == 0) {
			return nil
		}
		for _, ctl := range c.Controllers {
			if bytes.Equal(ctl, req.Sender) {
				return nil
			}
		}
		if name == "" {
			return forbidden("canister %s has private metadata sections: only its controllers may read a path that covers them", principalText(canister))
		}
		return forbidden("metadata section %q of canister %s is private to its controllers", name, principalText(canister))
	}
	return nil
}

// certificate certifies the state tree revealed at paths (and time),
// signed by the subnet key with the root key's delegation (IC interface
// specification, section "Certification").
func (s *Server) certificate(paths [][]string) ([]byte, error) {
	now := s.be.now()
	t, err := s.stateTree(now)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	node := t.prune(append(paths, []string{"time"}), false)
	s.mu.Unlock()
	sig, err := s.keys.signSubnet(stateRootMessage(node))
	if err != nil {
		return nil, err
	}
	deleg, err := s.delegationCertificate(now)
	if err != nil {
		return nil, err
	}
	return encodeCertificate(node, sig, map[string]any{"subnet_id": s.keys.subnetID, "certificate": deleg})
}

func encodeCertificate(node hashtree.Node, sig []byte, deleg map[string]any) ([]byte, error) {
	tb, err := hashtree.Serialize(node)
	if err != nil {
		return nil, err
	}
	cert := map[string]any{"tree": cbor.RawMessage(tb), "signature": sig}
	if deleg != nil {
		cert["delegation"] = deleg
	}
	return cbor.Marshal(cbor.Tag{Number: 55799, Content: cert})
}

// delegationLifetime is how long a delegation certificate is reused.
// Agents accept one up to 30 days old (@dfinity/agent) or of any age.
const delegationLifetime = time.Hour

// delegationCertificate is the root key's certificate of the subnet's key
// and canister ranges (IC interface specification, section
// "Certification > Delegation").
func (s *Server) delegationCertificate(now time.Time) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.delegation != nil && now.Sub(s.delegTime) < delegationLifetime && !now.Before(s.delegTime) {
		return s.delegation, nil
	}
	t := newTree()
	t.set(wasm.AppendULEB(nil, uint64(now.UnixNano())), "time")
	s.subnetTree(t, false)
	node := t.prune(nil, true)
	sig, err := s.be.signRoot(stateRootMessage(node))
	if err != nil {
		return nil, err
	}
	cert, err := encodeCertificate(node, sig, nil)
	if err != nil {
		return nil, err
	}
	s.delegation, s.delegTime = cert, now
	return cert, nil
}

// canisterRanges is the subnet's canister id range: every opaque id
// (8 bytes, then 0x01 0x01), so that the system canisters' well-known ids
// (the cycles minting canister, the cycles ledger, the ICP ledger) and the
// replica's own are all in it.
var canisterRanges = func() []byte {
	lo := []byte{0, 0, 0, 0, 0, 0, 0, 0, 1, 1}
	hi := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 1}
	b, err := cbor.Marshal([][][]byte{{lo, hi}})
	if err != nil {
		panic(err)
	}
	return b
}()

// subnetTree adds subnet/<id>/... (section "The system state tree >
// Subnet information"); nodes adds the node keys.
func (s *Server) subnetTree(t *tree, nodes bool) {
	sid := string(s.keys.subnetID)
	t.set(s.keys.subnetDER, "subnet", sid, "public_key")
	t.set(canisterRanges, "subnet", sid, "canister_ranges")
	if nodes {
		t.set([]byte("application"), "subnet", sid, "type")
		t.set(s.keys.nodeDER, "subnet", sid, "node", string(s.keys.nodeID), "public_key")
	}
}

// stateTree is the state tree (section "The system state tree") at now.
func (s *Server) stateTree(now time.Time) (*tree, error) {
	t := newTree()
	t.set(wasm.AppendULEB(nil, uint64(now.UnixNano())), "time")
	s.subnetTree(t, true)
	cs, err := s.be.certified()
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		id := string(c.ID.Bytes())
		ct := t.sub("canister", id)
		ct.set(c.CertifiedData, "certified_data")
		if c.ModuleHash != nil {
			ct.set(c.ModuleHash, "module_hash")
		}
		ctl := make([][]byte, len(c.Controllers))
		copy(ctl, c.Controllers)
		b, err := cbor.Marshal(cbor.Tag{Number: 55799, Content: ctl})
		if err != nil {
			return nil, err
		}
		ct.set(b, "controllers")
		for name, data := range c.PublicMetadata {
			ct.set(data, "metadata", name)
		}
		for name, data := range c.PrivateMetadata {
			ct.set(data, "metadata", name)
		}
	}
	s.mu.Lock()
	if s.hist.len() > 0 {
		t.sub("request_status").custom = s.hist // pruned with s.mu held
	}
	s.mu.Unlock()
	return t, nil
}
