package candid_test

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/principal"
)

// The cases of TestConformance restate, as Go values, the decoding cases of
// the Candid reference test suite (dfinity/candid test/prim.test.did,
// construct.test.did, reference.test.did and subtypes.test.did) and the
// coercion rules of the Candid specification, section "Coercion". Messages
// are written in the suite's notation: ASCII text with \hh byte escapes.

// Go forms of the suite's recursive types.
type (
	fixOpt *fixOpt   // type Opt = opt Opt
	fixVec []fixVec  // type Vec = vec Vec
	list   *listNode // type List = opt record { head : int; tail : List }
)

type listNode struct {
	Head int64 `ic:"head"`
	Tail list  `ic:"tail"`
}

type variantList struct { // variant { nil; cons : record { head : int; tail : VariantList } }
	candid.Variant
	Nil  *candid.Null `ic:"nil"`
	Cons *struct {
		Head int64       `ic:"head"`
		Tail variantList `ic:"tail"`
	} `ic:"cons"`
}

type (
	rec1Int struct {
		F int64 `ic:"1"`
	}
	rec1OptInt struct {
		F *int64 `ic:"1"`
	}
	rec1Reserved struct {
		F candid.Reserved `ic:"1"`
	}
	rec2Int struct {
		F int64 `ic:"2"`
	}
	rec2OptInt struct {
		F *int64 `ic:"2"`
	}
	rec2Null struct {
		F candid.Null `ic:"2"`
	}
	recIntBool struct {
		A int64 `ic:"0"`
		B bool  `ic:"1"`
	}
	recBoolInt struct {
		A bool  `ic:"0"`
		B int64 `ic:"1"`
	}
	rec1Bool struct {
		B bool `ic:"1"`
	}
	recFooBar struct {
		Foo int64 `ic:"foo"`
		Bar bool  `ic:"bar"`
	}
	recFooOptBool struct {
		Foo *bool `ic:"foo"`
	}
	recFooReserved struct {
		Foo candid.Reserved `ic:"foo"`
	}
	recEmpty struct{}
	var0     struct {
		candid.Variant
		Zero *candid.Null `ic:"0"`
	}
	var0Int struct {
		candid.Variant
		Zero *int64 `ic:"0"`
	}
	var01 struct {
		candid.Variant
		Zero *candid.Null `ic:"0"`
		One  *candid.Null `ic:"1"`
	}
	var012 struct {
		candid.Variant
		Zero *candid.Null `ic:"0"`
		One  *candid.Null `ic:"1"`
		Two  *candid.Null `ic:"2"`
	}
	var1 struct {
		candid.Variant
		One *candid.Null `ic:"1"`
	}
	varFooBar struct {
		candid.Variant
		Foo *candid.Null `ic:"Foo"`
		Bar *candid.Null `ic:"Bar"`
	}
	varOkErr struct {
		candid.Variant
		Ok  *string `ic:"Ok"`
		Err *string `ic:"Err"`
	}
	varOkEmpty struct {
		candid.Variant
		Ok  *string       `ic:"ok"`
		Err *candid.Empty `ic:"err"`
	}
)

// blob decodes the reference suite's byte-string notation.
func blob(t testing.TB, s string) []byte {
	t.Helper()
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b = append(b, s[i])
			continue
		}
		x, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		require.NoError(t, err, s)
		b = append(b, byte(x))
		i += 2
	}
	return b
}

// to returns a fresh pointer of type *T.
func to[T any]() any { return new(T) }

type conformanceCase struct {
	name string
	msg  string       // the message, in the suite's notation
	into []func() any // constructors of the expected Go types
	want []any        // decoded values; nil: the message must be rejected
}

func ok(name, msg string, into func() any, want any) conformanceCase {
	return conformanceCase{name, msg, []func() any{into}, []any{want}}
}

func bad(name, msg string, into ...func() any) conformanceCase {
	return conformanceCase{name, msg, into, nil}
}

var (
	i42   = ptr(int64(42))
	tTrue = ptr(true)
)

