package management

import "github.com/icgo/icgo/cdk"

// callRaw is the one place this package reaches the cdk's inter-canister
// call API: it calls method of aaaaa-aa with the Candid argument arg and
// cycles attached, parks the calling goroutine until the reply, and returns
// the reply's bytes, or the reject as a *cdk.CallError (reject code and
// message). Where calls are not allowed (queries, init, pre_upgrade,
// inspect_message, cleanup) the cdk returns an error without calling.
func callRaw(method string, arg []byte, cycles uint64) ([]byte, error) {
	f, err := cdk.NewCall(ID, method).WithRawArgs(arg).WithCycles(cycles).Start()
	if err != nil {
		return nil, err
	}
	return f.WaitRaw()
}
