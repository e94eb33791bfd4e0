package candidtext

import (
	"encoding/hex"
	"strings"
	"testing"

	agent "github.com/aviate-labs/agent-go/candid"
	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/internal/candidwire"
)

func encodeText(t *testing.T, text string, types []*Type) []byte {
	t.Helper()
	vs, err := ParseArgs(text)
	require.NoError(t, err, text)
	b, err := Encode(vs, types)
	require.NoError(t, err, text)
	return b
}

// Every type: text -> binary (types inferred) -> text in didc's style,
// and the printed text parses and encodes back to the same bytes.
func TestRoundTripAllTypes(t *testing.T) {
	cases := []struct {
		in, want  string
		sameBytes bool // printed text re-encodes to identical bytes
	}{
		{`(null)`, `(null : null)`, true},
		{`(true, false)`, `(true, false)`, true},
		{`(42 : nat)`, `(42 : nat)`, true},
		{`(1_000_000 : nat)`, `(1_000_000 : nat)`, true},
		{`(123456789012345678901234567890 : nat)`, `(123_456_789_012_345_678_901_234_567_890 : nat)`, true},
		{`(-42)`, `(-42 : int)`, true},
		{`(-123456789012345678901234567890)`, `(-123_456_789_012_345_678_901_234_567_890 : int)`, true},
		{`(0x10 : nat8, 255 : nat8)`, `(16 : nat8, 255 : nat8)`, true},
		{`(65535 : nat16)`, `(65_535 : nat16)`, true},
		{`(4294967295 : nat32)`, `(4_294_967_295 : nat32)`, true},
		{`(18446744073709551615 : nat64)`, `(18_446_744_073_709_551_615 : nat64)`, true},
		{`(-128 : int8, 127 : int8)`, `(-128 : int8, 127 : int8)`, true},
		{`(-32768 : int16)`, `(-32_768 : int16)`, true},
		{`(-2147483648 : int32)`, `(-2_147_483_648 : int32)`, true},
		{`(-9223372036854775808 : int64)`, `(-9_223_372_036_854_775_808 : int64)`, true},
		{`(1.5 : float32)`, `(1.5 : float32)`, true},
		{`(3.0, 1e3, -0.25)`, `(3.0 : float64, 1000.0 : float64, -0.25 : float64)`, true},
		{`(7 : float64)`, `(7.0 : float64)`, true},
		{`("Hello, world!")`, `("Hello, world!")`, true},
		{`("a\n\t\"\\\u{1F600}\7f'x")`, `("a\n\t\"\\😀\u{7f}\'x")`, true},
		{`("\e4\bd\a0")`, `("你")`, true},
		{`(null : reserved)`, `(null : reserved)`, true},
		{`(principal "aaaaa-aa")`, `(principal "aaaaa-aa")`, true},
		{`(principal "rrkah-fqaaa-aaaaa-aaaaq-cai")`, `(principal "rrkah-fqaaa-aaaaa-aaaaq-cai")`, true},
		{`(opt 5 : opt nat64)`, `(opt (5 : nat64))`, true},
		{`(opt "x", opt opt true)`, `(opt "x", opt opt true)`, true},
		{`(null : opt nat)`, `(null)`, false},
		{`(opt null)`, `(opt (null : null))`, true},
		{`(vec {1;2})`, `(vec { 1 : int; 2 : int })`, true},
		{`(vec { "a"; "b"; })`, `(vec { "a"; "b" })`, true},
		{`(vec {} : vec text)`, `(vec {})`, false},
		{`(blob "\01\02")`, `(blob "\01\02")`, true},
		{`(blob "abc")`, `(blob "abc")`, true},
		{`(blob "a\"b")`, `(blob "a\22b")`, true},
		{`(blob "")`, `(blob "")`, true},
		{`(vec { 1 : nat8; 2 : nat8 })`, `(blob "\01\02")`, true},
		{`(record { a = 1 : nat; b = "x" })`, `(record { 97 = 1 : nat; 98 = "x" })`, true},
		{`(record { "x"; true })`, `(record { "x"; true })`, true},
		{`(record { 5 = "x"; 6 = true })`, `(record { 5 = "x"; 6 = true })`, true},
		{`(record {})`, `(record {})`, true},
		{`(variant { ok = "x" })`, `(variant { 24860 = "x" })`, true},
		{`(variant { ok })`, `(variant { 24860 })`, true},
		{`(func "aaaaa-aa".greet)`, `(func "aaaaa-aa".greet)`, true},
		{`(func "aaaaa-aa"."weird name")`, `(func "aaaaa-aa"."weird name")`, true},
		{`(service "rrkah-fqaaa-aaaaa-aaaaq-cai")`, `(service "rrkah-fqaaa-aaaaa-aaaaq-cai")`, true},
		{`()`, `()`, true},
		{`("x", 1 : nat, vec { opt record { 0 = true } })`, `("x", 1 : nat, vec { opt record { true } })`, true},
		{`(
			// comments are allowed in values too
			record { /* a */ a = +5 : int },
		)`, `(record { 97 = 5 : int })`, true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			b := encodeText(t, c.in, nil)
			got, err := Decode(b, nil)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
			again := encodeText(t, got, nil)
			if c.sameBytes {
				require.Equal(t, hex.EncodeToString(b), hex.EncodeToString(again), "re-encoding %s", got)
			}
		})
	}
}

