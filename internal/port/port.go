// Package port implements icgo port: it rewrites the imports of the
// user's own packages to icstd where std cannot give the meaning a
// canister needs, and reports, with file:line, each use that cannot work
// in a canister and why.
package port

import (
	"context"
	"fmt"
	"go/format"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/icgo/icgo/internal/build"
)

// DefaultRewrites are the imports icgo port rewrites unless told
// otherwise. Only sync: time, crypto/rand and math/rand work unchanged in
// a canister, and net/http clients get a transport, not a rewrite.
var DefaultRewrites = map[string]string{
	"sync": build.SwapTargets["sync"],
}

// Options configure Run.
type Options struct {
	Dir      string            // directory the patterns are resolved in, and paths are printed relative to ("" = current)
	Rewrites map[string]string // old import path -> new; nil means DefaultRewrites
	Flags    []string          // go build flags, e.g. -tags=x
}

// Result is what Run found.
type Result struct {
	Files []File // files whose imports are rewritten, in path order
	Diags []Diag // uses that cannot work in a canister, by file and position
}

// File is a rewritten file.
type File struct {
	Path     string   // as printed: relative to Options.Dir when inside it
	Abs      string   // absolute path
	Old, New []byte   // contents before and after (gofmt'ed)
	Found    []string // the old import paths rewritten
	Rewrites map[string]string
}

// Diag is a use that cannot work in a canister.
type Diag struct {
	Pos string // file:line:column
	Msg string
	pos token.Pos
}

func (d Diag) String() string { return d.Pos + ": " + d.Msg }

// Run loads the packages the patterns name (for GOOS=wasip1), rewrites
// their imports in memory and checks their uses. Only packages of the
// main module are accepted: dependencies are swapped at build time
// (icgo.swap), not edited.
func Run(ctx context.Context, opt Options, patterns ...string) (*Result, error) {
	if len(patterns) == 0 {
		return nil, fmt.Errorf("no packages given")
	}
	rewrites := opt.Rewrites
	if rewrites == nil {
		rewrites = DefaultRewrites
	}
	pkgs, err := build.ListPackages(ctx, opt.Dir, false, opt.Flags, patterns...)
	if err != nil {
		return nil, err
	}
	base, err := filepath.Abs(opt.Dir)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	for _, p := range pkgs {
		if p.Module == nil || !p.Module.Main {
			return nil, fmt.Errorf("%s is not in your module: icgo port edits your own code; swap a dependency's imports at build time with %s (see README, \"Porting a library\")", p.ImportPath, build.SwapFile)
		}
		for _, name := range p.GoFiles {
			if err := res.file(base, filepath.Join(p.Dir, name), rewrites, true); err != nil {
				return nil, err
			}
		}
		for _, name := range append(append([]string(nil), p.CgoFiles...), p.IgnoredGoFiles...) {
			if err := res.file(base, filepath.Join(p.Dir, name), rewrites, false); err != nil {
				return nil, err
			}
		}
	}
	sort.Slice(res.Files, func(i, j int) bool { return res.Files[i].Path < res.Files[j].Path })
	return res, nil
}

// file rewrites and checks one file; a file the build ignores (cgo, other
// GOOS) is only checked for import "C".
func (r *Result) file(base, abs string, rewrites map[string]string, built bool) error {
	src, err := os.ReadFile(abs)
	if err != nil {
		return err
	}
	rel := abs
	if p, err := filepath.Rel(base, abs); err == nil && !strings.HasPrefix(p, "..") {
		rel = p
	}
	diags, err := check(rel, src, built)
	if err != nil {
		return err
	}
	r.Diags = append(r.Diags, diags...)
	if !built {
		return nil
	}
	out, found, err := build.RewriteImports(rel, src, rewrites, build.ImportName)
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return nil
	}
	moved := map[string]bool{}
	for _, old := range found {
		moved[rewrites[old]] = isStd(old) && !isStd(rewrites[old])
	}
	if out, err = regroup(out, moved); err != nil {
		return fmt.Errorf("%s: regrouping the imports: %w", rel, err)
	}
	if out, err = format.Source(out); err != nil {
		return fmt.Errorf("%s: formatting the rewritten file: %w", rel, err)
	}
	r.Files = append(r.Files, File{Path: rel, Abs: abs, Old: src, New: out, Found: found, Rewrites: rewrites})
	return nil
}

// Diff returns the unified diff of every rewritten file.
func (r *Result) Diff() string {
	var b strings.Builder
	for _, f := range r.Files {
		b.WriteString(Unified("a/"+filepath.ToSlash(f.Path), "b/"+filepath.ToSlash(f.Path), string(f.Old), string(f.New)))
	}
	return b.String()
}

// Write saves the rewritten files, keeping their permissions.
func (r *Result) Write() error {
	for _, f := range r.Files {
		st, err := os.Stat(f.Abs)
		if err != nil {
			return err
		}
		if err := os.WriteFile(f.Abs, f.New, st.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

// Summary is the line printed for a written file.
func (f File) Summary() string {
	var s []string
	for _, old := range f.Found {
		s = append(s, old+" -> "+f.Rewrites[old])
	}
	return "rewrote " + f.Path + ": " + strings.Join(s, ", ")
}
