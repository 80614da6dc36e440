// Package bench drives destek's HTTP API under concurrent load and reports
// throughput and latency percentiles. It talks to a real server over
// loopback, through the same door integrations use.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what one load run measured.
type Result struct {
	Name        string
	Requests    int
	Errors      int
	Concurrency int
	Elapsed     time.Duration
	P50, P95    time.Duration
	P99, Max    time.Duration
	FirstError  string
}

// PerSecond is the rate of successful requests.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

// Load describes a run: n requests made by c workers, request i built by
// body(i) and POSTed to url with the bearer token.
type Load struct {
	Name        string
	URL         string
	Token       string
	Requests    int
	Concurrency int
	Body        func(i int) any
	// Want is the status a successful request answers with.
	Want int
}

// Run performs the load and measures each request's latency.
func Run(ctx context.Context, client *http.Client, l Load) (Result, error) {
	if l.Requests <= 0 || l.Concurrency <= 0 {
		return Result{}, fmt.Errorf("bench: requests and concurrency must be positive")
	}
	bodies := make([][]byte, l.Requests)
	for i := range bodies {
		b, err := json.Marshal(l.Body(i))
		if err != nil {
			return Result{}, err
		}
		bodies[i] = b
	}
	lat := make([]time.Duration, l.Requests)
	var next atomic.Int64
	var errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range l.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= l.Requests || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				err := post(ctx, client, l.URL, l.Token, bodies[i], l.Want)
				lat[i] = time.Since(t0)
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	r := Result{
		Name: l.Name, Requests: l.Requests, Errors: int(errs.Load()), Concurrency: l.Concurrency,
		Elapsed: elapsed, P50: pct(0.50), P95: pct(0.95), P99: pct(0.99), Max: lat[len(lat)-1],
	}
	if s, ok := firstErr.Load().(string); ok {
		r.FirstError = s
	}
	return r, nil
}

func post(ctx context.Context, client *http.Client, url, token string, body []byte, want int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != want {
		return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}

// Client returns an HTTP client that keeps one connection per worker alive,
// so the run measures the server rather than TCP handshakes.
func Client(concurrency int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = concurrency * 2
	tr.MaxIdleConnsPerHost = concurrency * 2
	tr.MaxConnsPerHost = 0
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}
