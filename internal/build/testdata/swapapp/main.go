// Command swapapp uses lockdep, whose lock is held across an
// inter-canister call and a back-off sleep.
package main

import (
	"example.com/lockdep"

	"github.com/icgo/icgo/cdk"
)

var serial = lockdep.Serial{Backoff: 5e9} // 5 s

func init() {
	cdk.Update("ping", func() uint64 { return 1 })
	cdk.Update("run", func(name string) ([]string, error) {
		attempts := 0
		err := serial.Do(name, func() error {
			var n uint64
			if err := cdk.Call(cdk.Self(), "ping", nil, &n); err != nil {
				return err
			}
			if attempts++; attempts == 1 {
				return lockdep.ErrBusy // the first attempt backs off
			}
			return nil
		})
		return serial.Log(), err
	})
}

func main() {}
