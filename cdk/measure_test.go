package cdk_test

import (
	"strconv"
	"strings"
	"testing"
)

// Upper bounds on instruction counts. The replica's metering is
// deterministic, so these fail on a regression, not on noise; they leave
// about 1.5x room over what was measured when they were set.
const (
	// An empty update: measured ~66k-83k with a Gosched loop, ~93k since
	// the executor waits in the idle probe (it fires the standard
	// library's due timers and learns their next deadline); 92,728 and
	// 111,106 (inc) when these bounds were tightened.
	maxNoopInstructions = 100_000
	maxIncInstructions  = 120_000 // an update that bumps a counter
)

// TestMeasure checks the instruction costs of the executor's building
// blocks and of an empty update, repeated (the first messages pay for lazy
// runtime initialization), against upper bounds.
func TestMeasure(t *testing.T) {
	e := newEnv(t)
	id := e.install()
	e.settle()
	var out []string
	dec(t, e.update(id, "measure").Reply, &out)
	t.Log(out)
	// Measured: nothing=291 Gosched=28877 NumGoroutine=580 go+Gosched=49059
	// ArgData=1707 metrics.Read=187620 (lazy set-up) metrics.Read=7915
	// time.Now=1015 "100 ping-pongs"=3445942 "100 Gosched alone"=2934442.
	limits := map[string]int{
		"nothing":           2_000,
		"Gosched":           45_000,
		"NumGoroutine":      2_000,
		"go+Gosched":        75_000,
		"ArgData":           5_000,
		"metrics.Read":      15_000, // the second, warm read
		"time.Now":          3_000,
		"100 ping-pongs":    5_200_000,
		"100 Gosched alone": 4_400_000,
	}
	got := map[string]int{} // a repeated name keeps its last value
	for _, kv := range out {
		name, v, ok := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil {
			t.Fatalf("bad measurement %q", kv)
		}
		got[name] = n
	}
	for name, max := range limits {
		n, ok := got[name]
		if !ok {
			t.Errorf("%s: not measured", name)
		} else if n > max {
			t.Errorf("%s: %d instructions, want at most %d", name, n, max)
		}
	}
	for _, m := range []string{"noop", "noop", "noop", "noop", "inc", "inc"} {
		e.update(id, m)
		n, _ := e.r.LastInstructions(id)
		t.Logf("%s: %d instructions", m, n)
		max := uint64(maxNoopInstructions)
		if m == "inc" {
			max = maxIncInstructions
		}
		if n > max {
			t.Errorf("%s: %d instructions, want at most %d", m, n, max)
		}
	}
}
