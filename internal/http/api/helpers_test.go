package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"destek/internal/auth"
	"destek/internal/desk"
	"destek/internal/http/respond"
	"destek/internal/store/storetest"
)

// testPassword is every test agent's password.
const testPassword = "test password 123"

// env is a running API over a real, freshly migrated database, with one
// agent and one API token per role.
type env struct {
	t      testing.TB
	store  desk.Store
	srv    *httptest.Server
	api    *server
	logs   *syncBuffer
	agents map[desk.AgentRole]*desk.Agent
	tokens map[desk.AgentRole]string
}

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func newEnv(t testing.TB, configure ...func(*Config)) *env {
	t.Helper()
	return newEnvOn(t, storetest.OpenSQLite(t), configure...)
}

func newEnvOn(t testing.TB, s desk.Store, configure ...func(*Config)) *env {
	t.Helper()
	e := newNode(t, s, configure...)
	ctx := desk.WithActor(context.Background(), desk.SystemActor)
	for _, role := range []desk.AgentRole{desk.RoleAgent, desk.RoleSupervisor, desk.RoleAdmin} {
		e.agents[role] = e.addAgent(string(role)+"@destek.test", role)
		secret, hash, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateToken(ctx, &desk.APIToken{Name: string(role) + " token", Role: role, Hash: hash}); err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
	}
	return e
}

// newNode starts an API server over s without adding agents or tokens: a
// second node of a cluster when s is already in use.
func newNode(t testing.TB, s desk.Store, configure ...func(*Config)) *env {
	t.Helper()
	logs := &syncBuffer{}
	cfg := Config{
		Store:          s,
		Logger:         slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Registry:       prometheus.NewRegistry(),
		PasswordParams: auth.TestParams,
	}
	for _, c := range configure {
		c(&cfg)
	}
	api, err := build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: s, api: api, logs: logs, agents: map[desk.AgentRole]*desk.Agent{}, tokens: map[desk.AgentRole]string{}}
	e.srv = httptest.NewServer(api)
	t.Cleanup(e.srv.Close)
	return e
}

// addAgent creates an active agent with testPassword, straight in the store.
func (e *env) addAgent(email string, role desk.AgentRole) *desk.Agent {
	e.t.Helper()
	hash, err := auth.TestParams.Hash(testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	a := &desk.Agent{Email: email, Name: strings.ToUpper(email[:1]) + email[1:strings.Index(email, "@")], Role: role, Active: true}
	if err := e.store.CreateAgent(desk.WithActor(context.Background(), desk.SystemActor), a, hash); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// client makes requests to the test server.
type client struct {
	e      *env
	hc     *http.Client
	bearer string
	header http.Header
}

// anon is a client without credentials (but with a cookie jar).
func (e *env) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{Jar: jar}, header: http.Header{}}
}

// as is a client using the API token of role.
func (e *env) as(role desk.AgentRole) *client {
	c := e.anon()
	c.bearer = e.tokens[role]
	return c
}

// login is a client signed in with a session as the agent of role.
func (e *env) login(role desk.AgentRole) *client {
	e.t.Helper()
	c := e.anon()
	r := c.do("POST", "/api/v1/auth/login", map[string]string{"email": e.agents[role].Email, "password": testPassword})
	r.want(http.StatusOK)
	return c
}

// resp is a response read in full.
type resp struct {
	t      testing.TB
	logs   *syncBuffer
	req    string
	status int
	header http.Header
	body   []byte
}

// do sends a request. body may be nil, a string or []byte (sent raw as
// JSON), or any other value (encoded as JSON).
func (c *client) do(method, path string, body any) *resp {
	c.e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req)
}

// send sends a prepared request with the client's credentials and headers.
func (c *client) send(req *http.Request) *resp {
	c.e.t.Helper()
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return &resp{t: c.e.t, logs: c.e.logs, req: req.Method + " " + req.URL.RequestURI(), status: res.StatusCode, header: res.Header, body: b}
}

// want fails the test unless the status is status.
func (r *resp) want(status int) *resp {
	r.t.Helper()
	if r.status != status {
		var faults []string
		for _, l := range strings.Split(r.logs.String(), "\n") {
			if strings.Contains(l, `"level":"ERROR"`) {
				faults = append(faults, l)
			}
		}
		r.t.Fatalf("%s: status %d, want %d; body: %s\nerrors logged:\n%s", r.req, r.status, status, r.body, strings.Join(faults, "\n"))
	}
	return r
}

// into decodes the JSON body into v.
func (r *resp) into(v any) *resp {
	r.t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		r.t.Fatalf("%s: decode %s: %v", r.req, r.body, err)
	}
	return r
}

// wantError checks an error response: status, code and (if not "") field.
func (r *resp) wantError(status int, code, field string) respond.ErrorDetail {
	r.t.Helper()
	r.want(status)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		r.t.Fatalf("%s: error Content-Type %q", r.req, ct)
	}
	var b respond.ErrorBody
	if err := json.Unmarshal(r.body, &b); err != nil {
		r.t.Fatalf("%s: error body %s: %v", r.req, r.body, err)
	}
	if b.Error.Code != code {
		r.t.Fatalf("%s: code %q, want %q; body: %s", r.req, b.Error.Code, code, r.body)
	}
	if field != "" && b.Error.Field != field {
		r.t.Fatalf("%s: field %q, want %q; body: %s", r.req, b.Error.Field, field, r.body)
	}
	if b.Error.Message == "" {
		r.t.Fatalf("%s: error without a message", r.req)
	}
	return b.Error
}

// ticketBody is a valid ticket creation request.
func ticketBody(address string) map[string]any {
	return map[string]any{
		"subject": "Alan adı transferi",
		"text":    "Merhaba, EPP kodunu nereden bulabilirim?",
		"channel": "email",
		"contact": map[string]any{"channel": "email", "address": address, "name": "Ayşe Yılmaz"},
	}
}

// createTicket opens a ticket through the API as role.
func (e *env) createTicket(role desk.AgentRole, address string) *desk.Ticket {
	e.t.Helper()
	var t desk.Ticket
	e.as(role).do("POST", "/api/v1/tickets", ticketBody(address)).want(http.StatusCreated).into(&t)
	return &t
}

// countTickets returns the number of tickets in the store.
func (e *env) countTickets() int {
	e.t.Helper()
	ts, _, err := e.store.ListTickets(context.Background(), desk.TicketFilter{Limit: desk.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(ts)
}

// auditCount returns the number of audit events in the store.
func (e *env) auditCount() int {
	e.t.Helper()
	n, cursor := 0, ""
	for {
		es, next, err := e.store.ListAudit(context.Background(), desk.AuditFilter{Limit: desk.MaxPageSize, Cursor: cursor})
		if err != nil {
			e.t.Fatal(err)
		}
		n += len(es)
		if next == "" {
			return n
		}
		cursor = next
	}
}

func urlf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func t0() context.Context { return context.Background() }
