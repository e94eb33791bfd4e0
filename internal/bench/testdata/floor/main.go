// Command floor is the smallest Go program: its module is what the Go
// runtime alone costs (internal/bench).
package main

func main() {}
