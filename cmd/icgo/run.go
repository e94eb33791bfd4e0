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
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/internal/validate"
	"github.com/icgo/icgo/internal/wasm"
	"github.com/icgo/icgo/principal"
	"github.com/icgo/icgo/replica"
)

const runUsage = `usage: icgo run [flags] TARGET [METHOD [ARGS]]

Installs TARGET (a package, built first, or a .wasm[.gz] file) in a fresh
embedded replica and calls METHOD with Candid ARGS, or reads "METHOD ARGS"
lines and ":commands" from standard input (:help lists them).

flags:
`

func cmdRun(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("icgo run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, runUsage); fs.PrintDefaults() }
	var o sessionOptions
	fs.BoolVar(&o.hexOut, "hex", false, "print replies as the hex of their raw Candid bytes")
	fs.StringVar(&o.initArg, "arg", "", "install argument: Candid text typed by the .did's init args, or 0x... raw bytes")
	fs.StringVar(&o.caller, "caller", "", "principal that sends the calls (default the anonymous principal); :as changes it")
	fs.StringVar(&o.httpMock, "http-mock", "", "JSON file of outcall responses per URL (see icgo run -h-mock)")
	fs.StringVar(&o.caCert, "cacert", "", "PEM file of CA certificates that outcalls trust (else the system's)")
	fs.Uint64Var(&o.cycles, "cycles", 0, "cycles attached to each update call (what the canister does not accept comes back); on the IC users send cycles through a canister")
	fs.BoolVar(&o.showLog, "log", false, "print the canister's log as it is written (else :logs shows it)")
	fs.StringVar(&o.profile, "profile", "", "write the instructions by Wasm function of each call's last execution to `FILE` (pprof format, for go tool pprof; a table if FILE ends in .txt)")
	var env multiFlag
	fs.Var(&env, "env", "NAME=VALUE embedded for os.Getenv when building (repeatable)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return exitCode(2)
	}
	target := fs.Arg(0)
	if isModuleFile(target) && len(env) > 0 {
		fmt.Fprintln(stderr, "icgo run: -env only applies when TARGET is a package (a built module already holds its environment)")
		return exitCode(2)
	}
	module, did, err := loadTarget(ctx, target, env, stderr)
	if err != nil {
		return err
	}
	o.logs = stderr
	s, err := newSession(module, did, o)
	if err != nil {
		return err
	}
	s.reload = func() ([]byte, string, error) { return loadTarget(ctx, target, env, stderr) }
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
	return s.repl(stdin, stdout)
}

// repl reads lines until the input ends or :quit, printing a prompt only
// when the input is a terminal.
func (s *session) repl(stdin io.Reader, stdout io.Writer) error {
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
		if line == ":quit" || line == ":q" {
			break
		}
		out, _ := s.exec(line)
		fmt.Fprintln(stdout, out)
	}
	return sc.Err()
}

// isTerminal reports whether r is a terminal: a character device other
// than /dev/null (which is one too).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(st, null)
}

// isModuleFile reports whether the run target names a module file rather
// than a package.
func isModuleFile(target string) bool {
	return strings.HasSuffix(target, ".wasm") || strings.HasSuffix(target, ".wasm.gz")
}

// loadTarget reads a .wasm[.gz] file or builds a package, printing the
// build's notes (swapped imports) to notes.
func loadTarget(ctx context.Context, target string, env []string, notes io.Writer) (module []byte, did string, err error) {
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
	res, err := build.Build(ctx, build.Options{Pkg: target, Env: env, CacheDir: userCacheDir("build")})
	if err != nil {
		return nil, "", err
	}
	for _, n := range res.Notes {
		fmt.Fprintln(notes, "icgo:", n)
	}
	return res.Gzip, res.Did, nil
}

// sessionOptions are icgo run's flags that shape a session.
type sessionOptions struct {
	hexOut   bool
	initArg  string // Candid text or 0x hex
	caller   string // textual principal
	httpMock string // file of mocked outcall responses
	caCert   string // PEM file of trusted CAs for outcalls
	showLog  bool   // stream the canister log to logs
	profile  string // file for the instruction profile of each call
	cycles   uint64 // attached to each update
	logs     io.Writer
}

// session is one canister installed in a fresh replica.
type session struct {
	r      *replica.Replica
	id     replica.CanisterID
	svc    *candidtext.Service
	kinds  map[string]string // method name -> "query", "update", "composite_query"
	hexOut bool
	cycles uint64    // attached to each update (-cycles)
	logs   io.Writer // warnings (and the canister's log with -log)
	// profile is the file that each method call's instruction profile
	// overwrites (-profile).
	profile string
	caller  principal.Principal
	// pending are updates that did not answer within their round budget,
	// by message id, printed when they answer.
	pending map[replica.MessageID]pendingCall
	// reload reads or rebuilds the target, for :upgrade.
	reload func() (module []byte, did string, err error)
}

