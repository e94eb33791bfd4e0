package candid_test

import (
	"reflect"
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
	f.Add(zeroRecordVec(1 << 21))
	f.Add(wideNullRecordVec(100, 1<<21))
	f.Add([]byte("DIDL\x02\x6d\x01\x6d\x7f\x01\x00\x05\xff\xff\x3f\xff\xff\x3f\xff\xff\x3f\xff\xff\x3f\xff\xff\x3f"))
	wide := reflect.New(reflect.SliceOf(structOf(64, reflect.TypeFor[*uint64]())))
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
			{wide.Interface()},
		}
		for _, ptrs := range targets {
			var err error
			var budget int
			bytes := allocated(func() { _, budget, err = candid.UnmarshalWork(data, ptrs) })
			// The bound of TestDecodeBudget.
			if limit := uint64(32*budget + 64*len(data) + 1<<16); bytes > limit {
				t.Fatalf("%d-byte message into %T: %d bytes allocated, limit %d", len(data), ptrs, bytes, limit)
			}
			if err == nil && len(ptrs) == 1 {
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
