package replica

// The low Wasm memory hook (IC interface specification, "Canister
// settings", wasm_memory_threshold, and "Entry points",
// canister_on_low_wasm_memory): when the canister's free Wasm memory, its
// wasm_memory_limit (4 GiB when unset) less the memory in use, falls below
// its wasm_memory_threshold, the hook is scheduled as a message of its own
// after the execution that crossed it; it runs again only after free memory
// rose above the threshold and fell below it again.

// lowMemoryStatus is the hook's status, as canister_status reports it in
// the IC's on_low_wasm_memory_hook_status.
type lowMemoryStatus uint8

const (
	lowMemoryNotSatisfied lowMemoryStatus = iota
	lowMemoryExecuted
)

// lowMemoryCondition reports whether c's free Wasm memory is below its
// threshold.
func (r *Replica) lowMemoryCondition(c *canister) bool {
	threshold := r.sched.mgmt.settingsOf(c.id).wasmMemoryThreshold
	if threshold == 0 || c.inst == nil {
		return false
	}
	limit := c.wasmMemoryLimit
	if limit == 0 || limit > MaxWasmMemory {
		limit = MaxWasmMemory
	}
	used := uint64(c.inst.Memory().Size())
	return used >= limit || limit-used < threshold
}

// lowMemoryHook runs canister_on_low_wasm_memory if the condition holds
// and the hook has not run since it last became true; the round's system
// tasks call it, so the hook runs in the round after the crossing.
func (r *Replica) lowMemoryHook(c *canister) error {
	if !r.lowMemoryCondition(c) {
		c.lowMemory = lowMemoryNotSatisfied
		return nil
	}
	if c.lowMemory == lowMemoryExecuted || !c.code.exports["canister_on_low_wasm_memory"] {
		return nil
	}
	c.lowMemory = lowMemoryExecuted
	return r.systemTask(c, "canister_on_low_wasm_memory")
}
