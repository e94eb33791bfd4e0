package cdk

// Typed calls of the most common handler shapes (no argument, returning
// nothing or a string, uint64 or bool; a string argument, returning
// nothing or a string or uint64; with or without a trailing error), which
// avoid reflect.Value.Call: on wasm it costs about 30k instructions a
// call, a third of a small query's. Each shape adds code to every module,
// so the list is short (these 14 add about 9 KB gzipped to
// examples/hello). Other shapes take the reflective path (handler.decode,
// handler.call); both decode and encode with package candid, so they
// answer the same.

// typedCall decodes a call's argument and returns the call to make.
type typedCall interface {
	prepare(arg []byte) (invocation, error)
}

// invocation runs a handler: the encoded reply, or a reject message.
type invocation func() (reply []byte, rejectMsg string, rejected bool)

// typedCallOf returns the typed call of fn, or nil for other shapes.
func typedCallOf(fn any) typedCall {
	switch f := fn.(type) {
	case func():
		return call0{f}
	case func() error:
		return call0E{f}
	case func() string:
		return call0R[string]{f}
	case func() (string, error):
		return call0RE[string]{f}
	case func() uint64:
		return call0R[uint64]{f}
	case func() (uint64, error):
		return call0RE[uint64]{f}
	case func() bool:
		return call0R[bool]{f}
	case func() (bool, error):
		return call0RE[bool]{f}
	case func(string):
		return call1[string]{f}
	case func(string) error:
		return call1E[string]{f}
	case func(string) string:
		return call1R[string, string]{f}
	case func(string) (string, error):
		return call1RE[string, string]{f}
	case func(string) uint64:
		return call1R[string, uint64]{f}
	case func(string) (uint64, error):
		return call1RE[string, uint64]{f}
	}
	return nil
}

func replyOf(vals ...any) (reply []byte, rejectMsg string, rejected bool) {
	b, err := marshal(vals)
	if err != nil {
		panic("cannot encode the result: " + err.Error())
	}
	return b, "", false
}

func rejectOf(err error) (reply []byte, rejectMsg string, rejected bool) {
	return nil, err.Error(), true
}

// noArgs checks that arg decodes to no values.
func noArgs(arg []byte) error { return unmarshal(arg, nil) }

type call0 struct{ f func() }

func (c call0) prepare(arg []byte) (invocation, error) {
	if err := noArgs(arg); err != nil {
		return nil, err
	}
	return func() ([]byte, string, bool) { c.f(); return replyOf() }, nil
}

type call0E struct{ f func() error }

func (c call0E) prepare(arg []byte) (invocation, error) {
	if err := noArgs(arg); err != nil {
		return nil, err
	}
	return func() ([]byte, string, bool) {
		if err := c.f(); err != nil {
			return rejectOf(err)
		}
		return replyOf()
	}, nil
}

type call0R[R any] struct{ f func() R }

func (c call0R[R]) prepare(arg []byte) (invocation, error) {
	if err := noArgs(arg); err != nil {
		return nil, err
	}
	return func() ([]byte, string, bool) { return replyOf(c.f()) }, nil
}

type call0RE[R any] struct{ f func() (R, error) }

func (c call0RE[R]) prepare(arg []byte) (invocation, error) {
	if err := noArgs(arg); err != nil {
		return nil, err
	}
	return func() ([]byte, string, bool) {
		r, err := c.f()
		if err != nil {
			return rejectOf(err)
		}
		return replyOf(r)
	}, nil
}

type call1[A any] struct{ f func(A) }

func (c call1[A]) prepare(arg []byte) (invocation, error) {
	var a A
	if err := unmarshal(arg, []any{&a}); err != nil {
		return nil, err
	}
	return func() ([]byte, string, bool) { c.f(a); return replyOf() }, nil
}

type call1E[A any] struct{ f func(A) error }

func (c call1E[A]) prepare(arg []byte) (invocation, error) {
	var a A
	if err := unmarshal(arg, []any{&a}); err != nil {
		return nil, err
	}
	return func() ([]byte, string, bool) {
		if err := c.f(a); err != nil {
			return rejectOf(err)
		}
		return replyOf()
	}, nil
}

type call1R[A, R any] struct{ f func(A) R }

func (c call1R[A, R]) prepare(arg []byte) (invocation, error) {
	var a A
	if err := unmarshal(arg, []any{&a}); err != nil {
		return nil, err
	}
	return func() ([]byte, string, bool) { return replyOf(c.f(a)) }, nil
}

type call1RE[A, R any] struct{ f func(A) (R, error) }

func (c call1RE[A, R]) prepare(arg []byte) (invocation, error) {
	var a A
	if err := unmarshal(arg, []any{&a}); err != nil {
		return nil, err
	}
	return func() ([]byte, string, bool) {
		r, err := c.f(a)
		if err != nil {
			return rejectOf(err)
		}
		return replyOf(r)
	}, nil
}
