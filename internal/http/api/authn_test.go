package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"destek/internal/auth"
	"destek/internal/desk"
)

func TestLoginStartsASessionAndLogoutEndsIt(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	c.do("GET", "/api/v1/auth/me", nil).wantError(http.StatusUnauthorized, desk.EUNAUTHORIZED, "")

	var a desk.Agent
	r := c.do("POST", "/api/v1/auth/login", map[string]string{"email": "  Supervisor@Destek.TEST ", "password": testPassword}).want(http.StatusOK).into(&a)
	if a.ID != e.agents[desk.RoleSupervisor].ID {
		t.Fatalf("signed in as %+v", a)
	}
	cookie := r.header.Get("Set-Cookie")
	for _, want := range []string{cookieName + "=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("cookie %q is Secure although SecureCookies is off", cookie)
	}

	var me meResponse
	c.do("GET", "/api/v1/auth/me", nil).want(http.StatusOK).into(&me)
	if me.Kind != desk.ActorAgent || me.Role != desk.RoleSupervisor || me.Agent == nil || me.Agent.ID != a.ID {
		t.Fatalf("me = %+v", me)
	}
	// The session is the supervisor's: supervisor routes are open to it.
	c.do("GET", "/api/v1/audit", nil).want(http.StatusOK)

	c.do("POST", "/api/v1/auth/logout", nil).want(http.StatusNoContent)
	c.do("GET", "/api/v1/auth/me", nil).wantError(http.StatusUnauthorized, desk.EUNAUTHORIZED, "")
	// Logging out without a session is harmless.
	e.anon().do("POST", "/api/v1/auth/logout", nil).want(http.StatusNoContent)
}

func TestSecureCookies(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SecureCookies = true })
	r := e.anon().do("POST", "/api/v1/auth/login", map[string]string{"email": e.agents[desk.RoleAgent].Email, "password": testPassword}).want(http.StatusOK)
	cookie := r.header.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, secureCookieName+"=") || !strings.Contains(cookie, "Secure") {
		t.Fatalf("cookie %q is not a Secure __Host- cookie", cookie)
	}
}

func TestLoginRenewsTheSessionToken(t *testing.T) {
	e := newEnv(t)
	c := e.login(desk.RoleAgent)
	before := sessionCookie(t, c)
	// Signing in again on the same browser issues a new token, so a token
	// planted before login (session fixation) is worthless after it.
	c.do("POST", "/api/v1/auth/login", map[string]string{"email": e.agents[desk.RoleAgent].Email, "password": testPassword}).want(http.StatusOK)
	after := sessionCookie(t, c)
	if before == after {
		t.Fatal("the session token was not renewed at login")
	}
	planted := e.anon()
	planted.header.Set("Cookie", cookieName+"="+before)
	planted.do("GET", "/api/v1/auth/me", nil).wantError(http.StatusUnauthorized, desk.EUNAUTHORIZED, "")
}

