//go:build wasip1

package env

import (
	"unsafe"

	"github.com/icgo/icgo/cdk/ic0"
)

// lookupSettings reads a variable of the canister's settings. Spec:
// ic0.env_var_name_exists, env_var_value_size, env_var_value_copy.
func lookupSettings(key string) (string, bool) {
	if key == "" {
		return "", false
	}
	name := unsafe.Pointer(unsafe.StringData(key))
	n := uint32(len(key))
	if ic0.EnvVarNameExists(name, n) == 0 {
		return "", false
	}
	size := ic0.EnvVarValueSize(name, n)
	if size == 0 {
		return "", true
	}
	b := make([]byte, size)
	ic0.EnvVarValueCopy(name, n, unsafe.Pointer(&b[0]), 0, size)
	return string(b), true
}

// settingsNames lists the names of the settings' variables. Spec:
// ic0.env_var_count, env_var_name_size, env_var_name_copy.
func settingsNames() []string {
	count := ic0.EnvVarCount()
	names := make([]string, 0, count)
	for i := uint32(0); i < count; i++ {
		size := ic0.EnvVarNameSize(i)
		b := make([]byte, size)
		if size > 0 {
			ic0.EnvVarNameCopy(i, unsafe.Pointer(&b[0]), 0, size)
		}
		names = append(names, string(b))
	}
	return names
}
