package build

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/internal/abi"
)

func TestDescribeHello(t *testing.T) {
	ctx := context.Background()
	raw, err := GoBuild(ctx, "../..", "./examples/hello", false)
	require.NoError(t, err)
	reg, err := Describe(ctx, raw)
	require.NoError(t, err)
	require.Equal(t, []Method{
		{abi.KindQuery, 0, "greet"},
		{abi.KindUpdate, 1, "inc"},
		{abi.KindQuery, 2, "get"},
		{abi.KindUpdate, 3, "fail"},
		{abi.KindUpdate, 4, "dec"},
	}, reg.Methods)
	// The cdk always exports canister_global_timer: its timers use it.
	require.Equal(t, []string{"global_timer"}, reg.Hooks)
	require.Contains(t, reg.CandidService, "greet : (text) -> (text) query;")
}

func TestParseDescribeErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "unknown description format"},
		{"icgo-describe 2\n", "unknown description format"},
		{abi.DescribeHeader + "\nmethod query x greet\n", "bad method line"},
		{abi.DescribeHeader + "\nhook nope\n", "unknown hook"},
		{abi.DescribeHeader + "\ncandid-service 99\nshort\n", "bad candid-service length"},
		{abi.DescribeHeader + "\nwhat\n", "unknown description line"},
	} {
		_, err := ParseDescribe([]byte(tc.in))
		require.ErrorContains(t, err, tc.want, tc.in)
	}
	reg, err := ParseDescribe([]byte(abi.DescribeHeader + "\nmethod update 0 a b\nhook init\ncandid-args 6\n(text)\ncandid-service 11\nservice : {\n"))
	require.NoError(t, err)
	require.Equal(t, "a b", reg.Methods[0].Name)
	require.Equal(t, "(text)", reg.CandidArgs)
	require.Equal(t, "service : {", reg.CandidService)
}
