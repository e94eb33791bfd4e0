// Command timers shows icstd/time on a canister: a ticker started in init
// (and again after an upgrade, since timers are Go closures and do not
// survive one), one-shot timers scheduled by an update, and a method that
// sleeps before it replies.
//
//	icgo run ./examples/timers
//	> schedule (5 : nat64, "hello")
//	> log
package main

import (
	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/icstd/sync"
	"github.com/icgo/icgo/icstd/time"
)

var (
	ticks   uint64
	entries []string
	ticker  *time.Ticker
)

// startTicker counts a tick every 10 seconds on a goroutine that waits on
// the ticker's channel across messages.
func startTicker() {
	ticker = time.NewTicker(10 * time.Second)
	sync.Go(func() {
		for range ticker.C {
			ticks++
		}
	})
}

func init() {
	cdk.Init(func() { startTicker() })
	// The Go heap (and with it every pending timer) is replaced on upgrade:
	// create the timers again. State worth keeping goes to stable memory
	// in PreUpgrade.
	cdk.PostUpgrade(func() { startTicker() })

	// schedule appends msg to the log after secs seconds.
	cdk.Update("schedule", func(secs uint64, msg string) uint64 {
		at := time.Now().Add(time.Duration(secs) * time.Second)
		time.AfterFunc(time.Duration(secs)*time.Second, func() {
			entries = append(entries, at.Format(time.RFC3339)+" "+msg)
		})
		return uint64(cdk.PendingTimers())
	})

	// wait sleeps, then replies with the time it slept (block time). The
	// call stays open meanwhile (see icstd/time, "Sleep").
	cdk.Update("wait", func(secs uint64) string {
		t0 := time.Now()
		time.Sleep(time.Duration(secs) * time.Second)
		return "slept " + time.Since(t0).String()
	})

	// stop_ticker stops the ticker; the goroutine ranging over it stays
	// blocked (a stopped ticker's channel is never closed, as in package time).
	cdk.Update("stop_ticker", func() { ticker.Stop() })

	cdk.Query("ticks", func() uint64 { return ticks })
	cdk.Query("log", func() []string { return entries })
}

func main() {}
