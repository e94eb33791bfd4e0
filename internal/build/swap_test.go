package build

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/replica"
)

func TestParseSwap(t *testing.T) {
	rules, err := ParseSwap(strings.NewReader(`
# comment
example.com/a/...  sync time   # trailing comment
example.com/b crypto/rand example.com/old=example.com/new
`))
	require.NoError(t, err)
	require.Equal(t, []SwapRule{
		{Line: 3, Pattern: "example.com/a/...", Imports: map[string]string{"sync": icgoModule + "/icstd/sync", "time": icgoModule + "/icstd/time"}},
		{Line: 4, Pattern: "example.com/b", Imports: map[string]string{"crypto/rand": icgoModule + "/icstd/rand", "example.com/old": "example.com/new"}},
	}, rules)
	require.True(t, rules[0].Match("example.com/a"))
	require.True(t, rules[0].Match("example.com/a/x/y"))
	require.False(t, rules[0].Match("example.com/ab"))
	require.False(t, rules[1].Match("example.com/b/c"))

	for _, tc := range []struct{ in, want string }{
		{"example.com/a", `icgo.swap:1: "example.com/a" names no import to swap; write PACKAGE IMPORT... (IMPORT is one of crypto/rand, math/rand/v2, sync, time, or OLD=NEW)`},
		{"example.com/a os", `icgo.swap:1: icgo has no replacement for "os"; swappable: crypto/rand, math/rand/v2, sync, time, or write OLD=NEW`},
		{"\nexample.com/a x=", `icgo.swap:2: "x=" is not OLD=NEW with two different import paths`},
		{"example.com/a sync sync", `icgo.swap:1: sync is swapped twice`},
		{"./a sync", `icgo.swap:1: package "./a": give an import path (a tree: one ending in /...) here`},
		{"example.com/.../a sync", `icgo.swap:1: package "example.com/.../a": give an import path (a tree: one ending in /...) here`},
	} {
		_, err := ParseSwap(strings.NewReader(tc.in))
		require.EqualError(t, err, tc.want, tc.in)
	}
}

func TestRewriteImports(t *testing.T) {
	src := `package p

import (
	"fmt"
	"sync"
	mr "math/rand/v2"
	_ "time"
)

import old "example.com/old"

var _ = fmt.Sprint
`
	swap := map[string]string{"sync": "x/icstd/sync", "math/rand/v2": "x/icstd/rand", "time": "x/icstd/time", "example.com/old": "example.com/new", "os": "x/os"}
	names := map[string]string{"example.com/new": "other"}
	nameOf := func(p string) string {
		if n, ok := names[p]; ok {
			return n
		}
		return filepath.Base(strings.TrimSuffix(p, "/v2"))
	}
	out, found, err := RewriteImports("p.go", []byte(src), swap, nameOf)
	require.NoError(t, err)
	require.Equal(t, []string{"sync", "math/rand/v2", "time", "example.com/old"}, found)
	require.Equal(t, `package p

import (
	"fmt"
	"x/icstd/sync"
	mr "x/icstd/rand"
	_ "x/icstd/time"
)

import old "example.com/new"

var _ = fmt.Sprint
`, string(out))

	// A new package with another name keeps the old one as the import's
	// name, on the same line.
	out, _, err = RewriteImports("q.go", []byte("package q\n\nimport \"example.com/old\"\n"), swap, func(p string) string {
		if p == "example.com/new" {
			return "other"
		}
		return "old"
	})
	require.NoError(t, err)
	require.Equal(t, "package q\n\nimport old \"example.com/new\"\n", string(out))

	_, _, err = RewriteImports("bad.go", []byte("package"), swap, nameOf)
	require.Error(t, err)
}

// swapApp is a module whose dependency example.com/lockdep (a local module,
// used through replace) holds a sync.Mutex across an inter-canister call
// and backs off with time.Sleep while holding it.
const swapApp = "testdata/swapapp"

func TestSwapErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ swap, want string }{
		{"example.com/nothing sync", "icgo.swap:1: example.com/nothing matches no package of this build; remove the line or fix the path"},
		{"example.com/swapapp sync", "icgo.swap:1: example.com/swapapp is in your own module: rewrite its imports with `icgo port -w example.com/swapapp`"},
		{"github.com/icgo/icgo/cdk sync", "icgo.swap:1: github.com/icgo/icgo/cdk is part of icgo, whose imports are not swapped"},
		{"example.com/lockdep sync\nexample.com/lockdep/... time", "icgo.swap:1 and 2 both match example.com/lockdep; give each package one line"},
	} {
		pkgs, byPath := listFixture(t, ctx)
		rules, err := ParseSwap(strings.NewReader(tc.swap))
		require.NoError(t, err)
		_, err = swapImports(rules, pkgs, byPath, t.TempDir(), map[string]string{})
		require.EqualError(t, err, tc.want)
	}
	pkgs, byPath := listFixture(t, ctx)
	_, err := swapImports([]SwapRule{{Line: 1, Pattern: "sync", Imports: map[string]string{"x": "y"}}}, pkgs, byPath, t.TempDir(), map[string]string{})
	require.EqualError(t, err, "icgo.swap:1: sync is in the standard library, whose imports icgo does not swap")
}

func listFixture(t *testing.T, ctx context.Context) ([]Package, map[string]*Package) {
	t.Helper()
	ov, err := overlay(ctx, swapApp, ".", false, nil)
	require.NoError(t, err)
	require.NoError(t, ov.Close())
	require.Empty(t, ov.Flag, "nothing to replace without the swap")
	return ov.pkgs, ov.byPath
}

