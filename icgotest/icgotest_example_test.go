package icgotest_test

import (
	"testing"

	"github.com/icgo/icgo/icgotest"
)

// A canister's test builds its package, installs it in a fresh replica and
// calls it with Go values. In your module, pass "." from the canister's
// own directory.
func TestHello(t *testing.T) {
	c := icgotest.New(t, "../examples/hello")

	var greeting string
	c.Query("greet", "world").Into(t, &greeting)
	if greeting != "Hello, world!" {
		t.Fatalf("greet: got %q", greeting)
	}

	var n uint64
	c.Update("inc").Into(t, &n)
	c.Update("inc").Into(t, &n)
	if n != 2 {
		t.Fatalf("inc: got %d, want 2", n)
	}

	// A trap rolls the message back and rejects the call.
	rej := c.Update("fail").Rejected(t)
	t.Log(rej.Code, rej.Message)
	c.Query("get").Into(t, &n)
	if n != 2 {
		t.Fatalf("get after a trapped update: got %d, want 2", n)
	}
}
