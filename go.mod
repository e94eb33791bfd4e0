module github.com/icgo/icgo

go 1.26.0

require (
	filippo.io/edwards25519 v1.2.0
	github.com/aviate-labs/agent-go v0.6.1
	github.com/aviate-labs/secp256k1 v0.0.0-5e6736a
	github.com/consensys/gnark-crypto v0.15.0
	github.com/decred/dcrd/dcrec/secp256k1/v4 v4.4.1
	github.com/fxamacker/cbor/v2 v2.7.0
	github.com/stretchr/testify v1.12.1
	github.com/tetratelabs/wazero v1.12.0
	golang.org/x/crypto v0.32.0
)

require (
	github.com/0x51-dev/upeg v0.1.5 // indirect
	github.com/aviate-labs/leb128 v0.3.0 // indirect
	github.com/bits-and-blooms/bitset v1.20.0 // indirect
	github.com/consensys/bavard v0.1.27 // indirect
	github.com/mmcloughlin/addchain v0.4.0 // indirect
	github.com/x448/float16 v0.8.4 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sys v0.44.0 // indirect
	google.golang.org/protobuf v1.36.3 // indirect
	rsc.io/tmplfunc v0.0.3 // indirect
)