var conformanceCases = []conformanceCase{
	// prim.test.did: header, missing arguments, numbers.
	bad("empty", ``),
	bad("no magic bytes", `\00\00`),
	bad("wrong magic bytes", `DADL\00\00`),
	{"overlong arg length", `DIDL\00\80\00`, nil, []any{}},
	bad("missing argument: nat fails", `DIDL\00\00`, to[candid.Nat]),
	bad("missing argument: empty fails", `DIDL\00\00`, to[candid.Empty]),
	ok("missing argument: null", `DIDL\00\00`, to[candid.Null], candid.Null{}),
	ok("missing argument: opt nat", `DIDL\00\00`, to[*uint64], (*uint64)(nil)),
	ok("missing argument: opt empty", `DIDL\00\00`, to[*candid.Empty], (*candid.Empty)(nil)),
	ok("missing argument: reserved", `DIDL\00\00`, to[candid.Reserved], candid.Reserved{}),
	ok("bool: true", `DIDL\00\01\7e\01`, to[bool], true),
	bad("bool: missing", `DIDL\00\01\7e`, to[bool]),
	bad("bool: out of range", `DIDL\00\01\7e\02`, to[bool]),
	ok("nat: leb (two bytes, all bits)", `DIDL\00\01\7d\ff\7f`, to[uint64], uint64(16383)),
	bad("nat: leb too short", `DIDL\00\01\7d\80`, to[uint64]),
	ok("nat: leb overlong", `DIDL\00\01\7d\ff\00`, to[uint64], uint64(127)),
	ok("nat: big number", `DIDL\00\01\7d\80\80\98\f4\e9\b5\ca\6a`, to[uint64], uint64(60000000000000000)),
	ok("int: -64", `DIDL\00\01\7c\40`, to[int64], int64(-64)),
	ok("int: leb overlong (1s)", `DIDL\00\01\7c\ff\7f`, to[int64], int64(-1)),
	ok("int: leb not overlong when signed", `DIDL\00\01\7c\80\7f`, to[int64], int64(-128)),
	ok("int: negative big number", `DIDL\00\01\7c\80\80\e8\8b\96\ca\b5\95\7f`, to[int64], int64(-60000000000000000)),
	ok("nat <: int", `DIDL\00\01\7d\ff\7f`, to[int64], int64(16383)),
	bad("int </: nat", `DIDL\00\01\7c\01`, to[uint64]),
	ok("nat16: 256", `DIDL\00\01\7a\00\01`, to[uint16], uint16(256)),
	bad("nat16: too long", `DIDL\00\01\7a\00\00\00`, to[uint16]),
	bad("nat32: too short", `DIDL\00\01\79\00\00\00`, to[uint32]),
	ok("int16: -1", `DIDL\00\01\76\ff\ff`, to[int16], int16(-1)),
	bad("nat8 </: nat16", `DIDL\00\01\7b\01`, to[uint16]),
	bad("int8 </: int", `DIDL\00\01\77\01`, to[int64]),

	// construct.test.did: type table.
	{"unused type", `DIDL\01\6e\6f\00`, nil, []any{}},
	{"recursive type", `DIDL\01\6e\00\00`, nil, []any{}},
	bad("type too short", `DIDL\01\6e\00`),
	bad("vacuous type", `DIDL\01\00\00`),
	bad("table entry out of range", `DIDL\01\6e\01\00`),
	bad("arg entry out of range", `DIDL\00\01\00`),
	bad("arg too short", `DIDL\00\03\7f\7f`),
	bad("arg too long", `DIDL\00\02\7f\7f\7f`),
	bad("non-primitive in arg list", `DIDL\00\01\6e\7f\00`),
	bad("primitive type in the table", `DIDL\01\7f\00`),
	bad("principal in the table", `DIDL\01\68\00`),
	bad("table too long", `DIDL\01\6e\6f\6e\6f\00`),

	// construct.test.did: opt, including the rules of spec section
	// "Coercion / Options".
	ok("opt: null", `DIDL\01\6e\7c\01\00\00`, to[*int64], (*int64)(nil)),
	ok("opt: 42", `DIDL\01\6e\7c\01\00\01\2a`, to[*int64], i42),
	bad("opt: flag out of range", `DIDL\01\6e\7c\01\00\02\2a`, to[*int64]),
	bad("opt: too short", `DIDL\01\6e\7c\01\00\01`, to[*int64]),
	bad("opt: too long", `DIDL\01\6e\7c\01\00\00\2a`, to[*int64]),
	ok("opt: nested", `DIDL\02\6e\01\6e\7c\01\00\01\01\2a`, to[**int64], &i42),
	ok("opt: recursion", `DIDL\01\6e\00\01\00\01\01\00`, to[fixOpt], fixOpt(ptr(fixOpt(ptr(fixOpt(nil)))))),
	ok("opt: non-recursive type", `DIDL\01\6e\00\01\00\01\01\00`, to[***candid.Empty], ptr(ptr((*candid.Empty)(nil)))),
	ok("opt: extra arg", `DIDL\00\00`, to[fixOpt], fixOpt(nil)),
	ok("opt: parsing null : null", `DIDL\00\01\7f`, to[*candid.Empty], (*candid.Empty)(nil)),
	ok("opt: parsing null : opt empty", `DIDL\01\6e\6f\01\00\00`, to[*candid.Empty], (*candid.Empty)(nil)),
	ok("opt: parsing opt null : opt opt bool", `DIDL\02\6e\01\6e\7e\01\00\01\00`, to[**bool], ptr((*bool)(nil))),
	ok("opt: parsing opt opt false : opt opt bool", `DIDL\02\6e\01\6e\7e\01\00\01\01\00`, to[**bool], ptr(ptr(false))),
	ok("opt: parsing true : opt bool", `DIDL\00\01\7e\01`, to[*bool], tTrue),
	bad("opt: parsing invalid bool at opt bool", `DIDL\00\01\7e\02`, to[*bool]),
	ok("opt: (null : opt null) at opt opt null gives null", `DIDL\01\6e\7f\01\00\00`, to[**candid.Null], (**candid.Null)(nil)),
	// Since the spec's fix of October 2025 (dfinity/candid #678, #679),
	// "not (null <: <t>)" constrains the wire type only: true : bool
	// coerces to opt opt true at opt opt bool. @dfinity/candid 3.4.3 still
	// gives null here.
	ok("opt: parsing true : opt opt bool", `DIDL\00\01\7e\01`, to[**bool], &tTrue),
	ok("opt: 5 : nat at opt opt nat", `DIDL\00\01\7d\05`, to[**uint64], ptr(ptr(uint64(5)))),
	ok("opt: 5 : int at opt opt nat gives opt null", `DIDL\00\01\7c\05`, to[**uint64], ptr((*uint64)(nil))),
	bad("opt: parsing true : bool at fix opt fails", `DIDL\00\01\7e\01`, to[fixOpt]),
	ok("opt: parsing opt null : Opt", `DIDL\01\6e\00\01\00\01\00`, to[fixOpt], fixOpt(ptr(fixOpt(nil)))),
	ok("reserved <: opt nat", `DIDL\00\01\70`, to[*uint64], (*uint64)(nil)),
	ok("reserved <: opt opt nat", `DIDL\00\01\70`, to[**uint64], (**uint64)(nil)),
	ok("null : opt bool <: opt nat", `DIDL\01\6e\7e\01\00\00`, to[*uint64], (*uint64)(nil)),
	ok("opt true : opt bool <: opt nat", `DIDL\01\6e\7e\01\00\01\01`, to[*uint64], (*uint64)(nil)),
	bad("opt bool <: opt nat with invalid boolean value", `DIDL\01\6e\7e\01\00\01\02`, to[*uint64]),
	ok("opt opt true : opt opt bool <: opt nat", `DIDL\02\6e\01\6e\7e\01\00\01\01\01`, to[*uint64], (*uint64)(nil)),
	ok("opt opt true : opt opt bool <: opt opt nat", `DIDL\02\6e\01\6e\7e\01\00\01\01\01`, to[**uint64], ptr((*uint64)(nil))),
	ok("opt: recovered coercion error under variant", `DIDL\02\6e\01\6b\01\00\7e\01\00\01\00\01`, to[*var0Int], (*var0Int)(nil)),
	ok("opt: value at opt reserved", `DIDL\00\01\7d\05`, to[*candid.Reserved], &candid.Reserved{}),
	ok("opt: value at opt empty", `DIDL\00\01\7d\05`, to[*candid.Empty], (*candid.Empty)(nil)),
	ok("opt: record at opt of a mismatching record", `DIDL\01\6c\01\01\7c\01\00\2a`, to[*rec2Int], (*rec2Int)(nil)),
	bad("opt: value of the wrong type is still validated", `DIDL\00\01\71\01\ff`, to[*uint64]),

	// construct.test.did: vec.
	ok("vec: empty", `DIDL\01\6d\7c\01\00\00`, to[[]int64], []int64{}),
	ok("vec: non subtype empty", `DIDL\01\6d\7c\01\00\00`, to[[]int8], []int8{}),
	ok("vec", `DIDL\01\6d\7c\01\00\02\01\02`, to[[]int64], []int64{1, 2}),
	ok("vec: blob", `DIDL\01\6d\7b\01\00\02\01\02`, to[[]byte], []byte{1, 2}),
	ok("vec: tree", `DIDL\01\6d\00\01\00\02\00\00`, to[fixVec], fixVec{fixVec{}, fixVec{}}),
	ok("vec null <: vec opt nat", `DIDL\01\6d\7f\01\00\03`, to[[]*uint64], []*uint64{nil, nil, nil}),
	bad("vec: too short", `DIDL\01\6d\7c\01\00\02\01`, to[[]int64]),
	bad("vec: too long", `DIDL\01\6d\7c\01\00\01\01\02`, to[[]int64]),
	ok("vec of records", `DIDL\02\6d\01\6c\00\01\00\05`, to[[]recEmpty], make([]recEmpty, 5)),

	// construct.test.did: record.
	ok("record: empty", `DIDL\01\6c\00\01\00`, to[recEmpty], recEmpty{}),
	ok("record", `DIDL\01\6c\01\01\7c\01\00\2a`, to[rec1Int], rec1Int{42}),
	ok("record: opt", `DIDL\01\6c\01\01\7c\01\00\2a`, to[rec1OptInt], rec1OptInt{i42}),
	ok("record: reserved", `DIDL\01\6c\01\01\7c\01\00\2a`, to[rec1Reserved], rec1Reserved{}),
	ok("record: ignore fields", `DIDL\01\6c\01\01\7c\01\00\2a`, to[recEmpty], recEmpty{}),
	bad("record: missing field", `DIDL\01\6c\01\01\7c\01\00\2a`, to[rec2Int]),
	ok("record: missing opt field", `DIDL\01\6c\01\01\7c\01\00\2a`, to[rec2OptInt], rec2OptInt{}),
	ok("record: missing null field", `DIDL\01\6c\00\01\00`, to[rec2Null], rec2Null{}),
	ok("record: tuple", `DIDL\01\6c\02\00\7c\01\7e\01\00\2a\01`, to[recIntBool], recIntBool{42, true}),
	ok("record: ignore fields of a tuple", `DIDL\01\6c\02\00\7c\01\7e\01\00\2a\01`, to[rec1Bool], rec1Bool{true}),
	bad("record: type mismatch", `DIDL\01\6c\02\00\7c\01\7e\01\00\2a\01`, to[recBoolInt]),
	bad("record: duplicate fields", `DIDL\01\6c\02\00\7c\00\7e\01\00\2a\01`, to[recIntBool]),
	bad("record: unsorted", `DIDL\01\6c\02\01\7c\00\7e\01\00\2a\01`, to[recIntBool]),
	ok("record: named fields", `DIDL\01\6c\02\d3\e3\aa\02\7e\86\8e\b7\02\7c\01\00\01\2a`, to[recFooBar], recFooBar{42, true}),
	bad("record: field hash larger than u32", `DIDL\01\6c\01\80\e4\97\d0\12\7c\01\00\2a`, to[recEmpty]),
	bad("record: value too short", `DIDL\01\6c\02\00\7c\01\7e\01\00\2a`, to[recIntBool]),
	bad("record: value too long", `DIDL\01\6c\02\00\7c\01\7e\01\00\2a\01\00`, to[recIntBool]),
	bad("record: type too short", `DIDL\01\6c\02\00\7c\01\00\2a\01`, to[recEmpty]),
	bad("record: type out of range", `DIDL\01\6c\02\00\01\01\7e\01\7c\2a`, to[candid.Reserved]),
	ok("missing optional field", `DIDL\01\6c\00\01\00`, to[recFooOptBool], recFooOptBool{}),
	ok("missing reserved field", `DIDL\01\6c\00\01\00`, to[recFooReserved], recFooReserved{}),

	// construct.test.did: variant.
	bad("variant: no empty value", `DIDL\01\6b\00\01\00`, to[var0]),
	ok("variant: numbered field", `DIDL\01\6b\01\00\7f\01\00\00`, to[var0], var0{Zero: &candid.Null{}}),
	bad("variant: type mismatch", `DIDL\01\6b\01\00\7f\01\00\00\2a`, to[var0Int]),
	ok("variant: ignore field", `DIDL\01\6b\01\00\7f\01\00\00`, to[var01], var01{Zero: &candid.Null{}}),
	ok("variant {0;1} <: variant {0}", `DIDL\01\6b\02\00\7f\01\7f\01\00\00`, to[var0], var0{Zero: &candid.Null{}}),
	ok("variant {0;1} <: opt variant {0}", `DIDL\01\6b\02\00\7f\01\7f\01\00\00`, to[*var0], &var0{Zero: &candid.Null{}}),
	ok("variant: change index", `DIDL\01\6b\02\00\7f\01\7f\01\00\01`, to[var012], var012{One: &candid.Null{}}),
	bad("variant: missing field", `DIDL\01\6b\01\00\7f\01\00\00`, to[var1]),
	ok("variant: missing field at opt", `DIDL\01\6b\01\00\7f\01\00\00`, to[*var1], (*var1)(nil)),
	bad("variant: index out of range", `DIDL\01\6b\01\00\7f\01\00\01`, to[var0]),
	bad("variant: duplicate fields", `DIDL\01\6b\02\00\7f\00\7f\01\00\00`, to[var0]),
	bad("variant: unsorted", `DIDL\01\6b\02\01\7f\00\7f\01\00\00`, to[var01]),
	ok("variant: enum", `DIDL\01\6b\02\b3\d3\c9\01\7f\e6\fd\d5\01\7f\01\00\00`, to[varFooBar], varFooBar{Bar: &candid.Null{}}),
	ok("variant: result", `DIDL\01\6b\02\bc\8a\01\71\c5\fe\d2\01\71\01\00\00\04good`, to[varOkErr], varOkErr{Ok: ptr("good")}),
	ok("variant: with empty", `DIDL\01\6b\02\9c\c2\01\71\e5\8e\b4\02\6f\01\00\00\04good`, to[varOkEmpty], varOkEmpty{Ok: ptr("good")}),
	bad("variant: value too long", `DIDL\01\6b\02\00\7f\01\7c\01\00\01\2a\00`, to[candid.Reserved]),
	bad("variant: type out of range", `DIDL\01\6b\02\00\01\01\7c\01\00\01\2a`, to[candid.Reserved]),

	// construct.test.did: lists.
	ok("record: empty list", `DIDL\02\6e\01\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\00\01\00\00`, to[list], list(nil)),
	ok("record: list", `DIDL\02\6e\01\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\00\01\00\01\01\01\02\00`, to[list],
		list(&listNode{1, &listNode{2, nil}})),
	ok("record: reorder type table", `DIDL\02\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\01\6e\00\01\01\01\01\01\02\00`, to[list],
		list(&listNode{1, &listNode{2, nil}})),
	ok("variant: empty list", `DIDL\02\6b\02\d1\a7\cf\02\7f\f1\f3\92\8e\04\01\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\00\01\00\00`,
		to[variantList], variantList{Nil: &candid.Null{}}),
	{"variant: extra args", `DIDL\02\6b\02\d1\a7\cf\02\7f\f1\f3\92\8e\04\01\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\00\01\00\00`,
		[]func() any{to[variantList], to[*variantList], to[candid.Null], to[candid.Reserved], to[*int64]},
		[]any{variantList{Nil: &candid.Null{}}, (*variantList)(nil), candid.Null{}, candid.Reserved{}, (*int64)(nil)}},
	bad("non-null extra args", `DIDL\02\6b\02\d1\a7\cf\02\7f\f1\f3\92\8e\04\01\6c\02\a0\d2\ac\a8\04\7c\90\ed\da\e7\04\00\01\00\00`,
		to[variantList], to[*int64], to[[]int64]),

	// reference.test.did: principal, service and func references.
	ok("principal", `DIDL\00\01\68\01\03\ca\ff\ee`, to[candid.Principal], principal.FromBytes([]byte{0xca, 0xff, 0xee})),
	bad("principal: reject opt wire type", `DIDL\01\6e\7d\01\00\00`, to[candid.Principal]),
	bad("principal: opaque reference", `DIDL\00\01\68\00`, to[candid.Principal]),
	bad("principal: longer than 29 bytes", `DIDL\00\01\68\01\1e000000000000000000000000000000`, to[candid.Principal]),
	ok("service <: principal", `DIDL\01\69\00\01\00\01\03\ca\ff\ee`, to[candid.Principal], principal.FromBytes([]byte{0xca, 0xff, 0xee})),
	bad("service: not principal", `DIDL\00\01\68\01\03\ca\ff\ee`, to[candid.Service]),
	bad("principal: no tag", `DIDL\00\01\68\03\ca\ff\ee`, to[candid.Principal]),
	bad("principal: too long", `DIDL\00\01\68\01\03\ca\ff\ee\ee`, to[candid.Principal]),
	ok("func", `DIDL\01\6a\01\71\01\7d\00\01\00\01\01\03\ca\ff\ee\03foo`, to[candid.Func],
		candid.Func{Service: principal.FromBytes([]byte{0xca, 0xff, 0xee}), Method: "foo"}),
	bad("func: oneway with results", `DIDL\01\6a\00\01\7d\01\02\01\00\01\01\03\ca\ff\ee\03foo`, to[candid.Func]),
	bad("func: unknown annotation", `DIDL\01\6a\00\00\01\04\01\00\01\01\03\ca\ff\ee\03foo`, to[candid.Func]),
	bad("service: method type is not a func", `DIDL\02\6e\7e\69\01\03foo\00\01\01\01\03\ca\ff\ee`, to[candid.Service]),

	// Value checks of spec section "Deserialisation".
	bad("text: invalid UTF-8", `DIDL\00\01\71\01\ff`, to[string]),
	bad("text: too short", `DIDL\00\01\71\05abc`, to[string]),
	bad("empty value", `DIDL\00\01\6f`, to[candid.Reserved]),
	bad("reserved accepts any value but validates it", `DIDL\00\01\7e\05`, to[candid.Reserved]),
	ok("reserved accepts any value", `DIDL\00\01\71\03abc`, to[candid.Reserved], candid.Reserved{}),
}

func TestConformance(t *testing.T) {
	for _, tc := range conformanceCases {
		t.Run(tc.name, func(t *testing.T) {
			ptrs := make([]any, len(tc.into))
			for i, f := range tc.into {
				ptrs[i] = f()
			}
			err := candid.Unmarshal(blob(t, tc.msg), ptrs)
			if tc.want == nil {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			got := make([]any, len(ptrs))
			for i, p := range ptrs {
				got[i] = reflect.ValueOf(p).Elem().Interface()
			}
			require.Equal(t, tc.want, got)
		})
	}
}
