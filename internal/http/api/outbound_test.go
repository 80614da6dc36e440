package api

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"destek/internal/channel/email"
	"destek/internal/desk"
	"destek/internal/policy"
	"destek/internal/store/storetest"
)

// TestRepliesOnEmailTicketsAreMailed checks that an agent's reply on an
// e-mail ticket is stored together with the mail that carries it, and that
// notes and replies on other channels queue no mail.
func TestRepliesOnEmailTicketsAreMailed(t *testing.T) {
	s := storetest.OpenSQLite(t)
	k, err := policy.NewKeeper(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	out, err := email.NewOutbound(email.OutboundConfig{Store: s, Policy: k, Secret: bytes.Repeat([]byte{3}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, s, func(c *Config) { c.Policy, c.Mailer = k, out })
	agent := e.login(desk.RoleAgent)
	tk := e.createTicket(desk.RoleAgent, "ayse@example.com")

	var res messageResponse
	agent.do("POST", urlf("/api/v1/tickets/%d/messages", tk.ID), map[string]any{"text": "Merhaba Ayşe Hanım, EPP kodunuz panelde."}).
		want(http.StatusCreated).into(&res)
	agent.do("POST", urlf("/api/v1/tickets/%d/notes", tk.ID), map[string]any{"text": "iç not"}).want(http.StatusCreated)

	mails, _, err := s.ListMail(t0(), desk.OutboxFilter{TicketID: &tk.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(mails) != 1 {
		t.Fatalf("%d mails queued for a reply and a note, want 1", len(mails))
	}
	m := mails[0]
	if m.MessageID == nil || *m.MessageID != res.Message.ID || m.Kind != desk.MailReply || m.State != desk.OutboxQueued {
		t.Errorf("queued mail = %+v, want the reply %d", m, res.Message.ID)
	}
	if len(m.To) != 1 || !strings.Contains(m.To[0], "<ayse@example.com>") || m.Text != res.Message.Text ||
		!strings.Contains(m.Subject, urlf("[#%d]", tk.ID)) {
		t.Errorf("queued mail to %v, subject %q, text %q", m.To, m.Subject, m.Text)
	}

	// A reply on another channel is stored, not mailed.
	body := ticketBody("chat-visitor-1")
	body["channel"] = "chat"
	body["contact"] = map[string]any{"channel": "chat", "address": "chat-visitor-1"}
	var chat desk.Ticket
	e.as(desk.RoleAgent).do("POST", "/api/v1/tickets", body).want(http.StatusCreated).into(&chat)
	agent.do("POST", urlf("/api/v1/tickets/%d/messages", chat.ID), map[string]any{"text": "Merhaba"}).want(http.StatusCreated)
	if all, _, err := s.ListMail(t0(), desk.OutboxFilter{}); err != nil || len(all) != 1 {
		t.Errorf("%d mails in the outbox after a chat reply (%v), want 1", len(all), err)
	}
}
