package port

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"

	"github.com/icgo/icgo/internal/build"
)

// Reasons a use cannot work in a canister, and what to use instead.
const (
	whyFSWrite = "writes to the file system: a canister has none (WASI file calls fail); keep data in Go variables, and in stable memory to survive upgrades"
	whyFSRead  = "reads the file system: a canister has none (WASI file calls fail); embed read-only data with //go:embed"
	whyExec    = "starts a process: a canister cannot (os/exec fails); do the work in Go, or call another canister"
	whySignal  = "waits for OS signals: a canister gets none"
	whyListen  = "listens on a socket: a canister cannot accept connections; export methods with cdk.Update and cdk.Query (the IC's HTTP gateway calls a canister's http_request query)"
	whyServer  = "runs an HTTP server: a canister cannot accept connections; export methods with cdk.Update and cdk.Query (the IC's HTTP gateway calls a canister's http_request query)"
	whyDial    = "opens a network connection: a canister cannot (sockets fail); make HTTPS requests with icstd/http, or give net/http the outcall transport of icstd/http/nethttp"
	whyClient  = "makes requests with net/http's default transport, which dials and fails in a canister: call nethttp.Install(nethttp.Transport{...}) in init, or give the client a Transport: nethttp.Transport{...} (icstd/http/nethttp)"
	whyPlugin  = "loads plugins: there are none on wasip1"
	whyCgo     = `cgo: there is no C toolchain for GOOS=wasip1 and icgo builds with CGO_ENABLED=0, so this file is left out of the canister; use a pure-Go package`
)

// uses maps an import path and a name it exports ("*" for any) to why a
// use cannot work.
var uses = map[string]map[string]string{
	"os": {
		"Create": whyFSWrite, "OpenFile": whyFSWrite, "WriteFile": whyFSWrite, "Mkdir": whyFSWrite,
		"MkdirAll": whyFSWrite, "MkdirTemp": whyFSWrite, "CreateTemp": whyFSWrite, "Remove": whyFSWrite,
		"RemoveAll": whyFSWrite, "Rename": whyFSWrite, "Chmod": whyFSWrite, "Chown": whyFSWrite,
		"Chtimes": whyFSWrite, "Link": whyFSWrite, "Symlink": whyFSWrite, "Truncate": whyFSWrite,
		"Open": whyFSRead, "ReadFile": whyFSRead, "ReadDir": whyFSRead, "Stat": whyFSRead,
		"Lstat": whyFSRead, "DirFS": whyFSRead, "StartProcess": whyExec,
	},
	"io/ioutil": {
		"WriteFile": whyFSWrite, "TempFile": whyFSWrite, "TempDir": whyFSWrite,
		"ReadFile": whyFSRead, "ReadDir": whyFSRead,
	},
	"os/exec":   {"*": whyExec},
	"os/signal": {"*": whySignal},
	"plugin":    {"*": whyPlugin},
	"net": {
		"Listen": whyListen, "ListenPacket": whyListen, "ListenTCP": whyListen, "ListenUDP": whyListen,
		"ListenUnix": whyListen, "ListenIP": whyListen, "ListenMulticastUDP": whyListen, "ListenConfig": whyListen,
		"Dial": whyDial, "DialTimeout": whyDial, "DialTCP": whyDial, "DialUDP": whyDial, "DialIP": whyDial,
		"DialUnix": whyDial, "Dialer": whyDial,
	},
	"crypto/tls": {"Dial": whyDial, "DialWithDialer": whyDial, "Dialer": whyDial, "Listen": whyListen, "NewListener": whyListen},
	"net/http": {
		"ListenAndServe": whyServer, "ListenAndServeTLS": whyServer, "Serve": whyServer, "ServeTLS": whyServer, "Server": whyServer,
		"Get": whyClient, "Head": whyClient, "Post": whyClient, "PostForm": whyClient, "DefaultClient": whyClient,
	},
}

const cdkPath = "github.com/icgo/icgo/cdk"

