package icctx

import "testing"

func TestRandModes(t *testing.T) {
	for _, c := range []struct {
		k    Kind
		want RandMode
	}{
		{None, RandInitializing}, {Init, RandInitializing},
		{Update, RandAllowed}, {Reply, RandAllowed}, {Reject, RandAllowed}, {Cleanup, RandAllowed},
		{System, RandAllowed}, {PreUpgrade, RandAllowed},
		{Query, RandDiscarded}, {Composite, RandDiscarded}, {CompositeCB, RandDiscarded},
		{CompositeCleanup, RandDiscarded}, {Inspect, RandDiscarded},
	} {
		if got := ModeOf(c.k); got != c.want {
			t.Errorf("%s: mode %d, want %d", c.k, got, c.want)
		}
	}
}

func TestBeginSetsCurrent(t *testing.T) {
	Begin(Query)
	if Current() != Query {
		t.Fatal(Current())
	}
	Begin(None)
	if Kind(200).String() != "an unknown context" {
		t.Fatal(Kind(200).String())
	}
}
