// Package build turns a Go main package into an IC canister: go build for
// wasip1, the registry read by running the module once (Describe), the
// post-processor, and the IC's module rules.
package build

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/icgo/icgo/internal/postproc"
	"github.com/icgo/icgo/internal/validate"
)

// Options configure Build.
type Options struct {
	Dir   string   // directory the package path is resolved in ("" = current)
	Pkg   string   // package to build, as for go build
	Strip bool     // drop the name section and DWARF (smaller, no function names in traps)
	Env   []string // NAME=VALUE pairs served to os.Getenv in the canister
	// EmbedDirs are -embed-dir values (DIR or DIR=PATH): directory trees
	// served read-only to the canister (ParseEmbedDirs). Builds with
	// embedded files are not cached.
	EmbedDirs []string
	Flags     []string // extra go build flags, e.g. -tags
	// NoSwap ignores icgo.swap (see Overlay): dependencies are built with
	// their own imports.
	NoSwap bool
	// DescribeTimeout bounds the build-time run of the program's init
	// functions (Describe); 0 means DefaultDescribeTimeout.
	DescribeTimeout time.Duration
	// InitRandPublic serves public, predictable bytes to crypto/rand
	// during initialization (postproc.Options.InitRandPublic; `icgo build
	// -init-rand=public`).
	InitRandPublic bool
	// CacheDir, if set, keeps built canisters keyed by go build's output,
	// the options and icgo's version (cache.go).
	CacheDir string
}

// Result is a built canister.
type Result struct {
	Name     string // file name stem, from the package path
	Raw      []byte // go build output
	Wasm     []byte // the canister module
	Gzip     []byte // Wasm compressed, what is installed
	Did      string // the Candid interface
	Registry *Registry
	Report   *validate.Report
	Stats    *postproc.Stats
	// Notes are what the build changed on its own: imports swapped by
	// icgo.swap, the net/http dial hook (see Overlay). icgo build prints
	// them.
	Notes []string
	// NetHTTP is true when the program links net/http, which adds about
	// 1.3 MB (gzip) to a canister.
	NetHTTP bool

	fromCache bool
}

// Build compiles, describes, post-processes and validates a package. A
// module that breaks the IC's rules is an error listing every rule broken.
func Build(ctx context.Context, opt Options) (*Result, error) {
	name, err := PackageName(ctx, opt.Dir, opt.Pkg)
	if err != nil {
		return nil, err
	}
	// The post-processor finds runtime functions by name, so names are
	// dropped after it, not by the linker.
	ov, err := overlay(ctx, opt.Dir, opt.Pkg, !opt.NoSwap, opt.Flags)
	if err != nil {
		return nil, err
	}
	defer ov.Close()
	flags := opt.Flags[:len(opt.Flags):len(opt.Flags)]
	flags = append(flags, ov.Flags()...)
	raw, err := GoBuild(ctx, opt.Dir, opt.Pkg, false, flags...)
	if err != nil {
		return nil, ov.buildError(err)
	}
	var res *Result
	var key string
	if opt.CacheDir != "" && len(opt.EmbedDirs) == 0 {
		key = cacheKey(raw, opt)
		if cached, ok := loadCached(opt.CacheDir, key, raw); ok {
			res = cached
		}
	}
	if res == nil {
		res, err = fromRaw(ctx, raw, opt.Env, opt.Strip, opt.DescribeTimeout, opt.InitRandPublic, opt.EmbedDirs)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opt.Pkg, err)
	}
	if key != "" && !res.fromCache {
		storeCached(opt.CacheDir, key, res)
	}
	res.Name = name
	res.Notes = ov.Notes()
	res.NetHTTP = ov.LinksNetHTTP
	return res, nil
}

// FromRaw post-processes and validates a module built by go build.
func FromRaw(ctx context.Context, raw []byte, env []string, strip bool) (*Result, error) {
	return fromRaw(ctx, raw, env, strip, DefaultDescribeTimeout, false, nil)
}

