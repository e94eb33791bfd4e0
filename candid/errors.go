package candid

import "strings"

// Error is the error type returned by this package. Its message names the
// location of the failure, for example
//
//	candid: arg 0: record field "name": expected text, got nat
type Error struct {
	msg  string
	path []string // innermost first
	// malformed marks errors in the message itself (as opposed to a value
	// that does not fit the expected Go type); they are never turned into
	// none by the opt rule.
	malformed bool
}

func (e *Error) Error() string {
	var sb strings.Builder
	sb.WriteString("candid: ")
	for i := len(e.path) - 1; i >= 0; i-- {
		sb.WriteString(e.path[i])
		sb.WriteString(": ")
	}
	sb.WriteString(e.msg)
	return sb.String()
}

// Malformed reports whether the error is due to an invalid message rather
// than a type mismatch.
func (e *Error) Malformed() bool { return e.malformed }

func errorf(msg string) *Error    { return &Error{msg: msg} }
func malformed(msg string) *Error { return &Error{msg: msg, malformed: true} }
func isMalformed(err error) bool {
	e, ok := err.(*Error)
	return !ok || e.malformed
}

// at adds a path element to err.
func at(err error, elem string) error {
	if e, ok := err.(*Error); ok {
		e.path = append(e.path, elem)
		return e
	}
	return &Error{msg: err.Error(), path: []string{elem}}
}

func argPath(i int) string { return "arg " + itoa(int64(i)) }

func fieldPath(kind string, f *field) string {
	if f.numeric {
		return kind + " " + f.label
	}
	return kind + " " + quote(f.label)
}
