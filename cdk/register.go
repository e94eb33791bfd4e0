package cdk

import (
	"errors"
	"reflect"
	"strconv"

	"github.com/icgo/icgo/internal/abi"
)

// method is one registered query, update or composite query.
type method struct {
	kind    string
	name    string
	handler *handler
	// internal methods (the executor's keep-alive target) are exported
	// but left out of the Candid interface; they run internal directly.
	internal func()
}

// handler is a Go function called with decoded Candid arguments.
type handler struct {
	fn      reflect.Value
	args    []reflect.Type
	results []reflect.Type // without the trailing error
	hasErr  bool
	typed   typedCall // a method's typed call (typedcall.go), nil for other shapes
}

var (
	// registryClosed is set by the first entry point: the module's exports
	// were fixed by the build, so later registrations could never be
	// called.
	registryClosed bool
	methods        []method
	hooks          = map[string]*handler{}
	inspect        func(method string) bool
	errType        = reflect.TypeFor[error]()
)

// Query registers fn as the query method name. Queries run without
// committing state changes; see the package documentation for handler
// signatures.
func Query(name string, fn any) { register(abi.KindQuery, name, fn) }

// Update registers fn as the update method name.
func Update(name string, fn any) { register(abi.KindUpdate, name, fn) }

// CompositeQuery registers fn as the composite query method name: a query
// that may call query methods of other canisters.
func CompositeQuery(name string, fn any) { register(abi.KindCompositeQuery, name, fn) }

// Init registers fn to run when the canister is installed or reinstalled.
// Its parameters are decoded from the install argument and become the
// service's init arguments in the .did. It may return an error, which
// traps and so fails the installation.
func Init(fn any) { registerHook("init", fn) }

// PostUpgrade registers fn to run in the new code after an upgrade. Its
// parameters are decoded from the upgrade argument. Usually the same types
// as Init's.
func PostUpgrade(fn any) { registerHook("post_upgrade", fn) }

// PreUpgrade registers fn to run in the old code before an upgrade: the last
// chance to save state to stable memory, since the Go heap is replaced.
func PreUpgrade(fn func()) { registerHook("pre_upgrade", fn) }

// Heartbeat registers fn to run periodically (about once a round). Prefer
// timers: a heartbeat costs cycles every round even when it does nothing.
func Heartbeat(fn func()) { registerHook("heartbeat", fn) }

// OnLowWasmMemory registers fn to run when the canister's free Wasm memory
// falls below its wasm_memory_threshold setting (the IC's
// canister_on_low_wasm_memory): the hook is scheduled after the message
// that crossed the threshold, and runs again only once free memory has
// risen above the threshold and fallen below it again (IC interface
// specification, "Canister settings" and "Entry points"). Use it to drop
// caches or to stop accepting data before the heap limit traps updates.
func OnLowWasmMemory(fn func()) { registerHook("on_low_wasm_memory", fn) }

// GlobalTimer registers fn to run, on a goroutine of its own, whenever the
// canister's global timer fires, after the due timers of SetTimer (and
// icstd/time). The cdk owns the global timer: fn must not call
// ic0.global_timer_set itself. Most programs should use SetTimer or
// icstd/time instead.
func GlobalTimer(fn func()) { registerHook("global_timer", fn) }

// InspectMessage registers fn to decide, for each ingress update message,
// whether the canister accepts it. fn gets the method name; ArgData and
// Caller describe the rest of the message. It runs on one node without
// consensus, so it is a filter against cost, not a security boundary.
func InspectMessage(fn func(method string) bool) {
	if registryClosed {
		panic("cdk.InspectMessage" + errLate)
	}
	if inspect != nil {
		panic("cdk.InspectMessage: registered twice")
	}
	inspect = fn
	hooks["inspect_message"] = &handler{}
}

// errLate explains a registration after package initialization.
const errLate = ": registered after package initialization; the IC calls only the methods and hooks registered while the program initializes (in an init function or a package-level variable), which icgo build reads to make the canister's exports"

func register(kind, name string, fn any) {
	where := "cdk." + kindFunc(kind) + "(" + strconv.Quote(name) + ")"
	if registryClosed {
		panic(where + errLate)
	}
	if name == "" {
		panic(where + ": the method name is empty")
	}
	for _, m := range methods {
		if m.name == name {
			panic(where + ": a " + m.kind + " method with this name is already registered (the IC requires method names to be unique across queries, updates and composite queries)")
		}
	}
	h, err := newHandler(name, fn)
	if err != nil {
		panic(where + ": " + err.Error())
	}
	methods = append(methods, method{kind: kind, name: name, handler: h})
}

// registerInternal registers a hidden method of the cdk itself.
func registerInternal(kind, name string, fn func()) {
	methods = append(methods, method{kind: kind, name: name, internal: fn})
}

func registerHook(hook string, fn any) {
	where := "cdk." + hookFunc(hook)
	if registryClosed {
		panic(where + errLate)
	}
	if _, dup := hooks[hook]; dup {
		panic(where + ": registered twice")
	}
	h, err := newHandler(hook, fn)
	if err != nil {
		panic(where + ": " + err.Error())
	}
	if hook != "init" && hook != "post_upgrade" && len(h.results) > 0 {
		panic(where + ": the handler cannot return values (there is nobody to reply to)")
	}
	hooks[hook] = h
}

// newHandler checks fn's signature; name (the method's, or the hook's)
// labels the errors.
func newHandler(name string, fn any) (*handler, error) {
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		return nil, errors.New("the handler must be a non-nil func, got " + typeName(fn))
	}
	t := v.Type()
	if t.IsVariadic() {
		return nil, errors.New("the handler cannot be variadic")
	}
	h := &handler{fn: v, typed: typedCallOf(fn)}
	// reflect.Value.Call computes and caches the call layout of each func
	// type the first time. Do it now, during initialization, which is
	// committed: in a query, whose state is discarded, every call would pay
	// for it again (measured: about 330k instructions for the first layout,
	// which also sets up reflect's cache, and 70k for each later one).
	// MakeFunc computes the same cached layout without calling anything.
	reflect.MakeFunc(t, func([]reflect.Value) []reflect.Value { panic("unreachable") })
	for i := range t.NumIn() {
		h.args = append(h.args, t.In(i))
	}
	for i := range t.NumOut() {
		out := t.Out(i)
		if out == errType {
			if i != t.NumOut()-1 {
				return nil, errors.New("error may only be the last result")
			}
			h.hasErr = true
			continue
		}
		h.results = append(h.results, out)
	}
	// Check every type now, so that an unsupported type fails the build
	// (which runs this code) instead of the first call.
	for _, ts := range [][]reflect.Type{h.args, h.results} {
		if err := checkTypes(name, ts); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}

func kindFunc(kind string) string {
	switch kind {
	case abi.KindQuery:
		return "Query"
	case abi.KindUpdate:
		return "Update"
	}
	return "CompositeQuery"
}

func hookFunc(hook string) string {
	return map[string]string{
		"init": "Init", "post_upgrade": "PostUpgrade", "pre_upgrade": "PreUpgrade",
		"heartbeat": "Heartbeat", "global_timer": "GlobalTimer", "inspect_message": "InspectMessage",
		"on_low_wasm_memory": "OnLowWasmMemory",
	}[hook]
}
