package candidtext

import "strings"

// Diff returns the first structural difference between types a and b, as
// "path: ..." (path starts as the given one), or "" if they are the same
// type once references are followed: the same constructors, the same field
// ids with the same types, the same function signatures. Names of
// definitions and field labels' spelling (beyond their ids) do not matter.
func Diff(path string, a, b *Type) string {
	return diff(path, a, b, map[[2]*Type]bool{})
}

func diff(path string, a, b *Type, seen map[[2]*Type]bool) string {
	a, b = resolve(a), resolve(b)
	if a == nil || b == nil {
		return path + ": unresolved type"
	}
	if seen[[2]*Type{a, b}] {
		return "" // a recursive type, already being compared
	}
	seen[[2]*Type{a, b}] = true
	if a.Kind != b.Kind {
		return path + ": " + a.String() + " versus " + b.String()
	}
	switch a.Kind {
	case KindOpt, KindVec:
		return diff(path+"."+a.Kind.String(), a.Elem, b.Elem, seen)
	case KindRecord, KindVariant:
		return diffFields(path, a.Fields, b.Fields, seen)
	case KindFunc:
		return diffFuncs(path, a.Func, b.Func, seen)
	}
	return ""
}

func diffFields(path string, fa, fb []Field, seen map[[2]*Type]bool) string {
	byID := map[uint32]Field{}
	for _, f := range fa {
		byID[f.ID] = f
	}
	for _, f := range fb {
		g, ok := byID[f.ID]
		if !ok {
			return path + ": field " + f.Label() + " is only in the second type"
		}
		delete(byID, f.ID)
		if d := diff(path+"."+f.Label(), g.Type, f.Type, seen); d != "" {
			return d
		}
	}
	for _, f := range fa {
		if _, ok := byID[f.ID]; ok {
			return path + ": field " + f.Label() + " is only in the first type"
		}
	}
	return ""
}

func diffFuncs(path string, fa, fb *FuncType, seen map[[2]*Type]bool) string {
	if len(fa.Args) != len(fb.Args) || len(fa.Results) != len(fb.Results) {
		return path + ": func arity differs"
	}
	if strings.Join(fa.Annotations, " ") != strings.Join(fb.Annotations, " ") {
		return path + ": func annotations differ"
	}
	for i := range fa.Args {
		if d := diff(path+".arg", fa.Args[i], fb.Args[i], seen); d != "" {
			return d
		}
	}
	for i := range fa.Results {
		if d := diff(path+".result", fa.Results[i], fb.Results[i], seen); d != "" {
			return d
		}
	}
	return ""
}

// Resolved follows references to the type they name; nil for an
// unresolved reference (or a nil t).
func (t *Type) Resolved() *Type { return resolve(t) }
