// Package lockdep runs operations one at a time behind a sync.Mutex and
// backs off with time.Sleep when one is busy: an ordinary library that
// knows nothing of canisters. The icgo build tests use it unchanged.
package lockdep

import (
	"errors"
	"sync"
	"time"
)

// ErrBusy asks Do to back off and try again.
var ErrBusy = errors.New("busy")

// Serial runs operations one at a time.
type Serial struct {
	Backoff time.Duration

	mu  sync.Mutex
	log []string
}

// Do runs op holding the lock, sleeping Backoff and retrying (at most
// three attempts) while it returns ErrBusy.
func (s *Serial) Do(name string, op func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, name+" start")
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = op(); !errors.Is(err, ErrBusy) {
			break
		}
		time.Sleep(s.Backoff)
	}
	s.log = append(s.log, name+" end")
	return err
}

// Log returns what ran, in order.
func (s *Serial) Log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}
