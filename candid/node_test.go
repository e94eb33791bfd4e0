package candid_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/icgo/icgo/internal/crosscheck"
	"github.com/stretchr/testify/require"
)

// TestNodeCandidCoercion decodes messages of the conformance table with
// @dfinity/candid and checks its results: where it agrees with the Candid
// spec (and so with this package, see TestConformance) and where it does
// not yet implement the spec's newer rules. Like the candidtext cross-check
// it runs only when ICGO_NODE_CANDID=1, with node and @dfinity/candid
// resolvable (NODE_PATH).
func TestNodeCandidCoercion(t *testing.T) {
	node := crosscheck.NodeCandid(t)
	cases := []struct {
		name, msg, jsTypes string
		js                 string // @dfinity/candid's result, as JSON; "error" if it rejects
		differs            string // why it differs from this package, if it does
	}{
		{"opt: 42", `DIDL\01\6e\7c\01\00\01\2a`, `[IDL.Opt(IDL.Int)]`, `[["42"]]`, ""},
		{"opt: nested", `DIDL\02\6e\01\6e\7c\01\00\01\01\2a`, `[IDL.Opt(IDL.Opt(IDL.Int))]`, `[[["42"]]]`, ""},
		{"opt: parsing true : opt bool", `DIDL\00\01\7e\01`, `[IDL.Opt(IDL.Bool)]`, `[[true]]`, ""},
		{"reserved <: opt nat", `DIDL\00\01\70`, `[IDL.Opt(IDL.Nat)]`, `[[]]`, ""},
		{"opt true : opt bool <: opt nat", `DIDL\01\6e\7e\01\00\01\01`, `[IDL.Opt(IDL.Nat)]`, `[[]]`, ""},
		{"opt opt true : opt opt bool <: opt opt nat", `DIDL\02\6e\01\6e\7e\01\00\01\01\01`, `[IDL.Opt(IDL.Opt(IDL.Nat))]`, `[[[]]]`, ""},
		{"record: missing opt field", `DIDL\01\6c\01\01\7c\01\00\2a`, `[IDL.Record({_2_: IDL.Opt(IDL.Int)})]`, `[{"_2_":[]}]`, ""},
		{"opt: parsing true : opt opt bool", `DIDL\00\01\7e\01`, `[IDL.Opt(IDL.Opt(IDL.Bool))]`, `[[]]`,
			"spec fix of October 2025 (dfinity/candid #678, #679): opt opt true"},
		{"opt: 5 : nat at opt opt nat", `DIDL\00\01\7d\05`, `[IDL.Opt(IDL.Opt(IDL.Nat))]`, `[[]]`,
			"spec fix of October 2025: opt opt 5"},
		{"record: missing null field", `DIDL\01\6c\00\01\00`, `[IDL.Record({_2_: IDL.Null})]`, `error`,
			"spec: record {} <: record { 2 : null } (dfinity/candid #462)"},
		{"service <: principal", `DIDL\01\69\00\01\00\01\03\ca\ff\ee`, `[IDL.Principal]`, `error`,
			"spec, section Coercion: a service reference coerces at principal (candid 0.10.32)"},
	}
	var js strings.Builder
	js.WriteString(`let IDL;
try { IDL = require("@dfinity/candid").IDL; } catch (e) {
  console.error("cannot load @dfinity/candid: " + e.message); process.exit(3);
}
const show = (v) => JSON.stringify(v, (k, x) => typeof x === "bigint" ? x.toString() : x);
function dec(types, h) {
  try { return show(IDL.decode(types, new Uint8Array(Buffer.from(h, "hex")))); } catch (e) { return "error"; }
}
`)
	for _, c := range cases {
		js.WriteString("console.log(dec(" + c.jsTypes + `, "` + hex.EncodeToString(blob(t, c.msg)) + `"));` + "\n")
	}
	lines := crosscheck.RunNode(t, node, js.String())
	require.Len(t, lines, len(cases))
	byName := map[string]bool{}
	for _, cc := range conformanceCases {
		byName[cc.name] = true
	}
	for i, c := range cases {
		require.True(t, byName[c.name], "%s is not a TestConformance case", c.name)
		require.Equal(t, c.js, lines[i], "%s (differs from this package: %q)", c.name, c.differs)
	}
}