// Parse -> print -> parse is stable for textual (not yet typed) values.
func TestParsePrint(t *testing.T) {
	cases := map[string]string{
		`(1, -2, 0xff, 1_000)`:                              `(1, -2, 255, 1000)`,
		`(opt 5 : opt nat64)`:                               `(opt 5 : opt nat64)`,
		`(vec { 1; 2 }, blob "\01a")`:                       `(vec { 1; 2 }, blob "\01\61")`,
		`(record { b = 1; a = "x" })`:                       `(record { a = "x"; b = 1 })`,
		`(record { "x"; 1 })`:                               `(record { "x"; 1 })`,
		`(variant { "a b" = 1 }, variant { c })`:            `(variant { "a b" = 1 }, variant { c })`,
		`(principal "aaaaa-aa", service "aaaaa-aa")`:        `(principal "aaaaa-aa", service "aaaaa-aa")`,
		`(func "aaaaa-aa".f, null, true)`:                   `(func "aaaaa-aa".f, null : null, true)`,
		`((5 : nat8))`:                                      `(5 : nat8)`,
		`"bare"`:                                            `("bare")`,
		`(record { "type" = 1 } : record { "type" : nat })`: `(record { "type" = 1 } : record { "type" : nat })`,
	}
	for in, want := range cases {
		vs, err := ParseArgs(in)
		require.NoError(t, err, in)
		got := FormatArgs(vs)
		require.Equal(t, want, got, in)
		vs2, err := ParseArgs(got)
		require.NoError(t, err, got)
		require.Equal(t, got, FormatArgs(vs2))
	}
}

// Byte agreement with agent-go for the forms it supports. (agent-go
// encodes `(opt null)` as an absent opt, which is wrong: it is present.)
func TestAgentGoAgreement(t *testing.T) {
	for _, s := range []string{
		`("world")`, `(1 : nat)`, `(1)`, `(-1)`, `(true)`, `(null)`, `(1.5)`, `(5 : nat8)`,
		`(5 : int64)`, `(opt 5)`, `(vec { 1; 2 })`, `(vec { 1 : nat; 2 : nat })`,
		`(record { a = 1 : nat; b = "x" })`, `(variant { ok = "x" })`, `(variant { ok })`,
		`("a", 1 : nat, true)`, `(record {})`, `(1_000 : nat)`, `(5 : float32)`, `(-5 : int8)`,
		`(65535 : nat16)`, `(4294967295 : nat32)`, `(record { a = record { b = 1 : nat } })`,
	} {
		want, err := agent.EncodeValueString(s)
		require.NoError(t, err, s)
		require.Equal(t, hex.EncodeToString(want), hex.EncodeToString(encodeText(t, s, nil)), s)
	}
	require.Equal(t, "4449444c00017105776f726c64", hex.EncodeToString(encodeText(t, `("world")`, nil)))
}

