module example.com/swapapp

go 1.26.0

require (
	example.com/lockdep v0.0.0
	github.com/icgo/icgo v0.0.0
)

replace (
	example.com/lockdep => ./lockdep
	github.com/icgo/icgo => ../../../..
)
