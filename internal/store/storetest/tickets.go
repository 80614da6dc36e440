package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"destek/internal/desk"
)

// newTicket creates a ticket from a new or known e-mail contact.
func newTicket(t *testing.T, s desk.Store, address, subject, text string) (*desk.Ticket, *desk.Contact, *desk.Message) {
	t.Helper()
	tk := &desk.Ticket{Subject: subject, PolicyVersion: 1}
	c := &desk.Contact{Channel: desk.ChannelEmail, Address: address}
	m := &desk.Message{Text: text}
	must(t, s.CreateTicket(agentCtx, tk, c, m, nil))
	return tk, c, m
}

func countTickets(t *testing.T, s desk.Store) int {
	t.Helper()
	ts, _, err := s.ListTickets(context.Background(), desk.TicketFilter{Limit: desk.MaxPageSize})
	must(t, err)
	return len(ts)
}

func testCreateTicket(t *testing.T, s desk.Store) {
	ctx := agentCtx
	pdf := []byte("%PDF-1.7 fatura")
	tk := &desk.Ticket{Subject: "  Alan adı transferi ", PolicyVersion: 3, Tags: []string{"DNS", "dns", " Acil "}}
	c := &desk.Contact{Channel: desk.ChannelEmail, Address: "Musteri@Example.com", Name: "Müşteri"}
	m := &desk.Message{Text: "Merhaba, transfer kodumu istiyorum.", HTML: "<p>Merhaba</p>"}
	files := []desk.NewAttachment{
		{Filename: "fatura.pdf", ContentType: "application/pdf", Data: pdf},
		{Filename: "", Data: []byte{0, 1, 2}},
	}
	must(t, s.CreateTicket(ctx, tk, c, m, files))

	if tk.ID == 0 || c.ID == 0 || m.ID == 0 {
		t.Fatalf("ids not set: ticket %d contact %d message %d", tk.ID, c.ID, m.ID)
	}
	if tk.Subject != "Alan adı transferi" || tk.Status != desk.StatusNew || tk.Priority != desk.PriorityNormal ||
		tk.Queue != desk.QueueSupport || tk.Channel != desk.ChannelEmail || tk.PolicyVersion != 3 ||
		tk.ContactID != c.ID || tk.AccountID != nil || tk.AssigneeID != nil || tk.ClosedAt != nil || tk.MergedIntoID != nil {
		t.Errorf("ticket %+v", tk)
	}
	if !slices.Equal(tk.Tags, []string{"dns", "acil"}) || tk.Links == nil || len(tk.Links) != 0 {
		t.Errorf("tags %q links %v", tk.Tags, tk.Links)
	}
	if tk.CreatedAt.IsZero() || !tk.CreatedAt.Equal(tk.UpdatedAt) || tk.CreatedAt.Location() != time.UTC || time.Since(tk.CreatedAt) > time.Minute {
		t.Errorf("ticket times %v %v", tk.CreatedAt, tk.UpdatedAt)
	}
	if c.Address != "musteri@example.com" || c.Name != "Müşteri" {
		t.Errorf("contact %+v", c)
	}
	if m.TicketID != tk.ID || m.Direction != desk.Inbound || m.Channel != desk.ChannelEmail ||
		m.AuthorContactID == nil || *m.AuthorContactID != c.ID || m.AuthorAgentID != nil || !m.CreatedAt.Equal(tk.CreatedAt) {
		t.Errorf("message %+v", m)
	}
	if len(m.Attachments) != 2 {
		t.Fatalf("%d attachments", len(m.Attachments))
	}
	sum := sha256.Sum256(pdf)
	a0, a1 := m.Attachments[0], m.Attachments[1]
	if a0.ID == 0 || a0.MessageID != m.ID || a0.Filename != "fatura.pdf" || a0.ContentType != "application/pdf" ||
		a0.Size != int64(len(pdf)) || a0.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("attachment %+v", a0)
	}
	if a1.Filename != "attachment" || a1.ContentType != "application/octet-stream" || a1.Size != 3 {
		t.Errorf("defaults of attachment %+v", a1)
	}
	got, err := s.Ticket(ctx, tk.ID)
	must(t, err)
	if !equalJSON(got, tk) {
		t.Errorf("read %+v\nwant %+v", got, tk)
	}
	gm, err := s.Message(ctx, m.ID)
	must(t, err)
	if !equalJSON(gm, m) {
		t.Errorf("read message %+v\nwant %+v", gm, m)
	}
	data, err := s.AttachmentData(ctx, a0.ID)
	must(t, err)
	if !bytes.Equal(data, pdf) {
		t.Errorf("attachment data %q", data)
	}
	ga, err := s.Attachment(ctx, a1.ID)
	must(t, err)
	if *ga != a1 {
		t.Errorf("attachment %+v, want %+v", ga, a1)
	}

	ev := allAudit(t, s)
	if len(ev) != 3 {
		t.Fatalf("%d audit events, want contact, ticket and message creation", len(ev))
	}
	var ac desk.Contact
	var at desk.Ticket
	var am desk.Message
	checkEvent(t, ev[2], "contact.create", "contact", c.ID, supervisor, nil, &ac)
	checkEvent(t, ev[1], "ticket.create", "ticket", tk.ID, supervisor, nil, &at)
	checkEvent(t, ev[0], "message.create", "message", m.ID, supervisor, nil, &am)
	if !equalJSON(&ac, c) || !equalJSON(&at, tk) || !equalJSON(&am, m) {
		t.Errorf("audit documents differ from the stored entities:\n%s\n%s\n%s", ev[2].After, ev[1].After, ev[0].After)
	}

	// The same contact in another spelling is found, not created; a ticket
	// without an account takes the contact's.
	acc := &desk.Account{Name: "Müşteri Hesabı"}
	must(t, s.CreateAccount(ctx, acc))
	_, err = s.UpdateContact(ctx, c.ID, desk.ContactUpdate{AccountID: ptr(&acc.ID)})
	must(t, err)
	before := len(allAudit(t, s))
	tk2, c2, m2 := newTicket(t, s, "MUSTERI@example.com", "İkinci talep", "Yine ben")
	if c2.ID != c.ID || tk2.ContactID != c.ID || *m2.AuthorContactID != c.ID {
		t.Errorf("contact not reused: %d vs %d", c2.ID, c.ID)
	}
	if tk2.AccountID == nil || *tk2.AccountID != acc.ID {
		t.Errorf("ticket account %v, want the contact's %d", tk2.AccountID, acc.ID)
	}
	if n := len(allAudit(t, s)) - before; n != 2 {
		t.Errorf("%d events for a ticket of a known contact, want 2", n)
	}

	// Every field given explicitly.
	agent := &desk.Agent{Email: "ajan@atak.com.tr", Name: "Ajan", Role: desk.RoleAgent, Active: true}
	must(t, s.CreateAgent(ctx, agent, "h"))
	other := &desk.Account{Name: "Diğer"}
	must(t, s.CreateAccount(ctx, other))
	tk3 := &desk.Ticket{Subject: "Kötüye kullanım", Status: desk.StatusOpen, Priority: desk.PriorityUrgent, Queue: desk.QueueAbuse,
		ScopeCategory: "abuse", AssigneeID: &agent.ID, AccountID: &other.ID, Channel: desk.ChannelTicket, PolicyVersion: 2}
	c3 := &desk.Contact{Channel: desk.ChannelPhone, Address: "0 (532) 444 55 66"}
	m3 := &desk.Message{Direction: desk.Outbound, AuthorAgentID: &agent.ID, Text: "Sizi aradık."}
	must(t, s.CreateTicket(ctx, tk3, c3, m3, nil))
	if tk3.Status != desk.StatusOpen || tk3.Priority != desk.PriorityUrgent || tk3.Queue != desk.QueueAbuse || tk3.ScopeCategory != "abuse" ||
		*tk3.AssigneeID != agent.ID || *tk3.AccountID != other.ID || tk3.Channel != desk.ChannelTicket {
		t.Errorf("explicit ticket %+v", tk3)
	}
	if m3.Channel != desk.ChannelTicket || m3.Direction != desk.Outbound || *m3.AuthorAgentID != agent.ID || len(m3.Attachments) != 0 || m3.Attachments == nil {
		t.Errorf("explicit message %+v", m3)
	}
	closed := &desk.Ticket{Subject: "Telefonda çözüldü", Status: desk.StatusClosed}
	must(t, s.CreateTicket(ctx, closed, &desk.Contact{Channel: desk.ChannelPhone, Address: "05324445566"}, &desk.Message{Text: "Not"}, nil))
	if closed.ClosedAt == nil || !closed.ClosedAt.Equal(closed.CreatedAt) {
		t.Errorf("a ticket created closed has ClosedAt %v", closed.ClosedAt)
	}
}

