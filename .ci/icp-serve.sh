#!/usr/bin/env bash
# icgo serve with DFINITY's clients: the icp CLI deploys and calls
# examples/hello against `icgo serve`, across a restart with -state and an
# upgrade; then the serve package's client tests run with icp and
# @dfinity/agent. Needs npm (the package registry) and node.
set -euo pipefail
cd "$(dirname "$0")/.."

npmdir="${ICGO_NPM_DIR:-$PWD/.ci/npm-serve}"
export DO_NOT_TRACK=1
if [ ! -x "$npmdir/node_modules/@icp-sdk/icp-cli-linux-x64/bin/icp" ] || [ ! -d "$npmdir/node_modules/@dfinity/agent" ]; then
  mkdir -p "$npmdir"
  npm install --silent --no-audit --no-fund --no-save --prefix "$npmdir" \
    @icp-sdk/icp-cli-linux-x64@1.5.0 @dfinity/agent@3.4.3 @dfinity/candid@3.4.3 @dfinity/principal@3.4.3 >/dev/null
fi
icp="$npmdir/node_modules/@icp-sdk/icp-cli-linux-x64/bin/icp"

work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/icgo" ./cmd/icgo
mkdir -p "$work/proj/out" "$work/home"
"$work/icgo" build -o "$work/proj/out" ./examples/hello >/dev/null

# start_server: runs icgo serve on a free port with the state directory and
# writes icp.yaml from what it prints.
start_server() {
  "$work/icgo" serve -addr 127.0.0.1:0 -state "$work/state" >"$work/serve.out" 2>"$work/serve.err" &
  server=$!
  for _ in $(seq 600); do grep -q '^root key:' "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
  url=$(sed -n 's/^icgo serve: listening on \([^ ]*\).*/\1/p' "$work/serve.out")
  key=$(sed -n 's/^root key: //p' "$work/serve.out")
  [ -n "$url" ] && [ -n "$key" ] || { echo "icgo serve did not start:"; cat "$work/serve.out" "$work/serve.err"; exit 1; }
  cat >"$work/proj/icp.yaml" <<YAML
networks:
  - name: icgo
    mode: connected
    api-url: $url
    root-key: $key
environments:
  - name: dev
    network: icgo
    canisters: [hello]
canisters:
  - name: hello
    build:
      steps:
        - type: script
          commands:
            - cp out/hello.wasm "\$ICP_WASM_OUTPUT_PATH"
YAML
}
stop_server() { kill -TERM "$server"; wait "$server"; server=""; }
icpq() { (cd "$work/proj" && HOME="$work/home" "$icp" "$@"); }
expect() { # expect WANT CMD...: runs CMD and compares its output
  local want=$1; shift
  local got; got=$("$@")
  [ "$got" = "$want" ] || { echo "FAIL: $*: got $got, want $want"; exit 1; }
  echo "ok: $* -> $got"
}

start_server
icpq deploy -e dev >/dev/null
expect '("Hello, world!")' icpq canister call -e dev hello greet '("world")'
expect '(1 : nat64)' icpq canister call -e dev hello inc '()'

stop_server   # restart with the same state: the canister and its memory remain
start_server
expect '("Hello, world!")' icpq canister call -e dev hello greet '("world")'
expect '(1 : nat64)' icpq canister call -e dev hello get '()'

# An upgrade: a changed module (another embedded environment variable).
"$work/icgo" build -env ICGO_CI_UPGRADE=1 -o "$work/proj/out" ./examples/hello >/dev/null
icpq deploy -e dev >/dev/null
expect '("Hello, world!")' icpq canister call -e dev hello greet '("world")'
stop_server

# The Go tests that drive icp and @dfinity/agent (go test ./... runs them
# too under .ci/run).
ICGO_ICP="$icp" ICGO_NODE_MODULES="$npmdir/node_modules" go test ./serve -run 'TestICPCLI|TestJSAgent'
