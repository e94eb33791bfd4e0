// Command stablecan is the test canister of package stable: a
// BTreeMap[uint64, uint64] with bulk operations for the instruction
// benchmarks, the upgrade tests and the rollback tests.
package main

import (
	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/cdk/stable"
)

var (
	mm = stable.Must(stable.NewMemoryManager(stable.Stable()))
	m  = stable.Must(stable.NewBTreeMap[uint64, uint64](mm.Memory(0)))

	trapInPreUpgrade bool // heap state: set by an update, read by pre_upgrade
)

// key spreads i over the key space (a bijection on uint64), so that
// inserts land all over the tree, as canbench's random keys do.
func key(i uint64) uint64 { return i * 0x9E3779B97F4A7C15 }

func init() {
	// insert inserts keys key(from) .. key(from+n-1), value i, and returns
	// the instructions used, per item.
	cdk.Update("insert", func(from, n uint64) uint64 {
		c := cdk.InstructionCounter()
		for i := from; i < from+n; i++ {
			m.Insert(key(i), i)
		}
		return (cdk.InstructionCounter() - c) / max(n, 1)
	})
	// get looks up keys key(from) .. and traps on a missing or wrong value.
	cdk.Query("get", func(from, n uint64) uint64 {
		c := cdk.InstructionCounter()
		for i := from; i < from+n; i++ {
			if v, ok := m.Get(key(i)); !ok || v != i {
				cdk.Trap("get: wrong value")
			}
		}
		return (cdk.InstructionCounter() - c) / max(n, 1)
	})
	cdk.Update("remove", func(from, n uint64) uint64 {
		c := cdk.InstructionCounter()
		for i := from; i < from+n; i++ {
			if _, ok := m.Remove(key(i)); !ok {
				cdk.Trap("remove: missing key")
			}
		}
		return (cdk.InstructionCounter() - c) / max(n, 1)
	})
	// scan iterates over the whole map in order and returns the
	// instructions per item, the count and a checksum of the values.
	cdk.Query("scan", func() (uint64, uint64, uint64) {
		c := cdk.InstructionCounter()
		var n, sum uint64
		prev, first := uint64(0), true
		for k, v := range m.All() {
			if !first && k <= prev {
				cdk.Trap("scan: out of order")
			}
			prev, first = k, false
			n++
			sum += v
		}
		return (cdk.InstructionCounter() - c) / max(n, 1), n, sum
	})
	cdk.Query("len", func() uint64 { return m.Len() })
	// insert_then_trap inserts n entries, then traps: the IC rolls the
	// stable memory back.
	cdk.Update("insert_then_trap", func(from, n uint64) {
		for i := from; i < from+n; i++ {
			m.Insert(key(i), i)
		}
		panic("trap after inserting")
	})
	cdk.Update("set_trap_in_pre_upgrade", func(b bool) { trapInPreUpgrade = b })
	cdk.PreUpgrade(func() {
		if trapInPreUpgrade {
			panic("pre_upgrade traps on purpose")
		}
	})
}

func main() {}
