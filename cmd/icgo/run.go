package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/internal/validate"
	"github.com/icgo/icgo/internal/wasm"
	"github.com/icgo/icgo/replica"
)

func cmdRun(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("icgo run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	hexOut := fs.Bool("hex", false, "print replies as the hex of their raw Candid bytes")
	var env multiFlag
	fs.Var(&env, "env", "NAME=VALUE embedded for os.Getenv when building (repeatable)")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if fs.NArg() < 1 {
		fmt.Fprintln(stderr, "usage: icgo run [-hex] TARGET [METHOD [ARGS]]")
		return exitCode(2)
	}
	target := fs.Arg(0)
	if isModuleFile(target) && len(env) > 0 {
		fmt.Fprintln(stderr, "icgo run: -env only applies when TARGET is a package (a built module already holds its environment)")
		return exitCode(2)
	}
	module, did, err := loadTarget(ctx, target, env)
	if err != nil {
		return err
	}
	s, err := newSession(module, did, *hexOut, stderr)
	if err != nil {
		return err
	}
	s.reload = func() ([]byte, string, error) { return loadTarget(ctx, target, env) }
	defer s.close()
	if fs.NArg() >= 2 {
		line := strings.Join(fs.Args()[1:], " ")
		out, ok := s.exec(line)
		fmt.Fprintln(stdout, out)
		if !ok {
			return exitCode(1)
		}
		return nil
	}
	interactive := isTerminal(stdin)
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	for {
		if interactive {
			fmt.Fprint(stdout, "> ")
		}
		if !sc.Scan() {
			break
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out, _ := s.exec(line)
		fmt.Fprintln(stdout, out)
	}
	return sc.Err()
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// isModuleFile reports whether the run target names a module file rather
// than a package.
func isModuleFile(target string) bool {
	return strings.HasSuffix(target, ".wasm") || strings.HasSuffix(target, ".wasm.gz")
}

// loadTarget reads a .wasm[.gz] file or builds a package.
func loadTarget(ctx context.Context, target string, env []string) (module []byte, did string, err error) {
	if isModuleFile(target) {
		module, err = validate.ReadModuleFile(target)
		if err != nil {
			return nil, "", err
		}
		plain, err := validate.Decompress(module)
		if err != nil {
			return nil, "", fmt.Errorf("%s is not a wasm module: %s", target, strings.TrimPrefix(err.Error(), "validate: "))
		}
		m, err := wasm.Decode(plain)
		if err != nil {
			return nil, "", fmt.Errorf("%s is not a wasm module: %w", target, err)
		}
		if b, ok := m.Custom("icp:public candid:service"); ok {
			did = string(b)
		}
		return module, did, nil
	}
	res, err := build.Build(ctx, build.Options{Pkg: target, Env: env})
	if err != nil {
		return nil, "", err
	}
	return res.Gzip, res.Did, nil
}

// session is one canister installed in a fresh replica.
type session struct {
	r      *replica.Replica
	id     replica.CanisterID
	svc    *candidtext.Service
	kinds  map[string]string // method name -> "query", "update", "composite_query"
	hexOut bool
	logs   io.Writer // warnings and the canister's log
	// reload reads or rebuilds the target, for :upgrade.
	reload func() (module []byte, did string, err error)
}

func newSession(module []byte, did string, hexOut bool, logs io.Writer) (*session, error) {
	plain, err := validate.Decompress(module)
	if err != nil {
		return nil, err
	}
	m, err := wasm.Decode(plain)
	if err != nil {
		return nil, err
	}
	s := &session{hexOut: hexOut, logs: logs}
	s.setKinds(m)
	s.svc = s.parseDID(did)
	s.r, err = replica.New(replica.WithLogOutput(logs))
	if err != nil {
		return nil, err
	}
	s.id, err = s.r.CreateCanister()
	if err != nil {
		s.r.Close()
		return nil, fmt.Errorf("creating the canister: %w", err)
	}
	if err := s.r.Install(s.id, module, nil); err != nil {
		s.r.Close()
		return nil, fmt.Errorf("installing the canister: %w", err)
	}
	return s, nil
}

func (s *session) close() { s.r.Close() }

// parseDID parses the module's Candid interface; one that does not parse
// gives a warning and nil (arguments are then encoded without types).
func (s *session) parseDID(did string) *candidtext.Service {
	if did == "" {
		return nil
	}
	svc, err := candidtext.ParseDID(did)
	if err != nil {
		fmt.Fprintf(s.logs, "warning: the module's Candid interface does not parse (%v); arguments are encoded without types\n", err)
		return nil
	}
	return svc
}

// setKinds records the kind of each exported method.
func (s *session) setKinds(m *wasm.Module) {
	s.kinds = map[string]string{}
	for _, e := range m.Exports {
		for _, k := range []string{"query", "update", "composite_query"} {
			if name, ok := strings.CutPrefix(e.Name, "canister_"+k+" "); ok {
				s.kinds[name] = k
			}
		}
	}
}

// readKinds decodes a module (raw or gzip) and records its methods.
func (s *session) readKinds(module []byte) error {
	plain, err := validate.Decompress(module)
	if err != nil {
		return err
	}
	m, err := wasm.Decode(plain)
	if err != nil {
		return err
	}
	s.setKinds(m)
	return nil
}

// exec runs one `METHOD ARGS` line and returns what to print, and whether
// the call was replied.
func (s *session) exec(line string) (string, bool) {
	if strings.HasPrefix(line, ":") {
		return s.command(line)
	}
	method, argText, _ := strings.Cut(strings.TrimSpace(line), " ")
	argText = strings.TrimSpace(argText)
	kind, ok := s.kinds[method]
	if !ok {
		return fmt.Sprintf("error: the canister has no method %q (it has: %s)", method, strings.Join(s.methodNames(), ", ")), false
	}
	var argTypes, resTypes []*candidtext.Type
	if s.svc != nil {
		if m, ok := s.svc.Method(method); ok {
			argTypes, resTypes = m.Args, m.Results
		}
	}
	arg, err := encodeArgs(argText, argTypes, s.parseArgs)
	if err != nil {
		return "error: " + err.Error(), false
	}
	var res *replica.Result
	if kind == "update" {
		res, err = s.r.Update(s.id, method, arg)
	} else {
		res, err = s.r.Query(s.id, method, arg)
	}
	if err != nil {
		return "error: " + err.Error(), false
	}
	if res.Reject != nil {
		return fmt.Sprintf("reject (code %d): %s", res.Reject.Code, res.Reject.Message), false
	}
	if s.hexOut {
		return hex.EncodeToString(res.Reply), true
	}
	text, err := candidtext.Decode(res.Reply, resTypes)
	if err != nil {
		return fmt.Sprintf("reply (not valid Candid: %v): %x", err, res.Reply), true
	}
	return text, true
}

const commandHelp = `commands:
  METHOD [ARGS]     call METHOD with Candid ARGS, e.g. greet ("world")
  :upgrade [ARGS]   rebuild (or re-read) the target and upgrade the canister, with Candid ARGS
  :advance DURATION advance the replica's clock (e.g. 10s, 1h) and run one round
  :tick [N]         run N rounds (default 1): queued messages, timers, heartbeats
  :logs             print the canister's log
  :help             this text`

// command runs a ":..." line.
func (s *session) command(line string) (string, bool) {
	name, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	rest = strings.TrimSpace(rest)
	fail := func(err error) (string, bool) { return "error: " + err.Error(), false }
	switch name {
	case ":help":
		return commandHelp, true
	case ":upgrade":
		module, did, err := s.reload()
		if err != nil {
			return fail(err)
		}
		var initTypes []*candidtext.Type
		svc := s.parseDID(did)
		if svc != nil {
			initTypes = svc.InitArgs
		}
		arg, err := encodeArgs(rest, initTypes, s.parseArgs)
		if err != nil {
			return fail(err)
		}
		if err := s.r.Upgrade(s.id, module, arg); err != nil {
			return fail(fmt.Errorf("upgrade: %w", err))
		}
		s.svc = svc // nil when the new interface does not parse: no stale types
		if err := s.readKinds(module); err != nil {
			return fail(err)
		}
		return "upgraded", true
	case ":advance":
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return fail(fmt.Errorf(":advance takes a positive duration such as 10s or 1h30m, got %q", rest))
		}
		if err := s.r.AdvanceTime(d); err != nil {
			return fail(err)
		}
		if err := s.r.Tick(); err != nil {
			return fail(err)
		}
		return "time " + s.r.Time().UTC().Format(time.RFC3339Nano), true
	case ":tick":
		n := 1
		if rest != "" {
			v, err := strconv.Atoi(rest)
			if err != nil || v < 1 {
				return fail(fmt.Errorf(":tick takes a positive number of rounds, got %q", rest))
			}
			n = v
		}
		if err := s.r.TickN(n); err != nil {
			return fail(err)
		}
		return fmt.Sprintf("ran %d round(s)", n), true
	case ":logs":
		logs, err := s.r.Logs(s.id)
		if err != nil {
			return fail(err)
		}
		var b strings.Builder
		for i, l := range logs {
			if i > 0 {
				b.WriteByte('\n')
			}
			fmt.Fprintf(&b, "%d %s %s", l.Index, l.Time.UTC().Format(time.RFC3339Nano), l.Message)
		}
		if b.Len() == 0 {
			return "(no log entries)", true
		}
		return b.String(), true
	}
	return fmt.Sprintf("error: unknown command %s\n%s", name, commandHelp), false
}

// parseArgs parses Candid text, resolving type names of the .did in
// annotations.
func (s *session) parseArgs(text string) ([]candidtext.Value, error) {
	if s.svc != nil {
		return s.svc.ParseArgs(text)
	}
	return candidtext.ParseArgs(text)
}

func (s *session) methodNames() []string {
	var names []string
	for n := range s.kinds {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func encodeArgs(text string, types []*candidtext.Type, parse func(string) ([]candidtext.Value, error)) ([]byte, error) {
	if h, ok := strings.CutPrefix(text, "0x"); ok {
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("raw argument %q is not hex: %w", text, err)
		}
		if !bytes.HasPrefix(b, []byte("DIDL")) {
			return nil, errors.New("raw argument does not start with DIDL (4449444c): give the hex of a whole Candid message")
		}
		return b, nil
	}
	if text == "" {
		text = "()"
	}
	vals, err := parse(text)
	if err != nil {
		return nil, fmt.Errorf("arguments %s: %w", text, err)
	}
	return candidtext.Encode(vals, types)
}
