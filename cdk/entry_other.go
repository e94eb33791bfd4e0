//go:build !wasip1

package cdk

func flushStdout() {}

func callbackIndices() (reply, reject, cleanup uint32) {
	panic("cdk: inter-canister calls are only available inside a canister (build with icgo build, run on the icgo replica or the IC)")
}
