package bind_test

import (
	"os"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/internal/bind"
	"github.com/icgo/icgo/internal/bind/testdata/ic"
	"github.com/icgo/icgo/internal/bind/testdata/icrc1"
	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/principal"
)

// The generated packages under testdata are golden files (rewritten with
// ICGO_UPDATE_GOLDEN=1) and, compiled into this test, the subjects of the
// type checks below.
var cases = []struct {
	did, golden string
	opt         bind.Options
	client      any // a value of the generated client type
}{
	{"testdata/icrc1.did", "testdata/icrc1/icrc1.go", bind.Options{Package: "icrc1", Client: "Ledger", Source: "icrc1.did"}, icrc1.New(principal.Principal{})},
	{"../../management/testdata/ic.did", "testdata/ic/ic.go", bind.Options{Package: "ic", Source: "ic.did"}, ic.New(principal.Principal{})},
}

func parse(t *testing.T, path string) *candidtext.Service {
	t.Helper()
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	svc, err := candidtext.ParseDID(string(src))
	require.NoError(t, err)
	return svc
}

func TestGolden(t *testing.T) {
	for _, c := range cases {
		got, err := bind.Generate(parse(t, c.did), c.opt)
		require.NoError(t, err)
		if os.Getenv("ICGO_UPDATE_GOLDEN") == "1" {
			require.NoError(t, os.WriteFile(c.golden, got, 0o644))
			continue
		}
		want, err := os.ReadFile(c.golden)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "%s: rerun with ICGO_UPDATE_GOLDEN=1 and review the diff", c.golden)
	}
}

// Every method of the .did has a client method whose Go parameter and
// result types are, through package candid, the .did's types.
func TestClientTypesMatchDID(t *testing.T) {
	for _, c := range cases {
		svc := parse(t, c.did)
		ct := reflect.TypeOf(c.client)
		require.Len(t, svc.Methods, ct.NumMethod(), c.did)
		for _, m := range svc.Methods {
			gm, ok := ct.MethodByName(bind.GoName(m.Name))
			require.True(t, ok, "%s: no Go method for %s", c.did, m.Name)
			var in, out []reflect.Type
			for i := 1; i < gm.Type.NumIn(); i++ {
				in = append(in, gm.Type.In(i))
			}
			for i := 0; i < gm.Type.NumOut()-1; i++ {
				out = append(out, gm.Type.Out(i))
			}
			require.Equal(t, reflect.TypeFor[error](), gm.Type.Out(gm.Type.NumOut()-1))
			checkTypes(t, m.Name+" args", in, m.Args)
			checkTypes(t, m.Name+" results", out, m.Results)
		}
	}
}

func checkTypes(t *testing.T, what string, goTypes []reflect.Type, did []*candidtext.Type) {
	t.Helper()
	require.Len(t, goTypes, len(did), what)
	for i, gt := range goTypes {
		text, err := candid.TypeText(gt)
		require.NoError(t, err, "%s: %s", what, gt)
		ct, err := (*candidtext.Service)(nil).ParseType(text)
		require.NoError(t, err, text)
		require.Empty(t, candidtext.Diff(what, ct, did[i]), "Go type %s", gt)
	}
}

// Values of the generated types go through package candid and come back
// as the .did's values (decoded by internal/candidtext with the .did's
// types).
func TestRoundTrip(t *testing.T) {
	svc := parse(t, "testdata/icrc1.did")
	fee := candid.NatFromUint64(10_000)
	memo := []byte("memo")
	ts := icrc1.Timestamp(1_700_000_000_000_000_000)
	args := icrc1.TransferArgs{
		To:            icrc1.Account{Owner: principal.MustDecode("rrkah-fqaaa-aaaaa-aaaaq-cai")},
		Amount:        candid.NatFromUint64(1_500_000),
		Fee:           &fee,
		Memo:          &memo,
		CreatedAtTime: &ts,
	}
	b, err := candid.Marshal([]any{args})
	require.NoError(t, err)
	m, ok := svc.Method("icrc1_transfer")
	require.True(t, ok)
	text, err := candidtext.Decode(b, m.Args)
	require.NoError(t, err)
	require.Equal(t, `(record { to = record { owner = principal "rrkah-fqaaa-aaaaa-aaaaq-cai"; subaccount = null }; fee = opt (10_000 : nat); memo = opt blob "memo"; from_subaccount = null; created_at_time = opt (1_700_000_000_000_000_000 : nat64); amount = 1_500_000 : nat })`, text)

	// A reply written as Candid text with the .did's types decodes into
	// the generated result type.
	reply, err := svc.ParseArgs(`(variant { Err = variant { InsufficientFunds = record { balance = 42 } } })`)
	require.NoError(t, err)
	rb, err := candidtext.Encode(reply, m.Results)
	require.NoError(t, err)
	var res icrc1.Icrc1TransferResult
	require.NoError(t, candid.Unmarshal(rb, []any{&res}))
	require.NotNil(t, res.Err)
	require.NotNil(t, res.Err.InsufficientFunds)
	require.Equal(t, "42", res.Err.InsufficientFunds.Balance.String())
}
