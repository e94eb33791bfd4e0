package port

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// regroup moves the imports of the paths in moved, in parenthesized import
// blocks, out of a standard-library group: each goes to the block's last
// group, or to a new group at its end when that one holds the standard
// library (as goimports groups them). An import that shares its line
// with another stays where it is.
func regroup(src []byte, moved map[string]bool) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		return nil, err
	}
	type edit struct {
		off  int
		del  int
		text string
	}
	var edits []edit
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT || !gd.Lparen.IsValid() {
			continue
		}
		perLine := map[int]int{}
		for _, s := range gd.Specs {
			perLine[fset.Position(s.Pos()).Line]++
		}
		var lines []string
		var last ast.Spec // last import that stays
		for _, s := range gd.Specs {
			is := s.(*ast.ImportSpec)
			p, _ := strconv.Unquote(is.Path.Value)
			line := fset.Position(s.Pos()).Line
			if !moved[p] || perLine[line] > 1 {
				last = s
				continue
			}
			start, end := lineBounds(src, fset.Position(s.Pos()).Offset)
			lines = append(lines, string(src[start:end]))
			edits = append(edits, edit{off: start, del: end - start})
		}
		if len(lines) == 0 || last == nil {
			continue // nothing moved, or nothing else in the block
		}
		lp, _ := strconv.Unquote(last.(*ast.ImportSpec).Path.Value)
		text := strings.Join(lines, "")
		if isStd(lp) {
			text = "\n" + text
		}
		rp, _ := lineBounds(src, fset.Position(gd.Rparen).Offset)
		edits = append(edits, edit{off: rp, text: text})
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].off > edits[j].off })
	out := bytes.Clone(src)
	for _, e := range edits {
		out = append(out[:e.off], append([]byte(e.text), out[e.off+e.del:]...)...)
	}
	return out, nil
}

// lineBounds returns the start of the line holding off and the end of it,
// after its newline.
func lineBounds(src []byte, off int) (int, int) {
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	end := bytes.IndexByte(src[off:], '\n')
	if end < 0 {
		return start, len(src)
	}
	return start, off + end + 1
}

// isStd reports whether an import path is the standard library's (no dot
// in its first element).
func isStd(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}
