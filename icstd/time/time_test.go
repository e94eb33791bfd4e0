package time_test

import (
	"testing"
	stdtime "time"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/icstd/time"
)

// Swapping the import must compile: the functions and types have the
// standard library's signatures.
var (
	_ func(stdtime.Duration) <-chan stdtime.Time = time.After
	_ func(stdtime.Duration) <-chan stdtime.Time = time.Tick
	_ func(stdtime.Duration)                     = time.Sleep
	_ func() stdtime.Time                        = time.Now
	_ func(stdtime.Time) stdtime.Duration        = time.Since
	_ func(stdtime.Time) stdtime.Duration        = time.Until
	_ func(string) (stdtime.Duration, error)     = time.ParseDuration
	_ func(string, string) (stdtime.Time, error) = time.Parse
	_ func(stdtime.Duration) *time.Timer         = time.NewTimer
	_ func(stdtime.Duration, func()) *time.Timer = time.AfterFunc
	_ func(stdtime.Duration) *time.Ticker        = time.NewTicker
	_ interface {
		Stop() bool
		Reset(time.Duration) bool
	} = (*time.Timer)(nil)
	_ interface {
		Stop()
		Reset(time.Duration)
	} = (*time.Ticker)(nil)
)

func TestReexports(t *testing.T) {
	require.Equal(t, stdtime.Second, time.Second)
	require.Equal(t, stdtime.RFC3339, time.RFC3339)
	d, err := time.ParseDuration("1h30m")
	require.NoError(t, err)
	require.Equal(t, 90*stdtime.Minute, d)
	at, err := time.Parse(time.RFC3339, "2026-11-24T10:00:00Z")
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, time.November, 24, 10, 0, 0, 0, time.UTC), at)
	require.Equal(t, stdtime.Tuesday, at.Weekday())
}

// Outside a canister there are no IC timers: sleeping fails loudly instead
// of silently using the host's clock.
func TestSleepOutsideCanisterPanics(t *testing.T) {
	require.Panics(t, func() { time.Sleep(stdtime.Millisecond) })
}
