package time_test

import (
	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/icstd/time"
)

// A canister that polls every minute, started when it is installed and
// again after each upgrade (timers do not survive upgrades).
func ExampleNewTicker() {
	start := func() {
		cdk.Go(func() {
			t := time.NewTicker(time.Minute)
			for now := range t.C {
				cdk.Print("tick at " + now.Format(time.RFC3339))
			}
		})
	}
	cdk.Init(start)
	cdk.PostUpgrade(start)
}