func sessionCookie(t *testing.T, c *client) string {
	t.Helper()
	u, _ := http.NewRequest("GET", c.e.srv.URL, nil)
	for _, ck := range c.hc.Jar.Cookies(u.URL) {
		if ck.Name == cookieName {
			return ck.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

func TestLoginFailures(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	wrong := c.do("POST", "/api/v1/auth/login", map[string]string{"email": e.agents[desk.RoleAgent].Email, "password": "not the password"}).wantError(http.StatusUnauthorized, desk.EUNAUTHORIZED, "")
	unknown := c.do("POST", "/api/v1/auth/login", map[string]string{"email": "nobody@destek.test", "password": "not the password"}).wantError(http.StatusUnauthorized, desk.EUNAUTHORIZED, "")
	if wrong.Message != unknown.Message {
		t.Errorf("a wrong password (%q) and an unknown address (%q) are told apart", wrong.Message, unknown.Message)
	}
	c.do("POST", "/api/v1/auth/login", map[string]string{"email": e.agents[desk.RoleAgent].Email}).wantError(http.StatusBadRequest, desk.EINVALID, "password")
	c.do("POST", "/api/v1/auth/login", map[string]string{"password": "x"}).wantError(http.StatusBadRequest, desk.EINVALID, "email")
	c.do("POST", "/api/v1/auth/login", `{"email":"a@b.c","password":"x","remember":true}`).wantError(http.StatusBadRequest, desk.EINVALID, "remember")

	// A deactivated agent cannot sign in, with the right password.
	off := e.addAgent("leaver@destek.test", desk.RoleAgent)
	active := false
	if _, err := e.store.UpdateAgent(context.Background(), off.ID, desk.AgentUpdate{Active: &active}); err != nil {
		t.Fatal(err)
	}
	c.do("POST", "/api/v1/auth/login", map[string]string{"email": off.Email, "password": testPassword}).wantError(http.StatusUnauthorized, desk.EUNAUTHORIZED, "")
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.LoginLimits = auth.LoginLimits{PerEmail: 5, PerIP: 8, Window: 15 * time.Minute}
	})
	c := e.anon()
	email := e.agents[desk.RoleAgent].Email
	for range 5 {
		c.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "guess guess"}).want(http.StatusUnauthorized)
	}
	// Now even the right password is refused until the window passes.
	r := c.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": testPassword})
	r.wantError(http.StatusTooManyRequests, desk.ERATELIMITED, "")
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 15*60 {
		t.Fatalf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	// Another agent from the same address still gets in...
	c.do("POST", "/api/v1/auth/login", map[string]string{"email": e.agents[desk.RoleSupervisor].Email, "password": testPassword}).want(http.StatusOK)
	// ...until the address itself has failed too often (8 per IP).
	for range 3 {
		c.do("POST", "/api/v1/auth/login", map[string]string{"email": "spray@destek.test", "password": "guess guess"}).want(http.StatusUnauthorized)
	}
	c.do("POST", "/api/v1/auth/login", map[string]string{"email": e.agents[desk.RoleAdmin].Email, "password": testPassword}).wantError(http.StatusTooManyRequests, desk.ERATELIMITED, "")
}

