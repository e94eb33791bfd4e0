package cdk

import (
	"strconv"
	"strings"

	"github.com/icgo/icgo/cdk/ic0"
	"github.com/icgo/icgo/internal/abi"
)

func itoa(i int) string { return strconv.Itoa(i) }

func acceptMessage() { ic0.AcceptMessage() }

// describe renders the registry in the abi.DescribeHeader format, for the
// build step.
func describe() string {
	registryClosed = true
	var b strings.Builder
	b.WriteString(abi.DescribeHeader + "\n")
	for i, m := range methods {
		b.WriteString("method " + m.kind + " " + itoa(i) + " " + m.name + "\n")
	}
	for _, k := range []string{"init", "post_upgrade", "pre_upgrade", "inspect_message", "heartbeat", "global_timer", "on_low_wasm_memory"} {
		// The executor's timers need canister_global_timer even when no
		// GlobalTimer hook is registered.
		if hooks[k] != nil || k == "global_timer" {
			b.WriteString("hook " + k + "\n")
		}
	}
	svc, args, err := serviceText()
	if err != nil {
		panic("cdk: cannot render the Candid interface: " + err.Error())
	}
	if args != "" {
		b.WriteString("candid-args " + itoa(len(args)) + "\n" + args + "\n")
	}
	b.WriteString("candid-service " + itoa(len(svc)) + "\n" + svc + "\n")
	return b.String()
}
