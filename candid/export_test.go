package candid

import "reflect"

// UnmarshalWork is Unmarshal that also returns the work units it spent and
// its budget, for the tests that assert the bound.
func UnmarshalWork(data []byte, ptrs []any) (spent, budget int, err error) {
	budget = budgetFor(len(data))
	d := decoder{data: data, budget: budget}
	err = d.unmarshal(ptrs)
	return budget - d.budget, budget, err
}

// EncodeBoth encodes v with the compiled codec (through its address) and
// with the reflection-based encoder (v not addressable).
func EncodeBoth(v any) (fast, slow []byte, err error) {
	rv := reflect.ValueOf(v)
	c, err := codecFor(rv.Type())
	if err != nil {
		return nil, nil, err
	}
	p := reflect.New(rv.Type())
	p.Elem().Set(rv)
	if fast, err = encodeAt(nil, c, p.UnsafePointer()); err != nil {
		return nil, nil, err
	}
	slow, err = encodeSlow(nil, c, rv)
	return fast, slow, err
}
