package sync_test

import (
	stdsync "sync"
	"testing"

	"github.com/icgo/icgo/icstd/sync"
)

// The types are the standard library's: values mix freely.
func TestAliases(t *testing.T) {
	var mu sync.Mutex
	var l stdsync.Locker = &mu
	l.Lock()
	if mu.TryLock() {
		t.Fatal("TryLock succeeded on a locked mutex")
	}
	l.Unlock()

	var wg sync.WaitGroup
	n := 0
	for range 3 {
		wg.Go(func() { mu.Lock(); n++; mu.Unlock() })
	}
	wg.Wait()
	if n != 3 {
		t.Fatal(n)
	}
	calls := 0
	f := sync.OnceValue(func() int { calls++; return 7 })
	if a, b := f(), f(); a != 7 || b != 7 || calls != 1 {
		t.Fatal(calls)
	}
	g := sync.OnceValues(func() (int, error) { return 1, nil })
	if v, err := g(); v != 1 || err != nil {
		t.Fatal(v, err)
	}
	h := sync.OnceFunc(func() { calls++ })
	h()
	h()
	if calls != 2 {
		t.Fatal(calls)
	}
	var rw sync.RWMutex
	rw.RLock()
	rw.RLock()
	if rw.TryLock() {
		t.Fatal("TryLock with readers")
	}
	rw.RUnlock()
	rw.RUnlock()
}
