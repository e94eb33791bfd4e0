package postproc

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// A command program (plain go build: _start, no _initialize).
const commandProgram = `package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	fmt.Println("args:", strings.Join(os.Args, "|"))
	fmt.Println("env:", os.Getenv("GREETING"))
	switch os.Args[len(os.Args)-1] {
	case "sleep":
		start := time.Now()
		time.Sleep(1500 * time.Millisecond)
		<-time.After(time.Second)
		fmt.Println("slept", time.Since(start))
	case "panic":
		panic("boom")
	}
	n, _ := strconv.Atoi(os.Args[len(os.Args)-1])
	os.Exit(n)
}
`

func buildCommand(t *testing.T, src string) []byte {
	t.Helper()
	goTool, err := exec.LookPath("go")
	require.NoError(t, err, "the go toolchain is needed to build the command test program")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n\ngo 1.26\n"), 0o644))
	out := filepath.Join(dir, "x.wasm")
	cmd := exec.Command(goTool, "build", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=", "GOWORK=off")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	w, err := os.ReadFile(out)
	require.NoError(t, err)
	return w
}

// runInit instantiates module with a recording ic0 that serves arg as the
// install argument, runs canister_init and returns the printed lines and
// the trap message ("" if it returned).
func runInit(t *testing.T, module, arg []byte) (prints []string, trap string) {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	read := func(m api.Module, p, n uint32) string {
		b, ok := m.Memory().Read(p, n)
		require.True(t, ok, "range [%d, +%d) out of memory", p, n)
		return string(b)
	}
	_, err := r.NewHostModuleBuilder("ic0").
		NewFunctionBuilder().WithFunc(func(_ context.Context, m api.Module, p, n uint32) {
		prints = append(prints, read(m, p, n))
	}).Export("debug_print").
		NewFunctionBuilder().WithFunc(func(_ context.Context, m api.Module, p, n uint32) {
		trap = read(m, p, n)
		panic(trapped{trap})
	}).Export("trap").
		NewFunctionBuilder().WithFunc(func(context.Context) int64 { return fakeTime }).Export("time").
		NewFunctionBuilder().WithFunc(func(context.Context) uint32 { return uint32(len(arg)) }).Export("msg_arg_data_size").
		NewFunctionBuilder().WithFunc(func(_ context.Context, m api.Module, dst, off, n uint32) {
		require.LessOrEqual(t, uint64(off)+uint64(n), uint64(len(arg)), "msg_arg_data_copy out of range")
		require.True(t, m.Memory().Write(dst, arg[off:off+n]))
	}).Export("msg_arg_data_copy").
		Instantiate(ctx)
	require.NoError(t, err)
	mod, err := r.InstantiateWithConfig(ctx, module, wazero.NewModuleConfig().WithStartFunctions())
	require.NoError(t, err)
	_, err = call(mod, "canister_init")
	if trap == "" {
		require.NoError(t, err)
	}
	return prints, trap
}

func TestCommandMode(t *testing.T) {
	raw := buildCommand(t, commandProgram)
	opt := Options{Command: true, Args: []string{"prog", "-fixed"}, Env: []EnvVar{{"GREETING", "hi"}}}
	out, st, m := process(t, raw, opt)
	require.Equal(t, []string{"canister_init", "memory"}, exportNames(m))
	require.Contains(t, st.AddedImports, "ic0.msg_arg_data_size")
	require.Contains(t, st.AddedImports, "ic0.msg_arg_data_copy")
	require.True(t, st.PollShim)

	exit := func(n string) string { return MsgExitPrefix + n + MsgExitCommandSuffix }
	t.Run("exit status and arguments from the install argument", func(t *testing.T) {
		prints, trap := runInit(t, out, []byte("a b\x00\x00c\x003\x00"))
		require.Equal(t, exit("3"), trap)
		require.Equal(t, []string{"args: prog|-fixed|a b||c|3", "env: hi"}, prints)
	})
	t.Run("exit 0", func(t *testing.T) {
		prints, trap := runInit(t, out, []byte("0\x00"))
		require.Equal(t, exit("0"), trap)
		require.Equal(t, "args: prog|-fixed|0", prints[0])
	})
	t.Run("no install argument; bytes after the last NUL are ignored", func(t *testing.T) {
		prints, trap := runInit(t, out, []byte("7"))
		require.Equal(t, exit("0"), trap) // os.Args[2] is "-fixed": Atoi fails, exit 0
		require.Equal(t, "args: prog|-fixed", prints[0])
	})
	t.Run("sleeping moves the virtual clock", func(t *testing.T) {
		prints, trap := runInit(t, out, []byte("sleep\x00"))
		require.Equal(t, exit("0"), trap)
		require.Contains(t, prints, "slept 2.5s")
	})
	t.Run("panic exits with status 2", func(t *testing.T) {
		prints, trap := runInit(t, out, []byte("panic\x00"))
		require.Equal(t, exit("2"), trap)
		require.Contains(t, prints, "panic: boom")
	})

	// A reactor keeps serving Options.Args only, and a command module is
	// refused without Command (and vice versa).
	_, _, err := Process(raw, Options{})
	require.ErrorIs(t, err, errNoInitialize)
	_, _, err = Process(buildGo(t, "package main\nfunc main() {}\n"), Options{Command: true})
	require.ErrorIs(t, err, errNoStart)
	_, _, err = Process(raw, Options{Command: true, Methods: []Method{{Kind: "query", Index: 0, Name: "x"}}})
	require.ErrorContains(t, err, "no methods or hooks")
}

func TestReactorArgs(t *testing.T) {
	raw := buildGo(t, `package main

import (
	"os"
	"strings"
	"unsafe"
)

//go:wasmimport ic0 msg_reply_data_append
func replyAppend(p unsafe.Pointer, n int32)

//go:wasmimport ic0 msg_reply
func reply()

//go:wasmexport canister_query.args
func args() {
	b := []byte(strings.Join(os.Args, "|") + ".")
	replyAppend(unsafe.Pointer(&b[0]), int32(len(b)))
	reply()
}

func main() {}
`)
	for _, tc := range []struct {
		args []string
		want string
	}{{nil, "."}, {[]string{"canister", "x y"}, "canister|x y."}} {
		out, _, _ := process(t, raw, Options{Args: tc.args})
		ic := &fakeIC0{now: fakeTime}
		mod := ic.instantiate(t, out)
		mustCall(t, mod, "canister_init")
		mustCall(t, mod, "canister_query args")
		require.Equal(t, tc.want, string(ic.reply))
	}
}
