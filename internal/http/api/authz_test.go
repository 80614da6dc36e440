package api

import (
	"net/http"
	"strings"
	"testing"

	"destek/internal/desk"
)

// leastRole is the authorisation policy, written out independently of the
// route table: the least role each endpoint needs ("" for public ones).
var leastRole = map[string]desk.AgentRole{
	"GET /healthz":             "",
	"GET /readyz":              "",
	"GET /metrics":             "",
	"GET /api/v1/openapi.json": "",
	"POST /api/v1/auth/login":  "",
	"POST /api/v1/auth/logout": "",

	"GET /api/v1/auth/me":        desk.RoleAgent,
	"POST /api/v1/auth/password": desk.RoleAgent,

	"POST /api/v1/tokens":        desk.RoleAdmin,
	"GET /api/v1/tokens":         desk.RoleAdmin,
	"DELETE /api/v1/tokens/{id}": desk.RoleAdmin,

	"POST /api/v1/tickets":               desk.RoleAgent,
	"GET /api/v1/tickets":                desk.RoleAgent,
	"GET /api/v1/tickets/{id}":           desk.RoleAgent,
	"PATCH /api/v1/tickets/{id}":         desk.RoleAgent,
	"POST /api/v1/tickets/{id}/assign":   desk.RoleAgent,
	"POST /api/v1/tickets/{id}/status":   desk.RoleAgent,
	"POST /api/v1/tickets/{id}/links":    desk.RoleAgent, // merging: supervisor, see below
	"GET /api/v1/tickets/{id}/messages":  desk.RoleAgent,
	"POST /api/v1/tickets/{id}/messages": desk.RoleAgent,
	"POST /api/v1/tickets/{id}/notes":    desk.RoleAgent,
	"GET /api/v1/attachments/{id}":       desk.RoleAgent,

	"POST /api/v1/accounts":                                         desk.RoleAgent,
	"GET /api/v1/accounts":                                          desk.RoleAgent,
	"GET /api/v1/accounts/{id}":                                     desk.RoleAgent,
	"PATCH /api/v1/accounts/{id}":                                   desk.RoleAgent, // status: supervisor, see below
	"GET /api/v1/accounts/{id}/authorised-contacts":                 desk.RoleAgent,
	"POST /api/v1/accounts/{id}/authorised-contacts":                desk.RoleSupervisor,
	"DELETE /api/v1/accounts/{id}/authorised-contacts/{contact_id}": desk.RoleSupervisor,

	"POST /api/v1/contacts":       desk.RoleAgent,
	"GET /api/v1/contacts":        desk.RoleAgent,
	"GET /api/v1/contacts/{id}":   desk.RoleAgent,
	"PATCH /api/v1/contacts/{id}": desk.RoleAgent,

	"GET /api/v1/agents":                desk.RoleAgent,
	"GET /api/v1/agents/{id}":           desk.RoleAgent,
	"POST /api/v1/agents":               desk.RoleAdmin,
	"PATCH /api/v1/agents/{id}":         desk.RoleAdmin,
	"POST /api/v1/agents/{id}/password": desk.RoleAdmin,

	"GET /api/v1/queues":  desk.RoleAgent,
	"POST /api/v1/queues": desk.RoleAdmin,

	"GET /api/v1/channels/status":            "",
	"POST /api/v1/channels/webhook/{source}": "",
	"POST /api/v1/webhook-sources":           desk.RoleAdmin,
	"GET /api/v1/webhook-sources":            desk.RoleAdmin,
	"DELETE /api/v1/webhook-sources/{name}":  desk.RoleAdmin,
	"GET /api/v1/policy":                     desk.RoleAgent,
	"GET /api/v1/policy/versions":            desk.RoleAgent,
	"GET /api/v1/policy/versions/{version}":  desk.RoleAgent,
	"POST /api/v1/policy/versions":           desk.RoleAdmin,

	"POST /api/v1/tickets/{id}/professional-services": desk.RoleAgent,
	"POST /api/v1/classify":                           desk.RoleAgent,
	"GET /api/v1/classification/corrections":          desk.RoleSupervisor,

	"GET /api/v1/search": desk.RoleAgent,
	"GET /api/v1/audit":  desk.RoleSupervisor,
}

