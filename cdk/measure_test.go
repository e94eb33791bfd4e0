package cdk_test

import "testing"

// TestMeasure logs the instruction costs of the executor's building blocks
// and of an empty update, repeated (the first messages pay for lazy runtime
// initialization).
func TestMeasure(t *testing.T) {
	e := newEnv(t)
	id := e.install()
	var out []string
	dec(t, e.update(id, "measure").Reply, &out)
	t.Log(out)
	for _, m := range []string{"noop", "noop", "noop", "noop", "inc", "inc"} {
		e.update(id, m)
		n, _ := e.r.LastInstructions(id)
		t.Logf("%s: %d instructions", m, n)
	}
}
