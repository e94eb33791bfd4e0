package cdk

import (
	"reflect"

	"github.com/icgo/icgo/candid"
	"github.com/icgo/icgo/internal/abi"
)

func marshal(vals []any) ([]byte, error)      { return candid.Marshal(vals) }
func unmarshal(data []byte, ptrs []any) error { return candid.Unmarshal(data, ptrs) }

// checkTypes checks that every type has a Candid mapping (recursive types
// included, which need named definitions).
func checkTypes(name string, ts []reflect.Type) error {
	if _, err := candid.ServiceText([]candid.Method{{Name: name, Args: ts}}, nil); err != nil {
		return err
	}
	// Compile the codecs now, during initialization, which is committed:
	// compiled by a query, they would be thrown away with its state.
	return candid.Prepare(ts)
}

// serviceText renders the .did of the registered methods and the init
// argument types.
func serviceText() (service, initArgs string, err error) {
	ms := make([]candid.Method, 0, len(methods))
	for _, m := range methods {
		if m.internal != nil {
			continue
		}
		mode := candid.Update
		switch m.kind {
		case abi.KindQuery:
			mode = candid.Query
		case abi.KindCompositeQuery:
			mode = candid.CompositeQuery
		}
		ms = append(ms, candid.Method{Name: m.name, Mode: mode, Args: m.handler.args, Results: m.handler.results})
	}
	var init []reflect.Type
	if h := hooks["init"]; h != nil {
		init = h.args
		if initArgs, err = candid.ArgsType(init); err != nil {
			return "", "", err
		}
	}
	service, err = candid.ServiceText(ms, init)
	return service, initArgs, err
}
