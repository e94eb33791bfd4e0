package replica

import "strings"

// execContext is where code runs: the context letters of the IC interface
// spec's System API imports table (spec "Overview of imports"). Every ic0 function
// checks the caller's context against its allowed set.
type execContext uint8

const (
	ctxI   execContext = iota // canister_init / canister_post_upgrade
	ctxG                      // canister_pre_upgrade
	ctxU                      // canister_update
	ctxRQ                     // canister_query, replicated
	ctxNRQ                    // canister_query, non-replicated
	ctxTQ                     // canister_query as an HTTP-outcall transform
	ctxCQ                     // canister_composite_query
	ctxRy                     // reply callback
	ctxRt                     // reject callback
	ctxCRy                    // reply callback in a composite query
	ctxCRt                    // reject callback in a composite query
	ctxC                      // cleanup callback
	ctxCC                     // cleanup callback in a composite query
	ctxS                      // the (start) function
	ctxF                      // canister_inspect_message
	ctxT                      // system task: heartbeat, global timer, low-memory hook
	numContexts
)

var contextLetters = [numContexts]string{"I", "G", "U", "RQ", "NRQ", "TQ", "CQ", "Ry", "Rt", "CRy", "CRt", "C", "CC", "s", "F", "T"}

func (c execContext) String() string { return contextLetters[c] }

// isQuery reports whether code in this context runs as a query: a
// query method, a composite query and its callbacks, a transform, or
// inspect_message.
func (c execContext) isQuery() bool {
	switch c {
	case ctxRQ, ctxNRQ, ctxTQ, ctxCQ, ctxCRy, ctxCRt, ctxCC, ctxF:
		return true
	}
	return false
}

// replicated reports whether code in this context runs replicated
// (ic0.in_replicated_execution).
func (c execContext) replicated() bool {
	switch c {
	case ctxNRQ, ctxTQ, ctxCQ, ctxCRy, ctxCRt, ctxCC, ctxF:
		return false
	}
	return true
}

// ctxSet is a set of contexts.
type ctxSet uint32

func (s ctxSet) has(c execContext) bool { return s&(1<<c) != 0 }

// contexts parses a space-separated list of letters as written in the
// spec's table; "*" is every context but s.
func contexts(letters string) ctxSet {
	var s ctxSet
	for _, l := range strings.Fields(letters) {
		switch l {
		case "*":
			for c := execContext(0); c < numContexts; c++ {
				if c != ctxS {
					s |= 1 << c
				}
			}
		case "Q": // only on msg_deadline, undefined in the legend: read as RQ NRQ (spec "Overview of imports")
			s |= 1<<ctxRQ | 1<<ctxNRQ
		default:
			found := false
			for c, name := range contextLetters {
				if name == l {
					s |= 1 << c
					found = true
				}
			}
			if !found {
				panic("replica: unknown context letter " + l)
			}
		}
	}
	return s
}
