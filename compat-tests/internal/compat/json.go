package compat

import (
	"encoding/json"
	"errors"
	"fmt"
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
	Trap         string         `json:"trap,omitempty"` // how the last run ended
	NoTests      bool           `json:"no_tests,omitempty"`
	BuildSeconds float64        `json:"build_seconds,omitempty"`
	RunSeconds   float64        `json:"run_seconds,omitempty"`
	Instructions uint64         `json:"instructions"`
	ModuleBytes  int            `json:"module_bytes"`
	GzipBytes    int            `json:"gzip_bytes"`
	FilesBytes   int            `json:"files_bytes"`
	InitRand     bool           `json:"init_reads_crypto_rand,omitempty"`
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
		ModuleBytes: r.ModuleSize, GzipBytes: r.GzipSize, FilesBytes: r.FilesSize, InitRand: r.InitRand,
		Runs: r.Runs, Seconds: (r.BuildTime + r.RunTime).Seconds(), Swaps: r.Swaps, Tests: r.Results,
		Trap: r.Trap, NoTests: r.NoTests, BuildSeconds: r.BuildTime.Seconds(), RunSeconds: r.RunTime.Seconds(),
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

// fromJSON is the inverse of toJSON, for ReadJSON.
func fromJSON(j *jsonResult) *Result {
	r := &Result{
		Target: Target{Pkg: j.Package, Module: j.Module}, Results: j.Tests, NoTests: j.NoTests || j.Status == PkgNoTests,
		Examples: make([]string, j.Examples), Fuzz: make([]string, j.Fuzz), Instructions: j.Instructions,
		ModuleSize: j.ModuleBytes, GzipSize: j.GzipBytes, FilesSize: j.FilesBytes, InitRand: j.InitRand, Runs: j.Runs, Swaps: j.Swaps, Trap: j.Trap,
		BuildTime: time.Duration(j.BuildSeconds * float64(time.Second)), RunTime: time.Duration(j.RunSeconds * float64(time.Second)),
	}
	if j.BuildSeconds == 0 && j.RunSeconds == 0 {
		r.RunTime = time.Duration(j.Seconds * float64(time.Second))
	}
	for _, t := range r.Results {
		r.Tests = append(r.Tests, t.Name)
	}
	if j.Error != "" {
		r.Err = errors.New(j.Error)
	}
	if j.Ported != nil {
		r.Ported = fromJSON(j.Ported)
	}
	return r
}

// ReadJSON reads what WriteJSON wrote: the header's command, Go version,
// start, duration and partial note, and the results (for writing the
// markdown again without running: cmd/matrix -from).
func ReadJSON(rd io.Reader) (Header, []*Result, error) {
	var in struct {
		Command   string        `json:"command"`
		GoVersion string        `json:"go_version"`
		Started   time.Time     `json:"started"`
		Seconds   float64       `json:"seconds"`
		Partial   string        `json:"partial"`
		Config    *jsonConfig   `json:"config"`
		Packages  []*jsonResult `json:"packages"`
	}
	if err := json.NewDecoder(rd).Decode(&in); err != nil {
		return Header{}, nil, fmt.Errorf("reading the matrix JSON: %w", err)
	}
	h := Header{Command: in.Command, GoVersion: in.GoVersion, Started: in.Started, Elapsed: time.Duration(in.Seconds * float64(time.Second)), Partial: in.Partial,
		Config: DefaultConfig}
	if c := in.Config; c != nil { // runs before the config was recorded used the defaults
		h.Config.Short, h.Config.MaxReruns, h.Config.NoFiles, h.Config.PublicRand, h.Config.Timeout = c.Short, c.MaxReruns, c.NoFiles, c.PublicRand, time.Duration(c.TimeoutSeconds*float64(time.Second))
	}
	var rs []*Result
	for _, j := range in.Packages {
		rs = append(rs, fromJSON(j))
	}
	return h, rs, nil
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
		Config    jsonConfig    `json:"config"`
		Summary   Summary       `json:"summary"`
		Packages  []*jsonResult `json:"packages"`
	}{Command: h.Command, GoVersion: h.GoVersion, Started: h.Started.UTC(), Seconds: h.Elapsed.Seconds(), Partial: h.Partial, Summary: Summarize(results),
		Config: jsonConfig{Short: h.Config.Short, MaxReruns: h.Config.MaxReruns, NoFiles: h.Config.NoFiles, PublicRand: h.Config.PublicRand, TimeoutSeconds: h.Config.Timeout.Seconds()}}
	for _, r := range results {
		if r != nil {
			out.Packages = append(out.Packages, toJSON(r))
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(out)
}

// jsonConfig is the part of Config that the markdown describes.
type jsonConfig struct {
	Short          bool    `json:"short"`
	MaxReruns      int     `json:"max_reruns"`
	NoFiles        bool    `json:"no_files"`
	PublicRand     bool    `json:"public_rand"`
	TimeoutSeconds float64 `json:"timeout_seconds,omitempty"`
}
