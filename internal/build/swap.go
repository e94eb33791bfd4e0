package build

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// SwapFile is the name of the file, at the root of the main module, that
// lists the dependency packages whose imports icgo build rewrites.
const SwapFile = "icgo.swap"

// icgoModule is this module's path: its packages are never rewritten.
const icgoModule = "github.com/icgo/icgo"

// NetHTTPPackage is the outcall transport for net/http, which icgo build
// links into every canister that links net/http (see Overlay).
const NetHTTPPackage = icgoModule + "/icstd/http/nethttp"

// SwapTargets are the std packages a line of icgo.swap may name alone, and
// the icstd package each is rewritten to.
var SwapTargets = map[string]string{
	"sync":         icgoModule + "/icstd/sync",
	"time":         icgoModule + "/icstd/time",
	"crypto/rand":  icgoModule + "/icstd/rand",
	"math/rand/v2": icgoModule + "/icstd/rand",
}

// SwapRule is one line of icgo.swap: in the packages Pattern matches, each
// import of a key of Imports becomes its value.
type SwapRule struct {
	Line    int               // line number in icgo.swap
	Pattern string            // import path, or path/... for it and every package below it
	Imports map[string]string // old import path -> new import path
}

// Match reports whether the package path p is matched by the rule.
func (r SwapRule) Match(p string) bool {
	if prefix, ok := strings.CutSuffix(r.Pattern, "/..."); ok {
		return p == prefix || strings.HasPrefix(p, prefix+"/")
	}
	return p == r.Pattern
}

// ParseSwap parses icgo.swap: one rule per line, PACKAGE IMPORT..., where
// PACKAGE is an import path or a path ending in /..., and each IMPORT is
// a key of SwapTargets or OLD=NEW; # starts a comment.
func ParseSwap(r io.Reader) ([]SwapRule, error) {
	var rules []SwapRule
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("%s:%d: %q names no import to swap; write PACKAGE IMPORT... (IMPORT is one of %s, or OLD=NEW)", SwapFile, n, f[0], targetNames())
		}
		rule := SwapRule{Line: n, Pattern: f[0], Imports: map[string]string{}}
		if strings.Contains(strings.TrimSuffix(f[0], "/..."), "...") || strings.HasPrefix(f[0], ".") {
			return nil, fmt.Errorf("%s:%d: package %q: give an import path (a tree: one ending in /...) here", SwapFile, n, f[0])
		}
		for _, imp := range f[1:] {
			old, new, explicit := strings.Cut(imp, "=")
			if !explicit {
				new = SwapTargets[old]
				if new == "" {
					return nil, fmt.Errorf("%s:%d: icgo has no replacement for %q; swappable: %s, or write OLD=NEW", SwapFile, n, old, targetNames())
				}
			}
			if old == "" || new == "" || old == new {
				return nil, fmt.Errorf("%s:%d: %q is not OLD=NEW with two different import paths", SwapFile, n, imp)
			}
			if _, dup := rule.Imports[old]; dup {
				return nil, fmt.Errorf("%s:%d: %s is swapped twice", SwapFile, n, old)
			}
			rule.Imports[old] = new
		}
		rules = append(rules, rule)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", SwapFile, err)
	}
	return rules, nil
}

