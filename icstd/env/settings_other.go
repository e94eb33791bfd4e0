//go:build !wasip1

package env

// Outside a canister there are no canister settings: only the process
// environment is read.
func lookupSettings(string) (string, bool) { return "", false }

func settingsNames() []string { return nil }
