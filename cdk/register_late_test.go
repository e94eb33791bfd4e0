package cdk

import (
	"strings"
	"testing"
)

// A registration after package initialization could never be called: it
// panics, saying why.
func TestRegisterAfterInitPanics(t *testing.T) {
	registryClosed = true
	defer func() { registryClosed = false }()
	for name, reg := range map[string]func(){
		`cdk.Update("late")`: func() { Update("late", func() {}) },
		`cdk.Heartbeat`:      func() { Heartbeat(func() {}) },
		`cdk.InspectMessage`: func() { InspectMessage(func(string) bool { return true }) },
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, name+": registered after package initialization;") {
					t.Errorf("%s: panic %q", name, msg)
				}
			}()
			reg()
		}()
	}
}
