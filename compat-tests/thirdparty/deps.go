// Package thirdparty only records the libraries of the compatibility
// matrix as imports, so that `go mod tidy` here keeps them and the modules
// their tests need.
package thirdparty

import (
	_ "github.com/BurntSushi/toml"
	_ "github.com/Masterminds/semver/v3"
	_ "github.com/Masterminds/sprig/v3"
	_ "github.com/alecthomas/participle/v2"
	_ "github.com/andybalholm/brotli"
	_ "github.com/bits-and-blooms/bitset"
	_ "github.com/cespare/xxhash/v2"
	_ "github.com/cockroachdb/apd/v3"
	_ "github.com/dustin/go-humanize"
	_ "github.com/expr-lang/expr"
	_ "github.com/fxamacker/cbor/v2"
	_ "github.com/go-playground/validator/v10"
	_ "github.com/gobwas/glob"
	_ "github.com/goccy/go-yaml"
	_ "github.com/golang/snappy"
	_ "github.com/google/uuid"
	_ "github.com/hashicorp/go-version"
	_ "github.com/hashicorp/golang-lru/v2"
	_ "github.com/itchyny/gojq"
	_ "github.com/mattn/go-runewidth"
	_ "github.com/oklog/ulid/v2"
	_ "github.com/patrickmn/go-cache"
	_ "github.com/pelletier/go-toml/v2"
	_ "github.com/pierrec/lz4/v4"
	_ "github.com/robfig/cron/v3"
	_ "github.com/rs/xid"
	_ "github.com/segmentio/ksuid"
	_ "github.com/shopspring/decimal"
	_ "github.com/tidwall/gjson"
	_ "github.com/tidwall/sjson"
	_ "github.com/ulikunitz/xz"
	_ "github.com/vmihailenco/msgpack/v5"
	_ "github.com/yuin/goldmark"
	_ "github.com/zeebo/blake3"
	_ "golang.org/x/exp/maps"
	_ "golang.org/x/exp/slices"
	_ "google.golang.org/protobuf/encoding/protowire"
	_ "gopkg.in/yaml.v3"

	// What icgo.swap swaps in, for the ported column.
	_ "github.com/icgo/icgo/icstd/rand"
	_ "github.com/icgo/icgo/icstd/time"
)