const testDID = `
// A test service.
type R = record { a : nat; b : opt text; "quoted label" : opt bool };
type Result = variant { ok : nat; err : text };
type List = opt record { head : int; tail : List };
/* block /* nested */ comment */
service : (init : record { owner : principal }) -> {
  add : (nat64, opt text) -> (record { sum : nat64 });
  greet : (name : text) -> (text) query;
  peek : () -> (nat) composite_query;
  who : (principal) -> () oneway;
  take : (R) -> (Result);
  sum : (List) -> (int) query;
  "odd name" : (variant { a; b; 7 : text }) -> (record { text; nat });
  cb : (func (nat) -> (text) query, service { ping : () -> () }) -> ();
  blob_in : (blob, vec nat8) -> (blob);
}
`

func TestTypedEncode(t *testing.T) {
	s, err := ParseDID(testDID)
	require.NoError(t, err)
	method := func(name string) *Method {
		m, ok := s.Method(name)
		require.True(t, ok, name)
		return m
	}
	add := method("add")
	require.False(t, add.IsQuery())
	require.True(t, method("greet").IsQuery())
	require.True(t, method("peek").IsQuery())
	require.True(t, method("peek").IsCompositeQuery())
	require.True(t, method("who").IsOneway())
	require.Equal(t, "(record { owner : principal })", tupleString(s.InitArgs))

	same := func(typed string, m *Method, untyped string) {
		t.Helper()
		require.Equal(t, hex.EncodeToString(encodeText(t, untyped, nil)), hex.EncodeToString(encodeText(t, typed, m.Args)), typed)
	}
	same(`(5, opt "x")`, add, `(5 : nat64, opt "x" : opt text)`)
	same(`(5)`, add, `(5 : nat64, null : opt text)`)
	same(`(5 : nat64, null)`, add, `(5 : nat64, null : opt text)`)
	same(`(record { a = 1 })`, method("take"),
		`(record { a = 1 : nat; b = null : opt text; "quoted label" = null : opt bool })`)
	same(`(variant { "a" })`, method("odd name"), `(variant { a } : variant { a; b; 7 : text })`)
	same(`(variant { 7 = "x" })`, method("odd name"), `(variant { 7 = "x" } : variant { a; b; 7 : text })`)
	same(`(blob "ab", vec { 1; 2 })`, method("blob_in"), `(blob "ab", blob "\01\02")`)
	same(`(func "aaaaa-aa".f, service "aaaaa-aa")`, method("cb"),
		`(func "aaaaa-aa".f : func (nat) -> (text) query, service "aaaaa-aa" : service { ping : () -> () })`)

	// Reply decoding with names from the .did.
	reply := encodeText(t, `(record { sum = 7 : nat64 })`, nil)
	out, err := Decode(reply, add.Results)
	require.NoError(t, err)
	require.Equal(t, `(record { sum = 7 : nat64 })`, out)
	out, err = Decode(encodeText(t, `(variant { err = "no" })`, method("take").Results), method("take").Results)
	require.NoError(t, err)
	require.Equal(t, `(variant { err = "no" })`, out)
	out, err = Decode(encodeText(t, `(record { "a"; 1 })`, method("odd name").Results), method("odd name").Results)
	require.NoError(t, err)
	require.Equal(t, `(record { "a"; 1 : nat })`, out)
	out, err = Decode(encodeText(t, `(record { a = 1; "quoted label" = opt true })`, method("take").Args), method("take").Args)
	require.NoError(t, err)
	require.Equal(t, `(record { a = 1 : nat; b = null; "quoted label" = opt true })`, out)

	// Named types in annotations resolve against the service.
	vs, err := s.ParseArgs(`(null : List)`)
	require.NoError(t, err)
	_, err = Encode(vs, nil)
	require.NoError(t, err)

	errCases := []struct {
		method, args string
		want         []string
	}{
		{"add", `("5")`, []string{"argument 1", "expected nat64", `text "5"`}},
		{"add", `(-1)`, []string{"argument 1", "out of range"}},
		{"add", `(1.5)`, []string{"argument 1", "not an integer"}},
		{"add", `(5, "x")`, []string{"argument 2", "expected opt text", "opt V or null"}},
		{"add", `(5, null, 3)`, []string{"too many arguments"}},
		{"add", `()`, []string{"argument 1", "missing argument of type nat64"}},
		{"add", `(5 : nat8)`, []string{"annotated as nat8", "nat64"}},
		{"who", `("aaaaa-aa")`, []string{"argument 1", "expected principal", `write principal "aaaaa-aa"`}},
		{"take", `(record { b = opt "x" })`, []string{"missing field a of type nat"}},
		{"take", `(record { a = 1; c = 2 })`, []string{"field c is not part of the expected type"}},
		{"take", `(record { a = "1" })`, []string{"argument 1, field a", "expected nat"}},
		{"odd name", `(variant { c })`, []string{"variant case c is not one of"}},
		{"blob_in", `(blob "a", vec { 256 })`, []string{"argument 2, element 1", "out of range"}},
		{"greet", `(1)`, []string{"argument 1", "expected text", "1:2"}},
	}
	for _, c := range errCases {
		vs, err := ParseArgs(c.args)
		require.NoError(t, err, c.args)
		_, err = Encode(vs, method(c.method).Args)
		require.Error(t, err, "%s%s", c.method, c.args)
		for _, w := range c.want {
			require.Contains(t, err.Error(), w, "%s%s", c.method, c.args)
		}
	}
}

