package candidtext

import (
	"fmt"
	"slices"
)

// Subtype reports whether every value of type a can be read at type b, by
// the Candid specification's subtyping relation (section "Subtyping"):
// reflexivity, nat <: int, anything <: reserved, empty <: anything,
// records with more fields (or missing fields of an optional type), variants
// with fewer cases, contravariant function arguments and covariant results,
// services with more methods, and the opt rules (every type is a subtype
// of opt t', since a value that does not decode reads as null). Recursive types are
// compared coinductively. The error says where the first difference is.
func Subtype(a, b *Type) error {
	c := subChecker{assumed: map[[2]*Type]bool{}}
	if msg := c.sub("", a, b); msg != "" {
		return fmt.Errorf("%s", msg)
	}
	return nil
}

type subChecker struct {
	assumed map[[2]*Type]bool
}

func join(path, s string) string {
	if path == "" {
		return s
	}
	return path + " " + s
}

func at(path, msg string) string {
	if path == "" {
		return msg
	}
	return path + ": " + msg
}

// sub returns "" if a <: b, else where and why not.
func (c *subChecker) sub(path string, a, b *Type) string {
	a, b = resolve(a), resolve(b)
	if a == nil || b == nil {
		return at(path, "unresolved type")
	}
	key := [2]*Type{a, b}
	if c.assumed[key] {
		return ""
	}
	c.assumed[key] = true
	switch {
	case b.Kind == KindReserved, a.Kind == KindEmpty:
		return ""
	case a.Kind == KindNat && b.Kind == KindInt:
		return ""
	case b.Kind == KindOpt:
		return c.subOpt(path, a, b)
	case a.Kind != b.Kind:
		return at(path, fmt.Sprintf("%s is not a subtype of %s", a, b))
	}
	switch a.Kind {
	case KindVec:
		return c.sub(path+"[]", a.Elem, b.Elem)
	case KindRecord:
		return c.subRecord(path, a.Fields, b.Fields)
	case KindVariant:
		return c.subVariant(path, a.Fields, b.Fields)
	case KindFunc:
		return c.subFunc(path, a.Func, b.Func)
	case KindService:
		return c.subService(path, a.Methods, b.Methods)
	}
	return ""
}

// subOpt: b is opt t'. Every type is a subtype of an option: null,
// reserved and opt t by their rules, any other t whether or not t <: t'
// (the spec's two "unusual" rules, there for transitivity: a value that
// does not decode at t' reads as null).
func (c *subChecker) subOpt(path string, a, b *Type) string {
	return ""
}

// optional reports whether a missing record field of type t reads as a
// value (null <: t).
func optional(t *Type) bool {
	t = resolve(t)
	return t != nil && (t.Kind == KindOpt || t.Kind == KindNull || t.Kind == KindReserved)
}

func (c *subChecker) subRecord(path string, fa, fb []Field) string {
	for _, f := range fb {
		i := slices.IndexFunc(fa, func(g Field) bool { return g.ID == f.ID })
		if i < 0 {
			if optional(f.Type) {
				continue
			}
			return at(path, "field "+f.Label()+" is required but missing")
		}
		if msg := c.sub(path+"."+f.Label(), fa[i].Type, f.Type); msg != "" {
			return msg
		}
	}
	return ""
}

func (c *subChecker) subVariant(path string, fa, fb []Field) string {
	for _, f := range fa {
		i := slices.IndexFunc(fb, func(g Field) bool { return g.ID == f.ID })
		if i < 0 {
			return at(path, "case "+f.Label()+" is not expected")
		}
		if msg := c.sub(path+"."+f.Label(), f.Type, fb[i].Type); msg != "" {
			return msg
		}
	}
	return ""
}

// tuple is an argument or result sequence as the record it stands for.
func tuple(ts []*Type) *Type {
	fs := make([]Field, len(ts))
	for i, t := range ts {
		fs[i] = Field{ID: uint32(i), Type: t}
	}
	return &Type{Kind: KindRecord, Fields: fs}
}

func (c *subChecker) subFunc(path string, fa, fb *FuncType) string {
	if !slices.Equal(fa.Annotations, fb.Annotations) {
		return at(path, fmt.Sprintf("annotations %v differ from %v", fa.Annotations, fb.Annotations))
	}
	if msg := c.sub(join(path, "arguments"), tuple(fb.Args), tuple(fa.Args)); msg != "" {
		return msg
	}
	return c.sub(join(path, "results"), tuple(fa.Results), tuple(fb.Results))
}

func (c *subChecker) subService(path string, ma, mb []MethodType) string {
	for _, m := range mb {
		i := slices.IndexFunc(ma, func(n MethodType) bool { return n.Name == m.Name })
		if i < 0 {
			return at(path, "method "+m.Name+" is missing")
		}
		if msg := c.sub(path+"."+m.Name, ma[i].Type, m.Type); msg != "" {
			return msg
		}
	}
	return ""
}

// UpgradeBreaks lists what breaks the callers of old if the service is
// upgraded to new: methods that disappear, and methods whose new type is
// not a subtype of the old one (new arguments old callers cannot give,
// results old callers cannot read), as DFINITY's tools check before an
// upgrade. Empty means new is a Candid subtype of old.
func UpgradeBreaks(old, new *Service) []string {
	var breaks []string
	for _, om := range old.Methods {
		nm, ok := new.Method(om.Name)
		if !ok {
			breaks = append(breaks, "method "+om.Name+" is removed")
			continue
		}
		oldT := &Type{Kind: KindFunc, Func: &FuncType{Args: om.Args, Results: om.Results, Annotations: om.Annotations}}
		newT := &Type{Kind: KindFunc, Func: &FuncType{Args: nm.Args, Results: nm.Results, Annotations: nm.Annotations}}
		if err := Subtype(newT, oldT); err != nil {
			breaks = append(breaks, "method "+om.Name+": "+err.Error())
		}
	}
	return breaks
}
