// Package icgotest tests canisters from ordinary Go tests: one call builds a
// package of your module into a canister, installs it in a fresh embedded
// replica and gives typed Query and Update helpers that take and return Go
// values (Candid from Go types, as in the cdk).
//
//	func TestGreet(t *testing.T) {
//		c := icgotest.New(t, ".")
//		var got string
//		c.Query("greet", "world").Into(t, &got)
//		if got != "Hello, world!" { ... }
//	}
//
// Builds are cached by content in the user cache directory (the go build
// output's hash keys the post-processed canister), and the replica keeps
// compiled modules there too, so a test that did not change its canister
// pays for neither again.
package icgotest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/replica"
)

// Canister is a canister built from a package and installed in a replica
// (New starts one for it; Deploy adds more canisters to the same replica).
type Canister struct {
	// Replica is the canister's replica, for what the helpers do not cover:
	// the clock, rounds, upgrades, outcall mocks, logs.
	Replica *replica.Replica
	// ID is the canister's id.
	ID replica.CanisterID
	// Module is the installed module (gzip), Did its Candid interface.
	Module []byte
	Did    string

	t testing.TB
}

// Option configures New.
type Option func(*options)

type options struct {
	build   build.Options
	arg     []any
	replica []replica.Option
}

// WithEnv embeds NAME=VALUE pairs for os.Getenv in the canister, as
// `icgo build -env` does.
func WithEnv(pairs ...string) Option {
	return func(o *options) { o.build.Env = append(o.build.Env, pairs...) }
}

// WithInitArgs passes Go values, encoded as Candid, to the canister's init.
func WithInitArgs(args ...any) Option { return func(o *options) { o.arg = args } }

// WithReplicaOptions configures the replica (clock, outcalls, limits); New
// only.
func WithReplicaOptions(opts ...replica.Option) Option {
	return func(o *options) { o.replica = append(o.replica, opts...) }
}

// New builds pkg (a package path or a directory, as for go build, resolved
// in the test's directory) into a canister, installs it in a fresh replica
// and closes the replica when the test ends. A failure at any step fails t.
func New(t testing.TB, pkg string, opts ...Option) *Canister {
	t.Helper()
	o := optionsOf(pkg, opts)
	r, err := replica.New(o.replica...) // compiled modules persist (replica.DefaultCompilationCacheDir)
	if err != nil {
		t.Fatalf("icgotest: starting the replica: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return deploy(t, r, pkg, o)
}

// Deploy builds pkg and installs it as another canister in c's replica,
// for tests of canisters that call each other. Replica options are
// ignored: the replica exists already.
func (c *Canister) Deploy(pkg string, opts ...Option) *Canister {
	c.t.Helper()
	return deploy(c.t, c.Replica, pkg, optionsOf(pkg, opts))
}

func optionsOf(pkg string, opts []Option) options {
	o := options{build: build.Options{Pkg: pkg, CacheDir: cacheDir("build")}}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

func deploy(t testing.TB, r *replica.Replica, pkg string, o options) *Canister {
	t.Helper()
	res, err := build.Build(context.Background(), o.build)
	if err != nil {
		t.Fatalf("icgotest: building %s: %v", pkg, err)
	}
	id, err := r.CreateCanister()
	if err != nil {
		t.Fatalf("icgotest: creating the canister: %v", err)
	}
	var arg []byte
	if o.arg != nil {
		if arg, err = candid.Marshal(o.arg); err != nil {
			t.Fatalf("icgotest: encoding the init arguments: %v", err)
		}
	}
	if err := r.Install(id, res.Gzip, arg); err != nil {
		t.Fatalf("icgotest: installing %s: %v", pkg, err)
	}
	return &Canister{Replica: r, ID: id, Module: res.Gzip, Did: res.Did, t: t}
}

// cacheDir is where builds and compiled modules are kept between test
// runs; "" (no cache) if the user has no cache directory.
func cacheDir(what string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "icgo", what)
}

// Query calls a query method with Go values as its Candid arguments.
func (c *Canister) Query(method string, args ...any) *Reply {
	c.t.Helper()
	return c.call(false, method, args)
}

// Update calls an update method with Go values as its Candid arguments and
// runs rounds until it answers.
func (c *Canister) Update(method string, args ...any) *Reply {
	c.t.Helper()
	return c.call(true, method, args)
}

func (c *Canister) call(update bool, method string, args []any) *Reply {
	c.t.Helper()
	arg, err := candid.Marshal(args)
	if err != nil {
		c.t.Fatalf("icgotest: %s: encoding the arguments: %v", method, err)
	}
	call := c.Replica.Query
	if update {
		call = c.Replica.Update
	}
	res, err := call(c.ID, method, arg)
	if err != nil {
		c.t.Fatalf("icgotest: %s: %v", method, err)
	}
	return &Reply{Method: method, Result: res}
}

// Reply is a call's answer.
type Reply struct {
	Method string
	*replica.Result
}

// Err is the reject as an error (a *replica.Reject), or nil if the call
// was replied.
func (r *Reply) Err() error {
	if r.Reject != nil {
		return r.Reject
	}
	return nil
}

// Decode decodes the reply's Candid values into ptrs (pointers to Go
// values); a reject is returned as its *replica.Reject.
func (r *Reply) Decode(ptrs ...any) error {
	if r.Reject != nil {
		return fmt.Errorf("%s: %w", r.Method, r.Reject)
	}
	if err := candid.Unmarshal(r.Reply, ptrs); err != nil {
		return fmt.Errorf("%s: decoding the reply: %w", r.Method, err)
	}
	return nil
}

// Into is Decode that fails t on a reject or a reply that does not decode.
func (r *Reply) Into(t testing.TB, ptrs ...any) {
	t.Helper()
	if err := r.Decode(ptrs...); err != nil {
		t.Fatal(err)
	}
}

// Rejected fails t unless the call was rejected, and returns the reject.
func (r *Reply) Rejected(t testing.TB) *replica.Reject {
	t.Helper()
	var rej *replica.Reject
	if err := r.Err(); !errors.As(err, &rej) {
		t.Fatalf("%s: replied %x, want a reject", r.Method, r.Reply)
	}
	return rej
}
