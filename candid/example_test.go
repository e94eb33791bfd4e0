package candid_test

import (
	"encoding/hex"
	"fmt"
	"reflect"

	"github.com/icgo/icgo/candid"
)

func ExampleMarshal() {
	b, err := candid.Marshal([]any{"hello"})
	fmt.Println(hex.EncodeToString(b), err)
	// Output: 4449444c0001710568656c6c6f <nil>
}

func ExampleUnmarshal() {
	type User struct {
		Name string  `ic:"name"`
		Age  uint8   `ic:"age"`
		Mail *string `ic:"mail"` // missing on the wire: becomes nil
	}
	b, _ := candid.Marshal([]any{struct {
		Name string `ic:"name"`
		Age  uint8  `ic:"age"`
	}{"Ada", 36}})
	var u User
	err := candid.Unmarshal(b, []any{&u})
	fmt.Println(u.Name, u.Age, u.Mail, err)

	var n uint8
	err = candid.Unmarshal(b, []any{&n})
	fmt.Println(err)
	// Output:
	// Ada 36 <nil> <nil>
	// candid: arg 0: expected nat8, got record
}

func ExampleVariant() {
	type Result struct {
		candid.Variant
		Ok  *uint64 `ic:"ok"`
		Err *string `ic:"err"`
	}
	msg := "not found"
	b, _ := candid.Marshal([]any{Result{Err: &msg}})
	var r Result
	_ = candid.Unmarshal(b, []any{&r})
	fmt.Println(r.Ok == nil, *r.Err)
	// Output: true not found
}

func ExampleServiceText() {
	type Node struct {
		Value int64 `ic:"value"`
		Next  *Node `ic:"next"`
	}
	did, _ := candid.ServiceText([]candid.Method{
		{Name: "greet", Mode: candid.Query, Args: []reflect.Type{reflect.TypeFor[string]()}, Results: []reflect.Type{reflect.TypeFor[string]()}},
		{Name: "push", Args: []reflect.Type{reflect.TypeFor[*Node]()}},
	}, nil)
	fmt.Print(did)
	// Output:
	// type Node = record { value : int64; next : opt Node };
	// service : {
	//   greet : (text) -> (text) query;
	//   push : (opt Node) -> ();
	// }
}

func ExampleTypeText() {
	type Profile struct {
		Name string `ic:"name"`
		Age  uint8  `ic:"age"`
	}
	s, _ := candid.ArgsType([]reflect.Type{reflect.TypeFor[string](), reflect.TypeFor[*Profile]()})
	fmt.Println(s)
	// Output: (text, opt record { name : text; age : nat8 })
}
