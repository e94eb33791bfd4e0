package candidtext

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pos is a 1-based line:column position in a source text.
type Pos struct{ Line, Col int }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// SyntaxError is returned by ParseDID and ParseArgs.
type SyntaxError struct {
	Pos Pos
	Msg string
}

func (e *SyntaxError) Error() string { return e.Pos.String() + ": " + e.Msg }

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tNumber // integer or decimal literal; text holds the raw spelling
	tText   // text literal; text holds the decoded bytes
	tPunct  // ( ) { } ; , : = . -> + -
)

type token struct {
	kind tokKind
	text string
	pos  Pos
	// for tNumber
	isFloat bool
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tText:
		return strconv.Quote(t.text)
	case tNumber:
		return "number " + t.text
	}
	return "\"" + t.text + "\""
}

type lexer struct {
	src  string
	off  int
	line int
	col  int
	toks []token
}

func lex(src string) ([]token, error) {
	l := &lexer{src: src, line: 1, col: 1}
	for {
		if err := l.skipSpace(); err != nil {
			return nil, err
		}
		if l.off >= len(l.src) {
			l.toks = append(l.toks, token{kind: tEOF, pos: l.pos()})
			return l.toks, nil
		}
		if err := l.next(); err != nil {
			return nil, err
		}
	}
}

func (l *lexer) pos() Pos { return Pos{l.line, l.col} }

func (l *lexer) errf(p Pos, format string, args ...any) error {
	return &SyntaxError{Pos: p, Msg: fmt.Sprintf(format, args...)}
}

// advance moves over n bytes, tracking line and column (columns count runes).
func (l *lexer) advance(n int) {
	for i := 0; i < n && l.off < len(l.src); {
		r, size := utf8.DecodeRuneInString(l.src[l.off:])
		l.off += size
		i += size
		if r == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
	}
}

func (l *lexer) peekByte(k int) byte {
	if l.off+k < len(l.src) {
		return l.src[l.off+k]
	}
	return 0
}

func (l *lexer) skipSpace() error {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			l.advance(1)
		case c == '/' && l.peekByte(1) == '/':
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.advance(1)
			}
		case c == '/' && l.peekByte(1) == '*':
			start := l.pos()
			l.advance(2)
			depth := 1
			for depth > 0 {
				if l.off >= len(l.src) {
					return l.errf(start, "unterminated block comment")
				}
				if l.src[l.off] == '*' && l.peekByte(1) == '/' {
					depth--
					l.advance(2)
				} else if l.src[l.off] == '/' && l.peekByte(1) == '*' {
					depth++
					l.advance(2)
				} else {
					l.advance(1)
				}
			}
		default:
			return nil
		}
	}
	return nil
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (l *lexer) next() error {
	p := l.pos()
	c := l.src[l.off]
	switch {
	case isIdentStart(c):
		start := l.off
		for l.off < len(l.src) && isIdentChar(l.src[l.off]) {
			l.advance(1)
		}
		l.toks = append(l.toks, token{kind: tIdent, text: l.src[start:l.off], pos: p})
		return nil
	case isDigit(c):
		return l.number(p)
	case c == '"':
		return l.textLit(p)
	case c == '-' && l.peekByte(1) == '>':
		l.advance(2)
		l.toks = append(l.toks, token{kind: tPunct, text: "->", pos: p})
		return nil
	case strings.IndexByte("(){};,:=.+-", c) >= 0:
		l.advance(1)
		l.toks = append(l.toks, token{kind: tPunct, text: string(c), pos: p})
		return nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.off:])
	return l.errf(p, "unexpected character %q", r)
}

func (l *lexer) number(p Pos) error {
	start := l.off
	isFloat := false
	if l.src[l.off] == '0' && (l.peekByte(1) == 'x' || l.peekByte(1) == 'X') {
		l.advance(2)
		n := 0
		for l.off < len(l.src) && (isHex(l.src[l.off]) || l.src[l.off] == '_') {
			if l.src[l.off] != '_' {
				n++
			}
			l.advance(1)
		}
		if n == 0 {
			return l.errf(p, "malformed hexadecimal number %q", l.src[start:l.off])
		}
	} else {
		digits := func() {
			for l.off < len(l.src) && (isDigit(l.src[l.off]) || l.src[l.off] == '_') {
				l.advance(1)
			}
		}
		digits()
		if l.off < len(l.src) && l.src[l.off] == '.' && isDigit(l.peekByte(1)) {
			isFloat = true
			l.advance(1)
			digits()
		}
		if l.off < len(l.src) && (l.src[l.off] == 'e' || l.src[l.off] == 'E') {
			k := 1
			if l.peekByte(1) == '+' || l.peekByte(1) == '-' {
				k = 2
			}
			if isDigit(l.peekByte(k)) {
				isFloat = true
				l.advance(k)
				digits()
			}
		}
	}
	if l.off < len(l.src) && isIdentChar(l.src[l.off]) {
		return l.errf(l.pos(), "unexpected character %q in number", l.src[l.off])
	}
	l.toks = append(l.toks, token{kind: tNumber, text: l.src[start:l.off], pos: p, isFloat: isFloat})
	return nil
}

func hexVal(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// textLit lexes a "..." literal. The token text holds the decoded bytes,
// which need not be valid UTF-8 (\XX escapes may produce any byte); users
// that need text check validity themselves.
func (l *lexer) textLit(p Pos) error {
	l.advance(1)
	var b strings.Builder
	for {
		if l.off >= len(l.src) {
			return l.errf(p, "unterminated text literal")
		}
		c := l.src[l.off]
		if c == '"' {
			l.advance(1)
			break
		}
		if c == '\n' {
			return l.errf(p, "unterminated text literal (newline in literal)")
		}
		if c != '\\' {
			start := l.off
			l.advance(1)
			b.WriteString(l.src[start:l.off])
			continue
		}
		ep := l.pos()
		e := l.peekByte(1)
		switch e {
		case 'n':
			b.WriteByte('\n')
			l.advance(2)
		case 'r':
			b.WriteByte('\r')
			l.advance(2)
		case 't':
			b.WriteByte('\t')
			l.advance(2)
		case '\\', '"', '\'':
			b.WriteByte(e)
			l.advance(2)
		case 'u':
			l.advance(2)
			if l.peekByte(0) != '{' {
				return l.errf(ep, "malformed \\u escape: want \\u{HEX}")
			}
			l.advance(1)
			var v uint64
			n := 0
			for l.off < len(l.src) && (isHex(l.src[l.off]) || l.src[l.off] == '_') {
				if l.src[l.off] != '_' {
					v = v*16 + uint64(hexVal(l.src[l.off]))
					n++
				}
				l.advance(1)
				if n > 6 {
					return l.errf(ep, "\\u escape out of range")
				}
			}
			if n == 0 || l.peekByte(0) != '}' {
				return l.errf(ep, "malformed \\u escape: want \\u{HEX}")
			}
			l.advance(1)
			if v > utf8.MaxRune || (v >= 0xD800 && v < 0xE000) {
				return l.errf(ep, "\\u{%x} is not a Unicode scalar value", v)
			}
			b.WriteRune(rune(v))
		default:
			if isHex(e) && isHex(l.peekByte(2)) {
				b.WriteByte(byte(hexVal(e)<<4 | hexVal(l.peekByte(2))))
				l.advance(3)
				continue
			}
			return l.errf(ep, "unknown escape sequence \\%c", e)
		}
	}
	l.toks = append(l.toks, token{kind: tText, text: b.String(), pos: p})
	return nil
}
