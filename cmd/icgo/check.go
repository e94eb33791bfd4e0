package main

import (
	"fmt"
	"io"

	"github.com/icgo/icgo/internal/validate"
)

func cmdCheck(args []string, stdout, stderr io.Writer) error {
	if len(args) == 1 && isHelpFlag(args[0]) {
		fmt.Fprintln(stdout, "usage: icgo check FILE.wasm[.gz]\n\nChecks a module (raw or gzip) against the IC's module rules and lists every rule it breaks.")
		return nil
	}
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: icgo check FILE.wasm[.gz]")
		return exitCode(2)
	}
	b, err := validate.ReadModuleFile(args[0])
	if err != nil {
		return err
	}
	report, err := validate.Bytes(b)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	if err := report.Err(); err != nil {
		fmt.Fprintf(stdout, "%s: the IC would refuse this module:\n%v\n", args[0], err)
		printWarnings(stdout, report)
		return exitCode(1)
	}
	fmt.Fprintf(stdout, "%s: ok (%d functions, %d globals, %d data segments, %d methods)\n",
		args[0], report.Funcs, report.Globals, report.DataSegments, len(report.Methods))
	printWarnings(stdout, report)
	return nil
}

// printWarnings lists what the IC accepts but is probably a mistake.
func printWarnings(w io.Writer, report *validate.Report) {
	for _, v := range report.Warnings {
		fmt.Fprintf(w, "warning: [%s] %s\n", v.Rule, v)
	}
}
