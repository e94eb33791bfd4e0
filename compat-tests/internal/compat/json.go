package compat

import (
	"encoding/json"
	"io"
	"time"
)

// jsonResult is a Result as RESULTS.json records it.
type jsonResult struct {
	Package      string         `json:"package"`
	Module       string         `json:"module,omitempty"`
	Status       string         `json:"status"`
	Counts       map[Status]int `json:"counts"`
	Subtests     map[Status]int `json:"subtests"`
	Examples     int            `json:"examples"`
	Fuzz         int            `json:"fuzz"`
	Reason       string         `json:"reason,omitempty"`        // class of the first problem
	FirstProblem string         `json:"first_problem,omitempty"` // its text
	Error        string         `json:"error,omitempty"`
	Instructions uint64         `json:"instructions"`
	ModuleBytes  int            `json:"module_bytes"`
	GzipBytes    int            `json:"gzip_bytes"`
	FilesBytes   int            `json:"files_bytes"`
	Runs         int            `json:"runs"`
	Seconds      float64        `json:"seconds"`
	Ported       *jsonResult    `json:"ported,omitempty"`
	Swaps        []string       `json:"swaps,omitempty"`
	Tests        []Test         `json:"tests"`
}

func toJSON(r *Result) *jsonResult {
	j := &jsonResult{
		Package: r.Target.Pkg, Module: r.Target.Module, Status: r.PkgStatus(),
		Counts: map[Status]int{}, Subtests: map[Status]int{},
		Examples: len(r.Examples), Fuzz: len(r.Fuzz), Instructions: r.Instructions,
		ModuleBytes: r.ModuleSize, GzipBytes: r.GzipSize, FilesBytes: r.FilesSize,
		Runs: r.Runs, Seconds: (r.BuildTime + r.RunTime).Seconds(), Swaps: r.Swaps, Tests: r.Results,
	}
	for _, st := range []Status{Pass, Fail, Skip, Trap, NotRun} {
		j.Counts[st] = r.Count(st)
		j.Subtests[st] = r.SubCount(st)
	}
	j.Reason, j.FirstProblem = r.FirstReason()
	if r.Err != nil {
		j.Error = r.Err.Error()
	}
	if r.Ported != nil {
		j.Ported = toJSON(r.Ported)
	}
	return j
}

// WriteJSON writes the run as JSON (RESULTS.json): the header, the
// summary and one record per package.
func WriteJSON(w io.Writer, h Header, results []*Result) error {
	out := struct {
		Command   string        `json:"command"`
		GoVersion string        `json:"go_version"`
		Started   time.Time     `json:"started"`
		Seconds   float64       `json:"seconds"`
		Partial   string        `json:"partial,omitempty"`
		Summary   Summary       `json:"summary"`
		Packages  []*jsonResult `json:"packages"`
	}{Command: h.Command, GoVersion: h.GoVersion, Started: h.Started.UTC(), Seconds: h.Elapsed.Seconds(), Partial: h.Partial, Summary: Summarize(results)}
	for _, r := range results {
		if r != nil {
			out.Packages = append(out.Packages, toJSON(r))
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(out)
}
