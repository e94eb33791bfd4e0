package cdk

import (
	"reflect"
	"runtime"
	"strconv"
)

// prepare decodes a method's argument and returns its call: the typed
// call where the handler has one, else the reflective one.
func (h *handler) prepare(arg []byte) (invocation, error) {
	if h.typed != nil {
		return h.typed.prepare(arg)
	}
	args, err := h.decode(arg)
	if err != nil {
		return nil, err
	}
	return func() ([]byte, string, bool) { return h.call(args) }, nil
}

// decode decodes a Candid argument into fresh values of the handler's
// parameter types.
func (h *handler) decode(arg []byte) ([]reflect.Value, error) {
	ptrs := make([]any, len(h.args))
	vals := make([]reflect.Value, len(h.args))
	for i, t := range h.args {
		p := reflect.New(t)
		ptrs[i] = p.Interface()
		vals[i] = p.Elem()
	}
	if err := unmarshal(arg, ptrs); err != nil {
		return nil, err
	}
	return vals, nil
}

// call runs the handler. It returns the encoded results, or a reject
// message when the handler returned a non-nil error.
func (h *handler) call(args []reflect.Value) (reply []byte, rejectMsg string, rejected bool) {
	out := h.fn.Call(args)
	if h.hasErr {
		if e := out[len(out)-1]; !e.IsNil() {
			return nil, e.Interface().(error).Error(), true
		}
		out = out[:len(out)-1]
	}
	vals := make([]any, len(out))
	for i, v := range out {
		vals[i] = v.Interface()
	}
	b, err := marshal(vals)
	if err != nil {
		panic("cannot encode the result: " + err.Error())
	}
	return b, "", false
}

// panicMessage renders a recovered panic value without package fmt.
func panicMessage(r any) string {
	switch v := r.(type) {
	case error:
		return v.Error()
	case string:
		return v
	case interface{ String() string }:
		return v.String()
	case int:
		return strconv.Itoa(v)
	}
	return "(" + reflect.TypeOf(r).String() + ") value"
}

// trapOnPanic turns a panic in the running entry point into a trap whose
// message names where it happened. The goroutine's stack goes to the
// canister log first. The IC then rolls the whole message back, which also
// restores the Go runtime's own state, so the canister stays usable.
func trapOnPanic(where string) {
	if r := recover(); r != nil {
		buf := make([]byte, 16<<10)
		buf = buf[:runtime.Stack(buf, false)]
		Print("panic in " + where + ": " + panicMessage(r) + "\n" + string(buf))
		Trap("panic in " + where + ": " + panicMessage(r))
	}
}