// TestAuthorisationMatrix calls every endpoint as anonymous, agent,
// supervisor and admin, each with a bearer token and with a session, and
// checks that exactly the roles at or above the endpoint's least role (from
// leastRole, not from the route table) get past authentication and
// authorisation. Path ids point at nothing and bodies are empty, so permitted
// calls end in some other 4xx (or 200) and change nothing.
func TestAuthorisationMatrix(t *testing.T) {
	e := newEnv(t)
	for _, rt := range e.api.routes {
		if _, ok := leastRole[rt.Method+" "+rt.Path]; !ok {
			t.Errorf("route %s %s is not in the authorisation matrix: add it to leastRole", rt.Method, rt.Path)
		}
	}
	if len(leastRole) != len(e.api.routes) {
		t.Errorf("the matrix has %d endpoints, the route table %d", len(leastRole), len(e.api.routes))
	}

	type caller struct {
		name string
		role desk.AgentRole // "" for anonymous
		c    *client
	}
	callers := []caller{{"anonymous", "", e.anon()}}
	for _, r := range []desk.AgentRole{desk.RoleAgent, desk.RoleSupervisor, desk.RoleAdmin} {
		callers = append(callers, caller{string(r) + " token", r, e.as(r)}, caller{string(r) + " session", r, e.login(r)})
	}
	denied := map[int]bool{http.StatusUnauthorized: true, http.StatusForbidden: true}

	for _, rt := range e.api.routes {
		key := rt.Method + " " + rt.Path
		least, ok := leastRole[key]
		if !ok || rt.Path == "/api/v1/auth/logout" || rt.Path == "/api/v1/auth/login" {
			continue // logging in and out change the caller's session; TestLogin* cover them
		}
		url := strings.NewReplacer("{id}", "987654", "{contact_id}", "987654").Replace(rt.Path)
		for _, cl := range callers {
			if rt.Path == "/api/v1/auth/password" && strings.HasSuffix(cl.name, "token") {
				continue // tokens have no password: 403 by design, see TestSessionEnds…
			}
			var body any
			if rt.Method == "POST" || rt.Method == "PATCH" {
				body = "{}"
			}
			r := cl.c.do(rt.Method, url, body)
			allowed := least == "" || (cl.role != "" && cl.role.AtLeast(least))
			switch {
			case allowed && denied[r.status]:
				t.Errorf("%s as %s: %d, want it allowed (least role %q): %s", key, cl.name, r.status, least, r.body)
			case !allowed && cl.role == "" && r.status != http.StatusUnauthorized:
				t.Errorf("%s anonymously: %d, want 401", key, r.status)
			case !allowed && cl.role != "" && r.status != http.StatusForbidden:
				t.Errorf("%s as %s: %d, want 403 (least role %s)", key, cl.name, r.status, least)
			}
		}
	}
}

// TestActionsThatNeedMoreThanTheirRoute covers the checks inside handlers:
// merging tickets and changing an account's status need a supervisor,
// although their routes are open to agents.
func TestActionsThatNeedMoreThanTheirRoute(t *testing.T) {
	e := newEnv(t)
	a := e.createTicket(desk.RoleAgent, "m1@example.com")
	b := e.createTicket(desk.RoleAgent, "m2@example.com")
	var acct desk.Account
	e.as(desk.RoleAgent).do("POST", "/api/v1/accounts", map[string]any{"name": "X", "kind": "individual"}).want(http.StatusCreated).into(&acct)

	cases := []struct {
		method, url string
		body        any
		least       desk.AgentRole
	}{
		{"POST", urlf("/api/v1/tickets/%d/links", a.ID), map[string]any{"ticket_id": b.ID, "kind": "merged"}, desk.RoleSupervisor},
		{"PATCH", urlf("/api/v1/accounts/%d", acct.ID), map[string]any{"status": "suspended"}, desk.RoleSupervisor},
	}
	for _, tc := range cases {
		for _, role := range []desk.AgentRole{desk.RoleAgent, desk.RoleSupervisor} {
			for _, c := range []*client{e.as(role), e.login(role)} {
				r := c.do(tc.method, tc.url, tc.body)
				if role.AtLeast(tc.least) {
					if denied := r.status == http.StatusForbidden || r.status == http.StatusUnauthorized; denied {
						t.Errorf("%s %s as %s: %d", tc.method, tc.url, role, r.status)
					}
				} else {
					r.wantError(http.StatusForbidden, desk.EFORBIDDEN, "")
				}
			}
		}
	}
}
