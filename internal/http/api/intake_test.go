package api

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"destek/internal/desk"
)

// TestInboundMessagesAreJudged checks the policy path through the API: the
// first message is classified and stored with its verdict, the ticket takes
// the scope category and the policy's queue, and later customer messages
// are judged too.
func TestInboundMessagesAreJudged(t *testing.T) {
	e := newEnv(t)
	agent := e.as(desk.RoleAgent)
	body := ticketBody("dns@example.com")
	body["subject"] = "MX kaydı"
	body["text"] = "Merhaba, ornek.com.tr alan adımın MX kaydını panelden nasıl değiştirebilirim?"
	var tk desk.Ticket
	agent.do("POST", "/api/v1/tickets", body).want(http.StatusCreated).into(&tk)
	if tk.ScopeCategory != "dns" || tk.Queue != "technical" {
		t.Fatalf("ticket routed as %q to %q; want dns to technical", tk.ScopeCategory, tk.Queue)
	}
	var ms listResponse[desk.Message]
	agent.do("GET", urlf("/api/v1/tickets/%d/messages", tk.ID), nil).want(http.StatusOK).into(&ms)
	c := ms.Items[0].Classification
	if c == nil || c.Scope.Category != "dns" || c.Language != "tr" || c.Level != 0 || c.CriticalOperation != nil {
		t.Fatalf("first message classification = %+v", c)
	}

	// A named queue wins over the policy's routing.
	body = ticketBody("billing@example.com")
	body["text"] = "Faturamı PDF olarak indiremiyorum."
	body["queue"] = "support"
	agent.do("POST", "/api/v1/tickets", body).want(http.StatusCreated).into(&tk)
	if tk.Queue != "support" || tk.ScopeCategory != "billing" {
		t.Errorf("explicit queue: routed %q to %q", tk.ScopeCategory, tk.Queue)
	}

	// A later customer message is judged: evidence quoted as written.
	var res messageResponse
	agent.do("POST", urlf("/api/v1/tickets/%d/messages", tk.ID), map[string]any{"direction": "inbound", "text": "Hâlâ yok, siz ne biçim salaksınız!"}).
		want(http.StatusCreated).into(&res)
	c = res.Message.Classification
	if c == nil || c.Level != 2 || len(c.Violations) == 0 {
		t.Fatalf("abusive follow-up classification = %+v", c)
	}
	v := c.Violations[0]
	if !strings.Contains("Hâlâ yok, siz ne biçim salaksınız!", v.Evidence) || v.Evidence == "" || v.Rule == "" || v.Article == "" {
		t.Errorf("violation = %+v", v)
	}
	// Agents' replies and notes are not judged as customer messages.
	var reply messageResponse
	agent.do("POST", urlf("/api/v1/tickets/%d/messages", tk.ID), map[string]any{"text": "İlgileniyoruz."}).want(http.StatusCreated).into(&reply)
	if reply.Message.Classification != nil {
		t.Errorf("an agent's reply has a classification: %+v", reply.Message.Classification)
	}
}