func testCreateTicketInvalid(t *testing.T, s desk.Store) {
	ctx := agentCtx
	cases := []struct {
		name  string
		edit  func(*desk.Ticket, *desk.Contact, *desk.Message, *[]desk.NewAttachment)
		code  string
		field string
	}{
		{"empty subject", func(tk *desk.Ticket, _ *desk.Contact, _ *desk.Message, _ *[]desk.NewAttachment) { tk.Subject = "   " }, desk.EINVALID, "subject"},
		{"unknown status", func(tk *desk.Ticket, _ *desk.Contact, _ *desk.Message, _ *[]desk.NewAttachment) {
			tk.Status = "waiting"
		}, desk.EINVALID, "status"},
		{"unknown priority", func(tk *desk.Ticket, _ *desk.Contact, _ *desk.Message, _ *[]desk.NewAttachment) { tk.Priority = "asap" }, desk.EINVALID, "priority"},
		{"unknown channel", func(tk *desk.Ticket, _ *desk.Contact, _ *desk.Message, _ *[]desk.NewAttachment) { tk.Channel = "fax" }, desk.EINVALID, "channel"},
		{"unknown queue", func(tk *desk.Ticket, _ *desk.Contact, _ *desk.Message, _ *[]desk.NewAttachment) { tk.Queue = "sales" }, desk.EINVALID, "queue"},
		{"unknown assignee", func(tk *desk.Ticket, _ *desk.Contact, _ *desk.Message, _ *[]desk.NewAttachment) {
			tk.AssigneeID = ptr(int64(999999))
		}, desk.EINVALID, "assignee_id"},
		{"unknown account", func(tk *desk.Ticket, _ *desk.Contact, _ *desk.Message, _ *[]desk.NewAttachment) {
			tk.AccountID = ptr(int64(999999))
		}, desk.EINVALID, "account_id"},
		{"bad tag", func(tk *desk.Ticket, _ *desk.Contact, _ *desk.Message, _ *[]desk.NewAttachment) {
			tk.Tags = []string{"a,b"}
		}, desk.EINVALID, "tags"},
		{"unknown contact channel", func(_ *desk.Ticket, c *desk.Contact, _ *desk.Message, _ *[]desk.NewAttachment) { c.Channel = "fax" }, desk.EINVALID, "contact.channel"},
		{"bad contact address", func(_ *desk.Ticket, c *desk.Contact, _ *desk.Message, _ *[]desk.NewAttachment) {
			c.Address = "not-an-address"
		}, desk.EINVALID, "contact.address"},
		{"unknown contact account", func(_ *desk.Ticket, c *desk.Contact, _ *desk.Message, _ *[]desk.NewAttachment) {
			c.AccountID = ptr(int64(999999))
		}, desk.EINVALID, "contact.account_id"},
		{"unknown direction", func(_ *desk.Ticket, _ *desk.Contact, m *desk.Message, _ *[]desk.NewAttachment) {
			m.Direction = "sideways"
		}, desk.EINVALID, "message.direction"},
		{"empty message", func(_ *desk.Ticket, _ *desk.Contact, m *desk.Message, f *[]desk.NewAttachment) {
			m.Text, *f = " \n", nil
		}, desk.EINVALID, "message.text"},
		{"unknown author", func(_ *desk.Ticket, _ *desk.Contact, m *desk.Message, _ *[]desk.NewAttachment) {
			m.AuthorAgentID = ptr(int64(999999))
		}, desk.EINVALID, "message.author_agent_id"},
	}
	for _, tc := range cases {
		tk := &desk.Ticket{Subject: "Konu", PolicyVersion: 1}
		c := &desk.Contact{Channel: desk.ChannelEmail, Address: "yeni@example.com"}
		m := &desk.Message{Text: "Metin"}
		files := []desk.NewAttachment{{Filename: "a.txt", Data: []byte("a")}}
		tc.edit(tk, c, m, &files)
		err := s.CreateTicket(ctx, tk, c, m, files)
		t.Run(tc.name, func(t *testing.T) { wantErr(t, err, tc.code, tc.field) })
		if tk.ID != 0 || c.ID != 0 || m.ID != 0 {
			t.Errorf("%s: a failed call set ids: %d %d %d", tc.name, tk.ID, c.ID, m.ID)
		}
	}
	wantErr(t, s.CreateTicket(ctx, &desk.Ticket{Subject: "x"}, nil, &desk.Message{Text: "x"}, nil), desk.EINVALID, "")
	if n := countTickets(t, s); n != 0 {
		t.Errorf("%d tickets after failed creations", n)
	}
	_, err := s.ContactByAddress(ctx, desk.ChannelEmail, "yeni@example.com")
	wantErr(t, err, desk.ENOTFOUND, "")
	if n := len(allAudit(t, s)); n != 0 {
		t.Errorf("%d audit events after failed creations", n)
	}
}

