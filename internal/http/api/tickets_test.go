package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"destek/internal/desk"
)

func TestCreateTicket(t *testing.T) {
	e := newEnv(t)
	var acct desk.Account
	e.as(desk.RoleAgent).do("POST", "/api/v1/accounts", map[string]any{"name": "Atak Ltd", "kind": "corporate"}).want(http.StatusCreated).into(&acct)

	body := ticketBody("  Ayse@Example.COM ")
	body["queue"] = "billing"
	body["priority"] = "high"
	body["tags"] = []string{"Fatura", "fatura", " iade "}
	body["account_id"] = acct.ID
	var tk desk.Ticket
	r := e.as(desk.RoleAgent).do("POST", "/api/v1/tickets", body).want(http.StatusCreated).into(&tk)
	if r.header.Get("Location") != urlf("/api/v1/tickets/%d", tk.ID) {
		t.Errorf("Location = %q", r.header.Get("Location"))
	}
	if tk.Status != desk.StatusNew || tk.Queue != "billing" || tk.Priority != desk.PriorityHigh || tk.Channel != desk.ChannelEmail ||
		tk.PolicyVersion != 0 || tk.AccountID == nil || *tk.AccountID != acct.ID || strings.Join(tk.Tags, ",") != "fatura,iade" {
		t.Fatalf("ticket = %+v", tk)
	}
	c, err := e.store.Contact(context.Background(), tk.ContactID)
	if err != nil || c.Address != "ayse@example.com" || c.Name != "Ayşe Yılmaz" {
		t.Fatalf("contact = %+v, %v", c, err)
	}
	var ms listResponse[desk.Message]
	e.as(desk.RoleAgent).do("GET", urlf("/api/v1/tickets/%d/messages", tk.ID), nil).want(http.StatusOK).into(&ms)
	if len(ms.Items) != 1 || ms.Items[0].Direction != desk.Inbound || ms.Items[0].AuthorContactID == nil || *ms.Items[0].AuthorContactID != c.ID {
		t.Fatalf("messages = %+v", ms.Items)
	}

	// Defaults; the same contact is reused.
	var tk2 desk.Ticket
	e.as(desk.RoleAgent).do("POST", "/api/v1/tickets", ticketBody("ayse@example.com")).want(http.StatusCreated).into(&tk2)
	if tk2.Queue != desk.QueueSupport || tk2.Priority != desk.PriorityNormal || tk2.ContactID != tk.ContactID {
		t.Fatalf("second ticket = %+v", tk2)
	}
	var got desk.Ticket
	e.as(desk.RoleAgent).do("GET", urlf("/api/v1/tickets/%d", tk.ID), nil).want(http.StatusOK).into(&got)
	if got.ID != tk.ID || got.Subject != tk.Subject {
		t.Fatalf("GET = %+v", got)
	}
}

