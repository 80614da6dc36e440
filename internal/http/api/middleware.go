package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"destek/internal/desk"
	"destek/internal/http/respond"
)

// requestInfo collects what the request log needs from inner handlers.
type requestInfo struct {
	actor desk.Actor
}

type infoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	i, _ := ctx.Value(infoKey{}).(*requestInfo)
	return i
}

// ServeHTTP routes the request and records it: a request id, one log line
// (method, route, status, duration, caller; never bodies, query strings or
// credentials), the metrics, and a JSON 500 if a handler panics.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := requestID(r)
	h := w.Header()
	h.Set(respond.RequestIDHeader, reqID)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")

	info := &requestInfo{}
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
	sw := &statusWriter{ResponseWriter: w}
	_, pattern := s.mux.Handler(r)

	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "panic", "request_id", reqID, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if sw.status == 0 {
				respond.Error(sw, r, s.log, fmt.Errorf("panic: %v", v))
			}
		}
		route := pattern
		if route == "" {
			route = "unmatched"
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		d := time.Since(start)
		s.metrics.observe(route, status, d)
		attrs := []slog.Attr{
			slog.String("request_id", reqID),
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Int64("bytes", sw.bytes),
			slog.Duration("duration", d),
			slog.String("ip", s.cfg.ClientIP(r)),
		}
		if info.actor.Kind != "" {
			attrs = append(attrs, slog.String("actor", fmt.Sprintf("%s:%d", info.actor.Kind, info.actor.ID)))
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
	}()

	if pattern == "" {
		s.unmatched(sw, r)
		return
	}
	s.mux.ServeHTTP(sw, r)
}

// requestID takes a well-formed id from a proxy in front of us, or makes one.
func requestID(r *http.Request) string {
	if id := r.Header.Get(respond.RequestIDHeader); id != "" && len(id) <= 64 && strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == "" {
		return id
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// unmatched answers requests no route takes, in the API's JSON error shape:
// 404 for unknown paths, 405 with Allow for known paths and other methods.
// Anything else the mux does (a redirect to the cleaned path) passes through.
func (s *server) unmatched(w http.ResponseWriter, r *http.Request) {
	cw := &captureWriter{header: http.Header{}}
	s.mux.ServeHTTP(cw, r)
	switch cw.status {
	case http.StatusNotFound:
		s.writeError(w, r, &desk.Error{Code: desk.ENOTFOUND,
			Message: fmt.Sprintf("no endpoint at %s; the API is described at /api/v1/openapi.json", r.URL.Path)})
	case http.StatusMethodNotAllowed:
		allow := cw.header.Get("Allow")
		w.Header().Set("Allow", allow)
		respond.JSON(w, http.StatusMethodNotAllowed, respond.ErrorBody{Error: respond.ErrorDetail{
			Code: desk.EUNSUPPORTED, Message: fmt.Sprintf("%s does not take %s; it takes %s", r.URL.Path, r.Method, allow)}})
	default:
		for k, v := range cw.header {
			w.Header()[k] = v
		}
		w.WriteHeader(cw.status)
		_, _ = w.Write(cw.body.Bytes())
	}
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// WriteHeader records the first status.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write counts the bytes of the body.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// captureWriter records a response in memory.
type captureWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// Header implements http.ResponseWriter.
func (w *captureWriter) Header() http.Header { return w.header }

// WriteHeader records the first status.
func (w *captureWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

// Write keeps the body in memory.
func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