type pendingCall struct {
	method   string
	resTypes []*candidtext.Type
}

// roundsPerCall is how many rounds a call may take before it is shown as
// pending: enough for calls to other canisters and raw_rand, not for a
// wait on the clock, which only :advance moves.
const roundsPerCall = 20

func newSession(module []byte, did string, o sessionOptions) (*session, error) {
	plain, err := validate.Decompress(module)
	if err != nil {
		return nil, err
	}
	m, err := wasm.Decode(plain)
	if err != nil {
		return nil, err
	}
	s := &session{hexOut: o.hexOut, cycles: o.cycles, logs: o.logs, profile: o.profile, pending: map[replica.MessageID]pendingCall{}}
	if s.caller, err = parseCaller(o.caller); err != nil {
		return nil, err
	}
	s.setKinds(m)
	s.svc = s.parseDID(did)
	initArg, err := s.initArg(o.initArg)
	if err != nil {
		return nil, err
	}
	ropts, err := replicaOptions(o)
	if err != nil {
		return nil, err
	}
	if s.r, err = replica.New(ropts...); err != nil {
		return nil, err
	}
	if err := s.install(module, initArg, o.httpMock); err != nil {
		s.r.Close()
		return nil, err
	}
	return s, nil
}

func (s *session) install(module, initArg []byte, httpMock string) error {
	if httpMock != "" {
		mock, err := loadHTTPMock(httpMock)
		if err != nil {
			return err
		}
		s.r.MockHTTP(mock)
	}
	var err error
	if s.id, err = s.r.CreateCanister(); err != nil {
		return fmt.Errorf("creating the canister: %w", err)
	}
	// Installed by the anonymous principal, the canister's controller;
	// -caller and :as choose who sends the calls.
	if err := s.r.Install(s.id, module, initArg); err != nil {
		return fmt.Errorf("installing the canister: %w", err)
	}
	return nil
}

// replicaOptions are the replica's options for a session: a persistent
// compilation cache, the log, and the trusted CAs for outcalls.
func replicaOptions(o sessionOptions) ([]replica.Option, error) {
	opts := []replica.Option{replica.WithLogOutput(io.Discard)}
	if o.showLog {
		opts[0] = replica.WithLogOutput(o.logs)
	}
	if o.profile != "" {
		opts = append(opts, replica.WithProfiling())
	}
	if o.caCert != "" {
		client, err := httpClientTrusting(o.caCert)
		if err != nil {
			return nil, err
		}
		opts = append(opts, replica.WithHTTPClient(client))
	}
	return opts, nil
}

// initArg encodes the install argument, typed by the .did's init args.
func (s *session) initArg(text string) ([]byte, error) {
	if text == "" {
		return nil, nil
	}
	var types []*candidtext.Type
	if s.svc != nil {
		types = s.svc.InitArgs
	}
	arg, err := encodeArgs(text, types, s.parseArgs)
	if err != nil {
		return nil, fmt.Errorf("-arg: %w", err)
	}
	return arg, nil
}

func parseCaller(text string) (principal.Principal, error) {
	if text == "" {
		return principal.FromBytes([]byte{0x04}), nil // anonymous
	}
	p, err := principal.Decode(text)
	if err != nil {
		return p, fmt.Errorf("caller %q is not a textual principal: %w", text, err)
	}
	return p, nil
}

