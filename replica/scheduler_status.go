package replica

// Hooks between the scheduler and the canister lifecycle (lifecycle.go).

// callRejectFor returns the reject for a request to c when c does not
// accept new calls (stopping or stopped), nil otherwise.
func (r *Replica) callRejectFor(c *canister) *Reject { return c.callReject() }

// runsSystemTasks reports whether c runs heartbeats and global timers
// (only a running canister does).
func (r *Replica) runsSystemTasks(c *canister) bool { return c.runStatus() == StatusRunning }
