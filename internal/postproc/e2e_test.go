package postproc

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/wasm"
)

// A plain Go program (no icgo imports) that talks to ic0 directly and
// uses the standard library the way ported code does.
const e2eProgram = `package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
	"unsafe"
)

//go:wasmimport ic0 msg_reply_data_append
func replyAppend(p unsafe.Pointer, n int32)

//go:wasmimport ic0 msg_reply
func reply()

func replyText(s string) {
	b := []byte(s)
	replyAppend(unsafe.Pointer(&b[0]), int32(len(b)))
	reply()
}

var calls int

func init() { fmt.Println("init ran") }

//go:wasmexport canister_query.greet
func greet() {
	calls++
	fmt.Println("hello from Go")
	fmt.Fprint(os.Stderr, "partial ")
	fmt.Print("line\n")
	fmt.Print("no newline")
	replyText(strconv.FormatInt(time.Now().UnixNano(), 10) + " " + os.Getenv("GREETING") + " " + strconv.Itoa(calls))
}

//go:wasmexport canister_update:boom
func boom() { panic("boom") }

//go:wasmexport canister_update.sleep
func sleep() { time.Sleep(time.Second) }

//go:wasmexport canister_update/rand
func rnd() {
	b := make([]byte, 8)
	rand.Read(b)
	replyText(fmt.Sprint(b))
}

// A timer exists, so every GC polls the network (netpoll(0)): that poll
// must not count as a blocking wait.
//
//go:wasmexport canister_update.gc
func gc() {
	t := time.AfterFunc(time.Hour, func() {})
	runtime.GC()
	t.Stop()
	replyText("gc ok")
}

//go:wasmexport canister_update.exit
func exit() { os.Exit(3) }

func main() {}
`

func buildGo(t *testing.T, src string) []byte {
	t.Helper()
	goTool, err := exec.LookPath("go")
	require.NoError(t, err, "the go toolchain is needed to build the end-to-end test program")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n\ngo 1.26\n"), 0o644))
	out := filepath.Join(dir, "x.wasm")
	cmd := exec.Command(goTool, "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=", "GOWORK=off")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	w, err := os.ReadFile(out)
	require.NoError(t, err)
	return w
}

