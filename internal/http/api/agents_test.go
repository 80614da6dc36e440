package api

import (
	"net/http"
	"strings"
	"testing"

	"destek/internal/desk"
)

func TestAgents(t *testing.T) {
	e := newEnv(t)
	admin := e.login(desk.RoleAdmin)

	var a desk.Agent
	r := admin.do("POST", "/api/v1/agents", map[string]any{"email": "Yeni@Destek.test", "name": "Yeni Temsilci", "role": "agent", "password": "ilk parola 2026"}).want(http.StatusCreated).into(&a)
	if a.Email != "yeni@destek.test" || !a.Active || a.Role != desk.RoleAgent || strings.Contains(string(r.body), "parola") {
		t.Fatalf("agent = %s", r.body)
	}
	e.anon().do("POST", "/api/v1/auth/login", map[string]string{"email": "yeni@destek.test", "password": "ilk parola 2026"}).want(http.StatusOK)
	admin.do("POST", "/api/v1/agents", map[string]any{"email": "yeni@destek.test", "name": "Dup", "role": "agent", "password": "ilk parola 2026"}).wantError(http.StatusConflict, desk.ECONFLICT, "")

	var l listResponse[desk.Agent]
	e.as(desk.RoleAgent).do("GET", "/api/v1/agents", nil).want(http.StatusOK).into(&l)
	if len(l.Items) != 4 {
		t.Fatalf("agents = %d", len(l.Items))
	}
	var got desk.Agent
	e.as(desk.RoleAgent).do("GET", urlf("/api/v1/agents/%d", a.ID), nil).want(http.StatusOK).into(&got)

	admin.do("PATCH", urlf("/api/v1/agents/%d", a.ID), map[string]any{"role": "supervisor", "name": "Kıdemli"}).want(http.StatusOK).into(&got)
	if got.Role != desk.RoleSupervisor || got.Name != "Kıdemli" {
		t.Fatalf("patched = %+v", got)
	}
	// Admins cannot lock themselves out.
	self := e.agents[desk.RoleAdmin].ID
	admin.do("PATCH", urlf("/api/v1/agents/%d", self), map[string]any{"role": "agent"}).wantError(http.StatusConflict, desk.ECONFLICT, "role")
	admin.do("PATCH", urlf("/api/v1/agents/%d", self), map[string]any{"active": false}).wantError(http.StatusConflict, desk.ECONFLICT, "active")
	admin.do("PATCH", urlf("/api/v1/agents/%d", self), map[string]any{"name": "Yönetici"}).want(http.StatusOK)

	// An admin resets a password: the old one stops working.
	admin.do("POST", urlf("/api/v1/agents/%d/password", a.ID), map[string]any{"password": "ikinci parola 2026"}).want(http.StatusNoContent)
	e.anon().do("POST", "/api/v1/auth/login", map[string]string{"email": "yeni@destek.test", "password": "ilk parola 2026"}).want(http.StatusUnauthorized)
	e.anon().do("POST", "/api/v1/auth/login", map[string]string{"email": "yeni@destek.test", "password": "ikinci parola 2026"}).want(http.StatusOK)
	// Resetting one's own keeps one's session.
	admin.do("POST", urlf("/api/v1/agents/%d/password", self), map[string]any{"password": "yönetici parolası"}).want(http.StatusNoContent)
	admin.do("GET", "/api/v1/auth/me", nil).want(http.StatusOK)

	before := e.auditCount()
	for body, field := range map[string]string{
		`{"name": "x", "role": "agent", "password": "long enough pw"}`:                                       "email",
		`{"email": "bad", "name": "x", "role": "agent", "password": "long enough pw"}`:                       "email",
		`{"email": "x@d.test", "role": "agent", "password": "long enough pw"}`:                               "name",
		`{"email": "x@d.test", "name": "x", "role": "root", "password": "long enough pw"}`:                   "role",
		`{"email": "x@d.test", "name": "x", "role": "agent", "password": "short"}`:                           "password",
		`{"email": "x@d.test", "name": "x", "role": "agent"}`:                                                "password",
		`{"email": "x@d.test", "name": "x", "role": "agent", "password": "long enough pw", "active": false}`: "active",
	} {
		admin.do("POST", "/api/v1/agents", body).wantError(http.StatusBadRequest, desk.EINVALID, field)
	}
	for body, field := range map[string]string{
		`{}`:                   "",
		`{"role": "owner"}`:    "role",
		`{"active": "no"}`:     "active",
		`{"active": null}`:     "active",
		`{"email": "a@b.co"}`:  "email",
		`{"password": "xxxx"}`: "password",
	} {
		admin.do("PATCH", urlf("/api/v1/agents/%d", a.ID), body).wantError(http.StatusBadRequest, desk.EINVALID, field)
	}
	admin.do("POST", urlf("/api/v1/agents/%d/password", a.ID), map[string]any{"password": "short"}).wantError(http.StatusBadRequest, desk.EINVALID, "password")
	admin.do("POST", "/api/v1/agents/99999/password", map[string]any{"password": "long enough pw"}).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
	admin.do("PATCH", "/api/v1/agents/99999", map[string]any{"name": "x"}).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
	if e.auditCount() != before {
		t.Fatal("refused agent requests wrote audit events")
	}
}

