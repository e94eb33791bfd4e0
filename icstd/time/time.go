// Package time is the standard library's time for canisters: the same
// types and functions (aliases and wrappers, so swapping the import
// compiles), with Sleep, After, AfterFunc, NewTimer, NewTicker and Tick
// running on IC timers through the cdk's executor instead of blocking.
//
// Now is the IC's block time (ic0.time): constant within one message and
// increasing between messages. The standard library's time.Now returns the
// same inside a canister (the build maps WASI clock_time_get to ic0.time),
// and its timers (time.Sleep, Timer, Ticker, AfterFunc, context deadlines)
// also fire on the IC's global timer, so unported code works; this package
// adds Sleep that panics clearly in a query, timers visible to
// cdk.PendingTimers, and AfterFunc functions started with cdk.Go. See
// docs/semantics.md in the repository for how the two share the global
// timer.
//
// # Timers
//
// Every timer of this package is an entry in the cdk's timer heap
// (cdk.SetTimerNotify), which multiplexes the canister's one global timer:
// many thousands of pending timers cost a heap entry each, and firing one
// costs O(log n). A timer fires in the first canister_global_timer
// execution at or after its deadline (on the IC, within a round or two of
// it), never earlier. Timer and Ticker channels have a buffer of one:
// ticks that nobody receives are dropped, as in package time; Stop and
// Reset empty the channel (the Go 1.23 semantics: no stale value after
// them).
//
// Timers are Go closures and the Go heap is replaced on upgrade (and the
// IC deactivates the global timer then): pending timers do not survive an
// upgrade. Create them again in a cdk.PostUpgrade hook, from state you kept
// in stable memory, as with Rust's ic-cdk-timers.
//
// # Semantics by context
//
//	API                       init / post_upgrade        update method              query                    callback           timer / heartbeat
//	Now, Since, Until         block time                 block time                 block time               block time         block time
//	Sleep(d)                  traps at the end of init   parks the goroutine; the   panics (queries cannot   as in an update    parks the goroutine on
//	                          (the hook must return);    method stays open through  wait)                                       a timer; no reply owed
//	                          fine in a goroutine        keep-alive self-calls and
//	                          started with sync.Go       replies after the deadline
//	After, NewTimer, Tick,    timer armed, fires later   timer armed, fires later   created, then discarded  as in an update    timer armed
//	NewTicker, AfterFunc                                                            with the query's state
//	<-timer.C in a handler    as Sleep                   as Sleep                   call rejected: a query   as in an update    parks
//	                                                                                cannot wait
//	AfterFunc's f             runs on its own goroutine in a canister_global_timer execution (context T): it may call other canisters, has no caller
//	Stop, Reset               as in package time, in every context
//
// In a method that still owes its reply, Sleep (and any other wait that
// nothing pending in the method's own call context will end) keeps the
// call context alive: the cdk makes a keep-alive call in that context, to
// the management canister's raw_rand, which answers in the next round, and
// again while the method waits; the method's goroutine resumes after the
// deadline and its reply is sent from the callback of one of them, in its
// own call context, so it reaches its caller. Each keep-alive is an
// inter-canister call (one per round, and its fee): sleeping a minute costs
// about one call per round of that minute. A timer cannot reply for the
// method: the IC only accepts a reply from the method's own call context.
// (cdk package documentation, "Keep-alive".)
package time

import (
	"time"

	"github.com/icgo/icgo/cdk"
)

// Types of package time.
type (
	Duration   = time.Duration
	Time       = time.Time
	Month      = time.Month
	Weekday    = time.Weekday
	Location   = time.Location
	ParseError = time.ParseError
)

// Durations.
const (
	Nanosecond  = time.Nanosecond
	Microsecond = time.Microsecond
	Millisecond = time.Millisecond
	Second      = time.Second
	Minute      = time.Minute
	Hour        = time.Hour
)

// Layouts.
const (
	Layout      = time.Layout
	ANSIC       = time.ANSIC
	UnixDate    = time.UnixDate
	RubyDate    = time.RubyDate
	RFC822      = time.RFC822
	RFC822Z     = time.RFC822Z
	RFC850      = time.RFC850
	RFC1123     = time.RFC1123
	RFC1123Z    = time.RFC1123Z
	RFC3339     = time.RFC3339
	RFC3339Nano = time.RFC3339Nano
	Kitchen     = time.Kitchen
	Stamp       = time.Stamp
	StampMilli  = time.StampMilli
	StampMicro  = time.StampMicro
	StampNano   = time.StampNano
	DateTime    = time.DateTime
	DateOnly    = time.DateOnly
	TimeOnly    = time.TimeOnly
)

// Months.
const (
	January   = time.January
	February  = time.February
	March     = time.March
	April     = time.April
	May       = time.May
	June      = time.June
	July      = time.July
	August    = time.August
	September = time.September
	October   = time.October
	November  = time.November
	December  = time.December
)

// Weekdays.
const (
	Sunday    = time.Sunday
	Monday    = time.Monday
	Tuesday   = time.Tuesday
	Wednesday = time.Wednesday
	Thursday  = time.Thursday
	Friday    = time.Friday
	Saturday  = time.Saturday
)

// Locations. A canister has no time zone database: Local is UTC.
var (
	UTC   = time.UTC
	Local = time.Local
)

// Now returns the IC's block time: constant within one message, increasing
// between messages (ic0.time through the standard library's clock).
func Now() Time { return time.Now() }

// Since returns the time elapsed since t (Now().Sub(t)).
func Since(t Time) Duration { return time.Since(t) }

