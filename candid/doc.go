// Package candid is a small codec for Candid, the interface description
// language of the Internet Computer. It is meant to be linked into
// canisters, so it avoids fmt, encoding/json and math/big (the latter is
// only linked when Nat or Int is used). It compiles a codec per Go type,
// once (the cdk does it while the canister initializes, for every
// registered method's types): records, vecs, options and primitive values
// are then encoded and decoded through their addresses, without a reflect
// call per value.
//
// Decoding is bounded by the message size: the work (values decoded or
// skipped, fields of expected records, memory allocated for the Go values)
// has a budget of 32 units per message byte plus 2^20, so that a small
// message of values that occupy no bytes (vec null, records of nulls)
// cannot make a canister run long or allocate much. Big numbers (Nat, Int)
// decode in time linear in their length. Decoded text and small option
// values are allocated in batches (text in chunks of 4 KiB, option values
// 32 at a time), which makes decoding cheaper; a decoded value that is
// kept alive keeps its batch alive.
//
// The binary format follows the Candid specification (dfinity/candid
// spec/Candid.md, "Binary Format"):
// Marshal writes "DIDL", a type table, the argument types and the values;
// Unmarshal parses and validates the whole message (type table opcodes and
// references, sorted field ids, truncation, UTF-8, bool and flag bytes,
// trailing bytes) and then decodes with the rules of spec section
// "Decoding":
//
//   - extra wire arguments and record fields are skipped;
//   - missing arguments and record fields of null, opt or Reserved type
//     become null (nil), other missing ones are errors;
//   - at opt T (spec "Coercion / Options"): null and reserved decode as
//     none; opt v decodes as some(v) if v decodes at T, else none; any
//     other value v decodes as some(v) if v decodes at T, else none. As the
//     spec has said since October 2025, the last rule applies at nested
//     options too: true : bool decodes at opt opt bool as some(some(true))
//     (@dfinity/candid 3.4.3 still gives none there);
//   - nat decodes at int, a service reference at principal; Reserved
//     accepts any value; Empty accepts none.
//
// As a Go convenience, a wire nat (or int) also decodes into any Go integer
// type when the value is in range.
//
// # Type mapping
//
//	Go type                             Candid type
//	bool                                bool
//	string                              text
//	[]byte                              blob (vec nat8)
//	uint8, uint16, uint32, uint64       nat8, nat16, nat32, nat64
//	uint                                nat64
//	int8, int16, int32, int64           int8, int16, int32, int64
//	int                                 int64
//	float32, float64                    float32, float64
//	*T                                  opt T
//	[]T                                 vec T
//	[N]T                                vec T (length checked on decode)
//	map[K]V                             vec record { K; V } (sorted keys)
//	struct                              record (labels: `ic:"label"` tag or field name)
//	struct embedding Variant            variant (cases are pointer fields)
//	Null                                null
//	Reserved                            reserved
//	Empty                               empty
//	Principal (principal.Principal)     principal
//	Func                                func () -> () (see FuncTyper)
//	Service                             service {}
//	Nat, Int                            nat, int (arbitrary precision)
//	Marshaler/Unmarshaler               the primitive type it reports
//
// Struct fields: unexported fields and fields tagged `ic:"-"` are skipped;
// a tag that is a decimal number (`ic:"0"`) gives the field id directly, and
// a record labelled 0, 1, ... in declaration order is rendered as a tuple.
// A variant case of type *Null is a case without a value.
//
// # Type text
//
// TypeText, ArgsType and ServiceText render Candid type text for .did
// files. ServiceText turns named Go struct types into definitions, which is
// also how recursive types are written.
//
// # Not supported
//
// Interface-typed values, opaque (non-public) func/service/principal
// references, service types with methods, future types, and composite
// custom encodings (Marshaler is limited to primitive Candid types).
// Subtyping of func and service reference types is not checked: any wire
// func decodes into a Func.
//
// Section names quoted as spec "..." are those of the IC interface
// specification, https://internetcomputer.org/docs/references/ic-interface-spec.
package candid
