// Package wattest gives tests WebAssembly modules written in the text
// format, without needing wabt on the machine.
//
// Each module is assembled once with wat2wasm (Debian package wabt) and the
// binary is committed under the calling package's testdata/wat directory,
// named by a hash of the source and the wat2wasm flags. Where wat2wasm is on
// PATH, every use assembles the source again and checks that the committed
// binary is the same (a missing one is written, so that a new test's fixture
// appears beside it, to be committed; .ci/run fails on uncommitted
// fixtures). Where wat2wasm is missing, the committed binary is used as is.
package wattest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Dir is where the fixtures live, relative to the test's package directory.
const Dir = "testdata/wat"

var cache sync.Map // fixture path -> []byte

// Wasm returns the binary for the module src, assembled with wat2wasm and
// the given flags; it fails tb if the fixture is missing or out of sync.
func Wasm(tb testing.TB, src string, flags ...string) []byte {
	tb.Helper()
	b, err := Assemble(src, flags...)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Assemble is Wasm for callers without a testing.TB (examples).
func Assemble(src string, flags ...string) ([]byte, error) {
	path := Path(src, flags...)
	if b, ok := cache.Load(path); ok {
		return b.([]byte), nil
	}
	committed, readErr := os.ReadFile(path)
	tool, lookErr := exec.LookPath("wat2wasm")
	switch {
	case lookErr != nil && readErr != nil:
		return nil, fmt.Errorf("wattest: fixture %s is missing and wat2wasm is not on PATH: install wabt (apt-get install -y wabt) and run the test once to write it", path)
	case lookErr != nil:
		cache.Store(path, committed)
		return committed, nil
	}
	fresh, err := run(tool, src, flags)
	if err != nil {
		return nil, err
	}
	switch {
	case errors.Is(readErr, fs.ErrNotExist):
		if err := write(path, fresh); err != nil {
			return nil, err
		}
	case readErr != nil:
		return nil, readErr
	case !bytes.Equal(committed, fresh):
		return nil, fmt.Errorf("wattest: %s differs from what wat2wasm assembles now: delete it, rerun the test and commit the new fixture", path)
	}
	cache.Store(path, fresh)
	return fresh, nil
}

// Path is the fixture file for src assembled with flags.
func Path(src string, flags ...string) string {
	h := sha256.Sum256([]byte(strings.Join(flags, " ") + "\x00" + src))
	return filepath.Join(Dir, hex.EncodeToString(h[:10])+".wasm")
}

func run(tool, src string, flags []string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "wattest")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "m.wat"), filepath.Join(dir, "m.wasm")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		return nil, err
	}
	args := append(append([]string{}, flags...), in, "-o", out)
	if msg, err := exec.Command(tool, args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("wat2wasm: %v\n%s", err, msg)
	}
	return os.ReadFile(out)
}

func write(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
