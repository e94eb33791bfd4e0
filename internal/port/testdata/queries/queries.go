// Package queries is a port fixture: query handlers that wait.
package queries

import (
	"sync"
	"time"

	"github.com/icgo/icgo/cdk"
)

var (
	mu      sync.Mutex
	results = make(chan string, 1)
	wg      sync.WaitGroup
)

func init() {
	cdk.Query("latest", func() string {
		mu.Lock()
		defer mu.Unlock()
		return <-results
	})
	cdk.Query("slow", slow)
	cdk.Update("fine", func() string {
		time.Sleep(time.Second)
		return <-results
	})
	cdk.Query("quick", func() string {
		select {
		case r := <-results:
			return r
		default:
			return ""
		}
	})
}

func slow() string {
	time.Sleep(time.Millisecond)
	wg.Wait()
	go func() { results <- "later" }()
	return ""
}