// TestCreateTicketRefusesBadInput sends malformed and invalid bodies: each
// gets a 4xx with a code (and the field when there is one), and nothing is
// written.
func TestCreateTicketRefusesBadInput(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxAttachmentBytes = 1 << 10 })
	c := e.as(desk.RoleAgent)
	with := func(k string, v any) map[string]any {
		b := ticketBody("bad@example.com")
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	big := strings.Repeat("a", 2<<20)
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"empty body", "", 400, desk.EINVALID, ""},
		{"not JSON", "subject=x", 400, desk.EINVALID, ""},
		{"syntax error", `{"subject": "x",}`, 400, desk.EINVALID, ""},
		{"truncated", `{"subject": "x"`, 400, desk.EINVALID, ""},
		{"array", `[1,2]`, 400, desk.EINVALID, ""},
		{"two values", `{"subject":"a"} {"subject":"b"}`, 400, desk.EINVALID, ""},
		{"unknown field", with("urgent", true), 400, desk.EINVALID, "urgent"},
		{"unknown nested field", with("contact", map[string]any{"address": "a@b.co", "phone": "1"}), 400, desk.EINVALID, "phone"},
		{"wrong type", with("subject", 42), 400, desk.EINVALID, "subject"},
		{"wrong nested type", with("contact", map[string]any{"address": 5}), 400, desk.EINVALID, "contact.address"},
		{"wrong type in array", with("tags", []any{1}), 400, desk.EINVALID, "tags"},
		{"wrong id type", with("account_id", "seven"), 400, desk.EINVALID, "account_id"},
		{"missing subject", with("subject", nil), 400, desk.EINVALID, "subject"},
		{"blank subject", with("subject", "   "), 400, desk.EINVALID, "subject"},
		{"two-line subject", with("subject", "a\nb"), 400, desk.EINVALID, "subject"},
		{"control character", with("subject", "a\x00b"), 400, desk.EINVALID, "subject"},
		{"missing text", with("text", nil), 400, desk.EINVALID, "text"},
		{"missing channel", with("channel", nil), 400, desk.EINVALID, "channel"},
		{"bad channel", with("channel", "fax"), 400, desk.EINVALID, "channel"},
		{"missing contact", with("contact", nil), 400, desk.EINVALID, "contact"},
		{"bad contact channel", with("contact", map[string]any{"channel": "pigeon", "address": "a@b.co"}), 400, desk.EINVALID, "contact.channel"},
		{"bad address", with("contact", map[string]any{"address": "not an address"}), 400, desk.EINVALID, "contact.address"},
		{"bad priority", with("priority", "asap"), 400, desk.EINVALID, "priority"},
		{"unknown queue", with("queue", "sales"), 400, desk.EINVALID, "queue"},
		{"malformed queue", with("queue", "Sales Team"), 400, desk.EINVALID, "queue"},
		{"unknown account", with("account_id", 424242), 400, desk.EINVALID, "account_id"},
		{"too long subject", with("subject", strings.Repeat("ş", 301)), 400, desk.EINVALID, "subject"},
		{"bad tag", with("tags", []string{"a,b"}), 400, desk.EINVALID, "tags"},
		{"too large", with("text", big), 413, desk.ETOOLARGE, ""},
	}
	before, auditBefore := e.countTickets(), e.auditCount()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do("POST", "/api/v1/tickets", tc.body)
			r.t = t
			r.wantError(tc.status, tc.code, tc.field)
		})
	}

	// Media types.
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/tickets", strings.NewReader(`{}`))
	c.send(req).wantError(http.StatusUnsupportedMediaType, desk.EUNSUPPORTED, "")
	req, _ = http.NewRequest("POST", e.srv.URL+"/api/v1/tickets", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "text/plain")
	c.send(req).wantError(http.StatusUnsupportedMediaType, desk.EUNSUPPORTED, "")
	req, _ = http.NewRequest("POST", e.srv.URL+"/api/v1/tickets", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json; charset=iso-8859-9")
	c.send(req).wantError(http.StatusUnsupportedMediaType, desk.EUNSUPPORTED, "")

	if n, a := e.countTickets(), e.auditCount(); n != before || a != auditBefore {
		t.Fatalf("bad requests wrote: tickets %d → %d, audit events %d → %d", before, n, auditBefore, a)
	}
	if _, err := e.store.ContactByAddress(context.Background(), desk.ChannelEmail, "bad@example.com"); desk.ErrorCode(err) != desk.ENOTFOUND {
		t.Fatalf("a refused ticket left its contact behind: %v", err)
	}
}

