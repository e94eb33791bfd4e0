// Command ported runs unchanged published libraries that use crypto/rand
// and the standard library's timers, for the e2e tests in
// cdk/ported_test.go. No import is swapped: the libraries are used as
// published.
package main

import (
	"context"
	crand "crypto/rand"
	"time"

	"github.com/google/uuid"
	"github.com/oklog/ulid/v2"
	"github.com/robfig/cron/v3"
	"golang.org/x/time/rate"

	"github.com/icgo/icgo/cdk"
)

var (
	limiter  = rate.NewLimiter(rate.Every(2*time.Second), 1)
	sched    *cron.Cron
	cronRuns []string
)

func init() {
	cdk.Update("uuid", func() string { return uuid.New().String() })
	cdk.Update("ulid", func() (string, error) {
		id, err := ulid.New(ulid.Timestamp(time.Now()), crand.Reader)
		return id.String(), err
	})
	// rate_wait waits for n tokens of a limiter that allows one every two
	// seconds (burst 1) and returns the seconds it waited.
	cdk.Update("rate_wait", func(n int) (int64, error) {
		t0 := time.Now()
		for range n {
			if err := limiter.Wait(context.Background()); err != nil {
				return 0, err
			}
		}
		return int64(time.Since(t0) / time.Second), nil
	})
	// cron_start schedules a job every 10 seconds (robfig/cron with a
	// seconds field) and starts the scheduler.
	cdk.Update("cron_start", func() error {
		sched = cron.New(cron.WithSeconds())
		_, err := sched.AddFunc("*/10 * * * * *", func() {
			cronRuns = append(cronRuns, time.Now().UTC().Format(time.TimeOnly))
		})
		if err != nil {
			return err
		}
		sched.Start()
		return nil
	})
	cdk.Query("cron_runs", func() []string { return cronRuns })
}

func main() {}
