package api

import (
	"bytes"
	"net/http"
	"testing"

	"destek/internal/desk"
	"destek/internal/store/storetest"
)

// TestConversationOnEachDatabase runs one support conversation through the
// API on SQLite and on PostgreSQL (when DESTEK_TEST_POSTGRES is set): a
// session login, a ticket with an attachment, a reply, closing, the refused
// and the reopening reply, search, the audit trail, and a refused request
// that writes nothing.
func TestConversationOnEachDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		e := newEnvOn(t, s)
		agent := e.login(desk.RoleAgent)

		var tk desk.Ticket
		body := ticketBody("each-db@example.com")
		body["subject"] = "Şifremi unuttum"
		agent.send(e.multipartRequest("/api/v1/tickets", payload(body),
			upload{field: "attachments", filename: "ekran.png", data: pngBytes})).want(http.StatusCreated).into(&tk)
		ms := e.messages(tk.ID)
		if len(ms) != 1 || len(ms[0].Attachments) != 1 {
			t.Fatalf("messages = %+v", ms)
		}
		r := agent.do("GET", urlf("/api/v1/attachments/%d", ms[0].Attachments[0].ID), nil).want(http.StatusOK)
		if !bytes.Equal(r.body, pngBytes) {
			t.Fatal("the attachment came back different")
		}

		url := urlf("/api/v1/tickets/%d/messages", tk.ID)
		agent.do("POST", url, map[string]any{"text": "Şifre sıfırlama bağlantısı gönderildi."}).want(http.StatusCreated)
		agent.do("POST", urlf("/api/v1/tickets/%d/status", tk.ID), map[string]string{"status": "closed"}).want(http.StatusOK)
		agent.do("POST", url, map[string]any{"text": "ek bilgi"}).wantError(http.StatusConflict, desk.ECONFLICT, "reopen")
		var out messageResponse
		agent.do("POST", url, map[string]any{"direction": "inbound", "text": "Bağlantı gelmedi.", "reopen": true}).want(http.StatusCreated).into(&out)
		if out.Ticket.Status != desk.StatusOpen {
			t.Fatalf("after the reopening message: %s", out.Ticket.Status)
		}

		var hits listResponse[desk.SearchHit]
		agent.do("GET", "/api/v1/search?q=sifremi", nil).want(http.StatusOK).into(&hits)
		if len(hits.Items) == 0 || hits.Items[0].TicketID != tk.ID {
			t.Fatalf("search = %+v", hits.Items)
		}
		var page listResponse[desk.Ticket]
		agent.do("GET", "/api/v1/tickets?status=open&limit=1", nil).want(http.StatusOK).into(&page)
		if len(page.Items) != 1 || page.Items[0].ID != tk.ID {
			t.Fatalf("open tickets = %+v", page.Items)
		}

		before, audit := e.countTickets(), e.auditCount()
		bad := ticketBody("each-db-bad@example.com")
		bad["queue"] = "nope"
		agent.do("POST", "/api/v1/tickets", bad).wantError(http.StatusBadRequest, desk.EINVALID, "queue")
		if e.countTickets() != before || e.auditCount() != audit {
			t.Fatal("a refused ticket wrote something")
		}

		var events listResponse[desk.AuditEvent]
		e.login(desk.RoleSupervisor).do("GET", urlf("/api/v1/audit?entity_type=ticket&entity_id=%d", tk.ID), nil).want(http.StatusOK).into(&events)
		if len(events.Items) < 3 || events.Items[0].Actor.Kind != desk.ActorAgent || events.Items[0].Actor.ID != e.agents[desk.RoleAgent].ID {
			t.Fatalf("audit = %+v", events.Items)
		}
		agent.do("POST", "/api/v1/auth/logout", nil).want(http.StatusNoContent)
		agent.do("GET", "/api/v1/auth/me", nil).want(http.StatusUnauthorized)
	})
}