// testCreateTicketRollback makes CreateTicket fail half-way: the contact
// and the ticket are written before the first message's author turns out
// not to exist. Nothing of it may remain.
func testCreateTicketRollback(t *testing.T, s desk.Store) {
	ctx := agentCtx
	newTicket(t, s, "onceki@example.com", "Önceki talep", "var olan")
	events := len(allAudit(t, s))
	tk := &desk.Ticket{Subject: "Yarım kalan talep zzyzx"}
	c := &desk.Contact{Channel: desk.ChannelEmail, Address: "yarim@example.com"}
	m := &desk.Message{Text: "Bu mesaj yazılamayacak zzyzx", AuthorAgentID: ptr(int64(424242))}
	err := s.CreateTicket(ctx, tk, c, m, []desk.NewAttachment{{Filename: "x.txt", Data: []byte("x")}})
	wantErr(t, err, desk.EINVALID, "message.author_agent_id")
	if tk.ID != 0 || c.ID != 0 || m.ID != 0 || tk.ContactID != 0 {
		t.Errorf("the arguments were changed by a failed call: %+v %+v %+v", tk, c, m)
	}
	_, err = s.ContactByAddress(ctx, desk.ChannelEmail, "yarim@example.com")
	wantErr(t, err, desk.ENOTFOUND, "")
	if n := countTickets(t, s); n != 1 {
		t.Errorf("%d tickets, want only the earlier one", n)
	}
	if n := len(allAudit(t, s)); n != events {
		t.Errorf("%d audit events, want %d", n, events)
	}
	hits, err := s.Search(ctx, desk.SearchQuery{Text: "zzyzx"})
	must(t, err)
	if len(hits) != 0 {
		t.Errorf("the rolled-back ticket is still in the search index: %+v", hits)
	}
	// The store carries on as before.
	tk2, c2, _ := newTicket(t, s, "yarim@example.com", "Tamamlanan talep", "şimdi oldu")
	if tk2.ID == 0 || c2.ID == 0 {
		t.Fatal("no ids after the rollback")
	}
	ms, err := s.Messages(ctx, tk2.ID)
	must(t, err)
	if len(ms) != 1 || len(ms[0].Attachments) != 0 {
		t.Errorf("messages of the new ticket %+v", ms)
	}
}

// testCreateTicketConcurrent creates tickets for one new contact from many
// goroutines: every call succeeds and the contact is created once.
func testCreateTicketConcurrent(t *testing.T, s desk.Store) {
	const workers, each = 8, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				tk := &desk.Ticket{Subject: fmt.Sprintf("Eşzamanlı %d-%d", w, i)}
				c := &desk.Contact{Channel: desk.ChannelEmail, Address: "ayni@example.com"}
				if err := s.CreateTicket(agentCtx, tk, c, &desk.Message{Text: "aynı kişi"}, nil); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c, err := s.ContactByAddress(context.Background(), desk.ChannelEmail, "ayni@example.com")
	must(t, err)
	ts, _, err := s.ListTickets(context.Background(), desk.TicketFilter{ContactID: &c.ID, Limit: desk.MaxPageSize})
	must(t, err)
	if len(ts) != workers*each {
		t.Errorf("%d tickets, want %d", len(ts), workers*each)
	}
	ev, _, err := s.ListAudit(context.Background(), desk.AuditFilter{Action: "contact.create"})
	must(t, err)
	if len(ev) != 1 {
		t.Errorf("%d contact.create events, want 1", len(ev))
	}
}