func (s *session) callOpts() []replica.CallOption {
	return []replica.CallOption{replica.WithCaller(s.caller)}
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
// the call was replied. Replies to earlier pending updates that arrived in
// the meantime come first.
func (s *session) exec(line string) (string, bool) {
	out, ok := s.execLine(line)
	if late := s.answered(); late != "" {
		out = strings.TrimSuffix(out, "\n") + "\n" + late
	}
	return out, ok
}

func (s *session) execLine(line string) (string, bool) {
	if strings.HasPrefix(line, ":") {
		return s.command(line)
	}
	out, ok := s.call(line)
	if err := s.writeProfile(); err != nil {
		out, ok = out+"\nerror: writing the profile: "+err.Error(), false
	}
	return out, ok
}

// writeProfile writes the instruction profile of the canister's last
// execution to the -profile file, if any.
func (s *session) writeProfile() error {
	if s.profile == "" {
		return nil
	}
	p, err := s.r.LastProfile(s.id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if strings.HasSuffix(s.profile, ".txt") {
		err = p.WriteText(&buf)
	} else {
		err = p.WritePprof(&buf)
	}
	if err != nil {
		return err
	}
	return os.WriteFile(s.profile, buf.Bytes(), 0o644)
}

// call runs one "METHOD ARGS" line.
func (s *session) call(line string) (string, bool) {
	method, argText, _ := strings.Cut(strings.TrimSpace(line), " ")
	argText = strings.TrimSpace(argText)
	kind, ok := s.kinds[method]
	if !ok {
		return fmt.Sprintf("error: the canister has no method %q%s (it has: %s)", method, didYouMean(method, s.methodNames()), strings.Join(s.methodNames(), ", ")), false
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
	if kind != "update" {
		res, err := s.r.Query(s.id, method, arg, s.callOpts()...)
		if err != nil {
			return "error: " + err.Error(), false
		}
		return s.format(res, resTypes)
	}
	mid, err := s.r.SubmitUpdate(s.id, method, arg, append(s.callOpts(), replica.WithCallCycles(s.cycles))...)
	if err != nil {
		return "error: " + err.Error(), false
	}
	res, err := s.await(mid, roundsPerCall)
	if err != nil {
		return "error: " + err.Error(), false
	}
	if res == nil {
		s.pending[mid] = pendingCall{method: method, resTypes: resTypes}
		return fmt.Sprintf("pending: %s is call %d; its reply is printed when it arrives (:advance moves the clock, :await %d waits)", method, mid, mid), true
	}
	return s.format(res, resTypes)
}

// await runs up to rounds rounds until update mid answers; nil if it has
// not answered by then.
func (s *session) await(mid replica.MessageID, rounds int) (*replica.Result, error) {
	for i := 0; ; i++ {
		res, done, err := s.r.IngressStatus(mid)
		if err != nil || done {
			return res, err
		}
		if i == rounds {
			return nil, nil
		}
		if err := s.r.Tick(); err != nil {
			return nil, err
		}
	}
}

// answered prints the replies of pending updates that have answered.
func (s *session) answered() string {
	var b strings.Builder
	for _, mid := range slices.Sorted(maps.Keys(s.pending)) {
		res, done, err := s.r.IngressStatus(mid)
		if err == nil && !done {
			continue
		}
		pc := s.pending[mid]
		delete(s.pending, mid)
		out := "error: " + fmt.Sprint(err)
		if err == nil {
			out, _ = s.format(res, pc.resTypes)
		}
		fmt.Fprintf(&b, "call %d (%s) answered: %s\n", mid, pc.method, out)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// format renders a call's result.
func (s *session) format(res *replica.Result, resTypes []*candidtext.Type) (string, bool) {
	if res.Reject != nil {
		return fmt.Sprintf("reject (code %d): %s", res.Reject.Code, res.Reject.Message), false
	}
	if res.Refunded != 0 {
		fmt.Fprintf(s.logs, "%d of the attached cycles came back\n", res.Refunded)
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
  :as PRINCIPAL     send the next calls as PRINCIPAL (anonymous: 2vxsx-fae)
  :await ID         run rounds until pending update ID answers
  :quit             end the session (as does the end of the input)
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
		out := "upgraded"
		if s.svc != nil && svc != nil {
			for _, b := range candidtext.UpgradeBreaks(s.svc, svc) {
				out += "\nwarning: the new interface breaks callers: " + b
			}
		}
		s.svc = svc // nil when the new interface does not parse: no stale types
		if err := s.readKinds(module); err != nil {
			return fail(err)
		}
		return out, true
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
	case ":as":
		p, err := parseCaller(rest)
		if err != nil || rest == "" {
			return fail(fmt.Errorf(":as takes a textual principal, e.g. :as 2vxsx-fae (%v)", err))
		}
		s.caller = p
		return "calls are sent as " + p.String(), true
	case ":await":
		return s.awaitCommand(rest)
	}
	return fmt.Sprintf("error: unknown command %s%s\n%s", name, didYouMean(name, commandNames), commandHelp), false
}

var commandNames = []string{":upgrade", ":advance", ":tick", ":logs", ":as", ":await", ":quit", ":help"}

// awaitCommand runs rounds until a pending update answers.
func (s *session) awaitCommand(arg string) (string, bool) {
	id, err := strconv.ParseUint(arg, 10, 64)
	pc, ok := s.pending[replica.MessageID(id)]
	if err != nil || !ok {
		return fmt.Sprintf("error: :await takes the id of a pending call (pending: %v)", slices.Sorted(maps.Keys(s.pending))), false
	}
	mid := replica.MessageID(id)
	res, err := s.await(mid, 100)
	if err != nil {
		return "error: " + err.Error(), false
	}
	if res == nil {
		return fmt.Sprintf("call %d (%s) is still pending after 100 rounds: it waits for the clock (:advance DURATION) or for another call", mid, pc.method), false
	}
	delete(s.pending, mid)
	return s.format(res, pc.resTypes)
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
