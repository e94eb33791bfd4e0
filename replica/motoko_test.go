package replica

import (
	"strings"
	"testing"

	"github.com/icgo/icgo/internal/candidtext"
	"github.com/icgo/icgo/internal/crosscheck"
	"github.com/stretchr/testify/require"
)

// A canister from a foreign toolchain: Motoko, compiled by the moc.js
// compiler of the npm package "motoko". Versions up to 3.11.x produce
// wasm32 modules with classical persistence; later ones default to 64-bit
// memory (enhanced orthogonal persistence), which this replica refuses.
//
// ICGO_MOTOKO_DIR is an npm prefix with that package installed, as .ci/run
// does:
//
//	npm install --prefix "$dir" motoko@3.11.3 && export ICGO_MOTOKO_DIR="$dir"
//
// Without it the test skips; with it, any failure is a failure.

const motokoCounterV1 = `
persistent actor Counter {
  var count : Nat = 0;
  public func inc() : async Nat { count += 1; count };
  public query func get() : async Nat { count };
  public query func greet(name : Text) : async Text { "Hello, " # name # "!" };
};
`

// V2 adds a method and keeps the stable variable (a persistent actor's
// variables are stable).
const motokoCounterV2 = `
persistent actor Counter {
  var count : Nat = 0;
  public func inc() : async Nat { count += 1; count };
  public query func get() : async Nat { count };
  public query func greet(name : Text) : async Text { "Hi, " # name # "!" };
  public query func version() : async Nat { 2 };
};
`

func compileMotoko(t *testing.T, dir, src string) []byte {
	t.Helper()
	b, err := crosscheck.Motoko(dir, src)
	require.NoError(t, err)
	return b
}

func candidArgs(t *testing.T, text string) []byte {
	t.Helper()
	vals, err := candidtext.ParseArgs(text)
	require.NoError(t, err)
	b, err := candidtext.Encode(vals, nil)
	require.NoError(t, err)
	return b
}

func candidText(t *testing.T, b []byte) string {
	t.Helper()
	s, err := candidtext.Decode(b, nil)
	require.NoError(t, err)
	return s
}

func TestMotokoCanister(t *testing.T) {
	dir := crosscheck.Env(t, "ICGO_MOTOKO_DIR", "an npm prefix with the motoko package (npm install --prefix DIR motoko@3.11.3)")
	crosscheck.Tool(t, "node", "Node.js runs the Motoko compiler")
	v1 := compileMotoko(t, dir, motokoCounterV1)
	v2 := compileMotoko(t, dir, motokoCounterV2)

	r := newReplica(t)
	id, err := r.CreateCanister()
	require.NoError(t, err)
	noArgs := candidArgs(t, "()")
	require.NoError(t, r.Install(id, v1, noArgs))
	methods, err := r.Methods(id)
	require.NoError(t, err)
	require.Contains(t, methods, Method{"greet", MethodQuery})
	require.Contains(t, methods, Method{"inc", MethodUpdate})

	greet := reply(t)(r.Query(id, "greet", candidArgs(t, `("world")`)))
	require.Equal(t, `("Hello, world!")`, candidText(t, greet))
	for i := 1; i <= 3; i++ {
		res, err := r.Update(id, "inc", noArgs)
		require.Equal(t, "("+string(rune('0'+i))+" : nat)", candidText(t, replyOf(t, res, err)))
		require.Greater(t, lastInstructions(t, r, id), uint64(0))
	}
	require.Equal(t, "(3 : nat)", candidText(t, reply(t)(r.Query(id, "get", noArgs))))

	// Upgrade: Motoko serializes its stable variables in pre_upgrade and
	// reads them back in post_upgrade.
	require.NoError(t, r.Upgrade(id, v2, noArgs))
	require.Equal(t, "(3 : nat)", candidText(t, reply(t)(r.Query(id, "get", noArgs))))
	require.Equal(t, "(2 : nat)", candidText(t, reply(t)(r.Query(id, "version", noArgs))))
	require.Equal(t, `("Hi, world!")`, candidText(t, reply(t)(r.Query(id, "greet", candidArgs(t, `("world")`)))))
	require.Equal(t, "(4 : nat)", candidText(t, reply(t)(r.Update(id, "inc", noArgs))))

	logs, err := r.Logs(id)
	require.NoError(t, err)
	for _, l := range logs {
		require.False(t, strings.Contains(l.Message, "[TRAP]"), "trap in the log: %s", l.Message)
	}
}
