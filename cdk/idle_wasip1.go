//go:build wasip1

package cdk

import (
	"os"

	"github.com/icgo/icgo/internal/abi"
)

// The idle probe (internal/abi.IdleFD): a read of the probe's fd parks the
// entry point's goroutine in the Go runtime's poller; the runtime runs
// every other goroutine (and fires its due timers) and, when nothing is
// left to run, polls (WASI poll_oneoff) with the deadline of its next
// timer. The post-processor's poll_oneoff answers that poll with the
// probe's read event, so the read returns, with the deadline.
var (
	idleFile *os.File
	idleBuf  [8]byte
)

// waitIdle returns once no goroutine can run, with the deadline of the Go
// runtime's next timer (ns of IC time; 0: none).
func waitIdle() int64 {
	if idleFile == nil {
		idleFile = os.NewFile(abi.IdleFD, "icgo-idle-probe")
	}
	n, err := idleFile.Read(idleBuf[:])
	if err != nil || n != len(idleBuf) {
		msg := "short read"
		if err != nil {
			msg = err.Error()
		}
		Trap("cdk: the executor's idle probe failed (" + msg + "): the module was not post-processed by this version of icgo; rebuild it with icgo build")
	}
	return int64(le64(idleBuf[:]))
}
