package api

import (
	"net/http"
	"strings"
	"testing"

	"destek/internal/desk"
)

// TestAuthorisationMatrix calls every route in the route table as anonymous,
// agent, supervisor and admin, with a bearer token and with a session, and
// checks that exactly the roles at or above the route's least role get past
// authentication and authorisation. Path ids point at nothing and bodies are
// empty, so permitted calls end in 4xx of another kind (or 200) and change
// nothing.
func TestAuthorisationMatrix(t *testing.T) {
	e := newEnv(t)
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
		if rt.Path == "/api/v1/auth/logout" || rt.Path == "/api/v1/auth/login" {
			continue // they change the caller's session; TestLogin* cover them
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
			allowed := rt.Role == "" || (cl.role != "" && cl.role.AtLeast(rt.Role))
			switch {
			case allowed && denied[r.status]:
				t.Errorf("%s %s as %s: %d, want it allowed (least role %q): %s", rt.Method, rt.Path, cl.name, r.status, rt.Role, r.body)
			case !allowed && cl.role == "" && r.status != http.StatusUnauthorized:
				t.Errorf("%s %s anonymously: %d, want 401", rt.Method, rt.Path, r.status)
			case !allowed && cl.role != "" && r.status != http.StatusForbidden:
				t.Errorf("%s %s as %s: %d, want 403 (least role %s)", rt.Method, rt.Path, cl.name, r.status, rt.Role)
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
