package api

import (
	"net/http"
	"strings"
	"testing"

	"destek/internal/desk"
	"destek/internal/store/storetest"
)

func TestHealthAndReadiness(t *testing.T) {
	s := storetest.OpenSQLite(t)
	e := newEnvOn(t, s)
	c := e.anon()
	c.do("GET", "/healthz", nil).want(http.StatusOK)
	c.do("GET", "/readyz", nil).want(http.StatusOK)

	// With the database gone, the node is alive but not ready.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	c.do("GET", "/healthz", nil).want(http.StatusOK)
	c.do("GET", "/readyz", nil).wantError(http.StatusServiceUnavailable, desk.EUNAVAILABLE, "")
}

func TestMetricsAreLabelledByRoutePattern(t *testing.T) {
	e := newEnv(t)
	tk := e.createTicket(desk.RoleAgent, "metrics@example.com")
	e.as(desk.RoleAgent).do("GET", urlf("/api/v1/tickets/%d", tk.ID), nil).want(http.StatusOK)
	e.as(desk.RoleAgent).do("GET", "/api/v1/tickets/987654", nil).want(http.StatusNotFound)
	e.anon().do("GET", "/no/such/path/12345", nil).want(http.StatusNotFound)

	r := e.anon().do("GET", "/metrics", nil).want(http.StatusOK)
	body := string(r.body)
	for _, want := range []string{
		`destek_http_requests_total{code="200",route="GET /api/v1/tickets/{id}"} 1`,
		`destek_http_requests_total{code="404",route="GET /api/v1/tickets/{id}"} 1`,
		`destek_http_requests_total{code="201",route="POST /api/v1/tickets"} 1`,
		`destek_http_requests_total{code="404",route="unmatched"} 1`,
		`destek_http_request_duration_seconds_bucket{route="POST /api/v1/tickets",le="+Inf"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, raw := range []string{"/api/v1/tickets/987654", "/no/such/path"} {
		if strings.Contains(body, raw) {
			t.Errorf("metrics are labelled with the raw path %s", raw)
		}
	}
}

func TestUnknownRoutesAndMethodsAnswerInJSON(t *testing.T) {
	e := newEnv(t)
	c := e.as(desk.RoleAdmin)
	c.do("GET", "/api/v1/nothing-here", nil).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
	r := c.do("PUT", "/api/v1/tickets", "{}")
	r.wantError(http.StatusMethodNotAllowed, desk.EUNSUPPORTED, "")
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow = %q, want GET and POST", allow)
	}
}

func TestResponsesCarrySecurityHeadersAndRequestID(t *testing.T) {
	e := newEnv(t)
	r := e.as(desk.RoleAgent).do("GET", "/api/v1/queues", nil).want(http.StatusOK)
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "no-store",
		"Content-Type":           "application/json; charset=utf-8",
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if r.header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
}

// TestLogsCarryNoSecretsOrBodies drives a login, a token request and a
// ticket through the API and checks the log for the password, the token
// secret, the session cookie and the message text.
func TestLogsCarryNoSecretsOrBodies(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	r := c.do("POST", "/api/v1/auth/login", map[string]string{"email": e.agents[desk.RoleAgent].Email, "password": testPassword}).want(http.StatusOK)
	cookie := r.header.Get("Set-Cookie")
	c.do("GET", "/api/v1/auth/me", nil).want(http.StatusOK)
	e.anon().do("POST", "/api/v1/auth/login", map[string]string{"email": e.agents[desk.RoleAgent].Email, "password": "wrong password here"}).want(http.StatusUnauthorized)
	body := ticketBody("logs@example.com")
	body["text"] = "gizli mesaj metni 4242"
	e.as(desk.RoleAgent).do("GET", "/api/v1/tickets?x=querysecret", nil).want(http.StatusBadRequest)
	e.as(desk.RoleAgent).do("POST", "/api/v1/tickets", body).want(http.StatusCreated)

	logs := e.logs.String()
	if !strings.Contains(logs, `"route":"POST /api/v1/tickets"`) {
		t.Fatalf("no request line for the ticket in the log:\n%s", logs)
	}
	token := strings.TrimPrefix(strings.SplitN(cookie, ";", 2)[0], cookieName+"=")
	for name, secret := range map[string]string{
		"password":       testPassword,
		"wrong password": "wrong password here",
		"token":          e.tokens[desk.RoleAgent],
		"session":        token,
		"message text":   "gizli mesaj metni",
		"query string":   "querysecret",
	} {
		if secret != "" && strings.Contains(logs, secret) {
			t.Errorf("the log contains the %s", name)
		}
	}
}
