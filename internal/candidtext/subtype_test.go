package candidtext

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSubtype(t *testing.T) {
	cases := []struct {
		a, b string
		ok   bool
	}{
		{"nat", "nat", true},
		{"nat", "int", true},
		{"int", "nat", false},
		{"nat8", "nat", false},
		{"text", "reserved", true},
		{"empty", "text", true},
		{"text", "empty", false},
		{"null", "opt text", true},
		{"opt nat", "opt text", true}, // the opt rule: a mismatch reads as null
		{"text", "opt text", true},
		{"text", "opt opt text", true}, // any type <: opt t (the spec's "unusual" rules)
		{"null", "opt null", true},
		{"vec nat", "vec int", true},
		{"vec int", "vec nat", false},
		{"record { a : nat; b : text }", "record { a : nat }", true},
		{"record { a : nat }", "record { a : nat; b : text }", false},
		{"record { a : nat }", "record { a : nat; b : opt text }", true},
		{"record { a : nat }", "record { a : nat; b : reserved }", true},
		{"variant { a; b }", "variant { a; b; c }", true},
		{"variant { a; b; c }", "variant { a; b }", false},
		{"func (int) -> (nat)", "func (nat) -> (int)", true},
		{"func (nat) -> (nat)", "func (int) -> (nat)", false},
		{"func (nat) -> () query", "func (nat) -> ()", false},
		{"func (nat, opt text) -> ()", "func (nat) -> ()", true},
		{"func (nat, text) -> ()", "func (nat) -> ()", false},
		{"service { f : () -> (); g : () -> () }", "service { f : () -> () }", true},
		{"service { f : () -> () }", "service { f : () -> (); g : () -> () }", false},
	}
	for _, c := range cases {
		a, err := (*Service)(nil).ParseType(c.a)
		require.NoError(t, err, c.a)
		b, err := (*Service)(nil).ParseType(c.b)
		require.NoError(t, err, c.b)
		err = Subtype(a, b)
		require.Equal(t, c.ok, err == nil, "%s <: %s: %v", c.a, c.b, err)
	}
}

func TestSubtypeRecursive(t *testing.T) {
	s, err := ParseDID(`type list = opt record { head : nat; tail : list };
type ilist = opt record { head : int; tail : ilist };
type tree = variant { leaf : nat; node : record { tree; tree } };
type tree2 = variant { leaf : nat; node : record { tree2; tree2 }; empty };`)
	require.NoError(t, err)
	ref := func(n string) *Type { return &Type{Kind: KindRef, Name: n, Def: s.Types[n]} }
	require.NoError(t, Subtype(ref("list"), ref("ilist")))
	require.NoError(t, Subtype(ref("tree"), ref("tree2")))
	require.Error(t, Subtype(ref("tree2"), ref("tree")))
}

func TestUpgradeBreaks(t *testing.T) {
	old, err := ParseDID(`service : { greet : (text) -> (text) query; inc : () -> (nat64); gone : () -> () }`)
	require.NoError(t, err)
	fine, err := ParseDID(`service : { greet : (text, opt nat) -> (text) query; inc : () -> (nat64); gone : () -> (); extra : () -> () }`)
	require.NoError(t, err)
	require.Empty(t, UpgradeBreaks(old, fine))
	bad, err := ParseDID(`service : { greet : (text, nat) -> (text) query; inc : () -> (nat) }`)
	require.NoError(t, err)
	require.Equal(t, []string{
		"method gone is removed",
		"method greet: arguments: field 1 is required but missing",
		"method inc: results.0: nat is not a subtype of nat64",
	}, UpgradeBreaks(old, bad))
}