func TestRecursiveDID(t *testing.T) {
	s, err := ParseDID(testDID)
	require.NoError(t, err)
	m, _ := s.Method("sum")
	b := encodeText(t, `(opt record { head = 1; tail = opt record { head = 2; tail = null } })`, m.Args)
	// Bytes produced by @dfinity/candid for the same value (IDL.Rec).
	require.Equal(t, "4449444c026e016c02a0d2aca8047c90eddae7040001000101010200", hex.EncodeToString(b))
	out, err := Decode(b, m.Args)
	require.NoError(t, err)
	require.Equal(t, `(opt record { head = 1 : int; tail = opt record { head = 2 : int; tail = null } })`, out)

	// Mutually recursive types and a type used twice.
	s, err = ParseDID(`
		type Tree = variant { leaf : int; node : Forest };
		type Forest = vec Tree;
		service : { f : (Tree, Forest) -> () }`)
	require.NoError(t, err)
	m, _ = s.Method("f")
	b = encodeText(t, `(variant { node = vec { variant { leaf = 1 }; variant { node = vec {} } } }, vec {})`, m.Args)
	out, err = Decode(b, m.Args)
	require.NoError(t, err)
	require.Equal(t, `(variant { node = vec { variant { leaf = 1 : int }; variant { node = vec {} } } }, vec {})`, out)
}

func TestDecodeMultiValue(t *testing.T) {
	b := encodeText(t, `("Hello, world!", 5 : nat, record { sum = 1 : nat64 }, opt principal "aaaaa-aa", vec { variant { a = 1.5 } })`, nil)
	s, err := ParseDID(`service : { f : () -> (text, nat, record { sum : nat64 }, opt principal, vec variant { a : float64; b }) }`)
	require.NoError(t, err)
	m, _ := s.Method("f")
	out, err := Decode(b, m.Results)
	require.NoError(t, err)
	require.Equal(t, `("Hello, world!", 5 : nat, record { sum = 1 : nat64 }, opt principal "aaaaa-aa", vec { variant { a = 1.5 : float64 } })`, out)
	// Without types: numeric ids.
	out, err = Decode(b, nil)
	require.NoError(t, err)
	require.Equal(t, `("Hello, world!", 5 : nat, record { 5745035 = 1 : nat64 }, opt principal "aaaaa-aa", vec { variant { 97 = 1.5 : float64 } })`, out)
	// Fewer types than values; agent-go produced bytes.
	ab, err := agent.EncodeValueString(`("a", 1 : nat, true)`)
	require.NoError(t, err)
	out, err = Decode(ab, []*Type{Prim(KindText)})
	require.NoError(t, err)
	require.Equal(t, `("a", 1 : nat, true)`, out)
	// Empty reply.
	out, err = Decode([]byte("DIDL\x00\x00"), nil)
	require.NoError(t, err)
	require.Equal(t, `()`, out)
}

