package serve_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/aviate-labs/agent-go"
	"github.com/aviate-labs/agent-go/principal"
	"github.com/icgo/icgo/internal/build"
	"github.com/icgo/icgo/replica"
	"github.com/icgo/icgo/serve"
)

// An agent-go client deploys nothing itself here: the replica installs
// examples/hello, and the agent calls it over HTTP, verifying the
// certificate of the update and the node signature of the query.
func Example() {
	b, err := build.Build(context.Background(), build.Options{Pkg: "../examples/hello"})
	if err != nil {
		log.Fatal(err)
	}
	r, err := replica.New(replica.WithWallClock())
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	id, err := r.CreateCanister()
	if err != nil {
		log.Fatal(err)
	}
	if err := r.Install(id, b.Gzip, nil); err != nil {
		log.Fatal(err)
	}
	s, err := serve.New(r)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	hs := httptest.NewServer(s)
	defer hs.Close()

	u, _ := url.Parse(hs.URL)
	a, err := agent.New(agent.Config{
		ClientConfig: &agent.ClientConfig{Host: u},
		FetchRootKey: true, // the server's root key, not mainnet's
		PollDelay:    10 * time.Millisecond,
	})
	if err != nil {
		log.Fatal(err)
	}
	cid := principal.Principal{Raw: id.Bytes()}
	var greeting string
	if err := a.Query(cid, "greet", []any{"world"}, []any{&greeting}); err != nil {
		log.Fatal(err)
	}
	var n uint64
	if err := a.Call(cid, "inc", nil, []any{&n}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(greeting, n)
	// Output: Hello, world! 1
}
