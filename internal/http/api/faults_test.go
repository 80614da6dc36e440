package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"destek/internal/desk"
	"destek/internal/http/respond"
	"destek/internal/store/storetest"
)

// TestDatabaseFailureGivesNoDetails closes the database under a running
// server: requests fail with a 5xx whose body names a request id but not the
// cause, which goes to the log.
func TestDatabaseFailureGivesNoDetails(t *testing.T) {
	s := storetest.OpenSQLite(t)
	e := newEnvOn(t, s)
	c := e.as(desk.RoleAgent)
	c.do("GET", "/api/v1/queues", nil).want(http.StatusOK)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r := c.do("GET", "/api/v1/tickets", nil)
	if r.status != http.StatusInternalServerError && r.status != http.StatusServiceUnavailable {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var b respond.ErrorBody
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatal(err)
	}
	id := r.header.Get("X-Request-Id")
	if b.Error.Code == desk.EINTERNAL {
		if !strings.Contains(b.Error.Message, id) || strings.Contains(strings.ToLower(b.Error.Message), "sql") {
			t.Fatalf("internal error message %q (request id %s)", b.Error.Message, id)
		}
		if !strings.Contains(e.logs.String(), `"msg":"internal error","request_id":"`+id) {
			t.Fatalf("the log has no details for request %s:\n%s", id, e.logs.String())
		}
	}
}

// TestPanicsBecomeJSON500s checks the recovery in ServeHTTP with a handler
// that panics, mounted beside the real routes.
func TestPanicsBecomeJSON500s(t *testing.T) {
	e := newEnv(t)
	e.api.mux.HandleFunc("GET /test-panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	r := e.anon().do("GET", "/test-panic", nil)
	r.wantError(http.StatusInternalServerError, desk.EINTERNAL, "")
	if strings.Contains(string(r.body), "boom") {
		t.Fatal("the panic value reached the client")
	}
	if !strings.Contains(e.logs.String(), "boom") {
		t.Fatal("the panic is not in the log")
	}
	// The server goes on.
	e.anon().do("GET", "/healthz", nil).want(http.StatusOK)
}