func TestQueues(t *testing.T) {
	e := newEnv(t)
	var l listResponse[desk.Queue]
	e.as(desk.RoleAgent).do("GET", "/api/v1/queues", nil).want(http.StatusOK).into(&l)
	keys := map[string]bool{}
	for _, q := range l.Items {
		keys[q.Key] = true
	}
	for _, k := range []string{desk.QueueSupport, desk.QueueTechnical, desk.QueueBilling, desk.QueueLegal, desk.QueueAbuse, desk.QueueProfessionalServices} {
		if !keys[k] {
			t.Errorf("queue %s missing", k)
		}
	}
	admin := e.as(desk.RoleAdmin)
	var q desk.Queue
	admin.do("POST", "/api/v1/queues", map[string]any{"key": "vip", "name": "VIP müşteriler", "description": "Kurumsal"}).want(http.StatusCreated).into(&q)
	if q.Key != "vip" || q.Name != "VIP müşteriler" {
		t.Fatalf("queue = %+v", q)
	}
	admin.do("POST", "/api/v1/queues", map[string]any{"key": "vip", "name": "Again"}).wantError(http.StatusConflict, desk.ECONFLICT, "")
	admin.do("POST", "/api/v1/queues", map[string]any{"key": "VIP Team", "name": "x"}).wantError(http.StatusBadRequest, desk.EINVALID, "key")
	admin.do("POST", "/api/v1/queues", map[string]any{"key": "ok"}).wantError(http.StatusBadRequest, desk.EINVALID, "name")
	// The new queue takes tickets.
	body := ticketBody("vip@example.com")
	body["queue"] = "vip"
	e.as(desk.RoleAgent).do("POST", "/api/v1/tickets", body).want(http.StatusCreated)
}

func TestSearch(t *testing.T) {
	e := newEnv(t)
	body := ticketBody("search@example.com")
	body["subject"] = "Şifremi unuttum"
	body["text"] = "Panele giriş yapamıyorum, şifre sıfırlama e-postası gelmiyor."
	var tk desk.Ticket
	e.as(desk.RoleAgent).do("POST", "/api/v1/tickets", body).want(http.StatusCreated).into(&tk)
	e.createTicket(desk.RoleAgent, "noise@example.com")

	var l listResponse[desk.SearchHit]
	e.as(desk.RoleAgent).do("GET", "/api/v1/search?q=sifre", nil).want(http.StatusOK).into(&l)
	if len(l.Items) == 0 || l.Items[0].TicketID != tk.ID {
		t.Fatalf("search sifre = %+v", l.Items)
	}
	e.as(desk.RoleAgent).do("GET", "/api/v1/search", nil).wantError(http.StatusBadRequest, desk.EINVALID, "q")
	e.as(desk.RoleAgent).do("GET", "/api/v1/search?q=%20", nil).wantError(http.StatusBadRequest, desk.EINVALID, "q")
	e.as(desk.RoleAgent).do("GET", "/api/v1/search?q=x&limit=-1", nil).wantError(http.StatusBadRequest, desk.EINVALID, "limit")
	e.as(desk.RoleAgent).do("GET", "/api/v1/search?q=x&sort=rank", nil).wantError(http.StatusBadRequest, desk.EINVALID, "sort")
}

func TestAudit(t *testing.T) {
	e := newEnv(t)
	tk := e.createTicket(desk.RoleAgent, "auditlist@example.com")
	e.as(desk.RoleAgent).do("POST", urlf("/api/v1/tickets/%d/status", tk.ID), map[string]string{"status": "open"}).want(http.StatusOK)

	var l listResponse[desk.AuditEvent]
	e.as(desk.RoleSupervisor).do("GET", urlf("/api/v1/audit?entity_type=ticket&entity_id=%d&limit=1", tk.ID), nil).want(http.StatusOK).into(&l)
	if len(l.Items) != 1 || l.Items[0].EntityID != tk.ID || l.NextCursor == nil || *l.NextCursor == "" {
		t.Fatalf("first page = %+v", l)
	}
	var next listResponse[desk.AuditEvent]
	e.as(desk.RoleSupervisor).do("GET", urlf("/api/v1/audit?entity_type=ticket&entity_id=%d&limit=1&cursor=%s", tk.ID, *l.NextCursor), nil).want(http.StatusOK).into(&next)
	if len(next.Items) != 1 || next.Items[0].ID == l.Items[0].ID {
		t.Fatalf("second page = %+v", next)
	}
	e.as(desk.RoleAgent).do("GET", "/api/v1/audit", nil).wantError(http.StatusForbidden, desk.EFORBIDDEN, "")
	e.as(desk.RoleSupervisor).do("GET", "/api/v1/audit?entity_id=abc", nil).wantError(http.StatusBadRequest, desk.EINVALID, "entity_id")
}
