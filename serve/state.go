package serve

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/icgo/icgo/replica"
)

// stateFile is the file WithStateDir keeps in its directory.
const stateFile = "icgo-serve.state"

// saveInterval is how often a changed state is saved.
const saveInterval = 2 * time.Second

// WithStateDir keeps the server's state in dir: the replica's canisters
// (replica.SaveState), the ingress history and the cycles ledger's
// balances. New loads a state saved there before (the replica must have no
// canisters then); the server saves it within saveInterval of a finished
// call and on Close. A state written by an incompatible version is an
// error naming the file to remove.
func WithStateDir(dir string) Option { return func(s *Server) { s.stateDir = dir } }

type savedServer struct {
	Version   int
	Requests  []savedRequest
	Spent     map[string][]byte // account key (accountKey) -> big-endian nat
	Deposited map[string][]byte // the same, for deposits
	// The ICP ledger's accounts, as the cycles ledger's.
	ICPSpent, ICPReceived map[string][]byte
	ICPBlocks             uint64
	ICPPendingMints       []savedMint // legacy transfers not yet notified to the CMC
	Blocks                uint64
	Replica               []byte
}

type savedMint struct {
	Block, Amount, Memo uint64
	From                []byte
	To                  [32]byte
}

type savedRequest struct {
	ID          [32]byte
	Sender      []byte
	Expiry      int64
	State       string
	Reply       []byte
	RejectCode  int
	RejectMsg   string
	RejectError string
}

const serverStateVersion = 1

func (s *Server) statePath() string { return filepath.Join(s.stateDir, stateFile) }

// loadState loads the saved state, if any.
func (s *Server) loadState() error {
	b, err := os.ReadFile(s.statePath())
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(s.stateDir, 0o755)
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	var st savedServer
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&st); err != nil {
		return fmt.Errorf("serve: reading %s: %w (remove it to start afresh)", s.statePath(), err)
	}
	if st.Version != serverStateVersion {
		return fmt.Errorf("serve: %s has version %d, this server reads %d (remove it to start afresh)", s.statePath(), st.Version, serverStateVersion)
	}
	if err := s.be.load(bytes.NewReader(st.Replica)); err != nil {
		return fmt.Errorf("serve: %s: %w (remove it to start afresh)", s.statePath(), err)
	}
	for _, q := range st.Requests {
		rs := &requestStatus{sender: q.Sender, expiry: time.Unix(0, q.Expiry), state: q.State, done: make(chan struct{})}
		close(rs.done)
		if q.State == "rejected" {
			rs.out.reject = &replica.Reject{Code: replica.RejectCode(q.RejectCode), Message: q.RejectMsg, ErrorCode: q.RejectError}
		} else {
			rs.out.reply = q.Reply
		}
		s.hist.put(q.ID, rs)
	}
	for p, n := range st.Spent {
		s.system.ledger.spent[p] = new(big.Int).SetBytes(n)
	}
	for p, n := range st.Deposited {
		s.system.ledger.deposited[p] = new(big.Int).SetBytes(n)
	}
	for p, n := range st.ICPSpent {
		s.system.icp.spent[p] = new(big.Int).SetBytes(n)
	}
	for p, n := range st.ICPReceived {
		s.system.icp.received[p] = new(big.Int).SetBytes(n)
	}
	s.system.icp.blocks = st.ICPBlocks
	for _, m := range st.ICPPendingMints {
		if s.system.icp.legacy == nil {
			s.system.icp.legacy = map[uint64]legacyTransfer{}
		}
		s.system.icp.legacy[m.Block] = legacyTransfer{from: m.From, to: m.To, amount: m.Amount, memo: m.Memo}
	}
	s.system.ledger.blocks = st.Blocks
	return nil
}

// saveState writes the state to a temporary file and renames it over the
// state file, so that a crash leaves the previous state.
func (s *Server) saveState() error {
	var rb bytes.Buffer
	if err := s.be.save(&rb); err != nil {
		return err
	}
	st := savedServer{Version: serverStateVersion, Replica: rb.Bytes(), Spent: map[string][]byte{}, Deposited: map[string][]byte{},
		ICPSpent: map[string][]byte{}, ICPReceived: map[string][]byte{}}
	s.mu.Lock()
	for id, q := range s.hist.entries {
		if q.state == "processing" {
			continue
		}
		sq := savedRequest{ID: id, Sender: q.sender, Expiry: q.expiry.UnixNano(), State: q.state, Reply: q.out.reply}
		if q.out.reject != nil {
			sq.RejectCode, sq.RejectMsg, sq.RejectError = int(q.out.reject.Code), q.out.reject.Message, q.out.reject.ErrorCode
		}
		st.Requests = append(st.Requests, sq)
	}
	s.mu.Unlock()
	s.system.ledger.mu.Lock()
	for p, n := range s.system.ledger.spent {
		st.Spent[p] = n.Bytes()
	}
	for p, n := range s.system.ledger.deposited {
		st.Deposited[p] = n.Bytes()
	}
	st.Blocks = s.system.ledger.blocks
	s.system.ledger.mu.Unlock()
	s.system.icp.mu.Lock()
	for p, n := range s.system.icp.spent {
		st.ICPSpent[p] = n.Bytes()
	}
	for p, n := range s.system.icp.received {
		st.ICPReceived[p] = n.Bytes()
	}
	st.ICPBlocks = s.system.icp.blocks
	for b, t := range s.system.icp.legacy {
		st.ICPPendingMints = append(st.ICPPendingMints, savedMint{Block: b, Amount: t.amount, Memo: t.memo, From: t.from, To: t.to})
	}
	s.system.icp.mu.Unlock()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&st); err != nil {
		return err
	}
	tmp := s.statePath() + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("serve: saving the state: %w", err)
	}
	if err := os.Rename(tmp, s.statePath()); err != nil {
		return fmt.Errorf("serve: saving the state: %w", err)
	}
	return nil
}

// saver saves the state every saveInterval while it changed.
func (s *Server) saver() {
	defer close(s.saverDone)
	t := time.NewTicker(saveInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stopSaver:
			return
		case <-t.C:
			if s.dirty.Swap(false) {
				if err := s.saveState(); err != nil {
					s.dirty.Store(true)
					s.logf("saving the state: %v", err)
				}
			}
		}
	}
}