// check reports the uses in one file that cannot work in a canister. A
// file the build leaves out (built false) is checked for import "C" only.
func check(name string, src []byte, built bool) ([]Diag, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	c := &checker{fset: fset, names: map[string]string{}}
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			return nil, err
		}
		if p == "C" {
			c.report(imp.Pos(), `import "C": `+whyCgo)
			continue
		}
		local := build.ImportName(p)
		if imp.Name != nil {
			local = imp.Name.Name
		}
		c.names[local] = p
		if p == build.NetHTTPPackage {
			c.nethttp = true
		}
	}
	if !built {
		return c.diags, nil
	}
	funcs := map[string]*ast.FuncDecl{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
			funcs[fd.Name.Name] = fd
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			c.selector(n)
		case *ast.CallExpr:
			c.queryHandler(n, funcs)
		}
		return true
	})
	sort.SliceStable(c.diags, func(i, j int) bool { return c.diags[i].pos < c.diags[j].pos })
	return c.diags, nil
}

type checker struct {
	fset    *token.FileSet
	names   map[string]string // local package name -> import path
	nethttp bool              // the file imports icstd/http/nethttp
	diags   []Diag
}

func (c *checker) report(pos token.Pos, msg string) {
	p := c.fset.Position(pos)
	c.diags = append(c.diags, Diag{Pos: fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column), Msg: msg, pos: pos})
}

// pkgSel returns the import path and name of pkg.Name, if x is one.
func (c *checker) pkgSel(x ast.Expr) (string, string, bool) {
	sel, ok := x.(*ast.SelectorExpr)
	if !ok {
		return "", "", false
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return "", "", false
	}
	p, ok := c.names[id.Name]
	return p, sel.Sel.Name, ok
}

func (c *checker) selector(sel *ast.SelectorExpr) {
	p, name, ok := c.pkgSel(sel)
	if !ok {
		return
	}
	why, ok := uses[p][name]
	if !ok {
		why, ok = uses[p]["*"]
	}
	if !ok || why == whyClient && c.nethttp {
		return
	}
	c.report(sel.Pos(), build.ImportName(p)+"."+name+" "+why)
}

// queryHandler checks the handler of cdk.Query and cdk.CompositeQuery (a
// function literal, or a function of this file) for waits.
func (c *checker) queryHandler(call *ast.CallExpr, funcs map[string]*ast.FuncDecl) {
	p, name, ok := c.pkgSel(call.Fun)
	if !ok || p != cdkPath || (name != "Query" && name != "CompositeQuery") || len(call.Args) != 2 {
		return
	}
	method := "a query"
	if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
		method = "query " + lit.Value
	}
	var body *ast.BlockStmt
	switch h := call.Args[1].(type) {
	case *ast.FuncLit:
		body = h.Body
	case *ast.Ident:
		if fd := funcs[h.Name]; fd != nil {
			body = fd.Body
		}
	}
	if body == nil {
		return
	}
	why := func(what string) string {
		return "blocking wait in " + method + ": " + what + " can wait, and a query cannot (its execution must finish: the call is rejected); do it in an update (cdk.Update)"
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false // runs later, or on another goroutine
		case *ast.GoStmt:
			return false
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				c.report(n.Pos(), why("a channel receive"))
			}
		case *ast.SendStmt:
			c.report(n.Pos(), why("a channel send"))
		case *ast.SelectStmt:
			if !hasDefault(n) {
				c.report(n.Pos(), why("select without default"))
			}
			return false
		case *ast.CallExpr:
			if p, name, ok := c.pkgSel(n.Fun); ok {
				if name == "Sleep" && (p == "time" || p == cdkPath || p == build.SwapTargets["time"]) {
					c.report(n.Pos(), why(build.ImportName(p)+".Sleep"))
				}
				return true
			}
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				switch sel.Sel.Name {
				case "Lock", "RLock", "Wait":
					recv := "..."
					if id, ok := sel.X.(*ast.Ident); ok {
						recv = id.Name
					}
					c.report(n.Pos(), why(recv+"."+sel.Sel.Name+"()"))
				}
			}
		}
		return true
	})
}

func hasDefault(s *ast.SelectStmt) bool {
	for _, cc := range s.Body.List {
		if cc.(*ast.CommClause).Comm == nil {
			return true
		}
	}
	return false
}
