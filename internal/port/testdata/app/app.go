// Package app is a port fixture: ordinary server-side Go.
package app

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	xsync "sync"
	"time"
)

var mu xsync.Mutex

// Save writes a report.
func Save(name string, data []byte) error {
	mu.Lock()
	defer mu.Unlock()
	if err := os.MkdirAll("reports", 0o755); err != nil {
		return err
	}
	return os.WriteFile("reports/"+name, data, 0o644)
}

// Serve starts a server.
func Serve() error {
	ln, err := net.Listen("tcp", ":8080")
	if err != nil {
		return err
	}
	srv := &http.Server{ReadTimeout: time.Second}
	return srv.Serve(ln)
}

// Fetch gets a page.
func Fetch(url string) (*http.Response, error) { return http.Get(url) }

// Version runs git.
func Version() (string, error) {
	out, err := exec.Command("git", "describe").Output()
	return fmt.Sprint(string(out)), err
}
