package stable

import (
	"testing"

	"github.com/stretchr/testify/require"
)

type userV1 struct {
	Name string
	Age  uint32
}

type userV2 struct {
	Name  string
	Age   uint32
	Email *string // added in version 2
}

// Candid subtyping: data saved with userV1 loads as userV2, the new opt
// field as nil; and back, the extra field is skipped.
func TestSaveLoadEvolution(t *testing.T) {
	mem := NewVectorMemory()
	require.NoError(t, SaveTo(mem, map[string]userV1{"a": {"Ann", 30}}))
	var v2 map[string]userV2
	require.NoError(t, LoadFrom(mem, &v2))
	require.Equal(t, map[string]userV2{"a": {Name: "Ann", Age: 30, Email: nil}}, v2)

	mail := "bo@example.org"
	require.NoError(t, SaveTo(mem, []userV2{{"Bo", 4, &mail}}))
	var v1 []userV1
	require.NoError(t, LoadFrom(mem, &v1))
	require.Equal(t, []userV1{{"Bo", 4}}, v1)
}

func TestLoadGarbage(t *testing.T) {
	var x []userV1
	err := LoadFrom(NewVectorMemory(), &x)
	require.ErrorContains(t, err, "the memory is empty: nothing was saved")

	zero := NewVectorMemory()
	zero.Grow(1)
	require.ErrorContains(t, LoadFrom(zero, &x), "nothing was saved")

	garbage := NewVectorMemory()
	NewWriter(garbage).Write([]byte("this is not saved data at all"))
	err = LoadFrom(garbage, &x)
	require.ErrorContains(t, err, `does not hold data written by stable.Save (it starts with "this is "`)

	mm := NewVectorMemory()
	_, err = NewMemoryManager(mm)
	require.NoError(t, err)
	require.ErrorContains(t, LoadFrom(mm, &x), "a MemoryManager")

	// A valid header with a length beyond the memory.
	trunc := NewVectorMemory()
	require.NoError(t, SaveTo(trunc, []userV1{{"x", 1}}))
	writeU64(trunc, 12, 1<<40)
	require.ErrorContains(t, LoadFrom(trunc, &x), "exceeds the memory")

	// A valid header over bytes that are not Candid, or of another type.
	bad := NewVectorMemory()
	require.NoError(t, SaveTo(bad, "a string"))
	require.ErrorContains(t, LoadFrom(bad, &x), "does not decode into vec record")
	bad.Write(saveHeader, []byte("XXXX"))
	require.ErrorContains(t, LoadFrom(bad, &x), "does not decode")
	writeU32(bad, 8, 9)
	require.ErrorContains(t, LoadFrom(bad, &x), "unsupported Save layout version 9")
}