func TestParseDID(t *testing.T) {
	s, err := ParseDID(`
		type a = record { nat; text; 5 : bool; bool };
		type b = variant { x; "y z"; 3; w : a };
		type f = func (n : nat, text) -> () oneway;
		type S = service { m : f; "n" : (a) -> (b) query };
		service named : S`)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b", "f", "S"}, s.TypeNames)
	require.Equal(t, `record { 0 : nat; 1 : text; 5 : bool; 6 : bool }`, s.Types["a"].String())
	require.Equal(t, `variant { 3; w : a; x; "y z" }`, s.Types["b"].String())
	require.Equal(t, `func (nat, text) -> () oneway`, s.Types["f"].String())
	require.Equal(t, `service { m : f; n : (a) -> (b) query }`, s.Types["S"].String())
	m, ok := s.Method("m")
	require.True(t, ok)
	require.True(t, m.IsOneway())
	require.Equal(t, []string{"n", ""}, m.ArgNames)
	_, ok = s.Method("zzz")
	require.False(t, ok)
	tup, err := s.ParseType(`record { text; nat }`)
	require.NoError(t, err)
	require.Equal(t, `record { text; nat }`, tup.String())

	s, err = ParseDID(`service : (nat) -> { "odd-name" : () -> (); }`)
	require.NoError(t, err)
	require.Len(t, s.InitArgs, 1)
	_, ok = s.Method("odd-name")
	require.True(t, ok)

	s, err = ParseDID(`type x = nat;`)
	require.NoError(t, err)
	require.False(t, s.HasActor)
}

func TestSyntaxErrors(t *testing.T) {
	didCases := map[string]string{
		"type A = B;":                                "1:10: unknown type B",
		"type A = nat;\ntype A = int;":               "2:6: type A is defined twice",
		"service : {\n  f : (nat) -> (foo)\n}":       "2:17: unknown type foo",
		"service : { f : (nat) -> nat }":             `1:26: expected "(", found "nat"`,
		"type R = record { a : nat; a : int };":      "1:28: field a collides with field a",
		"type A = B; type B = A;":                    "type A is defined only in terms of itself",
		"/* never closed":                            "1:1: unterminated block comment",
		"type T = record { a : nat }":                `1:28: expected ";" after type definition, found end of input`,
		"import \"x.did\";":                          "1:1: import is not supported",
		"service : { f : () -> () } junk":            `1:28: unexpected "junk" after the service declaration`,
		"type T = opt;":                              `1:13: expected a type, found ";"`,
		"service : { f : () -> (); f : () -> () }":   "1:27: method f is declared twice",
		"type T = record { 4294967296 : nat };":      "1:19: field id 4294967296 is not a 32-bit natural number",
		"service : { f : (nat) -> () query query2 }": `1:35: expected "}", found "query2"`,
		"type T = nat;\nservice : T":                 "2:11: the service declaration does not name a service type",
	}
	for src, want := range didCases {
		_, err := ParseDID(src)
		require.Error(t, err, src)
		require.Contains(t, err.Error(), want, src)
	}
	argCases := map[string]string{
		`("abc)`:                     "1:2: unterminated text literal",
		`(record { a = })`:           `1:15: unexpected "}"; expected a value`,
		`(1 2)`:                      `1:4: expected ")", found number 2`,
		`(principal "xyz")`:          `1:12: invalid principal "xyz"`,
		`(principal "aaaaa-ab")`:     `invalid principal`,
		"(\n  vec { 1; 2 ":           `2:14: expected "}", found end of input`,
		`("\q")`:                     `1:3: unknown escape sequence \q`,
		`("\u{110000}")`:             `is not a Unicode scalar value`,
		`("\ff")`:                    `not valid UTF-8`,
		`(variant { a = 1; b = 2 })`: "exactly one field",
		`(5 : foo)`:                  "1:6: unknown type foo",
		`(0x)`:                       "malformed hexadecimal number",
		`(12abc)`:                    `1:4: unexpected character 'a' in number`,
		`(record { a = 1; a = 2 })`:  "1:18: field a collides with field a",
		`(1 : nat : int)`:            "conflicting type annotations",
		`(#)`:                        `1:2: unexpected character '#'`,
	}
	for src, want := range argCases {
		_, err := ParseArgs(src)
		require.Error(t, err, src)
		require.Contains(t, err.Error(), want, src)
	}
}

