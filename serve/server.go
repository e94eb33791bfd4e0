// Package serve implements the Internet Computer's HTTP interface (IC
// interface specification, section "HTTPS Interface") over an embedded
// replica, so that DFINITY's icp CLI, agent-go, @dfinity/agent and other
// agents can deploy and call canisters on it as on a local network.
//
// A Server is an http.Handler. It serves:
//
//	GET  /api/v2/status
//	POST /api/v2/canister/<id>/call          202, then read_state
//	POST /api/v3/canister/<id>/call          synchronous: a certificate
//	POST /api/v4/canister/<id>/call          (as v3)
//	POST /api/v2|v3/canister/<id>/query      signed by the node key
//	POST /api/v2|v3/canister/<id>/read_state
//	POST /api/v2|v3/subnet/<id>/read_state
//
// Requests are authenticated (anonymous, Ed25519, ECDSA P-256 and
// secp256k1 keys, delegation chains); certificates are BLS12-381
// signatures over the state tree by a subnet key that the replica's root
// key delegates to. The server also hosts, in Go, the parts of the system
// canisters that icp uses (system.go, icpledger.go):
//   - the cycles ledger: icrc1_balance_of, create_canister, and deposit
//     for canisters (icp canister delete recovers cycles with it);
//   - the ICP ledger: ICRC-1 balances, metadata and transfers, and the
//     legacy transfer to an account identifier (icp token, icp cycles
//     mint);
//   - the cycles minting canister: get_default_subnets,
//     get_icp_xdr_conversion_rate (a fixed rate, not certified) and
//     notify_mint_cycles.
//
// Every principal's default accounts are funded (1000 T cycles, 1,000,000
// ICP). Other methods of these canisters are missing (IC0536); the
// ledgers keep balances, not blocks.
//
// Where it differs from the IC (IC interface specification, section
// "HTTPS Interface"):
//   - One subnet whose canister range is every opaque id, so that the
//     well-known ids of the system canisters are in it; one node.
//   - Canister signatures (sender keys with OID 1.3.6.1.4.1.56387.1.2, as
//     Internet Identity delegations use) are refused with 403: their
//     verification (a certificate within the signature) is not done yet.
//   - A request's status is forgotten once its ingress expiry has passed
//     (the IC shows "done" for a while); read_state then proves it absent.
//   - The status endpoint reports no certified_height.
//   - v2 calls run at once; v3 and v4 calls answer with a certificate, or
//     202 when they take longer than 10 s.
package serve

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica"
)

// MaxRequestBytes is the largest request body accepted: a 2 MiB ingress
// payload (IC interface specification, section "Maximum message size")
// with room for the envelope, as the IC's HTTP endpoint allows.
const MaxRequestBytes = 4 << 20

// Server serves the HTTP interface of one replica.
type Server struct {
	be   backend
	keys *keys
	log  io.Writer

	mu         sync.Mutex
	hist       *history // the ingress history (history.go)
	lastForget time.Time
	delegation []byte // CBOR of the delegation certificate
	delegTime  time.Time
	system     *systemCanisters

	stopTicker chan struct{}
	tickerDone chan struct{}

	stateDir  string // WithStateDir (state.go)
	dirty     atomic.Bool
	stopSaver chan struct{}
	saverDone chan struct{}
}

// Option configures New.
type Option func(*Server)

// WithLog logs every request (method, path, status, duration and the
// call it carried) to w.
func WithLog(w io.Writer) Option { return func(s *Server) { s.log = w } }

// WithTicker runs a replica round every d while the server runs, so that
// the replica's clock (with replica.WithWallClock) and its timers and
// heartbeats advance between requests; Close stops it. Without it, rounds
// run only for calls.
func WithTicker(d time.Duration) Option {
	return func(s *Server) {
		s.stopTicker, s.tickerDone = make(chan struct{}), make(chan struct{})
		go s.tick(d)
	}
}

// New serves r's canisters. The server does not own r: Close it after
// the server.
func New(r *replica.Replica, opts ...Option) (*Server, error) {
	k, err := newKeys(r.RootKey(), r.SubnetID())
	if err != nil {
		return nil, err
	}
	s := &Server{be: backend{r}, keys: k, hist: newHistory(), system: newSystemCanisters()}
	for _, o := range opts {
		o(s)
	}
	if err := r.HostNative(CyclesLedgerID, s.system.ledger.native); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if err := r.HostNative(ICPLedgerID, s.system.icp.native); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if s.stateDir != "" {
		if err := s.loadState(); err != nil {
			s.Close()
			return nil, err
		}
		s.stopSaver, s.saverDone = make(chan struct{}), make(chan struct{})
		go s.saver()
	}
	return s, nil
}

// RootKey returns the DER root key that agents verify certificates with.
func (s *Server) RootKey() []byte { return append([]byte{}, s.keys.rootDER...) }

// SubnetID returns the id of the server's subnet.
func (s *Server) SubnetID() []byte { return append([]byte{}, s.keys.subnetID...) }

// Close stops the ticker, if any, and saves the state (WithStateDir).
// Close it before its replica.
func (s *Server) Close() error {
	if s.stopTicker != nil {
		close(s.stopTicker)
		<-s.tickerDone
		s.stopTicker = nil
	}
	if s.stopSaver != nil {
		close(s.stopSaver)
		<-s.saverDone
		s.stopSaver = nil
		return s.saveState()
	}
	return nil
}

