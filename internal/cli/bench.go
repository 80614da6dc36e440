package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"destek/internal/auth"
	"destek/internal/bench"
	"destek/internal/desk"
	"destek/internal/http/api"
	"destek/internal/store"
)

func runBench(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "bench", "bench [--db URL] [--requests N] [--concurrency C]")
	dbURL := fs.String("db", "", "database to measure: empty for a fresh SQLite database in a temporary directory, or postgres://… (use a scratch database: the run adds tickets to it)")
	requests := fs.Int("requests", 20000, "ticket creations per scenario")
	concurrency := fs.Int("concurrency", 16, "concurrent clients")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "destek-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s, err := store.Open(ctx, *dbURL, dir)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	secret, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	if err := s.CreateToken(ctx, &desk.APIToken{Name: "bench", Role: desk.RoleAdmin, Hash: hash}); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: api.New(api.Config{
		Store:    s,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registry: prometheus.NewRegistry(),
	})}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/api/v1/tickets"

	// A pool of existing contacts, created through the API like any other.
	run := time.Now().UnixNano()
	const pool = 100
	existing := func(i int) any {
		return ticketBody(i, fmt.Sprintf("existing-%d-%d@bench.example", run, i%pool))
	}
	client := bench.Client(*concurrency)
	if _, err := bench.Run(ctx, client, bench.Load{Name: "warm-up", URL: url, Token: secret, Requests: pool, Concurrency: 1, Body: existing, Want: http.StatusCreated}); err != nil {
		return err
	}
	loads := []bench.Load{
		{Name: "new contact", Body: func(i int) any { return ticketBody(i, fmt.Sprintf("new-%d-%d@bench.example", run, i)) }},
		{Name: "existing contact", Body: existing},
	}
	kind := "sqlite"
	if *dbURL != "" {
		kind = "postgresql"
	}
	fmt.Fprintf(e.stdout, "destek bench: POST /api/v1/tickets on %s, %d requests per scenario, concurrency %d, GOMAXPROCS %d\n",
		kind, *requests, *concurrency, runtime.GOMAXPROCS(0))
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\ttickets/s\tp50\tp95\tp99\tmax\terrors\t")
	for _, l := range loads {
		l.URL, l.Token, l.Requests, l.Concurrency, l.Want = url, secret, *requests, *concurrency, http.StatusCreated
		r, err := bench.Run(ctx, client, l)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%s\t%s\t%d\t\n", r.Name, r.PerSecond(),
			ms(r.P50), ms(r.P95), ms(r.P99), ms(r.Max), r.Errors)
		if r.FirstError != "" {
			tw.Flush()
			fmt.Fprintf(e.stderr, "first error in %q: %s\n", r.Name, r.FirstError)
		}
	}
	return tw.Flush()
}

func ticketBody(i int, address string) map[string]any {
	return map[string]any{
		"subject": fmt.Sprintf("Alan adı transferi #%d", i),
		"text":    "Merhaba, alan adımı başka bir firmaya transfer etmek istiyorum. EPP kodunu panelde nereden bulabilirim? Teşekkürler.",
		"channel": "email",
		"contact": map[string]any{"channel": "email", "address": address, "name": "Bench Müşteri"},
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
