// Command badreg registers a handler the cdk refuses.
package main

import "github.com/icgo/icgo/cdk"

func init() {
	cdk.Query("ok", func() string { return "ok" })
	cdk.Update("bad", func(ch chan int) {})
}

func main() {}