func TestDecodeMalformed(t *testing.T) {
	cases := map[string]string{
		"":                                     "missing DIDL magic",
		"DIDX\x00\x00":                         "missing DIDL magic",
		"DIDL":                                 "at byte 4: type table: truncated leb128",
		"DIDL\x00\x01\x71":                     "unexpected end of input",
		"DIDL\x00\x01\x71\x05ab":               "exceeds the remaining",
		"DIDL\x00\x01\x7e\x02":                 "invalid bool byte 2",
		"DIDL\x00\x01\x71\x01\xff":             "not valid UTF-8",
		"DIDL\x00\x01\x05":                     "type index 5 out of range",
		"DIDL\x01\x6e\x09\x00":                 "type index 9 out of range",
		"DIDL\x00\x01\x7d\x01\x00":             "1 trailing bytes",
		"DIDL\x01\x01\x00":                     "type table entry 0: invalid type opcode 1",
		"DIDL\x00\x01\x40":                     "argument type 0: invalid type opcode -64",
		"DIDL\x01\x6c\x02\x01\x7f\x01\x7f\x00": "field ids not strictly increasing",
		"DIDL\x00\x01\x6f":                     "cannot decode a value of type empty",
		"DIDL\x01\x6b\x01\x00\x7f\x01\x00\x03": "variant index 3 out of range",
		"DIDL\x01\x6d\x7f\x01\x00\xff\xff\xff\xff\x0f":         "vec length",
		"DIDL\x00\x01\x68\x00":                                 "opaque",
		"DIDL\x00\x01\x68\x01\x1e":                             "longer than 29",
		"DIDL\x01\x6e\x00\x01\x00\x01\x01\x01\x01\x01\x01\x01": "",
	}
	for in, want := range cases {
		_, err := Decode([]byte(in), nil)
		require.Error(t, err, "%q", in)
		require.Contains(t, err.Error(), want, "%q", in)
	}
	// Infinitely nested type with no finite values is caught by the depth limit.
	_, err := Decode([]byte("DIDL\x01\x6c\x01\x00\x00\x01\x00"), nil)
	require.ErrorContains(t, err, "too deeply")
	// Long run of zero-sized elements is bounded.
	_, err = Decode([]byte("DIDL\x01\x6d\x6d\x7f\x01\x00\xff\xff\x03"), nil)
	require.Error(t, err)
}

func TestPrincipalText(t *testing.T) {
	require.Equal(t, "aaaaa-aa", PrincipalToText(nil))
	b, err := PrincipalFromText("rrkah-fqaaa-aaaaa-aaaaq-cai")
	require.NoError(t, err)
	require.Equal(t, "00000000000000010101", hex.EncodeToString(b))
	require.Equal(t, "2vxsx-fae", PrincipalToText([]byte{4}))
	_, err = PrincipalFromText("RRKAH-FQAAA-AAAAA-AAAAQ-CAI")
	require.NoError(t, err)
	_, err = PrincipalFromText("rrkahfqaaaaaaaaaaaaqcai")
	require.ErrorContains(t, err, "canonical form")
	_, err = PrincipalFromText("Rrkah-fqaaa-aaaaa-aaaaq-CAI") // mixed case
	require.NoError(t, err)
	for text, want := range map[string]string{
		"arkah-fqaaa-aaaaa-aaaaq-cai": "checksum",
		"rrkah-fqaaa-aaaaa-aaaaq-ca1": "invalid character",
		"":                            "too short",
	} {
		_, err = PrincipalFromText(text)
		require.ErrorContains(t, err, want, text)
		require.ErrorContains(t, err, "invalid principal", text)
	}
	long := make([]byte, 29)
	for i := range long {
		long[i] = byte(i)
	}
	b, err = PrincipalFromText(PrincipalToText(long))
	require.NoError(t, err)
	require.Equal(t, long, b)
	_, err = PrincipalFromText(PrincipalToText(append(long, 0)))
	require.ErrorContains(t, err, "longer than 29 bytes")
}