func (s *Server) tick(d time.Duration) {
	defer close(s.tickerDone)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-s.stopTicker:
			return
		case <-t.C:
			if err := s.be.tick(); err != nil {
				if errors.Is(err, replica.ErrClosed) {
					return
				}
				s.logf("tick: %v", err)
			}
		}
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.log != nil {
		fmt.Fprintf(s.log, format+"\n", args...)
	}
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	start := time.Now()
	rw := &statusWriter{ResponseWriter: w, status: 200}
	note := s.route(rw, hr)
	s.logf("%s %s %d %v %s", hr.Method, hr.URL.Path, rw.status, time.Since(start).Round(time.Microsecond), note)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) route(w http.ResponseWriter, hr *http.Request) string {
	parts := strings.Split(strings.Trim(hr.URL.Path, "/"), "/")
	if len(parts) == 3 && parts[0] == "api" && parts[1] == "v2" && parts[2] == "status" {
		if hr.Method != http.MethodGet {
			httpError(w, &requestError{http.StatusMethodNotAllowed, "status takes GET"})
			return ""
		}
		s.status(w)
		return ""
	}
	if len(parts) != 5 || parts[0] != "api" {
		httpError(w, &requestError{http.StatusNotFound, "no such endpoint: " + hr.URL.Path})
		return ""
	}
	version, kind, idText, endpoint := parts[1], parts[2], parts[3], parts[4]
	handler, ok := endpoints[kind+"/"+endpoint][version]
	if !ok {
		httpError(w, &requestError{http.StatusNotFound, "no such endpoint: " + hr.URL.Path})
		return ""
	}
	if hr.Method != http.MethodPost {
		httpError(w, &requestError{http.StatusMethodNotAllowed, endpoint + " takes POST"})
		return ""
	}
	id, err := principal.Decode(idText)
	if err != nil {
		httpError(w, badRequest("invalid %s id in the URL: %v", kind, err))
		return ""
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, hr.Body, MaxRequestBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			httpError(w, &requestError{http.StatusRequestEntityTooLarge,
				fmt.Sprintf("request body exceeds the limit of %d bytes", MaxRequestBytes)})
		} else {
			httpError(w, badRequest("reading the request body: %v", err))
		}
		return ""
	}
	return handler(s, w, id.Bytes(), body)
}

type handler func(s *Server, w http.ResponseWriter, id, body []byte) string

// endpoints maps kind/endpoint and the API version to a handler.
var endpoints = map[string]map[string]handler{
	"canister/call": {
		"v2": func(s *Server, w http.ResponseWriter, id, body []byte) string { return s.call(w, id, body, false) },
		"v3": func(s *Server, w http.ResponseWriter, id, body []byte) string { return s.call(w, id, body, true) },
		"v4": func(s *Server, w http.ResponseWriter, id, body []byte) string { return s.call(w, id, body, true) },
	},
	"canister/query":      {"v2": (*Server).query, "v3": (*Server).query},
	"canister/read_state": {"v2": (*Server).readCanisterState, "v3": (*Server).readCanisterState},
	"subnet/read_state":   {"v2": (*Server).readSubnetState, "v3": (*Server).readSubnetState},
}

// httpError answers a refused request: a status and a text message, as
// the IC's HTTP endpoint does.
func httpError(w http.ResponseWriter, err error) {
	re, ok := err.(*requestError)
	if !ok {
		re = &requestError{http.StatusInternalServerError, err.Error()}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(re.status)
	io.WriteString(w, re.msg)
}

// writeCBOR answers with a self-described CBOR value.
func writeCBOR(w http.ResponseWriter, status int, v any) {
	b, err := cbor.Marshal(cbor.Tag{Number: 55799, Content: v})
	if err != nil {
		httpError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/cbor")
	w.WriteHeader(status)
	w.Write(b)
}

func (s *Server) status(w http.ResponseWriter) {
	writeCBOR(w, 200, map[string]any{
		"ic_api_version":        "0.18.0",
		"impl_source":           "https://github.com/icgo/icgo",
		"impl_version":          "icgo-serve",
		"root_key":              s.keys.rootDER,
		"replica_health_status": "healthy",
	})
}

func principalText(b []byte) string { return principal.FromBytes(b).String() }

// checkTarget checks the effective canister id of a call or query against
// its canister_id and delegation targets (IC interface specification,
// section "Effective canister id").
func checkTarget(req *request, ecid []byte) error {
	if len(req.CanisterID) == 0 { // the management canister: the id is in the argument
		id, anyID, err := replica.ManagementEffectiveCanisterID(req.MethodName, req.Arg)
		if err != nil {
			return badRequest("%v", err)
		}
		if !anyID && !bytes.Equal(id.Bytes(), ecid) {
			return badRequest("the effective canister id %s in the URL does not match the canister %s that the management call %s addresses",
				principalText(ecid), id, req.MethodName)
		}
	} else if !bytes.Equal(req.CanisterID, ecid) {
		return badRequest("the effective canister id %s in the URL does not match the canister_id %s",
			principalText(ecid), principalText(req.CanisterID))
	}
	if req.targets != nil && !req.targets[string(req.CanisterID)] {
		return forbidden("the sender's delegation does not allow calls to canister %s", principalText(req.CanisterID))
	}
	return nil
}
