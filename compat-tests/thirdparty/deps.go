// Package thirdparty only records the libraries of the compatibility
// matrix as imports, so that `go mod tidy` here keeps them and the modules
// their tests need.
package thirdparty

import (
	_ "github.com/Masterminds/semver/v3"
	_ "github.com/google/uuid"
	_ "github.com/shopspring/decimal"
	_ "github.com/tidwall/gjson"
	_ "golang.org/x/exp/maps"
	_ "golang.org/x/exp/slices"
	_ "gopkg.in/yaml.v3"
)
