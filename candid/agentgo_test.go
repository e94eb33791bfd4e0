package candid_test

import (
	"encoding/hex"
	"math"
	"reflect"
	"testing"

	agent "github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/candid/idl"
	agentprincipal "github.com/aviate-labs/agent-go/principal"
	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/principal"
)

// TestAgentGoAgreement checks our encoding against agent-go (a test-only
// dependency). For each case the Candid text is encoded by agent-go's
// EncodeValueString. When the bytes are identical nothing else is needed
// (case "same"). When they legitimately differ in type-table layout (case
// "layout": agent-go orders or shares table entries differently; both are
// valid), each side's bytes are decoded by the other side and compared.
func TestAgentGoAgreement(t *testing.T) {
	p := principal.MustDecode("em77e-bvlzu-aq")
	enc := func(t idl.Type, v any) func() ([]byte, error) {
		return func() ([]byte, error) { return idl.Encode([]idl.Type{t}, []any{v}) }
	}
	tests := []struct {
		value any
		text  string
		enc   func() ([]byte, error) // used when agent-go cannot parse text
	}{
		{true, "(true)", nil},
		{"quint", `("quint")`, nil},
		{"ünïcødé", "", enc(new(idl.TextType), "ünïcødé")},
		{uint8(255), "(255 : nat8)", nil},
		{uint16(65535), "(65535 : nat16)", nil},
		{uint32(math.MaxUint32), "(4294967295 : nat32)", nil},
		{uint64(math.MaxUint64), "", enc(idl.Nat64Type(), uint64(math.MaxUint64))},
		{int8(-128), "(-128 : int8)", nil},
		{int16(-32768), "(-32768 : int16)", nil},
		{int32(math.MinInt32), "(-2147483648 : int32)", nil},
		{int64(math.MinInt64), "(-9223372036854775808 : int64)", nil},
		{float32(1.5), "(1.5 : float32)", nil},
		{-2.25, "(-2.25 : float64)", nil},
		{candid.NatFromUint64(624485), "(624485 : nat)", nil},
		{candid.IntFromInt64(-123456), "(-123456 : int)", nil},
		{candid.NewNat(bigPow(2, 100)), "", enc(new(idl.NatType), idl.NewBigNat(bigPow(2, 100)))},
		{candid.Null{}, "(null)", nil},
		{candid.Reserved{}, "", enc(new(idl.ReservedType), nil)},
		{Person{"x", 3}, `(record { name = "x"; age = 3 : nat8 })`, nil},
		{struct{}{}, "(record {})", nil},
		// Pair (numeric labels) is checked in TestAgentGoDecodesOurs: agent-go
		// hashes the map key "0" as a text label.
		{Result{Ok: ptr("fine")}, `(variant { ok = "fine" })`, nil},
		{[]string{}, "", enc(idl.NewVectorType(new(idl.TextType)), []any{})},
		{[]int64{1, -1}, "(vec { 1 : int64; -1 : int64 })", nil},
		{[]byte("dead"), `(blob "dead")`, nil}, // agent-go encodes the blob text literally
		{ptr("x"), `(opt "x")`, nil},
		{(*string)(nil), "", enc(idl.NewOptionalType(new(idl.TextType)), nil)},
		{ptr(ptr(uint8(1))), "", enc(idl.NewOptionalType(idl.NewOptionalType(idl.Nat8Type())), uint8(1))},
		{p, "", enc(new(idl.PrincipalType), agentprincipal.Principal{Raw: p.Bytes()})},
		{&Person{"y", 1}, `(opt record { name = "y"; age = 1 : nat8 })`, nil},
	}
	for _, tt := range tests {
		ours, err := candid.Marshal([]any{tt.value})
		require.NoError(t, err, tt.text)
		var theirs []byte
		if tt.enc != nil {
			theirs, err = tt.enc()
		} else {
			theirs, err = agent.EncodeValueString(tt.text)
		}
		require.NoError(t, err, "agent-go: %s %T", tt.text, tt.value)
		if hex.EncodeToString(ours) == hex.EncodeToString(theirs) {
			continue // case "same"
		}
		t.Logf("layout differs for %T %s:\n ours   %x\n theirs %x", tt.value, tt.text, ours, theirs)
		// Case "layout": cross-decode.
		out := reflect.New(reflect.TypeOf(tt.value))
		require.NoError(t, candid.Unmarshal(theirs, []any{out.Interface()}), tt.text)
		require.Equal(t, fmtValue(tt.value), fmtValue(out.Elem().Interface()), tt.text)
		s1, err := agent.DecodeValueString(ours)
		require.NoError(t, err, tt.text)
		s2, err := agent.DecodeValueString(theirs)
		require.NoError(t, err, tt.text)
		require.Equal(t, s2, s1, tt.text)
	}
}

func fmtValue(v any) any {
	switch v := v.(type) {
	case candid.Nat:
		return v.String()
	case candid.Int:
		return v.String()
	}
	return v
}

// TestAgentGoDecodesOurs decodes our encoding of richer values with agent-go.
func TestAgentGoDecodesOurs(t *testing.T) {
	tests := []struct {
		value any
		text  string
	}{
		// agent-go prints field ids rather than labels.
		{Person{"x", 3}, `(record { 4846783 = 3 : nat8; 1224700491 = "x" })`},
		{&Node{Value: 1, Next: &Node{Value: 2}}, `(opt record { 834174833 = 1 : int64; 1224901875 = opt record { 834174833 = 2 : int64; 1224901875 = opt null } })`},
		{Pair{"a", 7}, `(record { 0 = "a"; 1 = 7 : nat32 })`},
		{map[string]uint8{"b": 2, "a": 1}, `(vec { record { 0 = "a"; 1 = 1 : nat8 }; record { 0 = "b"; 1 = 2 : nat8 } })`},
	}
	for _, tt := range tests {
		ours, err := candid.Marshal([]any{tt.value})
		require.NoError(t, err)
		s, err := agent.DecodeValueString(ours)
		require.NoError(t, err)
		require.Equal(t, tt.text, s)
		theirs, err := agent.EncodeValueString(s)
		if err == nil {
			out := reflect.New(reflect.TypeOf(tt.value))
			require.NoError(t, candid.Unmarshal(theirs, []any{out.Interface()}), s)
			require.Equal(t, tt.value, out.Elem().Interface())
		}
	}
}