func TestListTicketsFiltersAndPages(t *testing.T) {
	e := newEnv(t)
	c := e.as(desk.RoleAgent)
	var ids []int64
	for i := range 5 {
		ids = append(ids, e.createTicket(desk.RoleAgent, fmt.Sprintf("list%d@example.com", i)).ID)
	}
	agentID := e.agents[desk.RoleAgent].ID
	c.do("POST", urlf("/api/v1/tickets/%d/assign", ids[0]), map[string]any{"assignee_id": agentID}).want(http.StatusOK)
	c.do("POST", urlf("/api/v1/tickets/%d/status", ids[1]), map[string]any{"status": "open"}).want(http.StatusOK)
	c.do("PATCH", urlf("/api/v1/tickets/%d", ids[2]), map[string]any{"tags": []string{"vip"}, "priority": "urgent", "queue": "technical"}).want(http.StatusOK)

	list := func(q string) []int64 {
		t.Helper()
		var l listResponse[desk.Ticket]
		c.do("GET", "/api/v1/tickets"+q, nil).want(http.StatusOK).into(&l)
		var got []int64
		for _, tk := range l.Items {
			got = append(got, tk.ID)
		}
		return got
	}
	eq := func(q string, want ...int64) {
		t.Helper()
		if got := list(q); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("GET /api/v1/tickets%s = %v, want %v", q, got, want)
		}
	}
	eq(urlf("?assignee_id=%d", agentID), ids[0])
	eq("?status=open", ids[1])
	eq("?status=open&status=new&tag=vip", ids[2])
	eq("?tag=%20VIP%20", ids[2])
	eq("?priority=urgent", ids[2])
	eq("?queue=technical", ids[2])
	if got := list("?unassigned=true"); len(got) != 4 {
		t.Errorf("unassigned = %v", got)
	}
	eq(urlf("?contact_id=%d&channel=email", e.mustTicket(ids[3]).ContactID), ids[3])

	// Pages of two walk all five, newest first, without repeats.
	var all []int64
	cursor := ""
	for range 5 {
		var l listResponse[desk.Ticket]
		c.do("GET", "/api/v1/tickets?limit=2&cursor="+cursor, nil).want(http.StatusOK).into(&l)
		for _, tk := range l.Items {
			all = append(all, tk.ID)
		}
		if l.NextCursor == nil {
			t.Fatal("paged list without next_cursor")
		}
		if cursor = *l.NextCursor; cursor == "" {
			break
		}
	}
	if fmt.Sprint(all) != fmt.Sprint([]int64{ids[4], ids[3], ids[2], ids[1], ids[0]}) {
		t.Errorf("paged walk = %v", all)
	}

	for q, field := range map[string]string{
		"?status=closedd":                     "status",
		"?priority=asap":                      "priority",
		"?channel=fax":                        "channel",
		"?assignee_id=x":                      "assignee_id",
		"?assignee_id=-3":                     "assignee_id",
		"?unassigned=maybe":                   "unassigned",
		"?unassigned=true&assignee_id=1":      "unassigned",
		"?limit=0":                            "limit",
		"?limit=1000":                         "limit",
		"?stauts=open":                        "stauts",
		"?queue=a&queue=b":                    "queue",
		"?contact_id=1.5":                     "contact_id",
		"?tag=a,b":                            "tag",
		"?account_id=99999999999999999999999": "account_id",
	} {
		r := c.do("GET", "/api/v1/tickets"+q, nil)
		r.wantError(http.StatusBadRequest, desk.EINVALID, field)
	}
}

