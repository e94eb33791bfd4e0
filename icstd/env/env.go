// Package env is os.Getenv for canisters: the environment a canister sees is
// the variables its controllers set in the canister's settings
// (environment_variables, read with the ic0.env_var_* System API) over the
// values embedded at build time (`icgo build -env NAME=VALUE`).
//
// Porting code that reads its configuration with os.Getenv is usually a
// matter of swapping the import: os.Getenv already sees the build-time
// values inside a canister, and env.Getenv adds the settings, which
// controllers can change without rebuilding or reinstalling.
//
// Lookup order, first match wins:
//
//  1. the canister's environment variables from its settings
//     (interface specification: ic0.env_var_*, canister_settings
//     environment_variables; at most 20 variables)
//  2. the values embedded at build time
//
// The variables of the settings are available in every context (init,
// update, query, callbacks, timers, heartbeat, inspect_message). Outside a
// canister (GOOS other than wasip1) only step 2 applies and reads the
// process environment, so host tests can set variables with t.Setenv.
package env

import (
	"os"
	"sort"
	"strings"
)

// Getenv returns the value of the variable named key, or "" when it is not
// set. Use LookupEnv to tell an empty value from a missing one.
func Getenv(key string) string {
	v, _ := LookupEnv(key)
	return v
}

// LookupEnv returns the value of the variable named key and whether it is
// set, from the canister's settings first, then from the build-time values.
func LookupEnv(key string) (string, bool) {
	if v, ok := lookupSettings(key); ok {
		return v, true
	}
	return os.LookupEnv(key)
}

// Environ returns every variable as "NAME=VALUE", sorted by name, settings
// overriding build-time values of the same name.
func Environ() []string {
	all := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			all[k] = v
		}
	}
	for _, k := range settingsNames() {
		if v, ok := lookupSettings(k); ok {
			all[k] = v
		}
	}
	out := make([]string, 0, len(all))
	for k, v := range all {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
