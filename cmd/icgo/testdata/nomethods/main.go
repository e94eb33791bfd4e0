// Command nomethods is a canister that registers nothing.
package main

import _ "github.com/icgo/icgo/cdk"

func main() {}
