package candidtext

import (
	"fmt"
	"sort"
	"strconv"
	"unicode/utf8"
)

type parser struct {
	toks []token
	i    int
	refs []*refUse // type references to resolve
}

type refUse struct {
	t   *Type
	pos Pos
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekN(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) nextTok() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errAt(pos Pos, format string, args ...any) error {
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tPunct && t.text == s
}

func (p *parser) isKeyword(s string) bool {
	t := p.peek()
	return t.kind == tIdent && t.text == s
}

func (p *parser) acceptPunct(s string) bool {
	if p.isPunct(s) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectPunct(s string) error {
	if p.acceptPunct(s) {
		return nil
	}
	t := p.peek()
	return p.errAt(t.pos, "expected %q, found %s", s, t)
}

// ParseDID parses a Candid service description (.did file).
func ParseDID(src string) (*Service, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	s := &Service{Types: map[string]*Type{}}
	defPos := map[string]Pos{}
	for !p.isKeyword("service") && p.peek().kind != tEOF {
		t := p.peek()
		switch {
		case p.isKeyword("type"):
			p.i++
			nt := p.nextTok()
			if nt.kind != tIdent {
				return nil, p.errAt(nt.pos, "expected a type name, found %s", nt)
			}
			if _, dup := s.Types[nt.text]; dup {
				return nil, p.errAt(nt.pos, "type %s is defined twice (first at %s)", nt.text, defPos[nt.text])
			}
			if _, prim := primNames[nt.text]; prim || keywords[nt.text] {
				return nil, p.errAt(nt.pos, "%q is a keyword and cannot name a type", nt.text)
			}
			if err := p.expectPunct("="); err != nil {
				return nil, err
			}
			ty, err := p.parseType()
			if err != nil {
				return nil, err
			}
			s.Types[nt.text] = ty
			s.TypeNames = append(s.TypeNames, nt.text)
			defPos[nt.text] = nt.pos
		case p.isKeyword("import"):
			return nil, p.errAt(t.pos, "import is not supported; inline the imported definitions")
		default:
			return nil, p.errAt(t.pos, "expected \"type\" or \"service\", found %s", t)
		}
		if !p.acceptPunct(";") {
			nt := p.peek()
			return nil, p.errAt(nt.pos, "expected \";\" after type definition, found %s", nt)
		}
	}
	var actor *Type
	var actorPos Pos
	if p.isKeyword("service") {
		s.HasActor = true
		p.i++
		if p.peek().kind == tIdent {
			p.i++ // optional service name
		}
		if err := p.expectPunct(":"); err != nil {
			return nil, err
		}
		if p.isPunct("(") {
			args, _, err := p.parseTuple(true)
			if err != nil {
				return nil, err
			}
			s.InitArgs = args
			if err := p.expectPunct("->"); err != nil {
				return nil, err
			}
		}
		actorPos = p.peek().pos
		if p.isPunct("{") {
			actor, err = p.parseServiceBody()
			if err != nil {
				return nil, err
			}
		} else if t := p.peek(); t.kind == tIdent {
			p.i++
			actor = &Type{Kind: KindRef, Name: t.text}
			p.refs = append(p.refs, &refUse{actor, t.pos})
		} else {
			return nil, p.errAt(t.pos, "expected a service type { ... } or a type name, found %s", t)
		}
		p.acceptPunct(";")
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t.pos, "unexpected %s after the service declaration", t)
	}
	// Resolve references.
	for _, r := range p.refs {
		d, ok := s.Types[r.t.Name]
		if !ok {
			return nil, p.errAt(r.pos, "unknown type %s", r.t.Name)
		}
		r.t.Def = d
	}
	for _, name := range s.TypeNames {
		if resolve(s.Types[name]) == nil {
			return nil, p.errAt(defPos[name], "type %s is defined only in terms of itself", name)
		}
	}
	if actor != nil {
		at := resolve(actor)
		if at == nil || at.Kind != KindService {
			return nil, p.errAt(actorPos, "the service declaration does not name a service type")
		}
		for _, m := range at.Methods {
			ft := resolve(m.Type)
			if ft == nil || ft.Kind != KindFunc {
				return nil, p.errAt(actorPos, "method %s does not have a function type", m.Name)
			}
			s.Methods = append(s.Methods, &Method{
				Name: m.Name, Args: ft.Func.Args, ArgNames: ft.Func.ArgNames,
				Results: ft.Func.Results, Annotations: ft.Func.Annotations,
			})
		}
	}
	return s, nil
}

// parseName parses an identifier or a text literal used as a name.
func (p *parser) parseName(what string) (string, Pos, error) {
	t := p.nextTok()
	switch t.kind {
	case tIdent:
		return t.text, t.pos, nil
	case tText:
		if !utf8.ValidString(t.text) {
			return "", t.pos, p.errAt(t.pos, "%s is not valid UTF-8", what)
		}
		return t.text, t.pos, nil
	}
	return "", t.pos, p.errAt(t.pos, "expected %s, found %s", what, t)
}

// parseTuple parses ( <argtype>,* ).
func (p *parser) parseTuple(allowNames bool) ([]*Type, []string, error) {
	if err := p.expectPunct("("); err != nil {
		return nil, nil, err
	}
	var ts []*Type
	var names []string
	for !p.isPunct(")") {
		name := ""
		if t := p.peek(); (t.kind == tIdent || t.kind == tText) && p.peekN(1).kind == tPunct && p.peekN(1).text == ":" {
			var err error
			name, _, err = p.parseName("an argument name")
			if err != nil {
				return nil, nil, err
			}
			p.i++ // ':'
		}
		ty, err := p.parseType()
		if err != nil {
			return nil, nil, err
		}
		ts = append(ts, ty)
		names = append(names, name)
		if !p.acceptPunct(",") {
			break
		}
	}
	if err := p.expectPunct(")"); err != nil {
		return nil, nil, err
	}
	return ts, names, nil
}

func (p *parser) parseFuncType() (*FuncType, error) {
	args, names, err := p.parseTuple(true)
	if err != nil {
		return nil, err
	}
	if err := p.expectPunct("->"); err != nil {
		return nil, err
	}
	res, _, err := p.parseTuple(true)
	if err != nil {
		return nil, err
	}
	f := &FuncType{Args: args, ArgNames: names, Results: res}
	for p.isKeyword("query") || p.isKeyword("oneway") || p.isKeyword("composite_query") {
		f.Annotations = append(f.Annotations, p.nextTok().text)
	}
	return f, nil
}

func (p *parser) parseServiceBody() (*Type, error) {
	if err := p.expectPunct("{"); err != nil {
		return nil, err
	}
	st := &Type{Kind: KindService}
	seen := map[string]bool{}
	for !p.isPunct("}") {
		name, pos, err := p.parseName("a method name")
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, p.errAt(pos, "method %s is declared twice", name)
		}
		seen[name] = true
		if err := p.expectPunct(":"); err != nil {
			return nil, err
		}
		var mt *Type
		if t := p.peek(); t.kind == tIdent && !p.isPunct("(") {
			p.i++
			mt = &Type{Kind: KindRef, Name: t.text}
			p.refs = append(p.refs, &refUse{mt, t.pos})
		} else {
			f, err := p.parseFuncType()
			if err != nil {
				return nil, err
			}
			mt = &Type{Kind: KindFunc, Func: f}
		}
		st.Methods = append(st.Methods, MethodType{Name: name, Type: mt})
		if !p.acceptPunct(";") {
			break
		}
	}
	if err := p.expectPunct("}"); err != nil {
		return nil, err
	}
	sort.SliceStable(st.Methods, func(i, j int) bool { return st.Methods[i].Name < st.Methods[j].Name })
	return st, nil
}