// testCreateTicketConcurrentFailures mixes calls that fail half-way with
// calls that succeed, at once: each failure undoes only itself (SQLite
// commits concurrent writes together).
func testCreateTicketConcurrentFailures(t *testing.T, s desk.Store) {
	const n = 24
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := &desk.Message{Text: "karışık"}
			if i%3 == 0 {
				m.AuthorAgentID = ptr(int64(777777)) // fails after the contact and ticket are written
			}
			tk := &desk.Ticket{Subject: fmt.Sprintf("Karışık %d", i)}
			c := &desk.Contact{Channel: desk.ChannelEmail, Address: fmt.Sprintf("karisik%d@example.com", i)}
			errs[i] = s.CreateTicket(agentCtx, tk, c, m, nil)
		}()
	}
	wg.Wait()
	ctx := context.Background()
	for i, err := range errs {
		_, cerr := s.ContactByAddress(ctx, desk.ChannelEmail, fmt.Sprintf("karisik%d@example.com", i))
		if i%3 == 0 {
			wantErr(t, err, desk.EINVALID, "message.author_agent_id")
			wantErr(t, cerr, desk.ENOTFOUND, "")
			continue
		}
		if err != nil || cerr != nil {
			t.Errorf("call %d: %v; contact: %v", i, err, cerr)
		}
	}
	if got, want := countTickets(t, s), n-n/3; got != want {
		t.Errorf("%d tickets, want %d", got, want)
	}
	if got, want := len(allAudit(t, s)), 3*(n-n/3); got != want {
		t.Errorf("%d audit events, want %d", got, want)
	}
}

func testUpdateTicket(t *testing.T, s desk.Store) {
	ctx := agentCtx
	tk, _, _ := newTicket(t, s, "guncel@example.com", "Eski konu başlığı", "metin")
	agent := &desk.Agent{Email: "ajan@atak.com.tr", Name: "Ajan", Role: desk.RoleAgent, Active: true}
	must(t, s.CreateAgent(ctx, agent, "h"))
	acc := &desk.Account{Name: "Hesap"}
	must(t, s.CreateAccount(ctx, acc))

	up, err := s.UpdateTicket(ctx, tk.ID, desk.TicketUpdate{
		Subject: ptr("Yeni konu: DNSSEC"), Status: ptr(desk.StatusOpen), Priority: ptr(desk.PriorityHigh),
		Queue: ptr(desk.QueueTechnical), ScopeCategory: ptr("dns"), AssigneeID: ptr(&agent.ID), AccountID: ptr(&acc.ID),
		Tags: ptr([]string{"DNSSEC", "vip"}),
	})
	must(t, err)
	if up.Subject != "Yeni konu: DNSSEC" || up.Status != desk.StatusOpen || up.Priority != desk.PriorityHigh || up.Queue != desk.QueueTechnical ||
		up.ScopeCategory != "dns" || *up.AssigneeID != agent.ID || *up.AccountID != acc.ID || !slices.Equal(up.Tags, []string{"dnssec", "vip"}) ||
		up.UpdatedAt.Before(tk.UpdatedAt) || !up.CreatedAt.Equal(tk.CreatedAt) || up.ContactID != tk.ContactID {
		t.Errorf("updated %+v", up)
	}
	got, err := s.Ticket(ctx, tk.ID)
	must(t, err)
	if !equalJSON(got, up) {
		t.Errorf("read %+v\nwant %+v", got, up)
	}
	ev := auditOf(t, s, "ticket", tk.ID)
	if len(ev) != 2 {
		t.Fatalf("%d ticket events", len(ev))
	}
	var before, after desk.Ticket
	checkEvent(t, ev[0], "ticket.update", "ticket", tk.ID, supervisor, &before, &after)
	if before.Subject != "Eski konu başlığı" || after.Subject != "Yeni konu: DNSSEC" || !equalJSON(&after, up) {
		t.Errorf("update audit before %q after %+v", before.Subject, after)
	}
	// Tags are filterable after the change, and the old ones are gone.
	byTag := func(tag string) int {
		ts, _, err := s.ListTickets(ctx, desk.TicketFilter{Tag: tag})
		must(t, err)
		return len(ts)
	}
	if byTag("vip") != 1 || byTag("dnssec") != 1 {
		t.Error("new tags not found")
	}
	// The subject is searchable by its new words only.
	hits, err := s.Search(ctx, desk.SearchQuery{Text: "dnssec"})
	must(t, err)
	if len(hits) != 1 || hits[0].TicketID != tk.ID || hits[0].MessageID != nil {
		t.Errorf("search for the new subject: %+v", hits)
	}
	hits, err = s.Search(ctx, desk.SearchQuery{Text: "başlığı"})
	must(t, err)
	if len(hits) != 0 {
		t.Errorf("the old subject is still indexed: %+v", hits)
	}

	// Closing stamps ClosedAt; reopening clears it.
	cl, err := s.UpdateTicket(ctx, tk.ID, desk.TicketUpdate{Status: ptr(desk.StatusClosed)})
	must(t, err)
	if cl.ClosedAt == nil || !cl.ClosedAt.Equal(cl.UpdatedAt) {
		t.Errorf("closed at %v", cl.ClosedAt)
	}
	re, err := s.UpdateTicket(ctx, tk.ID, desk.TicketUpdate{Status: ptr(desk.StatusOpen), AssigneeID: ptr((*int64)(nil)), Tags: ptr([]string{})})
	must(t, err)
	if re.ClosedAt != nil || re.AssigneeID != nil || len(re.Tags) != 0 {
		t.Errorf("reopened %+v", re)
	}
	if byTag("vip") != 0 {
		t.Error("removed tag still filters")
	}
	// A no-op writes nothing.
	n := len(auditOf(t, s, "ticket", tk.ID))
	same, err := s.UpdateTicket(ctx, tk.ID, desk.TicketUpdate{Status: ptr(desk.StatusOpen), Queue: ptr(desk.QueueTechnical)})
	must(t, err)
	if !equalJSON(same, re) || len(auditOf(t, s, "ticket", tk.ID)) != n {
		t.Errorf("a no-op update changed something")
	}
	// Bad input changes nothing.
	for _, tc := range []struct {
		u     desk.TicketUpdate
		field string
	}{
		{desk.TicketUpdate{Subject: ptr("")}, "subject"},
		{desk.TicketUpdate{Status: ptr(desk.TicketStatus("x"))}, "status"},
		{desk.TicketUpdate{Priority: ptr(desk.Priority("x"))}, "priority"},
		{desk.TicketUpdate{Queue: ptr("sales"), Priority: ptr(desk.PriorityLow)}, "queue"},
		{desk.TicketUpdate{AssigneeID: ptr(ptr(int64(999999))), Priority: ptr(desk.PriorityLow)}, "assignee_id"},
		{desk.TicketUpdate{AccountID: ptr(ptr(int64(999999))), Priority: ptr(desk.PriorityLow)}, "account_id"},
		{desk.TicketUpdate{Tags: ptr([]string{"x\ny"})}, "tags"},
	} {
		_, err := s.UpdateTicket(ctx, tk.ID, tc.u)
		wantErr(t, err, desk.EINVALID, tc.field)
	}
	got, err = s.Ticket(ctx, tk.ID)
	must(t, err)
	if !equalJSON(got, re) || len(auditOf(t, s, "ticket", tk.ID)) != n {
		t.Errorf("failed updates changed the ticket: %+v", got)
	}
	_, err = s.UpdateTicket(ctx, 999999, desk.TicketUpdate{Priority: ptr(desk.PriorityLow)})
	wantErr(t, err, desk.ENOTFOUND, "")
}

