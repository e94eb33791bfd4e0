// Command cyclescan exercises the cdk's cycles API: one instance accepts
// what another sends.
package main

import (
	"fmt"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/principal"
)

func init() {
	cdk.Query("balance", func() string { return cdk.CanisterBalance().String() })
	// take accepts up to max of the attached cycles.
	cdk.Update("take", func(max uint64) string {
		avail := cdk.MsgCyclesAvailable()
		got := cdk.MsgCyclesAccept(cdk.NewCycles(max))
		return fmt.Sprintf("available %s, accepted %s", avail, got)
	})
	// send calls take on other with n cycles attached.
	cdk.Update("send", func(other principal.Principal, n, max uint64) (string, error) {
		f, err := cdk.NewCall(other, "take").WithArgs(max).WithCycles(n).Start()
		if err != nil {
			return "", err
		}
		var answer string
		if err := f.Wait(&answer); err != nil {
			return "", err
		}
		_, refunded := f.CyclesRefunded()
		return fmt.Sprintf("%s; refunded %d", answer, refunded), nil
	})
}

func main() {}