// The LEB128 readers keep their errors and offsets now that they use the
// candid package's codec.
func TestLEBErrors(t *testing.T) {
	r := &reader{b: []byte{0x80, 0x80}}
	_, err := r.uleb()
	require.ErrorContains(t, err, "at byte 2: unexpected end of input")
	r = &reader{b: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}}
	_, err = r.uleb()
	require.ErrorContains(t, err, "LEB128 number overflows 64 bits")
	r = &reader{b: []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40}}
	_, err = r.sleb()
	require.ErrorContains(t, err, "SLEB128 number overflows 64 bits")
	r = &reader{b: []byte{0xe5, 0x8e, 0x26, 0x7f, 0x01}}
	x, err := r.uleb()
	require.NoError(t, err)
	require.Equal(t, uint64(624485), x)
	y, err := r.sleb()
	require.NoError(t, err)
	require.Equal(t, int64(-1), y)
	require.Equal(t, 4, r.off)
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`("Hello, world!", 5 : nat, -3, 1.5 : float32)`,
		`(record { a = opt vec { 1 : nat8 }; b = variant { x = principal "aaaaa-aa" } })`,
		`(vec { record { 1 : int64; "x" } }, null : reserved, func "aaaaa-aa".f, service "aaaaa-aa")`,
		`(opt opt opt null, vec { vec { null } }, blob "\00\ff")`,
	} {
		vs, err := ParseArgs(s)
		require.NoError(f, err)
		b, err := Encode(vs, nil)
		require.NoError(f, err)
		f.Add(b)
	}
	s, err := ParseDID(testDID)
	require.NoError(f, err)
	m, _ := s.Method("sum")
	vs, _ := ParseArgs(`(opt record { head = 1; tail = opt record { head = 2; tail = null } })`)
	b, err := Encode(vs, m.Args)
	require.NoError(f, err)
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Decode(data, m.Args)
		if err != nil {
			return
		}
		// Whatever decodes must print as parseable, encodable text.
		vs, err := ParseArgs(out)
		if err != nil {
			t.Fatalf("decoded %x to unparseable %s: %v", data, out, err)
		}
		if _, err := Encode(vs, nil); err != nil && !strings.Contains(err.Error(), "empty") {
			t.Fatalf("decoded %x to %s which does not encode: %v", data, out, err)
		}
	})
}

// TestOnewayFunc checks that the tools and the canister codec, which share
// one type-table decoder, agree on oneway func types: annotated oneway when
// the result list is empty, rejected otherwise (Candid spec, "Function
// References": the result list of a oneway function must be empty).
func TestOnewayFunc(t *testing.T) {
	ok := []byte("DIDL\x01\x6a\x00\x00\x01\x02\x01\x00\x01\x01\x03\xca\xff\xee\x03foo")
	h, err := candidwire.ReadHeader(ok)
	require.NoError(t, err)
	require.Equal(t, []string{"oneway"}, wireTypes(h.Table)[0].Func.Annotations)
	out, err := Decode(ok, nil)
	require.NoError(t, err)
	require.Equal(t, `(func "w7x7r-cok77-xa".foo)`, out)
	var f candid.Func
	require.NoError(t, candid.Unmarshal(ok, []any{&f}))
	require.Equal(t, "foo", f.Method)

	withResults := []byte("DIDL\x01\x6a\x00\x01\x7d\x01\x02\x01\x00\x01\x01\x03\xca\xff\xee\x03foo")
	_, err = Decode(withResults, nil)
	require.ErrorContains(t, err, "type table entry 0: oneway func has results")
	require.ErrorContains(t, candid.Unmarshal(withResults, []any{&f}), "type table entry 0: oneway func has results")
}