func testLinkTickets(t *testing.T, s desk.Store) {
	ctx := agentCtx
	a, _, _ := newTicket(t, s, "bir@example.com", "Bir", "a")
	b, _, _ := newTicket(t, s, "iki@example.com", "İki", "b")
	c, _, _ := newTicket(t, s, "bir@example.com", "Üç (tekrar)", "c")

	must(t, s.LinkTickets(ctx, a.ID, b.ID, desk.LinkRelated))
	ga, _ := s.Ticket(ctx, a.ID)
	gb, _ := s.Ticket(ctx, b.ID)
	if len(ga.Links) != 1 || ga.Links[0].TicketID != b.ID || ga.Links[0].Kind != desk.LinkRelated || ga.Links[0].CreatedAt.IsZero() {
		t.Errorf("a's links %+v", ga.Links)
	}
	if len(gb.Links) != 1 || gb.Links[0].TicketID != a.ID || gb.Links[0].Kind != desk.LinkRelated {
		t.Errorf("b's links %+v", gb.Links)
	}
	var before, after desk.Ticket
	ev := auditOf(t, s, "ticket", a.ID)
	checkEvent(t, ev[0], "ticket.link", "ticket", a.ID, supervisor, &before, &after)
	if len(before.Links) != 0 || len(after.Links) != 1 {
		t.Errorf("link audit %+v → %+v", before.Links, after.Links)
	}
	checkEvent(t, auditOf(t, s, "ticket", b.ID)[0], "ticket.link", "ticket", b.ID, supervisor, nil, nil)
	// Linking again, either way round, changes nothing.
	n := len(allAudit(t, s))
	must(t, s.LinkTickets(ctx, a.ID, b.ID, desk.LinkRelated))
	must(t, s.LinkTickets(ctx, b.ID, a.ID, desk.LinkRelated))
	if len(allAudit(t, s)) != n {
		t.Error("a repeated link wrote audit events")
	}

	must(t, s.LinkTickets(ctx, c.ID, a.ID, desk.LinkMerged))
	gc, _ := s.Ticket(ctx, c.ID)
	if gc.Status != desk.StatusClosed || gc.ClosedAt == nil || gc.MergedIntoID == nil || *gc.MergedIntoID != a.ID ||
		len(gc.Links) != 1 || gc.Links[0].Kind != desk.LinkMerged || gc.Links[0].TicketID != a.ID {
		t.Errorf("merged ticket %+v", gc)
	}
	ga2, _ := s.Ticket(ctx, a.ID)
	if !equalJSON(ga2, ga) {
		t.Errorf("the ticket merged into changed: %+v", ga2)
	}
	checkEvent(t, auditOf(t, s, "ticket", c.ID)[0], "ticket.merge", "ticket", c.ID, supervisor, &before, &after)
	if before.Status != desk.StatusNew || after.Status != desk.StatusClosed || after.MergedIntoID == nil {
		t.Errorf("merge audit %s → %s", before.Status, after.Status)
	}
	wantErr(t, s.LinkTickets(ctx, c.ID, b.ID, desk.LinkMerged), desk.ECONFLICT, "ticket_id")
	wantErr(t, s.LinkTickets(ctx, b.ID, c.ID, desk.LinkMerged), desk.ECONFLICT, "ticket_id")
	wantErr(t, s.LinkTickets(ctx, a.ID, a.ID, desk.LinkRelated), desk.EINVALID, "ticket_id")
	wantErr(t, s.LinkTickets(ctx, a.ID, b.ID, "duplicate"), desk.EINVALID, "kind")
	wantErr(t, s.LinkTickets(ctx, 999999, a.ID, desk.LinkRelated), desk.ENOTFOUND, "")
	wantErr(t, s.LinkTickets(ctx, a.ID, 999999, desk.LinkRelated), desk.EINVALID, "ticket_id")
}