// TestOutOfScope walks article 6: an out-of-scope request gets the
// policy's answer prepared for the agent (the default policy says "agent"),
// the customer accepts, and a professional-services request opens, linked.
func TestOutOfScope(t *testing.T) {
	e := newEnv(t)
	agent := e.as(desk.RoleAgent)
	body := ticketBody("site@example.com")
	body["subject"] = "Tasarım"
	body["text"] = "Kurumsal sitemizi WordPress ile baştan tasarlamanızı ve tema ile eklentileri kurmanızı istiyoruz."
	body["contact"] = map[string]any{"channel": "email", "address": "site@example.com", "name": "Deniz Ak"}
	var tk desk.Ticket
	agent.do("POST", "/api/v1/tickets", body).want(http.StatusCreated).into(&tk)
	if tk.ScopeCategory != "web_development" || tk.Queue != "professional_services" {
		t.Fatalf("out-of-scope ticket routed as %q to %q", tk.ScopeCategory, tk.Queue)
	}
	var ms listResponse[desk.Message]
	agent.do("GET", urlf("/api/v1/tickets/%d/messages", tk.ID), nil).want(http.StatusOK).into(&ms)
	if len(ms.Items) != 2 || ms.Items[1].Direction != desk.Note {
		t.Fatalf("want the request and a prepared answer as a note, got %+v", ms.Items)
	}
	note := ms.Items[1].Text
	for _, want := range []string{"Deniz Ak", "Madde 6", "6. maddesine", "ücretli profesyonel hizmet"} {
		if !strings.Contains(note, want) {
			t.Errorf("prepared answer lacks %q:\n%s", want, note)
		}
	}

	// In English, the answer is in English.
	body = ticketBody("en@example.com")
	body["text"] = "Can you clean up our hacked WordPress site? There is malware injected in the theme files."
	var en desk.Ticket
	agent.do("POST", "/api/v1/tickets", body).want(http.StatusCreated).into(&en)
	agent.do("GET", urlf("/api/v1/tickets/%d/messages", en.ID), nil).want(http.StatusOK).into(&ms)
	if en.ScopeCategory != "hacked_site_cleanup" || len(ms.Items) != 2 || !strings.Contains(ms.Items[1].Text, "paid professional service") {
		t.Fatalf("English out-of-scope: %q, messages %+v", en.ScopeCategory, ms.Items)
	}

	// The customer accepts by replying.
	before := e.countTickets()
	var res messageResponse
	agent.do("POST", urlf("/api/v1/tickets/%d/messages", tk.ID), map[string]any{"direction": "inbound", "text": "Evet, teklif istiyorum. Teşekkürler."}).
		want(http.StatusCreated).into(&res)
	if e.countTickets() != before+1 || len(res.Ticket.Links) != 1 {
		t.Fatalf("acceptance opened %d tickets, links %+v", e.countTickets()-before, res.Ticket.Links)
	}
	var ps desk.Ticket
	agent.do("GET", urlf("/api/v1/tickets/%d", res.Ticket.Links[0].TicketID), nil).want(http.StatusOK).into(&ps)
	if ps.Queue != "professional_services" || ps.ContactID != tk.ContactID || len(ps.Links) != 1 || ps.Links[0].TicketID != tk.ID {
		t.Fatalf("professional-services request = %+v", ps)
	}
	// Once only: the endpoint refuses a second request for the same ticket.
	agent.do("POST", urlf("/api/v1/tickets/%d/professional-services", tk.ID), nil).wantError(http.StatusConflict, desk.ECONFLICT, "")
	// The English ticket is accepted by the agent on the customer's behalf.
	agent.do("POST", urlf("/api/v1/tickets/%d/professional-services", en.ID), nil).want(http.StatusCreated)
	// An in-scope ticket has no professional service.
	in := e.createTicket(desk.RoleAgent, "in@example.com")
	agent.do("POST", urlf("/api/v1/tickets/%d/professional-services", in.ID), nil).wantError(http.StatusConflict, desk.ECONFLICT, "scope_category")
	agent.do("POST", "/api/v1/tickets/999999/professional-services", nil).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
}

// TestScopeCorrections: an agent corrects a category, a supervisor exports
// the corrections as training data.
func TestScopeCorrections(t *testing.T) {
	e := newEnv(t)
	tk := e.createTicket(desk.RoleAgent, "fix@example.com")
	e.as(desk.RoleAgent).do("PATCH", urlf("/api/v1/tickets/%d", tk.ID), map[string]any{"scope_category": "panel_api"}).want(http.StatusOK)

	var page struct {
		Items []desk.ScopeCorrection `json:"items"`
	}
	e.as(desk.RoleSupervisor).do("GET", "/api/v1/classification/corrections", nil).want(http.StatusOK).into(&page)
	if len(page.Items) != 1 || page.Items[0].From != tk.ScopeCategory || page.Items[0].To != "panel_api" || page.Items[0].Actor.Kind == "" {
		t.Fatalf("corrections = %+v", page.Items)
	}
	r := e.as(desk.RoleSupervisor).do("GET", "/api/v1/classification/corrections?format=jsonl", nil).want(http.StatusOK)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/jsonl") {
		t.Errorf("Content-Type = %q", ct)
	}
	sc := bufio.NewScanner(strings.NewReader(string(r.body)))
	n := 0
	for sc.Scan() {
		var ex struct{ ID, Text, Scope string }
		if err := json.Unmarshal(sc.Bytes(), &ex); err != nil || ex.Scope != "panel_api" || ex.Text != ticketBody("")["text"] || ex.ID == "" {
			t.Errorf("training line %q: %v", sc.Text(), err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("%d training lines", n)
	}
	e.as(desk.RoleSupervisor).do("GET", "/api/v1/classification/corrections?format=csv", nil).wantError(http.StatusBadRequest, desk.EINVALID, "format")
}

func TestClassifyEndpoint(t *testing.T) {
	e := newEnv(t)
	var c desk.Classification
	e.as(desk.RoleAgent).do("POST", "/api/v1/classify", map[string]any{"text": "Please send me the EPP auth code for example.com, I am moving it."}).
		want(http.StatusOK).into(&c)
	if c.Language != "en" || c.Scope.Category != "domain" || c.CriticalOperation == nil || *c.CriticalOperation != "auth_code" {
		t.Fatalf("classification = %+v", c)
	}
	e.as(desk.RoleAgent).do("POST", "/api/v1/classify", map[string]any{"text": ""}).wantError(http.StatusBadRequest, desk.EINVALID, "text")
	e.as(desk.RoleAgent).do("POST", "/api/v1/classify", map[string]any{"text": 5}).wantError(http.StatusBadRequest, desk.EINVALID, "text")
}