func targetNames() string {
	names := make([]string, 0, len(SwapTargets))
	for k := range SwapTargets {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Swapped is a package whose imports the build rewrote.
type Swapped struct {
	Package string            // import path
	Line    int               // the rule's line in icgo.swap
	Files   []string          // base names of the rewritten files
	Imports map[string]string // old -> new, those actually found
}

// String is the line icgo build prints.
func (s Swapped) String() string {
	var imps []string
	for old, new := range s.Imports {
		imps = append(imps, old+" -> "+new)
	}
	sort.Strings(imps)
	return fmt.Sprintf("swapped imports (%s:%d) in %s [%s]: %s", SwapFile, s.Line, s.Package, strings.Join(s.Files, " "), strings.Join(imps, ", "))
}

// OverlayResult is the go build -overlay that Overlay prepared.
type OverlayResult struct {
	Flag    string    // "-overlay=FILE", or "" when nothing is replaced
	Swapped []Swapped // packages rewritten by icgo.swap, sorted by path
	// NetHTTP is true when net/http is linked without NetHTTPPackage, and
	// the overlay adds a file importing it to the main package so that
	// net/http dials fail with a clear error.
	NetHTTP bool
	// LinksNetHTTP is true when the program links net/http.
	LinksNetHTTP bool
	dir          string
	replace      map[string]string // original file -> overlay file
	modfile      string            // "-modfile=FILE" for modules copied out of the cache, or ""
	copies       map[string]string // file in a module copy -> original file
	pkgs         []Package
	byPath       map[string]*Package
}

// Flags are the go build flags of the overlay: -overlay, and -modfile
// when modules were copied out of the module cache.
func (o *OverlayResult) Flags() []string {
	var flags []string
	for _, f := range []string{o.Flag, o.modfile} {
		if f != "" {
			flags = append(flags, f)
		}
	}
	return flags
}

// Close removes the overlay's files.
func (o *OverlayResult) Close() error {
	if o == nil || o.dir == "" {
		return nil
	}
	return os.RemoveAll(o.dir)
}

// buildError explains a failed go build with the overlay: the compiler
// names the overlay's copies, which are gone once the build ends, so
// their paths become the original files', and the swaps used are listed.
func (o *OverlayResult) buildError(err error) error {
	if len(o.Swapped) == 0 {
		return err
	}
	msg := err.Error()
	for orig, tmp := range o.replace {
		msg = strings.ReplaceAll(msg, tmp, orig)
	}
	for cp, orig := range o.copies {
		msg = strings.ReplaceAll(msg, cp, orig)
	}
	msg += "\n(the build used the imports " + SwapFile + " swaps: " + strings.Join(o.Notes(), "; ") + ")"
	return &wrappedError{msg: msg, err: err}
}

// wrappedError is an error with its text rewritten.
type wrappedError struct {
	msg string
	err error
}

func (e *wrappedError) Error() string { return e.msg }
func (e *wrappedError) Unwrap() error { return e.err }

// Notes returns the lines icgo build prints about the overlay.
func (o *OverlayResult) Notes() []string {
	var notes []string
	for _, s := range o.Swapped {
		notes = append(notes, s.String())
	}
	if o.NetHTTP {
		notes = append(notes, "net/http is linked: added "+NetHTTPPackage+", so its dials fail naming icstd/http (use nethttp.Transport or nethttp.Install to make HTTPS outcalls)")
	}
	return notes
}

// Package is what ListPackages reports of a package (for GOOS=wasip1).
type Package struct {
	ImportPath     string
	Name           string
	Dir            string
	GoFiles        []string // the files the build compiles
	CgoFiles       []string
	IgnoredGoFiles []string // e.g. files that import "C" (cgo is off)
	Standard       bool
	DepOnly        bool // only a dependency of the patterns
	Module         *struct {
		Path string
		Dir  string
		Main bool
	}
}

// ListPackages runs go list (with GOOS=wasip1 GOARCH=wasm and the go
// build flags) in dir on the patterns, with -deps when deps is set.
func ListPackages(ctx context.Context, dir string, deps bool, flags []string, patterns ...string) ([]Package, error) {
	args := []string{"list", "-json=ImportPath,Name,Dir,GoFiles,CgoFiles,IgnoredGoFiles,Standard,DepOnly,Module"}
	if deps {
		args = append(args, "-deps")
	}
	args = append(append(args, flags...), patterns...)
	out, err := goCommand(ctx, dir, args...)
	if err != nil {
		return nil, err
	}
	var pkgs []Package
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p Package
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// Overlay prepares the go build -overlay for pkg (resolved in dir, with
// the go build flags): the imports icgo.swap at the main module's root
// swaps in dependency packages, rewritten in copies of their files (the
// module cache is not changed), and, when net/http is linked, a file
// importing NetHTTPPackage added to the main package. The caller closes
// the result.
func Overlay(ctx context.Context, dir, pkg string, flags ...string) (*OverlayResult, error) {
	return overlay(ctx, dir, pkg, true, flags)
}

func overlay(ctx context.Context, dir, pkg string, swap bool, flags []string) (*OverlayResult, error) {
	pkgs, err := ListPackages(ctx, dir, true, flags, pkg)
	if err != nil {
		return nil, err
	}
	var main *Package
	byPath := map[string]*Package{}
	for i := range pkgs {
		byPath[pkgs[i].ImportPath] = &pkgs[i]
		if !pkgs[i].DepOnly {
			if main != nil {
				return nil, fmt.Errorf("%s names more than one package; build one main package at a time", pkg)
			}
			main = &pkgs[i]
		}
	}
	if main == nil {
		return nil, fmt.Errorf("go list found no package %s", pkg)
	}
	var rules []SwapRule
	if swap {
		if rules, err = readSwap(main); err != nil {
			return nil, err
		}
	}
	res := &OverlayResult{pkgs: pkgs, byPath: byPath}
	replace := map[string]string{}
	fail := func(err error) (*OverlayResult, error) {
		res.Close()
		return nil, err
	}
	if res.dir, err = os.MkdirTemp("", "icgo-overlay-"); err != nil {
		return nil, err
	}
	if res.Swapped, err = swapImports(rules, pkgs, byPath, res.dir, replace); err != nil {
		return fail(err)
	}
	res.copies = map[string]string{}
	if res.modfile, err = moduleCopies(ctx, main, pkgs, res.dir, replace, res.copies); err != nil {
		return fail(err)
	}
	res.LinksNetHTTP = byPath["net/http"] != nil
	if res.LinksNetHTTP && byPath[NetHTTPPackage] == nil {
		res.NetHTTP = true
		src := "// Code added by icgo build: net/http is linked.\n\npackage " + main.Name + "\n\nimport _ " + strconv.Quote(NetHTTPPackage) + "\n"
		if err := addFile(res.dir, newFileName(main.Dir, "zz_icgo_nethttp"), []byte(src), replace); err != nil {
			return fail(err)
		}
	}
	res.replace = replace
	if len(replace) == 0 {
		return res, nil
	}
	js, err := json.Marshal(struct{ Replace map[string]string }{replace})
	if err != nil {
		return fail(err)
	}
	file := filepath.Join(res.dir, "overlay.json")
	if err := os.WriteFile(file, js, 0o644); err != nil {
		return fail(err)
	}
	res.Flag = "-overlay=" + file
	return res, nil
}

// readSwap reads icgo.swap at the root of main's module, if there is one.
func readSwap(main *Package) ([]SwapRule, error) {
	if main.Module == nil || main.Module.Dir == "" {
		return nil, nil
	}
	f, err := os.Open(filepath.Join(main.Module.Dir, SwapFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseSwap(f)
}

// swapImports rewrites the files of the packages the rules match into
// dir, adding them to replace.
func swapImports(rules []SwapRule, pkgs []Package, byPath map[string]*Package, dir string, replace map[string]string) ([]Swapped, error) {
	var swapped []Swapped
	for _, rule := range rules {
		matched := 0
		for i := range pkgs {
			p := &pkgs[i]
			if !rule.Match(p.ImportPath) {
				continue
			}
			matched++
			switch {
			case p.Standard:
				return nil, fmt.Errorf("%s:%d: %s is in the standard library, whose imports icgo does not swap", SwapFile, rule.Line, p.ImportPath)
			case p.Module != nil && p.Module.Main:
				return nil, fmt.Errorf("%s:%d: %s is in your own module: rewrite its imports with `icgo port -w %s`", SwapFile, rule.Line, p.ImportPath, p.ImportPath)
			case p.Module != nil && p.Module.Path == icgoModule:
				return nil, fmt.Errorf("%s:%d: %s is part of icgo, whose imports are not swapped", SwapFile, rule.Line, p.ImportPath)
			}
			s := Swapped{Package: p.ImportPath, Line: rule.Line, Imports: map[string]string{}}
			for _, name := range p.GoFiles {
				file := filepath.Join(p.Dir, name)
				src, err := os.ReadFile(file)
				if err != nil {
					return nil, err
				}
				out, found, err := RewriteImports(file, src, rule.Imports, func(path string) string { return packageName(byPath, path) })
				if err != nil {
					return nil, err
				}
				if len(found) == 0 {
					continue
				}
				for _, old := range found {
					s.Imports[old] = rule.Imports[old]
				}
				s.Files = append(s.Files, name)
				if err := addFile(dir, file, out, replace); err != nil {
					return nil, err
				}
			}
			if len(s.Files) > 0 {
				swapped = append(swapped, s)
			}
		}
		if matched == 0 {
			return nil, fmt.Errorf("%s:%d: %s matches no package of this build; remove the line or fix the path", SwapFile, rule.Line, rule.Pattern)
		}
	}
	sort.Slice(swapped, func(i, j int) bool { return swapped[i].Package < swapped[j].Package })
	for i := 1; i < len(swapped); i++ {
		if swapped[i].Package == swapped[i-1].Package {
			return nil, fmt.Errorf("%s:%d and %d both match %s; give each package one line", SwapFile, swapped[i-1].Line, swapped[i].Line, swapped[i].Package)
		}
	}
	return swapped, nil
}

// packageName is the name a file refers to the package path by when it
// imports it without a name.
func packageName(byPath map[string]*Package, p string) string {
	if lp := byPath[p]; lp != nil && lp.Name != "" {
		return lp.Name
	}
	return ImportName(p)
}

// ImportName is the usual name of the package with import path p: its last
// element, or the one before a major version suffix (math/rand/v2 is
// rand).
func ImportName(p string) string {
	base := path.Base(p)
	if len(base) > 1 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" {
		base = path.Base(path.Dir(p)) // math/rand/v2 is package rand
	}
	return base
}

// newFileName returns a path in dir for a file the overlay adds, one that
// does not exist (the overlay would replace it).
func newFileName(dir, stem string) string {
	for i := 0; ; i++ {
		name := stem + ".go"
		if i > 0 {
			name = stem + strconv.Itoa(i) + ".go"
		}
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); err != nil {
			return p
		}
	}
}

// addFile writes a replacement for file into dir and records it.
func addFile(dir, file string, src []byte, replace map[string]string) error {
	tmp := filepath.Join(dir, strconv.Itoa(len(replace))+"_"+filepath.Base(file))
	if err := os.WriteFile(tmp, src, 0o644); err != nil {
		return err
	}
	replace[file] = tmp
	return nil
}

// RewriteImports rewrites src's imports of the keys of swap to their
// values, keeping the name the file uses: an import without a name gets
// the old package's name (nameOf(old)) when the new package's differs.
// Only the import path literals change, each on its own line, so line
// numbers in compiler messages stay those of the original file. It
// returns the new source and the old paths it found, in file order.
func RewriteImports(filename string, src []byte, swap map[string]string, nameOf func(string) string) ([]byte, []string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ImportsOnly)
	if err != nil {
		return nil, nil, err
	}
	var found []string
	var out bytes.Buffer
	last := 0
	for _, imp := range f.Imports {
		old, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: import %s: %w", fset.Position(imp.Pos()), imp.Path.Value, err)
		}
		new, ok := swap[old]
		if !ok {
			continue
		}
		found = append(found, old)
		start := fset.Position(imp.Path.Pos()).Offset
		end := fset.Position(imp.Path.End()).Offset
		out.Write(src[last:start])
		if imp.Name == nil && nameOf(old) != nameOf(new) {
			out.WriteString(nameOf(old) + " ")
		}
		out.WriteString(strconv.Quote(new))
		last = end
	}
	out.Write(src[last:])
	return out.Bytes(), found, nil
}
