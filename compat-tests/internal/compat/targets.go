package compat

// ThirdParty is the nested module (compat-tests/thirdparty/go.mod) that
// pins the third-party libraries, so that icgo's own module does not
// depend on them.
const ThirdParty = "thirdparty"

// Std lists standard library packages. The first group has
// self-contained tests; the second shows what the platform cannot do
// (timers, crypto/rand, files), so that the matrix documents the limits
// with evidence too.
var Std = []Target{
	{Pkg: "strings"},
	{Pkg: "strconv"},
	{Pkg: "bytes"},
	{Pkg: "unicode/utf8"},
	{Pkg: "unicode"},
	{Pkg: "sort"},
	{Pkg: "container/heap"},
	{Pkg: "container/list"},
	{Pkg: "container/ring"},
	{Pkg: "math"},
	{Pkg: "math/bits"},
	{Pkg: "math/big"},
	{Pkg: "encoding/json"},
	{Pkg: "encoding/base64"},
	{Pkg: "encoding/hex"},
	{Pkg: "encoding/binary"},
	{Pkg: "encoding/csv"},
	{Pkg: "regexp"},
	{Pkg: "text/template"},
	{Pkg: "errors"},
	{Pkg: "slices"},
	{Pkg: "maps"},
	{Pkg: "hash/crc32"},
	{Pkg: "crypto/sha256"},
	{Pkg: "path"},
	{Pkg: "net/url"},
	{Pkg: "html"},
	{Pkg: "bufio"},
	{Pkg: "fmt"},

	{Pkg: "context", Note: "timers and deadlines"},
	{Pkg: "sync", Note: "goroutines, some with timeouts"},
	{Pkg: "crypto/rand", Note: "needs secure randomness"},
	{Pkg: "compress/gzip", Note: "some tests read testdata files"},
}

// Third lists third-party libraries, resolved in the ThirdParty module.
var Third = []Target{
	{Pkg: "golang.org/x/exp/slices", Module: ThirdParty},
	{Pkg: "golang.org/x/exp/maps", Module: ThirdParty},
	{Pkg: "github.com/google/uuid", Module: ThirdParty},
	{Pkg: "github.com/tidwall/gjson", Module: ThirdParty},
	{Pkg: "github.com/shopspring/decimal", Module: ThirdParty},
	{Pkg: "github.com/Masterminds/semver/v3", Module: ThirdParty},
	{Pkg: "gopkg.in/yaml.v3", Module: ThirdParty},
}

// All is the full matrix.
func All() []Target { return append(append([]Target{}, Std...), Third...) }
