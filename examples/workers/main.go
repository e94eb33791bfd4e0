// Command workers is a channel-based worker pool on a canister: an update
// fans a list of jobs out to a fixed number of worker goroutines, each of
// which makes inter-canister calls, and gathers the results in order. It
// is ordinary Go concurrency; the cdk's executor parks each worker on its
// call and resumes it in the call's callback.
//
//	icgo run ./examples/workers
//	> squares (principal "<this canister>", vec { 1; 2; 3; 4; 5 }, 3 : nat64)
package main

import (
	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/icstd/sync"
	"github.com/icgo/icgo/principal"
)

type job struct {
	index int
	x     uint64
}

type result struct {
	index int
	y     uint64
	err   error
}

// squares computes x*x for every x by calling target's square method, with
// at most workers calls in flight.
func squares(target principal.Principal, xs []uint64, workers uint64) ([]uint64, error) {
	if workers == 0 {
		workers = 1
	}
	jobs := make(chan job)
	results := make(chan result)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		sync.Go(func() {
			defer wg.Done()
			for j := range jobs {
				var y uint64
				err := cdk.Call(target, "square", []any{j.x}, &y)
				results <- result{j.index, y, err}
			}
		})
	}
	sync.Go(func() {
		for i, x := range xs {
			jobs <- job{i, x}
		}
		close(jobs)
	})
	sync.Go(func() {
		wg.Wait()
		close(results)
	})
	out := make([]uint64, len(xs))
	var first error
	for r := range results {
		if r.err != nil && first == nil {
			first = r.err
		}
		out[r.index] = r.y
	}
	return out, first
}

var served uint64

func init() {
	cdk.Update("squares", squares)
	// square is the method the workers call (on this canister or another
	// instance of it).
	cdk.Update("square", func(x uint64) uint64 {
		served++
		return x * x
	})
	cdk.Query("served", func() uint64 { return served })
}

func main() {}