func (p *parser) parseType() (*Type, error) {
	t := p.peek()
	switch t.kind {
	case tIdent:
		if k, ok := primNames[t.text]; ok {
			p.i++
			return Prim(k), nil
		}
		switch t.text {
		case "opt", "vec":
			p.i++
			e, err := p.parseType()
			if err != nil {
				return nil, err
			}
			if t.text == "opt" {
				return Opt(e), nil
			}
			return Vec(e), nil
		case "blob":
			p.i++
			return Vec(Prim(KindNat8)), nil
		case "record", "variant":
			p.i++
			return p.parseFields(t.text == "variant")
		case "func":
			p.i++
			f, err := p.parseFuncType()
			if err != nil {
				return nil, err
			}
			return &Type{Kind: KindFunc, Func: f}, nil
		case "service":
			p.i++
			return p.parseServiceBody()
		}
		if keywords[t.text] {
			return nil, p.errAt(t.pos, "expected a type, found keyword %q", t.text)
		}
		p.i++
		r := &Type{Kind: KindRef, Name: t.text}
		p.refs = append(p.refs, &refUse{r, t.pos})
		return r, nil
	}
	return nil, p.errAt(t.pos, "expected a type, found %s", t)
}

func parseFieldID(t token) (uint32, error) {
	v, err := strconv.ParseUint(stripUnderscore(t.text), 0, 32)
	if err != nil || t.isFloat {
		return 0, &SyntaxError{Pos: t.pos, Msg: fmt.Sprintf("field id %s is not a 32-bit natural number", t.text)}
	}
	return uint32(v), nil
}

