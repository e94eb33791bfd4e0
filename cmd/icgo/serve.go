package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/icgo/icgo/replica"
	"github.com/icgo/icgo/serve"
)

const serveUsage = "usage: icgo serve [-addr 127.0.0.1:PORT] [-state DIR] [-clock wall|controlled] [-v]"

// cmdServe runs the IC HTTP interface (package serve) over an embedded
// replica until interrupted.
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("icgo serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:4943", "address to listen on (port 0: any free port)")
	state := fs.String("state", "", "directory that keeps canisters and the ingress history across restarts")
	clock := fs.String("clock", "wall", "wall: the replica's time follows the wall clock and timers fire on it; controlled: time moves only with executions")
	verbose := fs.Bool("v", false, "log every request to standard error")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, serveUsage)
		return exitCode(2)
	}
	var ropts []replica.Option
	var sopts []serve.Option
	switch *clock {
	case "wall":
		ropts = append(ropts, replica.WithWallClock())
		sopts = append(sopts, serve.WithTicker(100*time.Millisecond))
	case "controlled":
	default:
		return fmt.Errorf("serve: -clock %q: use wall or controlled", *clock)
	}
	if *verbose {
		sopts = append(sopts, serve.WithLog(stderr))
	}
	if *state != "" {
		sopts = append(sopts, serve.WithStateDir(*state))
		// Compiled modules are kept too: a restart then loads canisters
		// without compiling them again.
		ropts = append(ropts, replica.WithCompilationCacheDir(filepath.Join(*state, "compiled")))
	}
	start := time.Now()
	r, err := replica.New(ropts...)
	if err != nil {
		return err
	}
	defer r.Close()
	s, err := serve.New(r, sopts...)
	if err != nil {
		return err
	}
	defer s.Close()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w (choose another port with -addr 127.0.0.1:PORT)", err)
	}
	url := "http://" + l.Addr().String()
	fmt.Fprintf(stdout, `icgo serve: listening on %s (ready in %v)
root key: %s

icp.yaml entry for this network:

networks:
  - name: icgo
    mode: connected
    api-url: %s
    root-key: %s
`, url, time.Since(start).Round(time.Millisecond), hex.EncodeToString(s.RootKey()), url, hex.EncodeToString(s.RootKey()))
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return s.Close() // saves the state (-state)
}
