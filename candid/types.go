package candid

import (
	"reflect"

	"github.com/icgo/icgo/internal/candidwire"
	"github.com/icgo/icgo/principal"
)

// Opcode is a Candid type opcode as written (sleb128) in the binary format
// (Candid spec, "Binary Format / Types").
type Opcode int

// Candid type opcodes.
const (
	OpNull      Opcode = -1
	OpBool      Opcode = -2
	OpNat       Opcode = -3
	OpInt       Opcode = -4
	OpNat8      Opcode = -5
	OpNat16     Opcode = -6
	OpNat32     Opcode = -7
	OpNat64     Opcode = -8
	OpInt8      Opcode = -9
	OpInt16     Opcode = -10
	OpInt32     Opcode = -11
	OpInt64     Opcode = -12
	OpFloat32   Opcode = -13
	OpFloat64   Opcode = -14
	OpText      Opcode = -15
	OpReserved  Opcode = -16
	OpEmpty     Opcode = -17
	OpOpt       Opcode = -18
	OpVec       Opcode = -19
	OpRecord    Opcode = -20
	OpVariant   Opcode = -21
	OpFunc      Opcode = -22
	OpService   Opcode = -23
	OpPrincipal Opcode = -24
)

// String returns the Candid name of the opcode, e.g. "nat8".
func (o Opcode) String() string { return candidwire.OpName(int64(o)) }

func (o Opcode) isPrimitive() bool { return candidwire.IsPrimitive(int64(o)) }

// Null is the Candid null type. Its only value is Null{}.
type Null struct{}

// Reserved is the Candid reserved type. It encodes no bytes and decodes
// from any value, which is discarded.
type Reserved struct{}

// Empty is the Candid empty type. It has no values: encoding it fails and
// decoding into it always fails.
type Empty struct{}

// Variant is a marker type. A struct that embeds Variant is encoded as a
// Candid variant; each of its other exported fields is one case and must be
// a pointer. A case of type *Null is rendered as a label without a type.
// Exactly one case must be non-nil when encoding.
//
//	type Result struct {
//		candid.Variant
//		Ok  *string `ic:"ok"`
//		Err *string `ic:"err"`
//	}
type Variant struct{}

// Principal is the Candid principal type.
type Principal = principal.Principal

// Func is a reference to a public method of a canister. Its Candid type is
// "func () -> ()" unless a type defined as
//
//	type Callback candid.Func
//
// has a CandidFuncType method (see FuncTyper).
type Func struct {
	Service principal.Principal
	Method  string
}

// Service is a reference to a canister. Its Candid type is "service {}".
type Service struct {
	ID principal.Principal
}

// Mode is a method or function mode annotation.
type Mode int

// Method modes.
const (
	Update Mode = iota
	Query
	Oneway
	CompositeQuery
)

// FuncType describes the signature of a func reference type.
type FuncType struct {
	Args    []reflect.Type
	Results []reflect.Type
	Mode    Mode
}

// FuncTyper is implemented by types defined as "type T candid.Func" to give
// the Candid signature of the reference. The method is called on the zero
// value.
type FuncTyper interface {
	CandidFuncType() FuncType
}

// Marshaler is implemented by types that encode themselves as a value of a
// primitive Candid type (for example Nat and Int, or a user type encoded as
// text). CandidOpcode is called on the zero value and must be constant for
// the type; MarshalCandid appends the value's binary form (use the LEB128
// helpers in this package for nat and int).
type Marshaler interface {
	CandidOpcode() Opcode
	MarshalCandid(dst []byte) ([]byte, error)
}

// Unmarshaler is implemented (usually by a pointer type) by types that
// decode themselves from a primitive Candid value. wire is the opcode of the
// value's wire type and value holds exactly the bytes of the value. An error
// means the value does not decode at this type (inside opt it yields none).
type Unmarshaler interface {
	UnmarshalCandid(wire Opcode, value []byte) error
}

var (
	nullType      = reflect.TypeFor[Null]()
	reservedType  = reflect.TypeFor[Reserved]()
	emptyType     = reflect.TypeFor[Empty]()
	variantType   = reflect.TypeFor[Variant]()
	principalType = reflect.TypeFor[principal.Principal]()
	funcType      = reflect.TypeFor[Func]()
	serviceType   = reflect.TypeFor[Service]()
	marshalerT    = reflect.TypeFor[Marshaler]()
	unmarshalerT  = reflect.TypeFor[Unmarshaler]()
	funcTyperT    = reflect.TypeFor[FuncTyper]()
)
