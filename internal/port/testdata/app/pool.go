package app

import "sync"

var pool = sync.Pool{New: func() any { return new([64]byte) }}