func (e *env) mustTicket(id int64) *desk.Ticket {
	e.t.Helper()
	t, err := e.store.Ticket(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func TestGetTicketBadIDs(t *testing.T) {
	e := newEnv(t)
	c := e.as(desk.RoleAgent)
	for _, id := range []string{"abc", "0", "-1", "1.5", "99999999999999999999"} {
		c.do("GET", "/api/v1/tickets/"+id, nil).wantError(http.StatusBadRequest, desk.EINVALID, "id")
	}
	c.do("GET", "/api/v1/tickets/424242", nil).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
}

func TestUpdateTicket(t *testing.T) {
	e := newEnv(t)
	c := e.as(desk.RoleAgent)
	tk := e.createTicket(desk.RoleAgent, "patch@example.com")
	var acct desk.Account
	c.do("POST", "/api/v1/accounts", map[string]any{"name": "Kişi", "kind": "individual"}).want(http.StatusCreated).into(&acct)

	var got desk.Ticket
	c.do("PATCH", urlf("/api/v1/tickets/%d", tk.ID), map[string]any{
		"subject": "Yeni konu", "priority": "low", "queue": "technical", "scope_category": "dns", "tags": []string{"x"}, "account_id": acct.ID,
	}).want(http.StatusOK).into(&got)
	if got.Subject != "Yeni konu" || got.Priority != desk.PriorityLow || got.Queue != "technical" || got.ScopeCategory != "dns" ||
		fmt.Sprint(got.Tags) != "[x]" || got.AccountID == nil || *got.AccountID != acct.ID {
		t.Fatalf("patched = %+v", got)
	}
	// null clears the account and the scope category; absent fields stay.
	c.do("PATCH", urlf("/api/v1/tickets/%d", tk.ID), `{"account_id": null, "scope_category": null}`).want(http.StatusOK).into(&got)
	if got.AccountID != nil || got.ScopeCategory != "" || got.Subject != "Yeni konu" {
		t.Fatalf("after clearing = %+v", got)
	}

	auditBefore := e.auditCount()
	for body, field := range map[string]string{
		`{}`:                                   "",
		`{"subject": null}`:                    "subject",
		`{"subject": ""}`:                      "subject",
		`{"priority": "p1"}`:                   "priority",
		`{"queue": "nope"}`:                    "queue",
		`{"scope_category": "DNS!"}`:           "scope_category",
		`{"account_id": 99999}`:                "account_id",
		`{"account_id": "1"}`:                  "account_id",
		`{"status": "closed"}`:                 "status",
		`{"tags": "vip"}`:                      "tags",
		`{"subject": "ok", "priority": "bad"}`: "priority",
	} {
		c.do("PATCH", urlf("/api/v1/tickets/%d", tk.ID), body).wantError(http.StatusBadRequest, desk.EINVALID, field)
	}
	if e.auditCount() != auditBefore {
		t.Fatal("refused updates wrote audit events")
	}
	if now := e.mustTicket(tk.ID); now.Subject != "Yeni konu" || now.Priority != desk.PriorityLow {
		t.Fatalf("a refused update changed the ticket: %+v", now)
	}
	c.do("PATCH", "/api/v1/tickets/424242", `{"subject":"x"}`).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
}

func TestAssignTicket(t *testing.T) {
	e := newEnv(t)
	c := e.as(desk.RoleAgent)
	tk := e.createTicket(desk.RoleAgent, "assign@example.com")
	sup := e.agents[desk.RoleSupervisor].ID

	var got desk.Ticket
	c.do("POST", urlf("/api/v1/tickets/%d/assign", tk.ID), map[string]any{"assignee_id": sup}).want(http.StatusOK).into(&got)
	if got.AssigneeID == nil || *got.AssigneeID != sup {
		t.Fatalf("assignee = %v", got.AssigneeID)
	}
	c.do("POST", urlf("/api/v1/tickets/%d/assign", tk.ID), `{"assignee_id": null}`).want(http.StatusOK).into(&got)
	if got.AssigneeID != nil {
		t.Fatalf("not unassigned: %v", *got.AssigneeID)
	}

	gone := e.addAgent("gone@destek.test", desk.RoleAgent)
	off := false
	if _, err := e.store.UpdateAgent(context.Background(), gone.ID, desk.AgentUpdate{Active: &off}); err != nil {
		t.Fatal(err)
	}
	c.do("POST", urlf("/api/v1/tickets/%d/assign", tk.ID), `{}`).wantError(http.StatusBadRequest, desk.EINVALID, "assignee_id")
	c.do("POST", urlf("/api/v1/tickets/%d/assign", tk.ID), map[string]any{"assignee_id": 9999}).wantError(http.StatusBadRequest, desk.EINVALID, "assignee_id")
	c.do("POST", urlf("/api/v1/tickets/%d/assign", tk.ID), map[string]any{"assignee_id": gone.ID}).wantError(http.StatusBadRequest, desk.EINVALID, "assignee_id")
	c.do("POST", "/api/v1/tickets/9999/assign", map[string]any{"assignee_id": sup}).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
	if e.mustTicket(tk.ID).AssigneeID != nil {
		t.Fatal("a refused assignment assigned the ticket")
	}
}

func TestTicketStatusTransitions(t *testing.T) {
	e := newEnv(t)
	c := e.as(desk.RoleAgent)
	tk := e.createTicket(desk.RoleAgent, "status@example.com")
	set := func(status string) *resp {
		return c.do("POST", urlf("/api/v1/tickets/%d/status", tk.ID), map[string]string{"status": status})
	}
	var got desk.Ticket
	set("open").want(http.StatusOK).into(&got)
	if got.Status != desk.StatusOpen {
		t.Fatalf("status %s", got.Status)
	}
	set("new").wantError(http.StatusConflict, desk.ECONFLICT, "status")
	set("closed").want(http.StatusOK).into(&got)
	if got.Status != desk.StatusClosed || got.ClosedAt == nil {
		t.Fatalf("closed ticket = %+v", got)
	}
	set("resolved").wantError(http.StatusConflict, desk.ECONFLICT, "status")
	set("closed").want(http.StatusOK)
	set("open").want(http.StatusOK).into(&got)
	if got.Status != desk.StatusOpen {
		t.Fatalf("reopened status %s", got.Status)
	}
	set("done").wantError(http.StatusBadRequest, desk.EINVALID, "status")
	c.do("POST", urlf("/api/v1/tickets/%d/status", tk.ID), `{}`).wantError(http.StatusBadRequest, desk.EINVALID, "status")
	c.do("POST", urlf("/api/v1/tickets/%d/status", tk.ID), `{"status": 1}`).wantError(http.StatusBadRequest, desk.EINVALID, "status")
	c.do("POST", "/api/v1/tickets/0/status", map[string]string{"status": "open"}).wantError(http.StatusBadRequest, desk.EINVALID, "id")
}

func TestLinkAndMergeTickets(t *testing.T) {
	e := newEnv(t)
	a := e.createTicket(desk.RoleAgent, "dup@example.com")
	b := e.createTicket(desk.RoleAgent, "dup@example.com")
	x := e.createTicket(desk.RoleAgent, "other@example.com")
	agent, sup := e.as(desk.RoleAgent), e.as(desk.RoleSupervisor)

	var got desk.Ticket
	agent.do("POST", urlf("/api/v1/tickets/%d/links", a.ID), map[string]any{"ticket_id": x.ID, "kind": "related"}).want(http.StatusOK).into(&got)
	if len(got.Links) != 1 || got.Links[0].TicketID != x.ID || got.Links[0].Kind != desk.LinkRelated {
		t.Fatalf("links = %+v", got.Links)
	}

	// Merging closes a customer's ticket: agents may not.
	agent.do("POST", urlf("/api/v1/tickets/%d/links", b.ID), map[string]any{"ticket_id": a.ID, "kind": "merged"}).wantError(http.StatusForbidden, desk.EFORBIDDEN, "")
	if e.mustTicket(b.ID).MergedIntoID != nil {
		t.Fatal("an agent's refused merge merged")
	}
	sup.do("POST", urlf("/api/v1/tickets/%d/links", b.ID), map[string]any{"ticket_id": a.ID, "kind": "merged"}).want(http.StatusOK).into(&got)
	if got.MergedIntoID == nil || *got.MergedIntoID != a.ID || got.Status != desk.StatusClosed {
		t.Fatalf("merged ticket = %+v", got)
	}
	sup.do("POST", urlf("/api/v1/tickets/%d/links", b.ID), map[string]any{"ticket_id": x.ID, "kind": "merged"}).wantError(http.StatusConflict, desk.ECONFLICT, "")
	sup.do("POST", urlf("/api/v1/tickets/%d/links", x.ID), map[string]any{"ticket_id": b.ID, "kind": "merged"}).wantError(http.StatusConflict, desk.ECONFLICT, "ticket_id")

	agent.do("POST", urlf("/api/v1/tickets/%d/links", a.ID), map[string]any{"ticket_id": a.ID, "kind": "related"}).wantError(http.StatusBadRequest, desk.EINVALID, "ticket_id")
	agent.do("POST", urlf("/api/v1/tickets/%d/links", a.ID), map[string]any{"ticket_id": 99999, "kind": "related"}).wantError(http.StatusBadRequest, desk.EINVALID, "ticket_id")
	agent.do("POST", urlf("/api/v1/tickets/%d/links", a.ID), map[string]any{"kind": "related"}).wantError(http.StatusBadRequest, desk.EINVALID, "ticket_id")
	agent.do("POST", urlf("/api/v1/tickets/%d/links", a.ID), map[string]any{"ticket_id": x.ID, "kind": "duplicate"}).wantError(http.StatusBadRequest, desk.EINVALID, "kind")
	agent.do("POST", urlf("/api/v1/tickets/%d/links", 99999), map[string]any{"ticket_id": x.ID, "kind": "related"}).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
}
