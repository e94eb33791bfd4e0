package stable

import (
	"errors"
	"strconv"
)

// ErrCorrupt is wrapped by the errors (and panics) about memory that does
// not hold what a structure's header promises.
var ErrCorrupt = errors.New("stable: corrupt memory")

type corruptErr struct{ msg string }

func (e *corruptErr) Error() string { return "stable: corrupt memory: " + e.msg }
func (e *corruptErr) Unwrap() error { return ErrCorrupt }

func corrupt(msg string) error { return &corruptErr{msg} }

// u formats an integer for messages (the package avoids fmt to stay small
// in canisters).
func u(x uint64) string { return strconv.FormatUint(x, 10) }

// q quotes bytes for messages.
func q(b []byte) string { return strconv.Quote(string(b)) }
