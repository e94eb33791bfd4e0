package build

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/icgo/icgo/internal/postproc"
	"github.com/icgo/icgo/internal/validate"
)

// The build cache keeps post-processed canisters by the content of what
// made them: go build's output (itself cached by the go command), the
// options that change post-processing, and the version of icgo doing it.
// A hit skips the describe run, the post-processor and gzip, which are most
// of a warm build.

// cached is what the cache stores for a Result; the report is recomputed.
type cached struct {
	Wasm, Gzip []byte
	Did        string
	Registry   *Registry
	Stats      *postproc.Stats
}

// cacheKey covers every option that changes what fromRaw makes of raw.
func cacheKey(raw []byte, opt Options) string {
	h := sha256.New()
	fmt.Fprintf(h, "icgo %s\x00strip %v\x00init-rand-public %v\x00", toolVersion(), opt.Strip, opt.InitRandPublic)
	for _, e := range opt.Env {
		fmt.Fprintf(h, "env %q\x00", e)
	}
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil))
}

func loadCached(dir, key string, raw []byte) (*Result, bool) {
	b, err := os.ReadFile(filepath.Join(dir, key))
	if err != nil {
		return nil, false
	}
	var c cached
	if gob.NewDecoder(bytes.NewReader(b)).Decode(&c) != nil || c.Registry == nil {
		return nil, false
	}
	report, err := validate.Bytes(c.Wasm)
	if err != nil || report.Err() != nil {
		return nil, false
	}
	return &Result{Raw: raw, Wasm: c.Wasm, Gzip: c.Gzip, Did: c.Did, Registry: c.Registry, Report: report, Stats: c.Stats, fromCache: true}, true
}

// storeCached writes atomically (a temporary file renamed), so concurrent
// builds never read half an entry; a failure only costs the next build.
func storeCached(dir, key string, res *Result) {
	var b bytes.Buffer
	c := cached{Wasm: res.Wasm, Gzip: res.Gzip, Did: res.Did, Registry: res.Registry, Stats: res.Stats}
	if gob.NewEncoder(&b).Encode(&c) != nil || os.MkdirAll(dir, 0o755) != nil {
		return
	}
	f, err := os.CreateTemp(dir, key+".tmp")
	if err != nil {
		return
	}
	_, werr := f.Write(b.Bytes())
	if cerr := f.Close(); werr != nil || cerr != nil {
		os.Remove(f.Name())
		return
	}
	if os.Rename(f.Name(), filepath.Join(dir, key)) != nil {
		os.Remove(f.Name())
	}
}

var toolVersion = sync.OnceValue(func() string {
	v := Version()
	if v != "" && v != "(devel)" {
		return v
	}
	// A development copy (a replace directive, or this repository): the
	// executable's content stands for the code (go test links it anew in a
	// new place on every run, so its path and time say nothing).
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	f, err := os.Open(exe)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unknown"
	}
	return "exe " + hex.EncodeToString(h.Sum(nil))
})

// ModulePath is icgo's module path.
const ModulePath = "github.com/icgo/icgo"

// Version is the version of the icgo module in the running executable:
// a release or pseudo-version, "(devel)" for a development copy, or "" if
// the executable has no build information.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	if info.Main.Path == ModulePath {
		return info.Main.Version
	}
	for _, d := range info.Deps {
		if d.Path == ModulePath {
			if d.Replace != nil {
				return strings.TrimSpace(d.Replace.Version + " (devel)")
			}
			return d.Version + " " + d.Sum
		}
	}
	return ""
}