func testListTickets(t *testing.T, s desk.Store) {
	ctx := agentCtx
	agent := &desk.Agent{Email: "ajan@atak.com.tr", Name: "Ajan", Role: desk.RoleAgent, Active: true}
	must(t, s.CreateAgent(ctx, agent, "h"))
	acc := &desk.Account{Name: "Hesap"}
	must(t, s.CreateAccount(ctx, acc))
	mk := func(subject string, ch desk.Channel, addr string, tk desk.Ticket) int64 {
		t.Helper()
		tk.Subject = subject
		must(t, s.CreateTicket(ctx, &tk, &desk.Contact{Channel: ch, Address: addr}, &desk.Message{Text: subject}, nil))
		return tk.ID
	}
	t1 := mk("t1", desk.ChannelEmail, "c1@example.com", desk.Ticket{Tags: []string{"dns"}})
	t2 := mk("t2", desk.ChannelEmail, "c1@example.com", desk.Ticket{Queue: desk.QueueTechnical, Priority: desk.PriorityHigh, AssigneeID: &agent.ID, Tags: []string{"dns", "ssl"}})
	t3 := mk("t3", desk.ChannelChat, "visitor-1", desk.Ticket{Status: desk.StatusOpen, AccountID: &acc.ID})
	t4 := mk("t4", desk.ChannelChat, "visitor-1", desk.Ticket{Status: desk.StatusPendingCustomer, Priority: desk.PriorityUrgent, AssigneeID: &agent.ID})
	t5 := mk("t5", desk.ChannelPhone, "+905551112233", desk.Ticket{Queue: desk.QueueBilling, Status: desk.StatusClosed, Tags: []string{"fatura"}})
	t6 := mk("t6", desk.ChannelSocial, "@musteri", desk.Ticket{Priority: desk.PriorityLow})
	t7 := mk("t7", desk.ChannelEmail, "c7@example.com", desk.Ticket{})
	c1, err := s.ContactByAddress(ctx, desk.ChannelEmail, "c1@example.com")
	must(t, err)

	ids := func(f desk.TicketFilter) []int64 {
		t.Helper()
		ts, _, err := s.ListTickets(ctx, f)
		must(t, err)
		var out []int64
		for _, tk := range ts {
			out = append(out, tk.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    desk.TicketFilter
		want []int64
	}{
		{"all", desk.TicketFilter{}, []int64{t7, t6, t5, t4, t3, t2, t1}},
		{"status new", desk.TicketFilter{Status: []desk.TicketStatus{desk.StatusNew}}, []int64{t7, t6, t2, t1}},
		{"two statuses", desk.TicketFilter{Status: []desk.TicketStatus{desk.StatusOpen, desk.StatusPendingCustomer}}, []int64{t4, t3}},
		{"queue", desk.TicketFilter{Queue: desk.QueueTechnical}, []int64{t2}},
		{"assignee", desk.TicketFilter{AssigneeID: &agent.ID}, []int64{t4, t2}},
		{"unassigned", desk.TicketFilter{Unassigned: true}, []int64{t7, t6, t5, t3, t1}},
		{"contact", desk.TicketFilter{ContactID: &c1.ID}, []int64{t2, t1}},
		{"account", desk.TicketFilter{AccountID: &acc.ID}, []int64{t3}},
		{"channel", desk.TicketFilter{Channel: desk.ChannelChat}, []int64{t4, t3}},
		{"tag", desk.TicketFilter{Tag: "dns"}, []int64{t2, t1}},
		{"tag spelled otherwise", desk.TicketFilter{Tag: " DNS "}, []int64{t2, t1}},
		{"priority", desk.TicketFilter{Priority: desk.PriorityUrgent}, []int64{t4}},
		{"combined", desk.TicketFilter{Queue: desk.QueueSupport, Unassigned: true, Status: []desk.TicketStatus{desk.StatusNew}}, []int64{t7, t6, t1}},
		{"nothing", desk.TicketFilter{Tag: "none"}, nil},
	} {
		if got := ids(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	// Pages of two: 2, 2, 2, 1, together the whole list.
	var all []int64
	cursor := ""
	pages := 0
	for {
		ts, next, err := s.ListTickets(ctx, desk.TicketFilter{Limit: 2, Cursor: cursor})
		must(t, err)
		pages++
		for _, tk := range ts {
			all = append(all, tk.ID)
		}
		if next == "" {
			break
		}
		if pages > 4 {
			t.Fatal("pagination does not end")
		}
		cursor = next
	}
	if pages != 4 || !slices.Equal(all, []int64{t7, t6, t5, t4, t3, t2, t1}) {
		t.Errorf("%d pages: %v", pages, all)
	}
	// A filtered page ending exactly at the last row says there is no next.
	ts, next, err := s.ListTickets(ctx, desk.TicketFilter{Limit: 2, AssigneeID: &agent.ID})
	must(t, err)
	if len(ts) != 2 || next != "" {
		t.Errorf("exact page: %d tickets, next %q", len(ts), next)
	}
	for _, tc := range []struct {
		f     desk.TicketFilter
		field string
	}{
		{desk.TicketFilter{Status: []desk.TicketStatus{"x"}}, "status"},
		{desk.TicketFilter{Channel: "x"}, "channel"},
		{desk.TicketFilter{Priority: "x"}, "priority"},
		{desk.TicketFilter{Cursor: "%%%"}, "cursor"},
		{desk.TicketFilter{Cursor: "LTU"}, "cursor"}, // base64 of -5
		{desk.TicketFilter{AssigneeID: &agent.ID, Unassigned: true}, "unassigned"},
	} {
		_, _, err := s.ListTickets(ctx, tc.f)
		wantErr(t, err, desk.EINVALID, tc.field)
	}
}

func testMessages(t *testing.T, s desk.Store) {
	ctx := agentCtx
	tk, c, first := newTicket(t, s, "mesaj@example.com", "Mesajlar", "ilk mesaj")
	agent := &desk.Agent{Email: "ajan@atak.com.tr", Name: "Ajan", Role: desk.RoleAgent, Active: true}
	must(t, s.CreateAgent(ctx, agent, "h"))
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 64*1024) // 1 MiB

	out := &desk.Message{TicketID: tk.ID, Direction: desk.Outbound, AuthorAgentID: &agent.ID, Text: "Cevabımız ektedir.", HTML: "<p>Cevabımız</p>"}
	must(t, second(s.AddMessage(ctx, out, []desk.NewAttachment{{Filename: "log.bin", ContentType: "application/octet-stream", Data: binary}}, false)))
	if out.ID == 0 || out.Channel != desk.ChannelEmail || out.CreatedAt.IsZero() || len(out.Attachments) != 1 || out.Attachments[0].MessageID != out.ID {
		t.Errorf("added %+v", out)
	}
	got, err := s.Ticket(ctx, tk.ID)
	must(t, err)
	if !got.UpdatedAt.Equal(out.CreatedAt) || got.Status != desk.StatusPendingCustomer {
		t.Errorf("ticket after a message: updated %v (message %v), status %s", got.UpdatedAt, out.CreatedAt, got.Status)
	}
	note := &desk.Message{TicketID: tk.ID, Direction: desk.Note, AuthorAgentID: &agent.ID, Channel: desk.ChannelChat, Text: "İç not"}
	must(t, second(s.AddMessage(ctx, note, nil, false)))
	onlyFile := &desk.Message{TicketID: tk.ID, AuthorContactID: &c.ID, Text: ""}
	must(t, second(s.AddMessage(ctx, onlyFile, []desk.NewAttachment{{Filename: "büyük.txt", ContentType: "text/plain", Data: big}}, false)))
	if onlyFile.Direction != desk.Inbound {
		t.Errorf("default direction %s", onlyFile.Direction)
	}

	ms, err := s.Messages(ctx, tk.ID)
	must(t, err)
	if len(ms) != 4 {
		t.Fatalf("%d messages", len(ms))
	}
	for i, want := range []*desk.Message{first, out, note, onlyFile} {
		if !equalJSON(ms[i], want) {
			t.Errorf("message %d: %+v\nwant %+v", i, ms[i], want)
		}
	}
	m, err := s.Message(ctx, onlyFile.ID)
	must(t, err)
	if !equalJSON(m, onlyFile) {
		t.Errorf("message %+v", m)
	}
	data, err := s.AttachmentData(ctx, out.Attachments[0].ID)
	must(t, err)
	if !bytes.Equal(data, binary) {
		t.Error("binary attachment changed")
	}
	data, err = s.AttachmentData(ctx, onlyFile.Attachments[0].ID)
	must(t, err)
	sum := sha256.Sum256(big)
	if !bytes.Equal(data, big) || onlyFile.Attachments[0].SHA256 != hex.EncodeToString(sum[:]) || onlyFile.Attachments[0].Size != int64(len(big)) {
		t.Error("large attachment changed")
	}
	ev := auditOf(t, s, "message", note.ID)
	if len(ev) != 1 {
		t.Fatalf("%d note events", len(ev))
	}
	var am desk.Message
	checkEvent(t, ev[0], "message.create", "message", note.ID, supervisor, nil, &am)
	if !equalJSON(&am, note) {
		t.Errorf("audit %+v", am)
	}

	n := len(allAudit(t, s))
	for _, tc := range []struct {
		m     desk.Message
		files []desk.NewAttachment
		code  string
		field string
	}{
		{desk.Message{TicketID: 999999, Text: "x"}, nil, desk.ENOTFOUND, ""},
		{desk.Message{TicketID: tk.ID, Direction: "x", Text: "x"}, nil, desk.EINVALID, "direction"},
		{desk.Message{TicketID: tk.ID, Channel: "fax", Text: "x"}, nil, desk.EINVALID, "channel"},
		{desk.Message{TicketID: tk.ID, Text: "  "}, nil, desk.EINVALID, "text"},
		{desk.Message{TicketID: tk.ID, Text: "x", AuthorAgentID: ptr(int64(999999))}, []desk.NewAttachment{{Data: []byte("x")}}, desk.EINVALID, "author_agent_id"},
		{desk.Message{TicketID: tk.ID, Text: "x", AuthorContactID: ptr(int64(999999))}, nil, desk.EINVALID, "author_contact_id"},
	} {
		m := tc.m
		wantErr(t, second(s.AddMessage(ctx, &m, tc.files, false)), tc.code, tc.field)
		if m.ID != 0 {
			t.Errorf("a failed AddMessage set the id")
		}
	}
	ms, err = s.Messages(ctx, tk.ID)
	must(t, err)
	if len(ms) != 4 || len(allAudit(t, s)) != n {
		t.Errorf("failed AddMessage calls wrote: %d messages, %d events", len(ms), len(allAudit(t, s))-n)
	}
}

func testNotFound(t *testing.T, s desk.Store) {
	ctx := agentCtx
	tk, _, _ := newTicket(t, s, "var@example.com", "Var", "var")
	const id = 999999
	for name, call := range map[string]func() (any, error){
		"Account":            func() (any, error) { return s.Account(ctx, id) },
		"Contact":            func() (any, error) { return s.Contact(ctx, id) },
		"Agent":              func() (any, error) { return s.Agent(ctx, id) },
		"AgentPasswordHash":  func() (any, error) { return s.AgentPasswordHash(ctx, id) },
		"Ticket":             func() (any, error) { return s.Ticket(ctx, id) },
		"Messages":           func() (any, error) { return s.Messages(ctx, id) },
		"Message":            func() (any, error) { return s.Message(ctx, id) },
		"Attachment":         func() (any, error) { return s.Attachment(ctx, id) },
		"AttachmentData":     func() (any, error) { return s.AttachmentData(ctx, id) },
		"Queue":              func() (any, error) { return s.Queue(ctx, "missing") },
		"AuthorisedContacts": func() (any, error) { return s.AuthorisedContacts(ctx, id) },
		"UpdateAccount":      func() (any, error) { return s.UpdateAccount(ctx, id, desk.AccountUpdate{}) },
		"UpdateContact":      func() (any, error) { return s.UpdateContact(ctx, id, desk.ContactUpdate{}) },
		"UpdateAgent":        func() (any, error) { return s.UpdateAgent(ctx, id, desk.AgentUpdate{}) },
		"UpdateTicket":       func() (any, error) { return s.UpdateTicket(ctx, id, desk.TicketUpdate{}) },
		"RevokeToken":        func() (any, error) { return nil, s.RevokeToken(ctx, id) },
		"TouchToken":         func() (any, error) { return nil, s.TouchToken(ctx, id, time.Now()) },
		"SetAgentPassword":   func() (any, error) { return nil, s.SetAgentPassword(ctx, id, "h") },
		"RemoveAuthorised":   func() (any, error) { return nil, s.RemoveAuthorisedContact(ctx, id, id) },
		"LinkTickets":        func() (any, error) { return nil, s.LinkTickets(ctx, id, tk.ID, desk.LinkRelated) },
		"AddMessage": func() (any, error) {
			return s.AddMessage(ctx, &desk.Message{TicketID: id, Direction: desk.Outbound, Text: "x"}, nil, false)
		},
		"ContactByAddress": func() (any, error) { return s.ContactByAddress(ctx, desk.ChannelEmail, "yok@example.com") },
		"AgentByEmail":     func() (any, error) { return s.AgentByEmail(ctx, "yok@example.com") },
		"TokenByHash":      func() (any, error) { return s.TokenByHash(ctx, make([]byte, 32)) },
	} {
		v, err := call()
		if desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("%s: got %v, want not_found", name, err)
		}
		if !isNil(v) {
			t.Errorf("%s: returned %v with the error", name, v)
		}
	}
	if n := len(allAudit(t, s)); n != 3 {
		t.Errorf("%d audit events, want the 3 of the one ticket", n)
	}
}

// isNil reports whether v is nil or a nil pointer or slice, or an empty
// string (AgentPasswordHash's zero value).
func isNil(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case *desk.Account:
		return v == nil
	case *desk.Contact:
		return v == nil
	case *desk.Agent:
		return v == nil
	case *desk.Ticket:
		return v == nil
	case *desk.Message:
		return v == nil
	case *desk.Attachment:
		return v == nil
	case *desk.Queue:
		return v == nil
	case *desk.APIToken:
		return v == nil
	case []byte:
		return v == nil
	case []*desk.Message:
		return v == nil
	case []*desk.AuthorisedContact:
		return v == nil
	}
	return false
}

// testMessageStatus checks that a message and the status change it causes
// are one write: a refused reply stores nothing, an accepted one moves the
// status, and concurrent status changes are judged against the locked row.
func testMessageStatus(t *testing.T, s desk.Store) {
	ctx := agentCtx
	tk, _, _ := newTicket(t, s, "durum@example.com", "Durum", "ilk")
	closed := desk.StatusClosed
	_, err := s.UpdateTicket(ctx, tk.ID, desk.TicketUpdate{Status: &closed})
	must(t, err)

	reply := &desk.Message{TicketID: tk.ID, Direction: desk.Outbound, Text: "kapalıya cevap"}
	_, err = s.AddMessage(ctx, reply, nil, false)
	wantErr(t, err, desk.ECONFLICT, "reopen")
	ms, err := s.Messages(ctx, tk.ID)
	must(t, err)
	if len(ms) != 1 {
		t.Fatalf("a refused reply was stored: %d messages", len(ms))
	}
	note := &desk.Message{TicketID: tk.ID, Direction: desk.Note, Text: "not kapalı bilete"}
	got, err := s.AddMessage(ctx, note, nil, false)
	must(t, err)
	if got.Status != desk.StatusClosed {
		t.Errorf("a note moved a closed ticket to %s", got.Status)
	}
	got, err = s.AddMessage(ctx, reply, nil, true)
	must(t, err)
	if got.Status != desk.StatusPendingCustomer || got.ClosedAt != nil {
		t.Errorf("reply with reopen: status %s, closed_at %v", got.Status, got.ClosedAt)
	}
	events := auditOf(t, s, "ticket", tk.ID)
	if last := events[0]; last.Action != "ticket.update" || !strings.Contains(string(last.After), `"pending_customer"`) {
		t.Errorf("the reopening is not audited: %+v", last)
	}
	inbound := &desk.Message{TicketID: tk.ID, Direction: desk.Inbound, Text: "müşteri yazdı"}
	if got, err = s.AddMessage(ctx, inbound, nil, false); err != nil || got.Status != desk.StatusOpen {
		t.Errorf("customer message: %v, status %v", err, got)
	}

	// Transition rules hold in UpdateTicket itself.
	_, err = s.UpdateTicket(ctx, tk.ID, desk.TicketUpdate{Status: &closed})
	must(t, err)
	resolved := desk.StatusResolved
	_, err = s.UpdateTicket(ctx, tk.ID, desk.TicketUpdate{Status: &resolved})
	wantErr(t, err, desk.ECONFLICT, "status")
	neu := desk.StatusNew
	open := desk.StatusOpen
	_, err = s.UpdateTicket(ctx, tk.ID, desk.TicketUpdate{Status: &open})
	must(t, err)
	_, err = s.UpdateTicket(ctx, tk.ID, desk.TicketUpdate{Status: &neu})
	wantErr(t, err, desk.ECONFLICT, "status")
}
