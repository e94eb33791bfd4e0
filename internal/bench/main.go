// Command bench measures what issue 12's table tracks — instructions per
// message, Candid cost per record, query wall time, module size, build and
// install time — for icgo's canisters and, side by side, Motoko's, and
// prints the table of BENCHMARKS.md:
//
//	go run ./internal/bench                      # icgo only
//	ICGO_MOTOKO_DIR=.ci/motoko go run ./internal/bench   # with Motoko
//
// Instruction counts are exact (the replica's metering is deterministic);
// times are medians of one run on this machine, to be read as ratios
// between the rows of that run. The regression bounds are in
// bench_test.go.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	n := flag.Int("n", 200, "messages per wall-time figure (the median is printed)")
	flag.Parse()
	if err := run(*n); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(n int) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	figs, err := measure(root, os.Getenv("ICGO_MOTOKO_DIR"), n, os.Stderr)
	if err != nil {
		return err
	}
	figs.write(os.Stdout)
	return nil
}
