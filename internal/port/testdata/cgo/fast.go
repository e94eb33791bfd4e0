package cgo

// #include <stdlib.h>
import "C"

// Rand is C's rand.
func Rand() int { return int(C.rand()) }