// Until returns the duration until t (t.Sub(Now())).
func Until(t Time) Duration { return time.Until(t) }

// Unix returns the local Time for the Unix time sec, nsec.
func Unix(sec, nsec int64) Time { return time.Unix(sec, nsec) }

// UnixMilli returns the local Time for the Unix time msec milliseconds.
func UnixMilli(msec int64) Time { return time.UnixMilli(msec) }

// UnixMicro returns the local Time for the Unix time usec microseconds.
func UnixMicro(usec int64) Time { return time.UnixMicro(usec) }

// Date returns the Time for the given date in loc (time.Date).
func Date(year int, month Month, day, hour, min, sec, nsec int, loc *Location) Time {
	return time.Date(year, month, day, hour, min, sec, nsec, loc)
}

// Parse parses a formatted string (time.Parse).
func Parse(layout, value string) (Time, error) { return time.Parse(layout, value) }

// ParseInLocation is time.ParseInLocation.
func ParseInLocation(layout, value string, loc *Location) (Time, error) {
	return time.ParseInLocation(layout, value, loc)
}

// ParseDuration parses a duration string such as "300ms" or "1h45m".
func ParseDuration(s string) (Duration, error) { return time.ParseDuration(s) }

// FixedZone returns a Location that always uses name and offset.
func FixedZone(name string, offset int) *Location { return time.FixedZone(name, offset) }

// LoadLocation is time.LoadLocation (only "UTC" and "" work in a canister,
// which has no time zone database, unless the program imports
// time/tzdata).
func LoadLocation(name string) (*Location, error) { return time.LoadLocation(name) }

// LoadLocationFromTZData is time.LoadLocationFromTZData.
func LoadLocationFromTZData(name string, data []byte) (*Location, error) {
	return time.LoadLocationFromTZData(name, data)
}

// Sleep pauses the calling goroutine for at least d of IC time; the
// canister goes on serving other messages meanwhile. See the package
// documentation for the contexts (in a method that owes a reply it keeps
// the method open with keep-alive calls to raw_rand; in a query it panics).
func Sleep(d Duration) { cdk.Sleep(d) }

// Timer is time.Timer on an IC timer. C receives the block time at which
// the timer fired (nil for AfterFunc timers).
type Timer struct {
	C  <-chan Time
	c  chan Time
	f  func()
	id cdk.TimerID
}

// NewTimer creates a Timer that sends the time on C after at least d.
func NewTimer(d Duration) *Timer {
	c := make(chan Time, 1)
	t := &Timer{C: c, c: c}
	t.start(d)
	return t
}

// After waits for d to pass and then sends the time on the returned
// channel (NewTimer(d).C).
func After(d Duration) <-chan Time { return NewTimer(d).C }

// AfterFunc calls f on its own goroutine (cdk.Go) after d, in a timer
// execution. Stop cancels the call if it has not started.
func AfterFunc(d Duration, f func()) *Timer {
	t := &Timer{f: f}
	t.start(d)
	return t
}

func (t *Timer) start(d Duration) {
	t.id = cdk.SetTimerNotify(d, 0, t.fire)
}

func (t *Timer) fire(now Time) {
	if t.f != nil {
		cdk.Go(t.f)
		return
	}
	select {
	case t.c <- now:
	default:
	}
}

// Stop prevents the Timer from firing; it reports whether the call
// stopped the timer (false if it had already fired or been stopped). The
// channel is emptied: no stale value is received after Stop.
func (t *Timer) Stop() bool {
	if t.c == nil && t.f == nil {
		panic("time: Stop called on uninitialized Timer")
	}
	ok := cdk.ClearTimer(t.id)
	t.drain()
	return ok
}

// Reset changes the timer to fire after d; it reports whether the timer
// was active. The channel is emptied first.
func (t *Timer) Reset(d Duration) bool {
	if t.c == nil && t.f == nil {
		panic("time: Reset called on uninitialized Timer")
	}
	ok := cdk.ClearTimer(t.id)
	t.drain()
	t.start(d)
	return ok
}

func (t *Timer) drain() {
	if t.c == nil {
		return
	}
	select {
	case <-t.c:
	default:
	}
}

// Ticker is time.Ticker on a periodic IC timer: C receives the block time
// of each tick; ticks nobody receives are dropped.
type Ticker struct {
	C  <-chan Time
	c  chan Time
	id cdk.TimerID
}

// NewTicker returns a Ticker that ticks every d (d must be positive).
func NewTicker(d Duration) *Ticker {
	if d <= 0 {
		panic("non-positive interval for NewTicker")
	}
	c := make(chan Time, 1)
	t := &Ticker{C: c, c: c}
	t.id = cdk.SetTimerNotify(d, d, t.fire)
	return t
}

// Tick is NewTicker(d).C, or nil if d <= 0.
func Tick(d Duration) <-chan Time {
	if d <= 0 {
		return nil
	}
	return NewTicker(d).C
}

func (t *Ticker) fire(now Time) {
	select {
	case t.c <- now:
	default:
	}
}

// Stop turns off the ticker; no more ticks are sent.
func (t *Ticker) Stop() {
	if t.c == nil {
		return
	}
	cdk.ClearTimer(t.id)
	select {
	case <-t.c:
	default:
	}
}

// Reset stops the ticker and restarts it with period d.
func (t *Ticker) Reset(d Duration) {
	if d <= 0 {
		panic("non-positive interval for Ticker.Reset")
	}
	if t.c == nil {
		panic("time: Reset called on uninitialized Ticker")
	}
	t.Stop()
	t.id = cdk.SetTimerNotify(d, d, t.fire)
}