// The dependency works only with the swap: std time.Sleep cannot wait in
// a canister (today; see RATIONALE.md, "Import swap"), icstd/time.Sleep
// parks on the IC's timer. Two calls contend for the lock across awaits.
// (Swapping sync changes no behavior: icstd/sync's types are std's, and a
// std sync.Mutex held across an await works; it is listed to show several
// imports swapped in one file.)
func TestSwapOnReplica(t *testing.T) {
	ctx := context.Background()
	ov, err := Overlay(ctx, swapApp, ".")
	require.NoError(t, err)
	defer ov.Close()
	require.Equal(t, []string{
		"swapped imports (icgo.swap:2) in example.com/lockdep [lockdep.go]: sync -> github.com/icgo/icgo/icstd/sync, time -> github.com/icgo/icgo/icstd/time",
	}, ov.Notes())
	// The module cache and the fixture are unchanged.
	b, err := os.ReadFile(filepath.Join(swapApp, "lockdep", "lockdep.go"))
	require.NoError(t, err)
	require.Contains(t, string(b), "\t\"sync\"\n\t\"time\"\n")

	res, err := Build(ctx, Options{Dir: swapApp, Pkg: "."})
	require.NoError(t, err)
	require.Equal(t, ov.Notes(), res.Notes)

	runLockdep(t, res.Gzip)

	// Without the swap the same code works too: std time.Sleep parks the
	// goroutine on the IC's global timer, and std sync.Mutex is icstd's.
	res, err = Build(ctx, Options{Dir: swapApp, Pkg: ".", NoSwap: true})
	require.NoError(t, err)
	require.Empty(t, res.Notes)
	runLockdep(t, res.Gzip)
}

// runLockdep makes two calls contend for lockdep's lock across an
// inter-canister call and a sleep: b waits for a.
func runLockdep(t *testing.T, gz []byte) {
	t.Helper()
	r, id := installFixture(t, gz)
	a, err := r.SubmitUpdate(id, "run", mustMarshal(t, "a"))
	require.NoError(t, err)
	b, err := r.SubmitUpdate(id, "run", mustMarshal(t, "b"))
	require.NoError(t, err)
	for range 4 {
		require.NoError(t, r.TickN(5))
		require.NoError(t, r.AdvanceTime(6*time.Second))
	}
	// (a's own log may include b's run: a reads it after unlocking.)
	want := []string{"a start", "a end", "b start", "b end"}
	for _, mid := range []replica.MessageID{a, b} {
		out, done, err := r.IngressStatus(mid)
		require.NoError(t, err)
		require.True(t, done)
		require.Nil(t, out.Reject)
		var log []string
		require.NoError(t, candid.Unmarshal(out.Reply, []any{&log}))
		if mid == a {
			require.Equal(t, want[:2], log[:2])
		} else {
			require.Equal(t, want, log)
		}
	}
}

func installFixture(t *testing.T, gz []byte) (*replica.Replica, replica.CanisterID) {
	t.Helper()
	r, err := replica.New()
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	id, err := r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, r.Install(id, gz, nil))
	return r, id
}

func mustMarshal(t *testing.T, args ...any) []byte {
	t.Helper()
	b, err := candid.Marshal(args)
	require.NoError(t, err)
	return b
}

// A swap that does not compile fails the build, and the error says which
// swaps the build used.
func TestSwapCompileError(t *testing.T) {
	dir := t.TempDir()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	app, err := filepath.Abs(swapApp)
	require.NoError(t, err)
	for _, f := range []string{"main.go", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(app, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	mod := "module example.com/swapapp\n\ngo 1.26.0\n\nrequire (\n\texample.com/lockdep v0.0.0\n\tgithub.com/icgo/icgo v0.0.0\n)\n\n" +
		"replace (\n\texample.com/lockdep => " + filepath.Join(app, "lockdep") + "\n\tgithub.com/icgo/icgo => " + root + "\n)\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, SwapFile), []byte("example.com/lockdep time=github.com/icgo/icgo/icstd/sync\n"), 0o644))

	_, err = Build(context.Background(), Options{Dir: dir, Pkg: "."})
	require.ErrorContains(t, err, filepath.Join(app, "lockdep", "lockdep.go")+":")
	require.ErrorContains(t, err, "(the build used the imports icgo.swap swaps: swapped imports (icgo.swap:1) in example.com/lockdep [lockdep.go]: time -> github.com/icgo/icgo/icstd/sync)")
}

// A dependency in the module cache (which an overlay may not replace) is
// swapped in a copy of its module, through a temporary go.mod: the module
// cache and the fixture's go.mod stay as they are.
func TestSwapModuleCacheDependency(t *testing.T) {
	dir := "testdata/swapcache"
	before, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	res, err := Build(context.Background(), Options{Dir: dir, Pkg: "."})
	require.NoError(t, err)
	require.Len(t, res.Notes, 1)
	require.Contains(t, res.Notes[0], "swapped imports (icgo.swap:2) in github.com/google/uuid [")
	require.Contains(t, res.Notes[0], "crypto/rand -> github.com/icgo/icgo/icstd/rand")
	after, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	require.Equal(t, string(before), string(after))

	r, id := installFixture(t, res.Gzip)
	require.NoError(t, r.TickN(3)) // the cdk seeds its generator
	out, err := r.Update(id, "new", mustMarshal(t))
	require.NoError(t, err)
	require.Nil(t, out.Reject)
	var u string
	require.NoError(t, candid.Unmarshal(out.Reply, []any{&u}))
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, u)
}
