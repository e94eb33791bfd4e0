package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// icgo serve prints its URL, root key and an icp.yaml entry, answers the
// status endpoint, keeps its state in -state and stops cleanly when its
// context ends (as on SIGINT).
func TestServe(t *testing.T) {
	state := t.TempDir()
	for round := range 2 { // the second run loads the saved state
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		done := make(chan int, 1)
		var errb strings.Builder
		go func() {
			done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-state", state}, strings.NewReader(""), pw, &errb)
			pw.Close()
		}()
		sc := bufio.NewScanner(pr)
		var out []string
		for sc.Scan() {
			out = append(out, sc.Text())
			if strings.HasPrefix(sc.Text(), "    root-key: ") {
				break
			}
		}
		go io.Copy(io.Discard, pr)
		text := strings.Join(out, "\n")
		url := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(text)
		require.Len(t, url, 2, "round %d output:\n%s\nstderr: %s", round, text, errb.String())
		require.Regexp(t, `root key: 308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100[0-9a-f]{192}\n`, text)
		require.Contains(t, text, "    mode: connected\n    api-url: "+url[1])
		resp, err := http.Get(url[1] + "/api/v2/status")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		cancel()
		select {
		case code := <-done:
			require.Equal(t, 0, code, "stderr: %s", errb.String())
		case <-time.After(30 * time.Second):
			t.Fatal("icgo serve did not stop")
		}
	}
	_, errOut, code := icgo(t, "", "serve", "-clock", "sometimes")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "-clock")
	_, _, code = icgo(t, "", "serve", "extra")
	require.Equal(t, 2, code)
}