func TestCrossOriginCookieRequestsAreRefused(t *testing.T) {
	e := newEnv(t)
	c := e.login(desk.RoleAgent)
	before := e.countTickets()

	// A page on another site posting with the agent's cookie.
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/tickets", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	c.send(req).wantError(http.StatusForbidden, desk.EFORBIDDEN, "")

	// Older browsers: no Sec-Fetch-Site, but an Origin that is not ours.
	body, _ := json.Marshal(ticketBody("csrf@example.com"))
	req, _ = http.NewRequest("POST", e.srv.URL+"/api/v1/tickets", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.example")
	c.send(req).wantError(http.StatusForbidden, desk.EFORBIDDEN, "")
	if n := e.countTickets(); n != before {
		t.Fatalf("a cross-origin request created a ticket (%d → %d)", before, n)
	}

	// Login CSRF is refused too.
	req, _ = http.NewRequest("POST", e.srv.URL+"/api/v1/auth/login", strings.NewReader(`{"email":"agent@destek.test","password":"`+testPassword+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	e.anon().send(req).wantError(http.StatusForbidden, desk.EFORBIDDEN, "")

	// Same-origin browser requests and safe methods pass.
	req, _ = http.NewRequest("POST", e.srv.URL+"/api/v1/tickets", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	c.send(req).want(http.StatusCreated)
	req, _ = http.NewRequest("GET", e.srv.URL+"/api/v1/tickets", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	c.send(req).want(http.StatusOK)

	// Bearer requests are not cookie-borne and need no origin check.
	req, _ = http.NewRequest("POST", e.srv.URL+"/api/v1/tickets", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	e.as(desk.RoleAgent).send(req).want(http.StatusCreated)
}

func TestBearerTokens(t *testing.T) {
	e := newEnv(t)
	var me meResponse
	e.as(desk.RoleSupervisor).do("GET", "/api/v1/auth/me", nil).want(http.StatusOK).into(&me)
	if me.Kind != desk.ActorToken || me.Role != desk.RoleSupervisor || me.Token == nil {
		t.Fatalf("me = %+v", me)
	}
	if strings.Contains(string(e.as(desk.RoleSupervisor).do("GET", "/api/v1/auth/me", nil).body), "hash") {
		t.Fatal("the token's hash is in the response")
	}

	for name, header := range map[string]string{
		"garbage":        "Bearer nonsense",
		"unknown token":  "Bearer dtk_" + strings.Repeat("A", 43),
		"wrong scheme":   "Basic " + e.tokens[desk.RoleAdmin],
		"no secret":      "Bearer",
		"empty bearer":   "Bearer ",
		"token as basic": e.tokens[desk.RoleAdmin],
	} {
		c := e.anon()
		c.header.Set("Authorization", header)
		if r := c.do("GET", "/api/v1/auth/me", nil); r.status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, r.status)
		}
	}
}

func TestTokenLifecycle(t *testing.T) {
	e := newEnv(t)
	admin := e.as(desk.RoleAdmin)
	var created createTokenResponse
	admin.do("POST", "/api/v1/tokens", map[string]string{"name": "crm sync", "role": "agent"}).want(http.StatusCreated).into(&created)
	if !auth.LooksLikeToken(created.Secret) || created.Token.ID == 0 || created.Token.Role != desk.RoleAgent {
		t.Fatalf("created = %+v", created)
	}
	c := e.anon()
	c.bearer = created.Secret
	c.do("GET", "/api/v1/queues", nil).want(http.StatusOK)
	c.do("GET", "/api/v1/audit", nil).wantError(http.StatusForbidden, desk.EFORBIDDEN, "")

	var l listResponse[desk.APIToken]
	admin.do("GET", "/api/v1/tokens", nil).want(http.StatusOK).into(&l)
	found := false
	for _, tk := range l.Items {
		found = found || tk.ID == created.Token.ID
	}
	if !found || strings.Contains(string(admin.do("GET", "/api/v1/tokens", nil).body), created.Secret) {
		t.Fatalf("token list: found=%v (and it must not hold the secret)", found)
	}

	// Revoked: refused at once, although its lookup was cached.
	admin.do("DELETE", urlf("/api/v1/tokens/%d", created.Token.ID), nil).want(http.StatusNoContent)
	c.do("GET", "/api/v1/queues", nil).wantError(http.StatusUnauthorized, desk.EUNAUTHORIZED, "")

	admin.do("POST", "/api/v1/tokens", map[string]string{"name": "", "role": "agent"}).wantError(http.StatusBadRequest, desk.EINVALID, "name")
	admin.do("POST", "/api/v1/tokens", map[string]string{"name": "x", "role": "root"}).wantError(http.StatusBadRequest, desk.EINVALID, "role")
	admin.do("DELETE", "/api/v1/tokens/abc", nil).wantError(http.StatusBadRequest, desk.EINVALID, "id")
	admin.do("DELETE", "/api/v1/tokens/999999", nil).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
}

func TestTokenRevokedOnAnotherNodeStopsWorkingAfterTheCacheTTL(t *testing.T) {
	s := newEnv(t, func(c *Config) { c.TokenCacheTTL = 50 * time.Millisecond })
	// A second node over the same database.
	other := newNode(t, s.store, func(c *Config) { c.TokenCacheTTL = 50 * time.Millisecond })
	var created createTokenResponse
	s.as(desk.RoleAdmin).do("POST", "/api/v1/tokens", map[string]string{"name": "n", "role": "agent"}).want(http.StatusCreated).into(&created)
	c := other.anon()
	c.bearer = created.Secret
	c.do("GET", "/api/v1/queues", nil).want(http.StatusOK)
	s.as(desk.RoleAdmin).do("DELETE", urlf("/api/v1/tokens/%d", created.Token.ID), nil).want(http.StatusNoContent)
	deadline := time.Now().Add(5 * time.Second)
	for c.do("GET", "/api/v1/queues", nil).status != http.StatusUnauthorized {
		if time.Now().After(deadline) {
			t.Fatal("the other node still accepts the revoked token after 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSessionEndsWhenTheAgentIsDeactivatedOrThePasswordChanges(t *testing.T) {
	e := newEnv(t)
	agent := e.agents[desk.RoleAgent]
	first := e.login(desk.RoleAgent)
	second := e.login(desk.RoleAgent)

	// Changing the password keeps this session and ends the other.
	second.do("POST", "/api/v1/auth/password", map[string]string{"current_password": "wrong wrong", "new_password": "a brand new password"}).wantError(http.StatusForbidden, desk.EFORBIDDEN, "current_password")
	second.do("POST", "/api/v1/auth/password", map[string]string{"current_password": testPassword, "new_password": "short"}).wantError(http.StatusBadRequest, desk.EINVALID, "new_password")
	second.do("POST", "/api/v1/auth/password", map[string]string{"current_password": testPassword, "new_password": "a brand new password"}).want(http.StatusNoContent)
	second.do("GET", "/api/v1/auth/me", nil).want(http.StatusOK)
	first.do("GET", "/api/v1/auth/me", nil).wantError(http.StatusUnauthorized, desk.EUNAUTHORIZED, "")
	e.anon().do("POST", "/api/v1/auth/login", map[string]string{"email": agent.Email, "password": testPassword}).want(http.StatusUnauthorized)
	e.anon().do("POST", "/api/v1/auth/login", map[string]string{"email": agent.Email, "password": "a brand new password"}).want(http.StatusOK)

	// Tokens have no password.
	e.as(desk.RoleAgent).do("POST", "/api/v1/auth/password", map[string]string{"current_password": "x", "new_password": "a brand new password"}).wantError(http.StatusForbidden, desk.EFORBIDDEN, "")

	// Deactivation ends the session at its next request.
	e.as(desk.RoleAdmin).do("PATCH", urlf("/api/v1/agents/%d", agent.ID), map[string]any{"active": false}).want(http.StatusOK)
	second.do("GET", "/api/v1/auth/me", nil).wantError(http.StatusUnauthorized, desk.EUNAUTHORIZED, "")
}

func TestActorIsRecordedInAudit(t *testing.T) {
	e := newEnv(t)
	sup := e.login(desk.RoleSupervisor)
	var tk desk.Ticket
	sup.do("POST", "/api/v1/tickets", ticketBody("audit-actor@example.com")).want(http.StatusCreated).into(&tk)
	sup.do("PATCH", urlf("/api/v1/tickets/%d", tk.ID), map[string]any{"scope_category": "dns"}).want(http.StatusOK)
	e.as(desk.RoleAgent).do("PATCH", urlf("/api/v1/tickets/%d", tk.ID), map[string]any{"priority": "high"}).want(http.StatusOK)

	var l listResponse[desk.AuditEvent]
	sup.do("GET", urlf("/api/v1/audit?entity_type=ticket&entity_id=%d", tk.ID), nil).want(http.StatusOK).into(&l)
	var sawAgent, sawToken bool
	for _, ev := range l.Items {
		if ev.Actor.Kind == desk.ActorAgent && ev.Actor.ID == e.agents[desk.RoleSupervisor].ID && strings.Contains(string(ev.After), "dns") {
			sawAgent = true
		}
		if ev.Actor.Kind == desk.ActorToken && ev.Actor.Role == desk.RoleAgent && strings.Contains(string(ev.After), "high") {
			sawToken = true
		}
	}
	if !sawAgent || !sawToken {
		t.Fatalf("audit lacks the supervisor's scope correction (%v) or the token's priority change (%v): %+v", sawAgent, sawToken, l.Items)
	}
}
