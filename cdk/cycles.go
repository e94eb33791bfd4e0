package cdk

import (
	"unsafe"

	"github.com/icgo/icgo/cdk/ic0"
)

// Cycles is an amount of cycles. The System API counts cycles in 128 bits
// (IC interface specification, "Cycles"); most amounts fit in Low.
type Cycles struct {
	High, Low uint64
}

// NewCycles returns n cycles.
func NewCycles(n uint64) Cycles { return Cycles{Low: n} }

// Uint64 returns the amount and whether it fits in 64 bits.
func (c Cycles) Uint64() (uint64, bool) { return c.Low, c.High == 0 }

// IsZero reports whether c is no cycles.
func (c Cycles) IsZero() bool { return c == Cycles{} }

// String is the amount in decimal.
func (c Cycles) String() string { return formatU128(c.High, c.Low) }

func cyclesAt(b *[16]byte) Cycles { return Cycles{High: le64(b[8:]), Low: le64(b[:8])} }

// MsgCyclesAvailable returns the cycles the caller attached to this message
// that have not been accepted yet (ic0.msg_cycles_available128). The IC
// allows it in updates and their callbacks and in replicated queries; it
// traps elsewhere.
func MsgCyclesAvailable() Cycles {
	var b [16]byte
	ic0.MsgCyclesAvailable128(unsafe.Pointer(&b[0]))
	return cyclesAt(&b)
}

// MsgCyclesAccept moves up to max of the attached cycles to the canister's
// balance and returns how many it moved (ic0.msg_cycles_accept128). What
// is not accepted goes back to the caller with the reply.
func MsgCyclesAccept(max Cycles) Cycles {
	var b [16]byte
	ic0.MsgCyclesAccept128(int64(max.High), int64(max.Low), unsafe.Pointer(&b[0]))
	return cyclesAt(&b)
}

// MsgCyclesRefunded returns the cycles that came back with the response
// being handled, in a reply or reject callback
// (ic0.msg_cycles_refunded128); for a call made with cdk.Call, see
// Future.CyclesRefunded.
func MsgCyclesRefunded() Cycles {
	c := cyclesRefunded()
	return Cycles{High: c[0], Low: c[1]}
}

// CanisterBalance returns the canister's cycle balance
// (ic0.canister_cycle_balance128).
func CanisterBalance() Cycles {
	var b [16]byte
	ic0.CanisterCycleBalance128(unsafe.Pointer(&b[0]))
	return cyclesAt(&b)
}

// CanisterLiquidBalance returns the part of the balance the canister can
// spend without freezing (ic0.canister_liquid_cycle_balance128).
func CanisterLiquidBalance() Cycles {
	var b [16]byte
	ic0.CanisterLiquidCycleBalance128(unsafe.Pointer(&b[0]))
	return cyclesAt(&b)
}
