package compat

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// ThirdParty is the nested module (compat-tests/thirdparty/go.mod) that
// pins the third-party libraries, so that icgo's own module does not
// depend on them.
const ThirdParty = "thirdparty"

// StdOverrides adjust standard library targets (a note, a test selection);
// every other package that `go list std` reports with tests for wasip1
// runs as it is (StdTargets).
var StdOverrides = map[string]Target{
	"context":       {Note: "timers and deadlines"},
	"sync":          {Note: "goroutines, some with timeouts"},
	"crypto/rand":   {Note: "needs secure randomness"},
	"compress/gzip": {Note: "tests read testdata files"},
}

// Third lists third-party libraries, resolved in the ThirdParty module.
// To add one: `go get` it in compat-tests/thirdparty, import it in
// thirdparty/deps.go, and add one line here.
var Third = []Target{
	{Pkg: "golang.org/x/exp/slices", Module: ThirdParty},
	{Pkg: "golang.org/x/exp/maps", Module: ThirdParty},
	// encoding
	{Pkg: "gopkg.in/yaml.v3", Module: ThirdParty},
	{Pkg: "github.com/goccy/go-yaml", Module: ThirdParty},
	{Pkg: "github.com/BurntSushi/toml", Module: ThirdParty},
	{Pkg: "github.com/pelletier/go-toml/v2", Module: ThirdParty},
	{Pkg: "github.com/vmihailenco/msgpack/v5", Module: ThirdParty},
	{Pkg: "github.com/fxamacker/cbor/v2", Module: ThirdParty},
	{Pkg: "google.golang.org/protobuf/encoding/protowire", Module: ThirdParty},
	// parsing
	{Pkg: "github.com/alecthomas/participle/v2", Module: ThirdParty},
	{Pkg: "github.com/expr-lang/expr", Module: ThirdParty},
	{Pkg: "github.com/gobwas/glob", Module: ThirdParty},
	// math and decimals
	{Pkg: "github.com/shopspring/decimal", Module: ThirdParty},
	{Pkg: "github.com/cockroachdb/apd/v3", Module: ThirdParty},
	{Pkg: "github.com/bits-and-blooms/bitset", Module: ThirdParty},
	// text and templates
	{Pkg: "github.com/Masterminds/sprig/v3", Module: ThirdParty},
	{Pkg: "github.com/yuin/goldmark", Module: ThirdParty},
	{Pkg: "github.com/dustin/go-humanize", Module: ThirdParty},
	{Pkg: "github.com/mattn/go-runewidth", Module: ThirdParty},
	// validation and versions
	{Pkg: "github.com/go-playground/validator/v10", Module: ThirdParty},
	{Pkg: "github.com/Masterminds/semver/v3", Module: ThirdParty},
	{Pkg: "github.com/hashicorp/go-version", Module: ThirdParty},
	// crypto and hashing
	{Pkg: "github.com/cespare/xxhash/v2", Module: ThirdParty},
	{Pkg: "github.com/zeebo/blake3", Module: ThirdParty},
	// ids
	{Pkg: "github.com/google/uuid", Module: ThirdParty},
	{Pkg: "github.com/oklog/ulid/v2", Module: ThirdParty},
	{Pkg: "github.com/rs/xid", Module: ThirdParty},
	{Pkg: "github.com/segmentio/ksuid", Module: ThirdParty},
	// time and scheduling
	{Pkg: "github.com/robfig/cron/v3", Module: ThirdParty},
	// caching
	{Pkg: "github.com/hashicorp/golang-lru/v2", Module: ThirdParty},
	{Pkg: "github.com/patrickmn/go-cache", Module: ThirdParty},
	// JSON querying
	{Pkg: "github.com/tidwall/gjson", Module: ThirdParty},
	{Pkg: "github.com/tidwall/sjson", Module: ThirdParty},
	{Pkg: "github.com/itchyny/gojq", Module: ThirdParty},
	// compression
	{Pkg: "github.com/golang/snappy", Module: ThirdParty},
	{Pkg: "github.com/pierrec/lz4/v4", Module: ThirdParty},
	{Pkg: "github.com/ulikunitz/xz", Module: ThirdParty},
	{Pkg: "github.com/andybalholm/brotli", Module: ThirdParty},
}

// Fast is the subset `.ci/run` runs (go run ./compat-tests/cmd/matrix
// -fast): quick packages that cover each outcome and embedded testdata.
var Fast = []string{"strings", "text/template", "context", "crypto/rand", "github.com/google/uuid", "github.com/tidwall/gjson"}

// StdTargets lists the standard library packages that build for wasip1
// and have tests, in `go list std` order, with StdOverrides applied.
func StdTargets(ctx context.Context) ([]Target, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-e", "-f", "{{if and (not .Error) (or .TestGoFiles .XTestGoFiles)}}{{.ImportPath}}{{end}}", "std")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=", "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list std: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var ts []Target
	for _, p := range strings.Fields(string(out)) {
		t := StdOverrides[p]
		t.Pkg = p
		ts = append(ts, t)
	}
	return ts, nil
}

// All is the full matrix: Third, then StdTargets.
func All(ctx context.Context) ([]Target, error) {
	std, err := StdTargets(ctx)
	if err != nil {
		return nil, err
	}
	return append(append([]Target{}, Third...), std...), nil
}