func TestEndToEnd(t *testing.T) {
	raw := buildGo(t, e2eProgram)
	opt := Options{Env: []EnvVar{{"GREETING", "hi"}}, CandidService: "service : { greet : () -> (text) query }"}
	out, st, m := process(t, raw, opt)
	t.Logf("raw %d bytes (gzip %d), processed %d bytes (gzip %d); data segments %d -> %d; imports %d -> %d; functions %d -> %d",
		st.InputSize, len(Gzip(raw)), st.OutputSize, len(Gzip(out)), st.DataSegmentsBefore, st.DataSegmentsAfter,
		st.ImportsBefore, st.ImportsAfter, st.FunctionsBefore, st.FunctionsAfter)
	require.Less(t, st.DataSegmentsAfter, 100)
	require.True(t, st.PollShim)
	require.True(t, st.AbortReplaced)
	// The runtime's findfunctab is packed (sparse.go); the panic and gc
	// runs below need it exact (stack traces, stack scanning).
	require.Greater(t, st.PackedTable[1], uint32(minPackedTable))

	var imps []string
	for _, im := range m.Imports {
		imps = append(imps, im.Name)
	}
	require.ElementsMatch(t, []string{"msg_reply_data_append", "msg_reply", "debug_print", "trap", "time"}, imps)
	require.Equal(t, []string{
		"canister_init", "canister_post_upgrade", "canister_query greet",
		"canister_update boom", "canister_update exit", "canister_update gc", "canister_update rand", "canister_update sleep", "memory",
	}, exportNames(m))
	_, ok := m.Custom("go:buildid")
	require.False(t, ok)
	_, ok = m.Custom("name")
	require.True(t, ok)
	for _, d := range m.Data {
		off, ok := evalConstI32(d.Offset)
		require.True(t, ok)
		require.True(t, off >= RegionEnd || off+uint32(len(d.Init)) <= RegionEnd)
	}

	start := func(t *testing.T) (*fakeIC0, func(string) error) {
		ic := &fakeIC0{now: fakeTime}
		mod := ic.instantiate(t, out)
		require.NoError(t, func() error { _, err := call(mod, "canister_init"); return err }())
		require.Equal(t, []string{"init ran"}, ic.prints)
		require.Empty(t, ic.traps)
		ic.prints = nil
		return ic, func(name string) error { _, err := call(mod, name); return err }
	}

	t.Run("greet", func(t *testing.T) {
		ic, run := start(t)
		require.NoError(t, run("canister_query greet"))
		require.True(t, ic.replied)
		require.Equal(t, strconv.FormatInt(fakeTime, 10)+" hi 1", string(ic.reply))
		require.Equal(t, []string{"hello from Go", "partial ", "line", "no newline"}, ic.prints)
		// Time advances between messages.
		ic.now += 5e9
		ic.reply, ic.prints = nil, nil
		require.NoError(t, run("canister_query greet"))
		require.Equal(t, strconv.FormatInt(fakeTime+5e9, 10)+" hi 2", string(ic.reply))
	})
	t.Run("panic", func(t *testing.T) {
		ic, run := start(t)
		require.Error(t, run("canister_update boom"))
		require.Contains(t, ic.prints, "panic: boom")
		require.Contains(t, ic.prints, "goroutine 1 [running]:")
		require.Contains(t, ic.prints, "main.boom()")
		require.True(t, slices.ContainsFunc(ic.prints, func(l string) bool { return strings.Contains(l, "main.go:") }), "no file:line in the stack trace: %q", ic.prints)
		require.Equal(t, []string{MsgAbort}, ic.traps)
	})
	t.Run("gc with timers", func(t *testing.T) {
		ic, run := start(t)
		require.NoError(t, run("canister_update gc"))
		require.Equal(t, "gc ok", string(ic.reply))
		require.Empty(t, ic.traps)
	})
	t.Run("os.Exit", func(t *testing.T) {
		ic, run := start(t)
		require.Error(t, run("canister_update exit"))
		require.Equal(t, []string{MsgExitPrefix + "3" + MsgExitSuffix}, ic.traps)
	})
	t.Run("sleep", func(t *testing.T) {
		ic, run := start(t)
		require.Error(t, run("canister_update sleep"))
		require.Equal(t, []string{MsgSleep}, ic.traps)
	})
	t.Run("crypto/rand", func(t *testing.T) {
		ic, run := start(t)
		require.Error(t, run("canister_update rand"))
		require.Equal(t, []string{MsgRandom}, ic.traps)
	})
	t.Run("post_upgrade", func(t *testing.T) {
		ic := &fakeIC0{now: fakeTime}
		mod := ic.instantiate(t, out)
		mustCall(t, mod, "canister_post_upgrade")
		require.Equal(t, []string{"init ran"}, ic.prints)
	})

	// The name section still names the Go functions at their new indices.
	data, _ := m.Custom("name")
	ns, err := wasm.DecodeNames(data)
	require.NoError(t, err)
	names := map[uint32]string{}
	for _, e := range ns.Funcs {
		names[e.Index] = e.Name
	}
	orig, err := wasm.Decode(raw)
	require.NoError(t, err)
	origInit, _ := orig.Export("_initialize")
	initBody := body(t, m, funcIndex(t, m, "canister_init"))
	var initCalls []uint32
	require.NoError(t, wasm.Walk(initBody, func(in *wasm.Instr) error {
		if in.Op == wasm.OpCall {
			initCalls = append(initCalls, in.Index)
		}
		return nil
	}))
	// The packed table is unpacked first, then the Go runtime starts.
	require.Equal(t, "icgo:unpack_data", names[initCalls[0]])
	initCall := initCalls[1]
	require.Equal(t, "_rt0_wasm_wasip1_lib", names[initCall])
	require.Equal(t, origInit.Index-uint32(st.ImportsBefore)+uint32(st.ImportsAfter), initCall)
	require.True(t, strings.HasPrefix(names[funcIndex(t, m, "canister_query greet")], "icgo:"))
}
