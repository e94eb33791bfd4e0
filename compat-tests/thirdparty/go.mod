// Module thirdparty pins the third-party libraries whose own tests the
// compatibility matrix runs as canisters (see ../README.md). It is a
// separate module so that the main module does not depend on them; nothing
// here is imported by icgo.
module github.com/icgo/icgo/compat-tests/thirdparty

go 1.26.0

require (
	github.com/Masterminds/semver/v3 v3.5.0
	github.com/google/uuid v1.6.0
	github.com/shopspring/decimal v1.6.0
	github.com/tidwall/gjson v1.20.1
	golang.org/x/exp v0.0.0-20261113113407-e3970619a1a4
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.0 // indirect
)
