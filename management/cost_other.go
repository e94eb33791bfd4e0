//go:build !wasip1

package management

// Outside a canister there is no System API: the cost functions fail, and
// so does every call (callRaw never runs).

func costHTTPRequest(requestSize, maxResponseBytes uint64) (uint64, error) { return 0, errHost }

func costCreateCanister() (uint64, error) { return 0, errHost }

func costThreshold(fn string, keyName string, alg int32) (uint64, error) { return 0, errHost }

func canisterVersion() uint64 { return 0 }
