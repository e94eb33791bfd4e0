module example.com/swapcache

go 1.26.0

require (
	github.com/google/uuid v1.6.0
	github.com/icgo/icgo v0.0.0
)

replace github.com/icgo/icgo => ../../../..