func (p *parser) parseFields(variant bool) (*Type, error) {
	if err := p.expectPunct("{"); err != nil {
		return nil, err
	}
	kind := KindRecord
	if variant {
		kind = KindVariant
	}
	rt := &Type{Kind: kind}
	seen := map[uint32]string{}
	next := uint32(0)
	for !p.isPunct("}") {
		t := p.peek()
		var f Field
		labelled := (t.kind == tIdent || t.kind == tText || t.kind == tNumber) &&
			p.peekN(1).kind == tPunct && p.peekN(1).text == ":"
		bareTag := variant && !labelled && (t.kind == tIdent || t.kind == tText || t.kind == tNumber)
		if labelled || bareTag {
			if t.kind == tNumber {
				id, err := parseFieldID(t)
				if err != nil {
					return nil, err
				}
				p.i++
				f.ID = id
			} else {
				name, _, err := p.parseName("a field name")
				if err != nil {
					return nil, err
				}
				f.Name, f.ID = name, Hash(name)
			}
			if labelled {
				p.i++ // ':'
				ty, err := p.parseType()
				if err != nil {
					return nil, err
				}
				f.Type = ty
			} else {
				f.Type = Prim(KindNull)
			}
		} else {
			ty, err := p.parseType()
			if err != nil {
				return nil, err
			}
			f.ID, f.Type = next, ty
		}
		if prev, dup := seen[f.ID]; dup {
			return nil, p.errAt(t.pos, "field %s collides with field %s (same id %d)", f.Label(), prev, f.ID)
		}
		seen[f.ID] = f.Label()
		next = f.ID + 1
		rt.Fields = append(rt.Fields, f)
		if !p.acceptPunct(";") {
			break
		}
	}
	if err := p.expectPunct("}"); err != nil {
		return nil, err
	}
	sortFields(rt.Fields)
	return rt, nil
}

func stripUnderscore(s string) string {
	if !containsByte(s, '_') {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '_' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// ParseType parses a type in .did syntax; named types are looked up in s
// (which may be nil).
func (s *Service) ParseType(src string) (*Type, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	t, err := p.parseType()
	if err != nil {
		return nil, err
	}
	if tk := p.peek(); tk.kind != tEOF {
		return nil, p.errAt(tk.pos, "unexpected %s after type", tk)
	}
	return t, p.resolveRefs(s)
}

func (p *parser) resolveRefs(s *Service) error {
	for _, r := range p.refs {
		var d *Type
		if s != nil {
			d = s.Types[r.t.Name]
		}
		if d == nil {
			return p.errAt(r.pos, "unknown type %s", r.t.Name)
		}
		r.t.Def = d
	}
	p.refs = nil
	return nil
}
