package build

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/icgo/icgo/internal/wasm"
)

// PackageSize is the code of one Go package in a module.
type PackageSize struct {
	Package   string // import path, or a group in parentheses for code of no package
	Functions int
	CodeBytes int // bytes of the function bodies
}

// SizeReport is where a module's bytes go: its sections, and its code by Go
// package (from the function names of the name section).
type SizeReport struct {
	Total, Gzip int
	Sections    []SectionSize
	Packages    []PackageSize // most code first
	Functions   []FuncSize    // the largest functions, largest first
	CodeBytes   int           // sum of the function bodies
}

// FuncSize is the size of one function's body.
type FuncSize struct {
	Name  string // as the name section spells it
	Bytes int
}

// largestFunctions is how many functions a SizeReport lists.
const largestFunctions = 20

// SectionSize is the size of one section's contents (custom sections by
// name).
type SectionSize struct {
	Name  string
	Bytes int
}

// Groups of functions that belong to no Go package.
const (
	groupTypeAlg = "(type equality and hash functions)"
	groupIcgo    = "(icgo: entry points and WASI replacements)"
	groupOther   = "(assembly, linker wrappers and exports)"
)

// goNameRe is what the Go linker replaces with "_" in the wasm name section
// (cmd/link/internal/wasm, nameRegexp).
var goNameRe = regexp.MustCompile(`[^\w.]`)

// linkerPrefix is the prefix of the symbols of package path as the wasm
// name section spells them: the last element's dots escaped as the linker
// escapes them (%2e), then every other character that is not a letter,
// digit, underscore or dot replaced by "_".
func linkerPrefix(path string) string {
	i := strings.LastIndexByte(path, '/')
	path = path[:i+1] + strings.ReplaceAll(path[i+1:], ".", "%2e")
	return goNameRe.ReplaceAllString(path, "_") + "."
}

// Size reports where module's bytes go. pkgs are the import paths of the Go
// packages linked in it (go list -deps): a function's package is the
// longest of them its name starts with. gzipSize is the size of the
// compressed module.
func Size(module []byte, gzipSize int, pkgs []string) (*SizeReport, error) {
	m, err := wasm.Decode(module)
	if err != nil {
		return nil, err
	}
	names, err := m.FunctionNames()
	if err != nil {
		return nil, fmt.Errorf("the size by package needs function names: %w", err)
	}
	rep := &SizeReport{Total: len(module), Gzip: gzipSize}
	for id, n := range m.SectionSizes {
		if id != wasm.SectionCustom {
			rep.Sections = append(rep.Sections, SectionSize{id.String(), n})
		}
	}
	for _, c := range m.Customs {
		rep.Sections = append(rep.Sections, SectionSize{"custom " + c.Name, len(c.Data)})
	}
	sort.Slice(rep.Sections, func(i, j int) bool { return rep.Sections[i].Bytes > rep.Sections[j].Bytes })

	// The linker names the main package's symbols main.*, whatever its path.
	pkgs = append(pkgs[:len(pkgs):len(pkgs)], "main")
	prefixes := make([]string, len(pkgs))
	byPrefix := map[string]string{}
	for i, p := range pkgs {
		prefixes[i] = linkerPrefix(p)
		byPrefix[prefixes[i]] = p
	}
	// Longest first, so that a/b. is tried before a.
	sort.Slice(prefixes, func(i, j int) bool { return len(prefixes[i]) > len(prefixes[j]) })
	sizes := map[string]*PackageSize{}
	nImp := m.NumImported(wasm.KindFunc)
	for i, c := range m.Code {
		pkg := packageOf(names[uint32(nImp+i)], prefixes, byPrefix)
		ps := sizes[pkg]
		if ps == nil {
			ps = &PackageSize{Package: pkg}
			sizes[pkg] = ps
		}
		ps.Functions++
		ps.CodeBytes += len(c.Body)
		rep.CodeBytes += len(c.Body)
		rep.Functions = append(rep.Functions, FuncSize{names[uint32(nImp+i)], len(c.Body)})
	}
	sort.SliceStable(rep.Functions, func(i, j int) bool { return rep.Functions[i].Bytes > rep.Functions[j].Bytes })
	rep.Functions = rep.Functions[:min(len(rep.Functions), largestFunctions)]
	for _, ps := range sizes {
		rep.Packages = append(rep.Packages, *ps)
	}
	sort.Slice(rep.Packages, func(i, j int) bool {
		a, b := rep.Packages[i], rep.Packages[j]
		if a.CodeBytes != b.CodeBytes {
			return a.CodeBytes > b.CodeBytes
		}
		return a.Package < b.Package
	})
	return rep, nil
}

func packageOf(name string, prefixes []string, byPrefix map[string]string) string {
	for _, p := range prefixes {
		if strings.HasPrefix(name, p) {
			return byPrefix[p]
		}
	}
	switch {
	case strings.HasPrefix(name, "type_."):
		return groupTypeAlg
	case strings.HasPrefix(name, "icgo:"):
		return groupIcgo
	}
	return groupOther
}

// WriteTo prints the report: the sections, then the code by package, most
// first.
func (r *SizeReport) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "module: %d bytes, %d gzip\n\n    bytes  section\n", r.Total, r.Gzip)
	for _, s := range r.Sections {
		fmt.Fprintf(&b, "%9d  %s\n", s.Bytes, s.Name)
	}
	fmt.Fprintf(&b, "\ncode by package (function bodies, %d bytes)\n    bytes  share  funcs  package\n", r.CodeBytes)
	for _, p := range r.Packages {
		fmt.Fprintf(&b, "%9d %5.1f%% %6d  %s\n", p.CodeBytes, 100*float64(p.CodeBytes)/float64(max(r.CodeBytes, 1)), p.Functions, p.Package)
	}
	fmt.Fprintf(&b, "\nlargest functions\n    bytes  function\n")
	for _, f := range r.Functions {
		fmt.Fprintf(&b, "%9d  %s\n", f.Bytes, f.Name)
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// Packages returns the import paths of pkg and every package it depends
// on, for GOOS=wasip1 GOARCH=wasm (go list -deps).
func Packages(ctx context.Context, dir, pkg string, flags ...string) ([]string, error) {
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, flags...)
	out, err := goCommand(ctx, dir, append(args, pkg)...)
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(out)), nil
}
