package candid

// UnmarshalWork is Unmarshal that also returns the work units it spent and
// its budget, for the tests that assert the bound.
func UnmarshalWork(data []byte, ptrs []any) (spent, budget int, err error) {
	budget = budgetFor(len(data))
	d := decoder{data: data, budget: budget}
	err = d.unmarshal(ptrs)
	return budget - d.budget, budget, err
}
