// Command execcan is the test canister of the cdk's executor tests
// (cdk/e2e_test.go).
package main

import (
	"context"
	"errors"
	"runtime"
	"runtime/metrics"
	stdsync "sync"
	stdtime "time"

	"github.com/icgo/icgo/cdk"
	"github.com/icgo/icgo/icstd/sync"
	"github.com/icgo/icgo/icstd/time"
	"github.com/icgo/icgo/principal"
)

var (
	counter uint64
	mu      sync.Mutex
	events  []string
)

func init() {
	cdk.Update("noop", func() {})
	// Timers are Go closures: they do not survive an upgrade. The program
	// re-creates the ones it needs here.
	cdk.PostUpgrade(func() {
		time.AfterFunc(time.Second, func() { events = append(events, "re-armed after upgrade") })
	})
	cdk.Query("q", func() uint64 { return counter })
	// goroutines counts the goroutines that are neither idle workers, nor
	// the entry point, nor this handler: the ones blocked or leaked.
	cdk.Query("goroutines", func() int {
		s := cdk.Stats()
		return s.Goroutines - s.IdleWorkers - 2
	})
	cdk.Update("inc", func() uint64 { counter++; return counter })
	cdk.Query("get", func() uint64 { return counter })
	cdk.Query("events", func() []string { return events })
	cdk.Query("pending_timers", func() int { return cdk.PendingTimers() })

	// Plain go statements run within the message.
	cdk.Update("plain_go", func() uint64 {
		ch := make(chan uint64)
		for i := range 5 {
			go func() { ch <- uint64(i) }()
		}
		var s uint64
		for range 5 {
			s += <-ch
		}
		return s
	})

	// The standard library's timers, unported: they fire on the IC's
	// global timer.
	cdk.Update("std_sleep", func(secs uint64) int64 {
		t0 := stdtime.Now()
		stdtime.Sleep(stdtime.Duration(secs) * stdtime.Second)
		return int64(stdtime.Since(t0) / stdtime.Second)
	})
	cdk.Update("ctx_timeout", func(secs uint64) string {
		ctx, cancel := context.WithTimeout(context.Background(), stdtime.Duration(secs)*stdtime.Second)
		defer cancel()
		t0 := stdtime.Now()
		<-ctx.Done()
		return ctx.Err().Error() + " after " + itoa(int(stdtime.Since(t0)/stdtime.Second)) + "s"
	})
	cdk.Update("std_timers", func(n int, everySecs uint64) {
		d := stdtime.Duration(everySecs) * stdtime.Second
		stdtime.AfterFunc(d, func() { events = append(events, "afterfunc") })
		tk := stdtime.NewTicker(d)
		timer := stdtime.NewTimer(d / 2)
		go func() {
			<-timer.C
			events = append(events, "timer")
			for i := range n {
				<-tk.C
				events = append(events, "std tick "+itoa(i))
			}
			tk.Stop()
		}()
	})
	cdk.Query("std_sleep_query", func() { stdtime.Sleep(stdtime.Second) })

	// Fan-out: n calls to inc on target, each from its own goroutine;
	// results gathered in order.
	cdk.Update("fanout", func(target principal.Principal, n int) ([]uint64, error) {
		out := make([]uint64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			sync.Go(func() {
				defer wg.Done()
				errs[i] = cdk.Call(target, "echo", []any{uint64(i)}, &out[i])
			})
		}
		wg.Wait()
		for _, e := range errs {
			if e != nil {
				return nil, e
			}
		}
		return out, nil
	})
	// Fan-out with futures, no goroutines.
	cdk.Update("fanout_futures", func(target principal.Principal, n int) ([]uint64, error) {
		fs := make([]*cdk.Future, n)
		for i := range n {
			f, err := cdk.NewCall(target, "echo").WithArgs(uint64(i) * 10).Start()
			if err != nil {
				return nil, err
			}
			fs[i] = f
		}
		out := make([]uint64, n)
		for i, f := range fs {
			if err := f.Wait(&out[i]); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
	cdk.Update("echo", func(x uint64) uint64 { return x })
	cdk.Update("reject_me", func() (uint64, error) { return 0, errString("no") })
	cdk.Update("call_reject", func(target principal.Principal) string {
		var x uint64
		err := cdk.Call(target, "reject_me", nil, &x)
		if err == nil {
			return "no error"
		}
		return err.Error()
	})
	// Calls with cycles: the error, NotSent-tagged, or "ok".
	callWithCycles := func(target principal.Principal, method string, hi, lo uint64) string {
		var x uint64
		err := cdk.NewCall(target, method).WithArgs(uint64(7)).WithCycles128(hi, lo).Do(&x)
		var ce *cdk.CallError
		switch {
		case err == nil:
			return "ok"
		case errors.As(err, &ce) && ce.NotSent:
			return "not sent: " + err.Error()
		}
		return err.Error()
	}
	cdk.Update("call_with_cycles", func(target principal.Principal, hi, lo uint64) string {
		return callWithCycles(target, "echo", hi, lo)
	})
	cdk.Query("echo_query", func(x uint64) uint64 { return x })
	cdk.CompositeQuery("composite_with_cycles", func(target principal.Principal, lo uint64) string {
		return callWithCycles(target, "echo_query", 0, lo)
	})
	cdk.Query("call_in_query_is", func(target principal.Principal) bool {
		return errors.Is(cdk.Call(target, "echo", []any{uint64(1)}), cdk.ErrCallNotAllowed)
	})
	cdk.Query("call_in_query", func(target principal.Principal) string {
		err := cdk.Call(target, "echo", []any{uint64(1)})
		return err.Error()
	})

	// Sleep then reply.
	cdk.Update("sleep", func(secs uint64) int64 {
		t0 := time.Now()
		time.Sleep(time.Duration(secs) * time.Second)
		return int64(time.Since(t0) / time.Second)
	})

	// Mutex held across an await.
	cdk.Update("locked", func(target principal.Principal, tag string) uint64 {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, tag+":lock")
		var x uint64
		if err := cdk.Call(target, "echo", []any{uint64(len(events))}, &x); err != nil {
			panic(err)
		}
		events = append(events, tag+":unlock")
		return x
	})

	// A trap after an await: the increment before the call stays.
	cdk.Update("trap_after_await", func(target principal.Principal) {
		counter++
		var x uint64
		_ = cdk.Call(target, "echo", []any{uint64(1)}, &x)
		counter += 100
		panic("trap after the await")
	})

	// A trap in a callback while holding the mutex: the cleanup callback
	// unwinds the goroutine, so the deferred Unlock runs.
	cdk.Update("locked_trap", func(target principal.Principal) {
		mu.Lock()
		defer mu.Unlock()
		var x uint64
		_ = cdk.Call(target, "echo", []any{uint64(1)}, &x)
		panic("trap in the callback, mutex held")
	})
	// Blocked forever: nothing pending can wake it.
	cdk.Update("deadlock", func() int { return <-make(chan int) })
	cdk.Query("query_block", func() int { return <-make(chan int) })

	// Ticker: fires n times then stops.
	cdk.Update("ticker", func(n int, everySecs uint64) {
		t := time.NewTicker(time.Duration(everySecs) * time.Second)
		sync.Go(func() {
			for i := range n {
				at := <-t.C
				events = append(events, "tick "+itoa(i)+" "+itoa(int(at.Unix())))
			}
			t.Stop()
		})
	})

	// Many timers: n timers at decreasing deadlines; each records its
	// index when it fires.
	cdk.Update("many_timers", func(n int) {
		for i := range n {
			d := time.Duration(n-i) * time.Millisecond
			time.AfterFunc(d, func() { fired = append(fired, uint32(n-1-i)) })
		}
	})
	cdk.Query("fired", func() []uint32 { return fired })
	// rearm_zero: a timer that re-arms itself with no delay, n times, next
	// to an ordinary timer.
	cdk.Update("rearm_zero", func(n int) {
		var f func()
		f = func() {
			rearms++
			if rearms < n {
				cdk.SetTimer(0, f)
			}
		}
		cdk.SetTimer(0, f)
		cdk.SetTimer(time.Second, func() { events = append(events, "other timer") })
	})
	cdk.Query("rearms", func() int { return rearms })
	cdk.Query("fired_count", func() int { return len(fired) })
	// many_std_timers: n std time.AfterFunc timers at decreasing
	// deadlines, 1 ms apart, each recording its index when it fires.
	cdk.Update("many_std_timers", func(n int) {
		for i := range n {
			d := stdtime.Duration(n-i) * stdtime.Millisecond
			stdtime.AfterFunc(d, func() {
				// Goroutines may be parked inside append (a GC assist):
				// lock, as on any machine.
				firedMu.Lock()
				fired = append(fired, uint32(n-1-i))
				firedMu.Unlock()
			})
		}
	})
	cdk.Update("one_timer", func() {
		time.AfterFunc(time.Millisecond, func() { counter++ })
	})
}

var (
	fired   []uint32
	firedMu stdsync.Mutex
	rearms  int
)

type errString string

func (e errString) Error() string { return string(e) }

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

func main() {}

func init() {
	// measure returns the instruction costs of the executor's building
	// blocks, for the overhead figures in the report.
	cdk.Update("measure", func() []string {
		var out []string
		m := func(name string, f func()) {
			a := cdk.InstructionCounter()
			f()
			b := cdk.InstructionCounter()
			out = append(out, name+"="+itoa(int(b-a)))
		}
		m("nothing", func() {})
		m("Gosched", func() { runtime.Gosched() })
		m("NumGoroutine", func() { runtime.NumGoroutine() })
		m("go+Gosched", func() { go func() {}(); runtime.Gosched() })
		m("ArgData", func() { cdk.ArgData() })
		sample := []metrics.Sample{{Name: "/sched/goroutines/runnable:goroutines"}}
		m("metrics.Read", func() { metrics.Read(sample) })
		m("metrics.Read", func() { metrics.Read(sample) })
		m("time.Now", func() { time.Now() })
		ping, pong := make(chan int), make(chan int)
		go func() {
			for x := range ping {
				pong <- x
			}
		}()
		m("100 ping-pongs", func() {
			for i := range 100 {
				ping <- i
				<-pong
			}
		})
		close(ping)
		m("100 Gosched alone", func() {
			for range 100 {
				runtime.Gosched()
			}
		})
		return out
	})
}
