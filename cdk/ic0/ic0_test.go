package ic0

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"

	"github.com/icgo/icgo/internal/validate"
	"github.com/icgo/icgo/internal/wasm"
)

// wasmType maps the Go parameter and result types of a //go:wasmimport
// function to their wasm types (Go's wasm32 ABI).
func wasmType(t ast.Expr) (wasm.ValType, bool) {
	switch t := t.(type) {
	case *ast.Ident:
		switch t.Name {
		case "uint32", "int32":
			return wasm.I32, true
		case "uint64", "int64":
			return wasm.I64, true
		}
	case *ast.SelectorExpr:
		if x, ok := t.X.(*ast.Ident); ok && x.Name == "unsafe" && t.Sel.Name == "Pointer" {
			return wasm.I32, true
		}
	}
	return 0, false
}

func fieldTypes(t *testing.T, name string, fl *ast.FieldList) []wasm.ValType {
	var out []wasm.ValType
	if fl == nil {
		return nil
	}
	for _, f := range fl.List {
		vt, ok := wasmType(f.Type)
		if !ok {
			t.Errorf("%s: Go type %s has no wasm32 form here", name, types.ExprString(f.Type))
			continue
		}
		n := max(len(f.Names), 1)
		for range n {
			out = append(out, vt)
		}
	}
	return out
}

// Every //go:wasmimport ic0 function has the signature the IC gives it
// (validate.IC0, wasm32 forms), and its Go name is the import name in
// CamelCase.
func TestImportsMatchSystemAPI(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "ic0_wasip1.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Doc == nil {
			continue
		}
		var module, name string
		for _, c := range fd.Doc.List {
			if rest, ok := strings.CutPrefix(c.Text, "//go:wasmimport "); ok {
				fields := strings.Fields(rest)
				if len(fields) != 2 {
					t.Fatalf("%s: malformed directive %q", fd.Name.Name, c.Text)
				}
				module, name = fields[0], fields[1]
			}
		}
		if module == "" {
			continue
		}
		if module != "ic0" {
			t.Errorf("%s imports from module %q", fd.Name.Name, module)
			continue
		}
		if fd.Body != nil {
			t.Errorf("%s: a //go:wasmimport function has no body", fd.Name.Name)
		}
		if seen[name] {
			t.Errorf("ic0.%s is imported twice", name)
		}
		seen[name] = true
		if got, want := fd.Name.Name, camel(name); got != want {
			t.Errorf("ic0.%s is declared as %s, want %s", name, got, want)
		}
		sig, ok := validate.IC0[name]
		if !ok {
			t.Errorf("%s: ic0.%s is not in the System API", fd.Name.Name, name)
			continue
		}
		want := sig.FuncType(false)
		got := wasm.FuncType{
			Params:  fieldTypes(t, fd.Name.Name, fd.Type.Params),
			Results: fieldTypes(t, fd.Name.Name, fd.Type.Results),
		}
		if !sameTypes(got.Params, want.Params) || !sameTypes(got.Results, want.Results) {
			t.Errorf("%s: Go signature gives ic0.%s the type %v -> %v, the IC's is %v -> %v",
				fd.Name.Name, name, got.Params, got.Results, want.Params, want.Results)
		}
	}
	if len(seen) < 40 {
		t.Fatalf("only %d ic0 imports found; is the parser reading the right file?", len(seen))
	}
}

func sameTypes(a, b []wasm.ValType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// camel turns msg_arg_data_size into MsgArgDataSize.
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "_") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
