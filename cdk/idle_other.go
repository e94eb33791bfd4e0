//go:build !wasip1

package cdk

import (
	"runtime"
	"runtime/metrics"
)

// Outside a canister there is no idle probe: drive yields until the
// scheduler's run queues are empty, and the standard library's timers
// are not the executor's business.

var runnableSample = []metrics.Sample{{Name: "/sched/goroutines/runnable:goroutines"}}

func waitIdle() int64 {
	for runtime.NumGoroutine()-1 != blockedKnown() {
		runtime.Gosched()
		metrics.Read(runnableSample)
		if runnableSample[0].Value.Kind() != metrics.KindUint64 || runnableSample[0].Value.Uint64() == 0 {
			break
		}
	}
	return 0
}

// blockedKnown is the number of goroutines the executor knows to be
// blocked: idle pooled goroutines and goroutines parked in Future.Wait or
// Sleep whose wake-up has not come yet. The goroutine running the export
// is the one more that runtime.NumGoroutine counts.
func blockedKnown() int { return len(idleWorkers) + state.parked }
