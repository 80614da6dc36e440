package respond

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"destek/internal/desk"
)

func TestEveryCodeHasAStatus(t *testing.T) {
	want := map[string]int{
		desk.EINVALID: 400, desk.EUNAUTHORIZED: 401, desk.EFORBIDDEN: 403, desk.ENOTFOUND: 404,
		desk.ECONFLICT: 409, desk.ETOOLARGE: 413, desk.EUNSUPPORTED: 415, desk.ERATELIMITED: 429,
		desk.EUNAVAILABLE: 503, desk.EINTERNAL: 500, "no-such-code": 500,
	}
	for code, status := range want {
		if got := Status(code); got != status {
			t.Errorf("Status(%q) = %d, want %d", code, got, status)
		}
	}
}

type retryErr struct{ error }

func (retryErr) RetryAfter() time.Duration { return 1500 * time.Millisecond }

func (e retryErr) Unwrap() error { return e.error }

func TestError(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	cases := []struct {
		err     error
		status  int
		code    string
		field   string
		message string
	}{
		{desk.FieldErrorf("subject", "subject is required"), 400, desk.EINVALID, "subject", "subject is required"},
		{fmt.Errorf("wrapped: %w", &desk.Error{Code: desk.ENOTFOUND, Message: "no ticket 7"}), 404, desk.ENOTFOUND, "", "no ticket 7"},
		{errors.New("pq: password authentication failed for user destek at 10.1.2.3"), 500, desk.EINTERNAL, "", "internal error (request id abc123)"},
		{retryErr{&desk.Error{Code: desk.ERATELIMITED, Message: "slow down"}}, 429, desk.ERATELIMITED, "", "slow down"},
	}
	for _, tc := range cases {
		logs.Reset()
		w := httptest.NewRecorder()
		w.Header().Set(RequestIDHeader, "abc123")
		Error(w, httptest.NewRequest("GET", "/x", nil), log, tc.err)
		var b ErrorBody
		if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
			t.Fatal(err)
		}
		if w.Code != tc.status || b.Error.Code != tc.code || b.Error.Field != tc.field || b.Error.Message != tc.message {
			t.Errorf("%v: %d %+v", tc.err, w.Code, b.Error)
		}
		if tc.code == desk.EINTERNAL {
			if !strings.Contains(logs.String(), "password authentication failed") || !strings.Contains(logs.String(), "abc123") {
				t.Errorf("the internal error's details are not in the log: %s", logs.String())
			}
		} else if logs.Len() != 0 {
			t.Errorf("a client error was logged as a fault: %s", logs.String())
		}
		if tc.code == desk.ERATELIMITED && w.Header().Get("Retry-After") != "2" {
			t.Errorf("Retry-After = %q, want 2 (rounded up)", w.Header().Get("Retry-After"))
		}
	}
}

func TestJSONWritesWholeDocumentsOnly(t *testing.T) {
	w := httptest.NewRecorder()
	JSON(w, http.StatusCreated, map[string]any{"bad": func() {}})
	if w.Code != http.StatusInternalServerError || !json.Valid(w.Body.Bytes()) {
		t.Fatalf("unencodable value: %d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	JSON(w, http.StatusOK, []int{1})
	if w.Header().Get("Content-Length") != "4" || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", w.Header())
	}
}
