package candid_test

import (
	"testing"

	"github.com/icgo/icgo/candid"
)

// FuzzUnmarshal checks that no input makes Unmarshal panic or hang, whatever
// Go types it decodes into.
func FuzzUnmarshal(f *testing.F) {
	seeds := [][]any{
		{"hello"},
		{Person{"Ada", 36}},
		{&Node{Value: 1, Next: &Node{Value: 2}}},
		{Result{Ok: ptr("x")}, Color{RGB: &[3]uint8{1, 2, 3}}},
		{map[string]int64{"a": 1}, []byte{1, 2}, ptr(ptr(true))},
		{candid.NewNat(bigPow(2, 80)), candid.IntFromInt64(-5), candid.Func{Method: "m"}, candid.Service{}},
		{Everything{Res: Result{Ok: ptr("")}}},
	}
	for _, s := range seeds {
		b, err := candid.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var (
			s    string
			p    Person
			pv   *PersonV2
			n    *Node
			r    Result
			c    *Color
			m    map[string]int64
			e    Everything
			nat  candid.Nat
			res  candid.Reserved
			oo   **bool
			arr  [2]string
			blob []byte
		)
		targets := [][]any{
			{&s}, {&p}, {&pv}, {&n}, {&r, &c}, {&m, &blob, &oo}, {&nat, &res}, {&e}, {&arr}, {&res, &res, &res}, nil,
		}
		for _, ptrs := range targets {
			if err := candid.Unmarshal(data, ptrs); err == nil && len(ptrs) == 1 {
				// Whatever decoded must encode again.
				if _, err := candid.Marshal([]any{ptrs[0]}); err != nil {
					if _, isVariant := ptrs[0].(*Result); !isVariant {
						t.Fatalf("re-encode %T: %v", ptrs[0], err)
					}
				}
			}
		}
	})
}
