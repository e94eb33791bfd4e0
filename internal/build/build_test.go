package build

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/abi"
	"github.com/icgo/icgo/internal/postproc"
	"github.com/icgo/icgo/internal/validate"
)

func TestParseEnv(t *testing.T) {
	env, err := ParseEnv([]string{"A=1", "B=", "C=x=y"})
	require.NoError(t, err)
	require.Equal(t, []postproc.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: ""}, {Name: "C", Value: "x=y"}}, env)
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"A"}, `"A" is not NAME=VALUE`},
		{[]string{"=1"}, `"=1" is not NAME=VALUE`},
		{[]string{"A=1", "B=2", "A=3"}, "environment variable A is given more than once"},
	} {
		_, err := ParseEnv(tc.in)
		require.ErrorContains(t, err, tc.want, tc.in)
	}
	_, err = Command(nil, CommandOptions{Env: []string{"X=1", "X=2"}})
	require.ErrorContains(t, err, "more than once")
	_, err = FromRaw(context.Background(), nil, []string{"X"}, false)
	require.Error(t, err)
}

func TestRulesError(t *testing.T) {
	require.NoError(t, rulesError(&validate.Report{}))
	size := []validate.Violation{
		{Rule: validate.RuleLimit, Where: "code section", Msg: "11534336 bytes; the IC allows at most 10485760 (10 MiB)"},
		{Rule: validate.RuleLimit, Where: "function section", Msg: "60000 functions defined; the IC allows at most 50000"},
		{Rule: validate.RuleLimit, Where: "function 7 (main.big)", Msg: "1200000 instructions; the IC allows at most 1000000 per function, so split the function"},
		{Rule: validate.RuleExport, Where: "export section", Msg: "1001 update/query/composite query methods exported; the IC allows at most 1000"},
		{Rule: validate.RuleFormat, Where: "module", Msg: "104857601 bytes uncompressed is over the IC's limit of 100 MiB (104857600 bytes); shrink the module"},
	}
	err := rulesError(&validate.Report{Violations: size})
	require.ErrorContains(t, err, "the program is too large for the IC:")
	require.ErrorContains(t, err, "[limit] code section: 11534336 bytes")
	require.ErrorContains(t, err, "[export] export section: 1001 update/query")
	require.NotContains(t, err.Error(), "bug in icgo")
	var verr *validate.Error
	require.True(t, errors.As(err, &verr))
	require.Len(t, verr.Violations, len(size))

	// Any other rule is the post-processor's fault.
	for _, v := range []validate.Violation{
		{Rule: validate.RuleImport, Where: "import 3 (wasi.fd_write)", Msg: "only ic0 functions may be imported"},
		{Rule: validate.RuleLimit, Where: "global 2", Msg: "globals of type funcref are not allowed on the IC (only i32, i64, f32, f64, v128)"},
	} {
		err := rulesError(&validate.Report{Violations: append([]validate.Violation{size[0]}, v)})
		require.ErrorContains(t, err, "this is a bug in icgo")
		require.NotContains(t, err.Error(), "too large")
	}
}

// module assembles a wasm module of () -> () functions with the given
// bodies (instructions without the final end), exported by name.
func module(exports map[string][]byte) []byte {
	sec := func(id byte, payload []byte) []byte {
		return append([]byte{id, byte(len(payload))}, payload...)
	}
	var names []string
	for name := range exports {
		names = append(names, name)
	}
	m := []byte("\x00asm\x01\x00\x00\x00")
	m = append(m, sec(1, []byte{1, 0x60, 0, 0})...)
	funcs := []byte{byte(len(names))}
	exps := []byte{byte(len(names))}
	code := []byte{byte(len(names))}
	for i, name := range names {
		funcs = append(funcs, 0)
		exps = append(append(append(exps, byte(len(name))), name...), 0, byte(i))
		body := append(append([]byte{0}, exports[name]...), 0x0b)
		code = append(append(code, byte(len(body))), body...)
	}
	m = append(m, sec(3, funcs)...)
	m = append(m, sec(7, exps)...)
	return append(m, sec(10, code)...)
}

func TestDescribeInitTimeout(t *testing.T) {
	loop := []byte{0x03, 0x40, 0x0c, 0x00, 0x0b} // loop; br 0; end
	raw := module(map[string][]byte{abi.ExportInitialize: loop, abi.ExportDescribe: nil})
	start := time.Now()
	_, err := DescribeTimeout(context.Background(), raw, 200*time.Millisecond)
	require.ErrorContains(t, err, "the describe run did not finish within 200ms")
	require.ErrorContains(t, err, "init() functions run at build time")
	require.Less(t, time.Since(start), 30*time.Second)
}

func TestDescribeNoInitialize(t *testing.T) {
	raw := module(map[string][]byte{abi.ExportDescribe: nil})
	_, err := Describe(context.Background(), raw)
	require.ErrorContains(t, err, "exports icgo_describe but not _initialize")
	require.ErrorContains(t, err, "-buildmode=c-shared")

	// Without the cdk there is nothing to describe.
	reg, err := Describe(context.Background(), module(map[string][]byte{"f": nil}))
	require.NoError(t, err)
	require.Empty(t, reg.Methods)
}

// The same package builds to the same bytes.
func TestBuildDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a canister twice")
	}
	ctx := context.Background()
	var out [2]*Result
	for i := range out {
		res, err := Build(ctx, Options{Dir: "../..", Pkg: "./examples/hello", Env: []string{"GREETING=hi"}})
		require.NoError(t, err)
		out[i] = res
	}
	require.True(t, bytes.Equal(out[0].Wasm, out[1].Wasm), "two builds of examples/hello differ")
	require.True(t, bytes.Equal(out[0].Gzip, out[1].Gzip), "the gzip'd modules differ")
	require.Equal(t, out[0].Did, out[1].Did)
	require.True(t, strings.HasPrefix(string(out[0].Wasm), "\x00asm"))
}
