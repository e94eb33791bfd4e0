// Command baseline is sizecheck without the candid codec, for comparison.
package main

import "os"

func main() {
	name := os.Args[0]
	os.Stdout.Write([]byte("hello " + name))
}
