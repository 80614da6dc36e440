package api

import (
	"context"
	_ "embed"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"destek/internal/desk"
	"destek/internal/http/respond"
)

// healthz says the process is up; it checks nothing else, so a slow
// database never gets a live node restarted.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) error {
	respond.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz says whether the node can serve: the database must answer quickly.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.WarnContext(r.Context(), "not ready", "err", err)
		return &desk.Error{Code: desk.EUNAVAILABLE, Message: "the database does not answer"}
	}
	respond.JSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

func (s *server) metricsHandler() func(http.ResponseWriter, *http.Request) error {
	h := promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}})
	return func(w http.ResponseWriter, r *http.Request) error {
		h.ServeHTTP(w, r)
		return nil
	}
}

// slogPrinter lets promhttp report gathering errors to our log.
type slogPrinter struct{ s *server }

// Println implements promhttp.Logger.
func (p slogPrinter) Println(v ...any) {
	p.s.log.Error("metrics", "err", v)
}

//go:embed openapi.json
var openAPIDoc []byte

// openAPI serves the OpenAPI 3 document of this API.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDoc)
	return nil
}
