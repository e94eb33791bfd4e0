package cdk

import (
	"bytes"
	"runtime"
	"strings"
	"time"
)

// stdWaitNote explains, for a message about a wait that cannot complete,
// that a goroutine waits for a standard library timer (time.Sleep, a
// time.Timer or Ticker, a context deadline), and names it; "" when the Go
// runtime has no timer pending.
func stdWaitNote() string {
	if state.stdNext == 0 {
		return ""
	}
	note := "; a goroutine waits for a std time timer due at " + time.Unix(0, state.stdNext).UTC().Format(time.RFC3339Nano)
	if w := stdWaiter(); w != "" {
		note += " (" + w + ")"
	}
	return note + ": std timers (time.Sleep, time.After, time.Timer, time.Ticker, context deadlines) fire on the IC's global timer only in updates, timers and callbacks; in queries and init they can never fire (see icgo's icstd/time)"
}

// stdWaiter names the first goroutine that sleeps or waits in select or on
// a channel outside the executor's own waits: its state and its first
// function that is not the runtime's. Only for error messages: it walks
// every goroutine's stack.
func stdWaiter() string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		lines := strings.Split(string(g), "\n")
		if len(lines) < 2 || !(strings.Contains(lines[0], "[sleep") || strings.Contains(lines[0], "[select") || strings.Contains(lines[0], "[chan receive")) {
			continue
		}
		for i := 1; i+1 < len(lines); i += 2 {
			fn := lines[i]
			if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "time.") || strings.HasPrefix(fn, "context.") {
				continue
			}
			if strings.HasPrefix(fn, "github.com/icgo/icgo/cdk.") {
				break // an idle worker or a cdk wait
			}
			state := lines[0][strings.Index(lines[0], "[")+1:]
			state = strings.TrimSuffix(state, "]:")
			return "goroutine in " + state + " at " + strings.TrimSpace(fn) + " " + strings.TrimSpace(lines[i+1])
		}
	}
	return ""
}
