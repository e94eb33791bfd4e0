module example.com/ported

go 1.26.0

require (
	github.com/google/uuid v1.6.0
	github.com/icgo/icgo v0.0.0
	github.com/oklog/ulid/v2 v2.1.1
	github.com/robfig/cron/v3 v3.0.1
	golang.org/x/time v0.16.0
)

replace github.com/icgo/icgo => ../../..
