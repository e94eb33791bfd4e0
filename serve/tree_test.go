package serve

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/aviate-labs/agent-go/certification/hashtree"
	"github.com/stretchr/testify/require"
)

// The cached, bucketed ingress history holds the same labels and leaves as
// the plain tree of the same statuses (its forks differ: any fork shape is
// valid), its cached digest is that of its full tree, and pruning keeps the
// digest while revealing only what was asked.
func TestHistoryTree(t *testing.T) {
	h := newHistory()
	plain := newTree()
	var ids [][32]byte
	for i := range 600 {
		id := sha256.Sum256(fmt.Appendf(nil, "%d", i))
		ids = append(ids, id)
		st := &requestStatus{state: "replied", out: outcome{reply: []byte{byte(i)}}}
		h.put(id, st)
		plain.set([]byte("replied"), string(id[:]), "status")
		plain.set([]byte{byte(i)}, string(id[:]), "reply")
	}
	want := h.prune(nil, true).Reconstruct()
	require.Equal(t, want, h.digest())
	samePaths(t, plain.prune(nil, true), h.prune(nil, true))

	// Reveal one status: same digest, its reply readable, another's not.
	n := h.prune([][]string{{string(ids[7][:])}}, false)
	require.Equal(t, want, n.Reconstruct())
	reply, err := hashtree.Lookup(n, ids[7][:], hashtree.Label("reply"))
	require.NoError(t, err)
	require.Equal(t, []byte{7}, reply)
	_, err = hashtree.Lookup(n, ids[8][:], hashtree.Label("reply"))
	require.Error(t, err)

	// A change invalidates the caches.
	h.entries[ids[3]].out.reply = []byte("changed")
	h.changed(ids[3])
	plain.set([]byte("changed"), string(ids[3][:]), "reply")
	require.NotEqual(t, want, h.digest())
	require.Equal(t, h.prune(nil, true).Reconstruct(), h.digest())
	samePaths(t, plain.prune(nil, true), h.prune(nil, true))

	// An absent id is provably absent.
	absent := sha256.Sum256([]byte("absent"))
	n = h.prune([][]string{{string(absent[:])}}, false)
	_, err = hashtree.Lookup(n, absent[:], hashtree.Label("status"))
	var le hashtree.LookupError
	require.ErrorAs(t, err, &le)
	require.Equal(t, hashtree.LookupResultAbsent, le.Type, "%v", err)
}

func samePaths(t *testing.T, a, b hashtree.Node) {
	t.Helper()
	pa, err := hashtree.AllPaths(a)
	require.NoError(t, err)
	pb, err := hashtree.AllPaths(b)
	require.NoError(t, err)
	require.Equal(t, pa, pb)
}

// The history counts the bytes of the results it keeps.
func TestHistoryBytes(t *testing.T) {
	h := newHistory()
	id := sha256.Sum256([]byte("x"))
	h.put(id, &requestStatus{state: "processing"})
	require.Zero(t, h.bytes)
	h.entries[id].state, h.entries[id].out.reply = "replied", make([]byte, 100)
	h.finished(id)
	require.Equal(t, 100, h.bytes)
	h.del(id)
	require.Zero(t, h.bytes)
	require.Zero(t, h.len())
}
