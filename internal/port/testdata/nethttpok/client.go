// Package nethttpok is a port fixture: net/http with the outcall
// transport installed, nothing to report or rewrite.
package nethttpok

import (
	"net/http"

	"github.com/icgo/icgo/icstd/http/nethttp"
)

func init() { nethttp.Install(nethttp.Transport{MaxResponseBytes: 1 << 16}) }

// Fetch gets a page.
func Fetch(url string) (*http.Response, error) { return http.Get(url) }
