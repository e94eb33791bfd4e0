// Package cgo is a port fixture: one file uses cgo.
package cgo

// Add adds.
func Add(a, b int) int { return a + b }
