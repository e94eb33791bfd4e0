package serve

import (
	"bytes"
	"slices"

	"github.com/aviate-labs/agent-go/certification/hashtree"
	"github.com/icgo/icgo/internal/wasm"
)

// history is the ingress history, certified as the request_status subtree
// of the state tree (IC interface specification, section "The system
// state tree > Request status"). A certificate covers the whole history,
// but reveals only the requested statuses: the rest is pruned to digests.
// So that a certificate costs O(n/256 + 256) hashes rather than O(n), the
// entries are grouped by the first byte of their request id (labels stay
// in order), and each group's digest, and each entry's, is cached until it
// changes. Callers hold Server.mu.
type history struct {
	entries map[[32]byte]*requestStatus
	buckets [256]bucket
	bytes   int // of the replies and reject messages kept
}

type bucket struct {
	ids    map[[32]byte]struct{}
	digest *[32]byte // nil: to compute
}

func newHistory() *history { return &history{entries: map[[32]byte]*requestStatus{}} }

func (h *history) get(id [32]byte) (*requestStatus, bool) {
	st, ok := h.entries[id]
	return st, ok
}

func (h *history) len() int { return len(h.entries) }

func (h *history) put(id [32]byte, st *requestStatus) {
	if old, ok := h.entries[id]; ok {
		h.bytes -= old.size()
	}
	h.entries[id] = st
	h.bytes += st.size()
	b := &h.buckets[id[0]]
	if b.ids == nil {
		b.ids = map[[32]byte]struct{}{}
	}
	b.ids[id] = struct{}{}
	h.changed(id)
}

func (h *history) del(id [32]byte) {
	if st, ok := h.entries[id]; ok {
		h.bytes -= st.size()
	}
	delete(h.entries, id)
	delete(h.buckets[id[0]].ids, id)
	h.buckets[id[0]].digest = nil
}

// finished records that the status of a processing entry was set.
func (h *history) finished(id [32]byte) {
	if st, ok := h.entries[id]; ok {
		h.bytes += st.size()
		h.changed(id)
	}
}

// changed drops the cached digests of an entry whose status changed.
func (h *history) changed(id [32]byte) {
	if st, ok := h.entries[id]; ok {
		st.node = nil
	}
	h.buckets[id[0]].digest = nil
}

// entryNode is request_status/<id>, labeled, fully revealed.
func (h *history) entryNode(id [32]byte) hashtree.Node {
	st := h.entries[id]
	if st.node == nil {
		t := newTree()
		t.set([]byte(st.state), "status")
		switch st.state {
		case "replied":
			t.set(st.out.reply, "reply")
		case "rejected":
			t.set(wasm.AppendULEB(nil, uint64(st.out.reject.Code)), "reject_code")
			t.set([]byte(st.out.reject.Message), "reject_message")
			if st.out.reject.ErrorCode != "" {
				t.set([]byte(st.out.reject.ErrorCode), "error_code")
			}
		}
		st.tree = t
		st.node = hashtree.Labeled{Label: id[:], Tree: t.prune(nil, true)}
		st.digest = st.node.Reconstruct()
	}
	return st.node
}

func (h *history) sortedIDs(b int) [][32]byte {
	ids := make([][32]byte, 0, len(h.buckets[b].ids))
	for id := range h.buckets[b].ids {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(x, y [32]byte) int { return bytes.Compare(x[:], y[:]) })
	return ids
}

// bucketNode is bucket b's forks, revealing the entries in want (by id:
// the paths below the id) or all of them; with labels, every id is shown
// (its status pruned), to prove that an id asked for is absent.
func (h *history) bucketNode(b int, want map[[32]byte][][]string, all, labels bool) hashtree.Node {
	ids := h.sortedIDs(b)
	missing := labels
	nodes := make([]hashtree.Node, len(ids))
	revealed := make([]bool, len(ids))
	for i, id := range ids {
		full := h.entryNode(id)
		sub, asked := want[id]
		switch {
		case all:
			nodes[i], revealed[i] = full, true
		case asked:
			nodes[i], revealed[i] = hashtree.Labeled{Label: id[:], Tree: h.entries[id].tree.prune(sub, false)}, true
		case missing:
			nodes[i], revealed[i] = hashtree.Labeled{Label: id[:], Tree: hashtree.Pruned(full.(hashtree.Labeled).Tree.Reconstruct())}, true
		default:
			nodes[i] = hashtree.Pruned(h.entries[id].digest)
		}
	}
	return forks(nodes, revealed)
}

func (h *history) bucketDigest(b int) [32]byte {
	bk := &h.buckets[b]
	if bk.digest == nil {
		d := h.bucketNode(b, nil, false, false).Reconstruct()
		bk.digest = &d
	}
	return *bk.digest
}

// prune is the request_status subtree revealing paths (each starting with
// a request id) or everything.
func (h *history) prune(paths [][]string, all bool) hashtree.Node {
	want := map[[32]byte][][]string{}
	for _, p := range paths {
		if len(p) == 0 {
			all = true
			break
		}
		if len(p[0]) != 32 {
			all = true // a label that is no request id: prove its absence with every label
			break
		}
		want[[32]byte([]byte(p[0]))] = append(want[[32]byte([]byte(p[0]))], p[1:])
	}
	// An id asked for that is absent is proven absent by the labels
	// around it, which may be in other buckets: then every label is shown
	// (a rare case: clients ask for the ids of requests they sent).
	labels := false
	for id := range want {
		if _, ok := h.entries[id]; !ok {
			labels = true
		}
	}
	var nodes []hashtree.Node
	var revealed []bool
	for b := range h.buckets {
		if len(h.buckets[b].ids) == 0 {
			continue
		}
		asked := all || labels
		for id := range want {
			if int(id[0]) == b {
				asked = true
			}
		}
		if asked {
			nodes, revealed = append(nodes, h.bucketNode(b, want, all, labels)), append(revealed, true)
		} else {
			nodes, revealed = append(nodes, hashtree.Pruned(h.bucketDigest(b))), append(revealed, false)
		}
	}
	return forks(nodes, revealed)
}

func (h *history) digest() [32]byte { return h.prune(nil, false).Reconstruct() }

// size is what an entry's result takes (for the history's byte bound).
func (st *requestStatus) size() int {
	if st.out.reject != nil {
		return len(st.out.reject.Message)
	}
	return len(st.out.reply)
}
