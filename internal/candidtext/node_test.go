package candidtext

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/icgo/icgo/internal/crosscheck"
	"github.com/stretchr/testify/require"
)

// TestNodeCandidCrossCheck compares our encoding with @dfinity/candid's.
// It runs only when ICGO_NODE_CANDID=1; then node and the npm packages
// @dfinity/candid and @dfinity/principal must be resolvable (e.g. via
// NODE_PATH=<dir>/node_modules after
// `npm install --no-save --prefix <dir> @dfinity/candid @dfinity/principal`),
// otherwise the test fails.
func TestNodeCandidCrossCheck(t *testing.T) {
	node := crosscheck.NodeCandid(t)
	cases := []struct {
		did, value     string // our side: arg types (.did tuple syntax) and textual value
		jsTypes, jsVal string
	}{
		{`(text)`, `("world")`, `[IDL.Text]`, `["world"]`},
		{`(nat, int)`, `(1_000_000, -123456789012345678901234567890)`, `[IDL.Nat, IDL.Int]`, `[1000000n, -123456789012345678901234567890n]`},
		{`(nat8, nat16, nat32, nat64, int8, int16, int32, int64)`, `(255, 65535, 4294967295, 18446744073709551615, -128, -32768, -2147483648, -9223372036854775808)`,
			`[IDL.Nat8, IDL.Nat16, IDL.Nat32, IDL.Nat64, IDL.Int8, IDL.Int16, IDL.Int32, IDL.Int64]`,
			`[255, 65535, 4294967295, 18446744073709551615n, -128, -32768, -2147483648, -9223372036854775808n]`},
		{`(float32, float64, bool, null, reserved)`, `(-2.5, 1.5, true, null, null)`,
			`[IDL.Float32, IDL.Float64, IDL.Bool, IDL.Null, IDL.Reserved]`, `[-2.5, 1.5, true, null, null]`},
		{`(record { a : nat; b : opt vec text })`, `(record { a = 5; b = opt vec { "x" } })`,
			`[IDL.Record({a: IDL.Nat, b: IDL.Opt(IDL.Vec(IDL.Text))})]`, `[{a: 5n, b: [["x"]]}]`},
		{`(variant { ok : nat64; err : text })`, `(variant { err = "boom" })`,
			`[IDL.Variant({ok: IDL.Nat64, err: IDL.Text})]`, `[{err: "boom"}]`},
		{`(vec record { nat8; principal })`, `(vec { record { 1; principal "rrkah-fqaaa-aaaaa-aaaaq-cai" }; record { 2; principal "aaaaa-aa" } })`,
			`[IDL.Vec(IDL.Tuple(IDL.Nat8, IDL.Principal))]`,
			`[[[1, Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai")], [2, Principal.fromText("aaaaa-aa")]]]`},
		{`(blob, opt blob)`, `(blob "\00\01abc", null)`, `[IDL.Vec(IDL.Nat8), IDL.Opt(IDL.Vec(IDL.Nat8))]`, `[new Uint8Array([0,1,97,98,99]), []]`},
		{`(List)`, `(opt record { head = 1; tail = opt record { head = 2; tail = null } })`, `[List]`,
			`[[{head: 1n, tail: [{head: 2n, tail: []}]}]]`},
		{`(opt variant { a; b : record { x : text; y : opt nat } })`, `(opt variant { b = record { x = "hi" } })`,
			`[IDL.Opt(IDL.Variant({a: IDL.Null, b: IDL.Record({x: IDL.Text, y: IDL.Opt(IDL.Nat)})}))]`, `[[{b: {x: "hi", y: []}}]]`},
		{`(func (text) -> (nat) query, service { greet : (text) -> (text) })`, `(func "aaaaa-aa".greet, service "rrkah-fqaaa-aaaaa-aaaaq-cai")`,
			`[IDL.Func([IDL.Text], [IDL.Nat], ["query"]), IDL.Service({greet: IDL.Func([IDL.Text], [IDL.Text], [])})]`,
			`[[Principal.fromText("aaaaa-aa"), "greet"], Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai")]`},
		{`(text, vec nat, record {})`, `("a\n\u{1F600}", vec {}, record {})`, `[IDL.Text, IDL.Vec(IDL.Nat), IDL.Record({})]`, `["a\n\u{1F600}", [], {}]`},
	}
	var js strings.Builder
	js.WriteString(`let IDL, Principal;
try {
  IDL = require("@dfinity/candid").IDL;
  Principal = require("@dfinity/principal").Principal;
} catch (e) {
  console.error("cannot load @dfinity/candid / @dfinity/principal: " + e.message);
  process.exit(3);
}
const List = IDL.Rec();
List.fill(IDL.Opt(IDL.Record({head: IDL.Int, tail: List})));
const hex = (b) => Buffer.from(b).toString("hex");
`)
	for _, c := range cases {
		js.WriteString("console.log(hex(IDL.encode(" + c.jsTypes + ", " + c.jsVal + ")));\n")
	}
	lines := crosscheck.RunNode(t, node, js.String())
	require.Len(t, lines, len(cases))

	s, err := ParseDID(`type List = opt record { head : int; tail : List };`)
	require.NoError(t, err)
	for i, c := range cases {
		sd, err := ParseDID("type List = opt record { head : int; tail : List };\nservice : { m : " + c.did + " -> () }")
		require.NoError(t, err, c.did)
		m, _ := sd.Method("m")
		vs, err := s.ParseArgs(c.value)
		require.NoError(t, err, c.value)
		got, err := Encode(vs, m.Args)
		require.NoError(t, err, c.value)
		require.Equal(t, lines[i], hex.EncodeToString(got), "case %d: %s : %s", i, c.value, c.did)
		// And our decoder reads @dfinity/candid's bytes back.
		jb, _ := hex.DecodeString(lines[i])
		_, err = Decode(jb, m.Args)
		require.NoError(t, err, "decoding @dfinity/candid's bytes for case %d", i)
	}
}
