// Package sync is the standard library's sync for canisters: the same
// types (they are aliases, so the method sets are identical and values mix
// with code that imports sync directly), plus Go, which starts a goroutine
// on the cdk's executor.
//
// Why aliases are enough: on the IC a goroutine that waits (for an
// inter-canister call, an icstd/time timer, a channel, a mutex) simply
// stays blocked while the message that started it returns; the executor
// in package cdk never blocks an entry point, it yields until every
// goroutine is finished or blocked. A Mutex held across an await is
// therefore still held when the reply arrives, and a goroutine waiting in
// Lock, Wait or RWMutex.RLock resumes in the message whose goroutine
// releases it. The standard implementations are correct here because the
// canister has one thread and no preemption.
//
// # Semantics by context
//
//	API                     init/post_upgrade    update / callback        query                     timer / heartbeat
//	Go(f)                   f runs now, up to    f runs now, up to its    f runs; its effects are   as in an update
//	                        its first wait;      first wait; later        discarded with the
//	                        waits continue in    messages resume it       query's
//	                        later messages
//	Mutex.Lock (contended)  traps: the hook      blocks the goroutine;    the handler cannot wait:  blocks; resumes when
//	                        must return in its   resumes in the message   the call is rejected      the holder unlocks
//	                        execution            that unlocks
//	WaitGroup.Wait          as Mutex.Lock        as Mutex.Lock            as Mutex.Lock             as Mutex.Lock
//	Once, OnceFunc, ...     as in Go             as in Go                 as in Go (discarded)      as in Go
//
// A method whose handler is still blocked when its execution ends is kept
// open by the executor (see package cdk, "Keep-alive"): it replies from a
// later execution of its own call context. Everything a message did before
// it waited is committed when it waits; a trap later rolls back only the
// message that trapped.
//
// A plain go statement works too: the goroutine runs within the message
// (the executor yields to every runnable goroutine before returning) and
// may wait across messages. Go adds a trap message naming the goroutine on
// panic, and lets a cleanup callback unwind the goroutine when the
// callback of its call traps.
package sync

import (
	"sync"

	"github.com/icgo/icgo/cdk"
)

// The standard library's types, unchanged.
type (
	Mutex     = sync.Mutex
	RWMutex   = sync.RWMutex
	WaitGroup = sync.WaitGroup
	Once      = sync.Once
	Cond      = sync.Cond
	Map       = sync.Map
	Pool      = sync.Pool
	Locker    = sync.Locker
)

// NewCond returns a new Cond with Locker l.
func NewCond(l Locker) *Cond { return sync.NewCond(l) }

// OnceFunc returns a function that invokes f only once (sync.OnceFunc).
func OnceFunc(f func()) func() { return sync.OnceFunc(f) }

// OnceValue returns a function that invokes f only once and returns its
// value (sync.OnceValue).
func OnceValue[T any](f func() T) func() T { return sync.OnceValue(f) }

// OnceValues returns a function that invokes f only once and returns its
// values (sync.OnceValues).
func OnceValues[T1, T2 any](f func() (T1, T2)) func() (T1, T2) { return sync.OnceValues(f) }

// Go starts f on a new goroutine of the cdk's executor (cdk.Go): it runs
// within the current message up to its first wait and survives past it.
func Go(f func()) { cdk.Go(f) }
