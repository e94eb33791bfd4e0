//go:build !wasip1

package cdk

func flushStdout() {}
