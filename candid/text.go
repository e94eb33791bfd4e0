package candid

import (
	"reflect"
	"slices"
	"sort"
	"strings"
)

// TypeText returns the Candid type of t in textual form, for example
// "opt record { name : text; age : nat8 }". Recursive types cannot be
// written without definitions; use ServiceText for them.
func TypeText(t reflect.Type) (string, error) {
	c, err := codecFor(t)
	if err != nil {
		return "", err
	}
	var p printer
	if err := p.typ(c); err != nil {
		return "", err
	}
	return p.sb.String(), nil
}

// ArgsType returns the Candid text of an argument or result sequence, for
// example "(text, opt nat64)".
func ArgsType(types []reflect.Type) (string, error) {
	var p printer
	if err := p.args(types); err != nil {
		return "", err
	}
	return p.sb.String(), nil
}

// Method describes one method of a service for ServiceText.
type Method struct {
	Name    string
	Mode    Mode
	Args    []reflect.Type
	Results []reflect.Type
}

// ServiceText renders a complete .did service description (Candid spec,
// "Core Grammar"). Named Go struct types become type definitions, which
// also makes recursive types expressible. initArgs, if non-nil, are the
// canister's init arguments. Methods are listed sorted by name.
func ServiceText(methods []Method, initArgs []reflect.Type) (string, error) {
	p := printer{defs: map[reflect.Type]string{}, used: map[string]bool{}}
	var body strings.Builder
	body.WriteString("service : ")
	if initArgs != nil {
		if err := p.args(initArgs); err != nil {
			return "", err
		}
		body.WriteString(p.take())
		body.WriteString(" -> ")
	}
	body.WriteString("{\n")
	ms := append([]Method(nil), methods...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	for _, m := range ms {
		if err := p.funcType(m.Args, m.Results, m.Mode); err != nil {
			return "", at(err, "method "+quote(m.Name))
		}
		body.WriteString("  ")
		body.WriteString(label(m.Name))
		body.WriteString(" : ")
		body.WriteString(p.take())
		body.WriteString(";\n")
	}
	body.WriteString("}\n")
	var out strings.Builder
	for i := 0; i < len(p.order); i++ {
		c := p.order[i]
		if err := p.body(c); err != nil {
			return "", err
		}
		out.WriteString("type ")
		out.WriteString(p.defs[c.t])
		out.WriteString(" = ")
		out.WriteString(p.take())
		out.WriteString(";\n")
	}
	out.WriteString(body.String())
	return out.String(), nil
}

type printer struct {
	sb       strings.Builder
	defs     map[reflect.Type]string // nil: no definitions (inline everything)
	order    []*codec
	used     map[string]bool
	visiting []*codec
}

func (p *printer) take() string {
	s := p.sb.String()
	p.sb.Reset()
	return s
}

func (p *printer) args(types []reflect.Type) error {
	p.sb.WriteByte('(')
	for i, t := range types {
		if i > 0 {
			p.sb.WriteString(", ")
		}
		c, err := codecFor(t)
		if err != nil {
			return err
		}
		if err := p.typ(c); err != nil {
			return err
		}
	}
	p.sb.WriteByte(')')
	return nil
}

func (p *printer) funcType(args, results []reflect.Type, mode Mode) error {
	if err := p.args(args); err != nil {
		return err
	}
	p.sb.WriteString(" -> ")
	if err := p.args(results); err != nil {
		return err
	}
	p.sb.WriteString(modeText(mode))
	return nil
}

func modeText(m Mode) string {
	switch m {
	case Query:
		return " query"
	case Oneway:
		return " oneway"
	case CompositeQuery:
		return " composite_query"
	}
	return ""
}

// definable reports whether c is rendered as a named definition.
func definable(c *codec) bool {
	if c.t == nil || c.t.Name() == "" || c.shape != shapePlain {
		return false
	}
	switch c.op {
	case OpRecord, OpVariant:
		return true
	case OpFunc:
		return c.t != funcType
	}
	return false
}

func (p *printer) typ(c *codec) error {
	if p.defs != nil && definable(c) {
		name, ok := p.defs[c.t]
		if !ok {
			name = p.newName(c.t.Name())
			p.defs[c.t] = name
			p.order = append(p.order, c)
		}
		p.sb.WriteString(name)
		return nil
	}
	if slices.Contains(p.visiting, c) {
		return errorf("Go type " + c.t.String() + " is recursive; its Candid type needs a definition (use ServiceText)")
	}
	p.visiting = append(p.visiting, c)
	err := p.body(c)
	p.visiting = p.visiting[:len(p.visiting)-1]
	return err
}

func (p *printer) body(c *codec) error {
	if c.shape == shapeCustom || c.shape == shapePtrCustom {
		p.sb.WriteString(c.op.String())
		return nil
	}
	switch c.op {
	case OpOpt:
		p.sb.WriteString("opt ")
		return p.typ(c.elem)
	case OpVec:
		if c.shape == shapeBytes {
			p.sb.WriteString("blob")
			return nil
		}
		p.sb.WriteString("vec ")
		return p.typ(c.elem)
	case OpRecord, OpVariant:
		p.sb.WriteString(c.op.String())
		if len(c.fields) == 0 {
			p.sb.WriteString(" {}")
			return nil
		}
		p.sb.WriteString(" { ")
		fs := append([]field(nil), c.fields...)
		sort.Slice(fs, func(i, j int) bool { return fs[i].decl < fs[j].decl })
		for i := range fs {
			f := &fs[i]
			if i > 0 {
				p.sb.WriteString("; ")
			}
			if !c.tuple {
				if f.numeric {
					p.sb.WriteString(f.label)
				} else {
					p.sb.WriteString(label(f.label))
				}
				if f.unit {
					continue
				}
				p.sb.WriteString(" : ")
			}
			if err := p.typ(f.c); err != nil {
				return err
			}
		}
		p.sb.WriteString(" }")
		return nil
	case OpFunc:
		p.sb.WriteString("func (")
		for i, a := range c.fn.args {
			if i > 0 {
				p.sb.WriteString(", ")
			}
			if err := p.typ(a); err != nil {
				return err
			}
		}
		p.sb.WriteString(") -> (")
		for i, r := range c.fn.results {
			if i > 0 {
				p.sb.WriteString(", ")
			}
			if err := p.typ(r); err != nil {
				return err
			}
		}
		p.sb.WriteString(")")
		p.sb.WriteString(modeText(c.fn.mode))
		return nil
	case OpService:
		p.sb.WriteString("service {}")
		return nil
	}
	p.sb.WriteString(c.op.String())
	return nil
}

// newName turns a Go type name into a unique Candid identifier.
func (p *printer) newName(goName string) string {
	b := []byte(goName)
	for i, ch := range b {
		if !isIDChar(ch) {
			b[i] = '_'
		}
	}
	base := strings.TrimRight(string(b), "_")
	if base == "" || isKeyword(base) || (base[0] >= '0' && base[0] <= '9') {
		base = "T_" + base
	}
	name := base
	for i := 2; p.used[name]; i++ {
		name = base + "_" + itoa(int64(i))
	}
	p.used[name] = true
	return name
}

func isIDChar(ch byte) bool {
	return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
}

func isKeyword(s string) bool {
	switch s {
	case "import", "service", "func", "type", "opt", "vec", "record", "variant",
		"blob", "principal", "nat", "nat8", "nat16", "nat32", "nat64", "int",
		"int8", "int16", "int32", "int64", "float32", "float64", "bool", "text",
		"null", "reserved", "empty", "oneway", "query", "composite_query":
		return true
	}
	return false
}

// label renders a field label or method name, quoting it unless it is a
// plain identifier.
func label(s string) string {
	ok := s != "" && !(s[0] >= '0' && s[0] <= '9') && !isKeyword(s)
	for i := 0; ok && i < len(s); i++ {
		ok = isIDChar(s[i])
	}
	if ok {
		return s
	}
	return quote(s)
}

// quote renders s as a Candid text literal.
func quote(s string) string {
	const hex = "0123456789abcdef"
	var sb strings.Builder
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '"' || ch == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(ch)
		case ch < 0x20 || ch == 0x7f:
			sb.WriteByte('\\')
			sb.WriteByte(hex[ch>>4])
			sb.WriteByte(hex[ch&15])
		default:
			sb.WriteByte(ch)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}