func fromRaw(ctx context.Context, raw []byte, env []string, strip bool, describeTimeout time.Duration, initRandPublic bool, embedDirs []string) (*Result, error) {
	reg, err := DescribeTimeout(ctx, raw, describeTimeout)
	if err != nil {
		return nil, err
	}
	opts := postproc.Options{
		Hooks:          reg.Hooks,
		CandidService:  reg.CandidService,
		CandidArgs:     reg.CandidArgs,
		DropNames:      strip,
		InitRandPublic: initRandPublic,
	}
	for _, m := range reg.Methods {
		opts.Methods = append(opts.Methods, postproc.Method{Kind: m.Kind, Index: m.Index, Name: m.Name})
	}
	if opts.Env, err = ParseEnv(env); err != nil {
		return nil, err
	}
	if opts.Embed, err = ParseEmbedDirs(embedDirs); err != nil {
		return nil, err
	}
	wasm, stats, err := postproc.Process(raw, opts)
	if err != nil {
		return nil, fmt.Errorf("post-processing: %w", err)
	}
	report, err := validate.Bytes(wasm)
	if err != nil {
		return nil, fmt.Errorf("validating the post-processed module: %w", err)
	}
	if err := rulesError(report); err != nil {
		return nil, err
	}
	gz := postproc.Gzip(wasm)
	stats.GzipSize = len(gz)
	return &Result{Raw: raw, Wasm: wasm, Gzip: gz, Did: reg.CandidService, Registry: reg, Report: report, Stats: stats}, nil
}

// ParseEnv parses NAME=VALUE pairs (as given to -env) for the
// post-processor. A name may appear once.
func ParseEnv(pairs []string) ([]postproc.EnvVar, error) {
	var env []postproc.EnvVar
	seen := map[string]bool{}
	for _, kv := range pairs {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("environment entry %q is not NAME=VALUE", kv)
		}
		if seen[name] {
			return nil, fmt.Errorf("environment variable %s is given more than once", name)
		}
		seen[name] = true
		env = append(env, postproc.EnvVar{Name: name, Value: value})
	}
	return env, nil
}

// rulesError explains a post-processed module that breaks the IC's rules.
// Size limits (code section, functions, methods, function bodies, module
// size) are the program being too large; any other rule is icgo's fault.
func rulesError(report *validate.Report) error {
	err := report.Err()
	if err == nil {
		return nil
	}
	for _, v := range report.Violations {
		if !isSizeViolation(v) {
			return fmt.Errorf("the post-processed module breaks the IC's rules (this is a bug in icgo):\n%w", err)
		}
	}
	var b strings.Builder
	b.WriteString("the program is too large for the IC:")
	for _, v := range report.Violations {
		fmt.Fprintf(&b, "\n  [%s] %s", v.Rule, v)
	}
	return &tooLargeError{msg: b.String(), err: err}
}

// tooLargeError keeps the *validate.Error reachable with errors.As.
type tooLargeError struct {
	msg string
	err error
}

func (e *tooLargeError) Error() string { return e.msg }
func (e *tooLargeError) Unwrap() error { return e.err }

// isSizeViolation reports whether v is one of the IC's size limits, which
// a large enough program breaks through no fault of the post-processor.
func isSizeViolation(v validate.Violation) bool {
	switch v.Rule {
	case validate.RuleLimit:
		// Counts and sizes; not "globals of type ... are not allowed".
		return strings.Contains(v.Msg, "at most")
	case validate.RuleFormat:
		return v.Where == "module" && strings.Contains(v.Msg, "100 MiB")
	case validate.RuleExport:
		// The number of methods and the bytes of their names.
		return v.Where == "export section" && strings.Contains(v.Msg, "at most")
	case validate.RuleCustom:
		// The candid:service section of a large interface.
		return v.Where == "custom sections" && strings.Contains(v.Msg, "MiB")
	}
	return false
}

// Write saves NAME.wasm, NAME.wasm.gz and NAME.did in dir and returns their
// paths.
func (r *Result) Write(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	files := []struct {
		name string
		data []byte
	}{
		{r.Name + ".wasm", r.Wasm},
		{r.Name + ".wasm.gz", r.Gzip},
		{r.Name + ".did", []byte(r.Did)},
	}
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
