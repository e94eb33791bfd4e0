package cdk_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/internal/postproc"
)

// Unchanged published libraries (testdata/ported, its own module) that
// read crypto/rand and wait on the standard library's timers, built with
// plain icgo build.

func buildPorted(t *testing.T, pkg string, initRandPublic bool) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a canister")
	}
	res, err := build.Build(context.Background(), build.Options{Dir: "testdata/ported", Pkg: pkg, InitRandPublic: initRandPublic})
	require.NoError(t, err)
	return res.Gzip
}

func TestPortedLibraries(t *testing.T) {
	wasm := buildPorted(t, ".", false)
	e := newEnv(t)
	id, err := e.r.CreateCanister()
	require.NoError(t, err)
	require.NoError(t, e.r.Install(id, wasm, nil))
	e.settle() // the cdk seeds crypto/rand from raw_rand

	// google/uuid.New and oklog/ulid with crypto/rand, in updates.
	var u1, u2, l string
	dec(t, e.update(id, "uuid").Reply, &u1)
	dec(t, e.update(id, "uuid").Reply, &u2)
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`), u1)
	require.NotEqual(t, u1, u2)
	dec(t, e.update(id, "ulid").Reply, &l)
	require.Len(t, l, 26)

	// x/time/rate: the first token is there, the next two take 2 s each.
	res, rounds := e.await(e.submit(id, "rate_wait", 3), time.Second, 30)
	require.Nil(t, res.Reject)
	var waited int64
	dec(t, res.Reply, &waited)
	require.GreaterOrEqual(t, waited, int64(4))
	require.LessOrEqual(t, waited, int64(6))
	t.Logf("rate.Limiter.Wait x3: waited %d s, %d rounds", waited, rounds)

	// robfig/cron: a job every 10 s fires as the clock moves.
	e.update(id, "cron_start")
	for range 12 {
		require.NoError(t, e.r.AdvanceTime(5*time.Second))
		require.NoError(t, e.r.Tick())
	}
	var runs []string
	e.query(id, "cron_runs", &runs)
	require.GreaterOrEqual(t, len(runs), 5, "%v", runs)
	require.LessOrEqual(t, len(runs), 7, "%v", runs)
	for _, r := range runs {
		// A job fires in the first execution at or after its deadline:
		// here the clock moves in 5 s steps.
		require.Regexp(t, `^\d\d:\d\d:\d[0-5]$`, r, "within 5 s after a 10 s boundary")
	}
}

// A package initializer that reads crypto/rand: install traps naming the
// opt-in; with -init-rand=public it gets public bytes.
func TestInitRand(t *testing.T) {
	e := newEnv(t)
	id, err := e.r.CreateCanister()
	require.NoError(t, err)
	err = e.r.Install(id, buildPorted(t, "./initrand", false), nil)
	require.ErrorContains(t, err, postproc.MsgRandom)
	logs, _ := e.r.Logs(id)
	var log string
	for _, l := range logs {
		log += l.Message + "\n"
	}
	require.Contains(t, log, "main.init", "the stack trace names the reading package")

	require.NoError(t, e.r.Install(id, buildPorted(t, "./initrand", true), nil))
	var seed uint64
	e.query(id, "init_seed", &seed)
	require.NotZero(t, seed)
}

// A std wait that can never end: Init must return within canister_init.
func TestInitStdSleep(t *testing.T) {
	e := newEnv(t)
	id, err := e.r.CreateCanister()
	require.NoError(t, err)
	err = e.r.Install(id, buildPorted(t, "./initsleep", false), []byte("DIDL\x00\x00"))
	require.Error(t, err)
	require.ErrorContains(t, err, "icstd/time")
	require.ErrorContains(t, err, "goroutine in sleep at main.init")
	t.Log(err)
}
