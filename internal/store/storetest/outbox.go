package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"destek/internal/desk"
)

// emailTicket opens an e-mail ticket from address.
func emailTicket(t *testing.T, s desk.Store, address string) *desk.Ticket {
	t.Helper()
	tk := &desk.Ticket{Subject: "Alan adı yenileme"}
	first := &desk.Message{Text: "Alan adımı yenileyemiyorum"}
	must(t, s.CreateTicket(agentCtx, tk, &desk.Contact{Channel: desk.ChannelEmail, Address: address}, first, nil))
	return tk
}

// newMail returns a valid mail to address with a Message-ID made of tag.
func newMail(address, tag string) *desk.OutboundMail {
	return &desk.OutboundMail{
		Kind:    desk.MailReply,
		From:    "Atak Destek <destek@atakdomain.com>",
		To:      []string{address},
		Subject: "Re: Alan adı yenileme [#1]",
		Text:    "Merhaba, yenileme tamamlandı. Teşekkürler.",
		Headers: map[string]string{
			desk.HeaderMessageID: "<" + tag + "@atakdomain.com>",
			desk.HeaderInReplyTo: "<musteri-1@example.com>",
		},
	}
}

// testOutboxQueue checks that a reply and its mail are stored together or
// not at all, and that a queued mail reads back as written.
func testOutboxQueue(t *testing.T, s desk.Store) {
	ctx := agentCtx
	tk := emailTicket(t, s, "ayse@example.com")

	reply := &desk.Message{TicketID: tk.ID, Direction: desk.Outbound, Text: "Merhaba, yenileme tamamlandı. Teşekkürler."}
	mail := newMail("Ayşe Yılmaz <ayse@example.com>", "r1")
	mail.Cc = []string{"muhasebe@example.com"}
	mail.HTML = "<p>Merhaba</p>"
	mail.Headers[desk.HeaderReferences] = "<musteri-0@example.com> <musteri-1@example.com>"
	got, err := s.AddMessageWithMail(ctx, reply, nil, false, mail)
	must(t, err)
	if got.Status != desk.StatusPendingCustomer {
		t.Errorf("ticket status after a mailed reply = %s, want pending_customer", got.Status)
	}
	if mail.ID == 0 || mail.TicketID != tk.ID || mail.MessageID == nil || *mail.MessageID != reply.ID {
		t.Fatalf("queued mail ids = %d ticket %d message %v, want ticket %d message %d", mail.ID, mail.TicketID, mail.MessageID, tk.ID, reply.ID)
	}
	if mail.State != desk.OutboxQueued || mail.Attempts != 0 || mail.CreatedAt.IsZero() || mail.NextAttemptAt.After(mail.CreatedAt) {
		t.Errorf("queued mail = state %s attempts %d created %s next %s", mail.State, mail.Attempts, mail.CreatedAt, mail.NextAttemptAt)
	}
	read, err := s.Mail(ctx, mail.ID)
	must(t, err)
	if diff := cmp.Diff(mail, read); diff != "" {
		t.Errorf("mail read back differs (-queued +read):\n%s", diff)
	}
	byHeader, err := s.MailByMessageID(ctx, "<r1@atakdomain.com>")
	must(t, err)
	if byHeader.ID != mail.ID {
		t.Errorf("MailByMessageID found mail %d, want %d", byHeader.ID, mail.ID)
	}
	_, err = s.MailByMessageID(ctx, "<nope@atakdomain.com>")
	wantErr(t, err, desk.ENOTFOUND, "")
	// Replies naming the mail's Message-ID thread into the ticket.
	link, err := s.TicketByMessageID(ctx, "<r1@atakdomain.com>")
	must(t, err)
	if link.TicketID != tk.ID || !link.Outbound {
		t.Errorf("the queued Message-ID links to %+v, want ticket %d, outbound", link, tk.ID)
	}
	events := auditOf(t, s, "mail", mail.ID)
	if len(events) != 1 || events[0].Action != "mail.queue" || events[0].Actor != supervisor {
		t.Errorf("audit of the queued mail = %+v", events)
	}

	// A mail with a bad field stores neither the message nor the mail.
	count := func() (int, int) {
		ms, err := s.Messages(ctx, tk.ID)
		must(t, err)
		list, _, err := s.ListMail(ctx, desk.OutboxFilter{TicketID: &tk.ID})
		must(t, err)
		return len(ms), len(list)
	}
	msgs, mails := count()
	bad := []struct {
		name  string
		edit  func(m *desk.OutboundMail)
		code  string
		field string
	}{
		{"no recipient", func(m *desk.OutboundMail) { m.To = nil }, desk.EINVALID, "mail.to"},
		{"bad recipient", func(m *desk.OutboundMail) { m.To = []string{"not an address"} }, desk.EINVALID, "mail.to[0]"},
		{"bad cc", func(m *desk.OutboundMail) { m.Cc = []string{"x@y", "@@"} }, desk.EINVALID, "mail.cc[1]"},
		{"bad from", func(m *desk.OutboundMail) { m.From = "destek" }, desk.EINVALID, "mail.from"},
		{"empty subject", func(m *desk.OutboundMail) { m.Subject = " " }, desk.EINVALID, "mail.subject"},
		{"subject with a line break", func(m *desk.OutboundMail) { m.Subject = "a\r\nBcc: x@evil.example" }, desk.EINVALID, "mail.subject"},
		{"header injection", func(m *desk.OutboundMail) { m.Headers["X-Ticket"] = "1\r\nBcc: x@evil.example" }, desk.EINVALID, "mail.headers"},
		{"header set by the writer", func(m *desk.OutboundMail) { m.Headers["Bcc"] = "x@evil.example" }, desk.EINVALID, "mail.headers"},
		{"no Message-ID", func(m *desk.OutboundMail) { delete(m.Headers, desk.HeaderMessageID) }, desk.EINVALID, "mail.headers"},
		{"bad Message-ID", func(m *desk.OutboundMail) { m.Headers[desk.HeaderMessageID] = "r2@x" }, desk.EINVALID, "mail.headers"},
		{"unknown kind", func(m *desk.OutboundMail) { m.Kind = "spam" }, desk.EINVALID, "mail.kind"},
		{"Message-ID taken", func(m *desk.OutboundMail) { m.Headers[desk.HeaderMessageID] = "<r1@atakdomain.com>" }, desk.ECONFLICT, "mail.headers"},
	}
	for _, b := range bad {
		m := newMail("ayse@example.com", "bad")
		b.edit(m)
		_, err := s.AddMessageWithMail(ctx, &desk.Message{TicketID: tk.ID, Direction: desk.Outbound, Text: "yanıt"}, nil, false, m)
		t.Run(b.name, func(t *testing.T) { wantErr(t, err, b.code, b.field) })
	}
	// Only outbound messages are mailed.
	_, err = s.AddMessageWithMail(ctx, &desk.Message{TicketID: tk.ID, Direction: desk.Inbound, Text: "x"}, nil, false, newMail("a@b.example", "in"))
	wantErr(t, err, desk.EINVALID, "direction")
	// A message the ticket refuses takes its mail with it.
	closed := desk.StatusClosed
	_, err = s.UpdateTicket(ctx, tk.ID, desk.TicketUpdate{Status: &closed})
	must(t, err)
	_, err = s.AddMessageWithMail(ctx, &desk.Message{TicketID: tk.ID, Direction: desk.Outbound, Text: "x"}, nil, false, newMail("a@b.example", "closed"))
	wantErr(t, err, desk.ECONFLICT, "reopen")
	if m2, n2 := count(); m2 != msgs || n2 != mails {
		t.Errorf("failed calls left %d messages and %d mails, want %d and %d", m2, n2, msgs, mails)
	}
	// A nil mail is AddMessage.
	_, err = s.AddMessageWithMail(ctx, &desk.Message{TicketID: tk.ID, Direction: desk.Outbound, Text: "yeniden"}, nil, true, nil)
	must(t, err)
	if m2, n2 := count(); m2 != msgs+1 || n2 != mails {
		t.Errorf("a reply without mail left %d messages and %d mails, want %d and %d", m2, n2, msgs+1, mails)
	}

	// Mail that carries no message: an acknowledgement.
	ack := newMail("ayse@example.com", "ack1")
	ack.Kind = desk.MailAutoReply
	ack.TicketID = tk.ID
	must(t, s.EnqueueMail(ctx, ack))
	if ack.ID == 0 || ack.MessageID != nil || ack.State != desk.OutboxQueued {
		t.Errorf("queued acknowledgement = %+v", ack)
	}
	missing := newMail("ayse@example.com", "ack2")
	missing.TicketID = 999999
	wantErr(t, s.EnqueueMail(ctx, missing), desk.EINVALID, "ticket_id")
	withMsg := newMail("ayse@example.com", "ack3")
	withMsg.TicketID, withMsg.MessageID = tk.ID, &reply.ID
	wantErr(t, s.EnqueueMail(ctx, withMsg), desk.EINVALID, "message_id")

	list, _, err := s.ListMail(ctx, desk.OutboxFilter{TicketID: &tk.ID})
	must(t, err)
	if len(list) != 2 || list[0].ID != ack.ID || list[1].ID != mail.ID {
		t.Errorf("ListMail by ticket = %d mails", len(list))
	}
	_, _, err = s.ListMail(ctx, desk.OutboxFilter{State: "lost"})
	wantErr(t, err, desk.EINVALID, "state")
}

// queueMails queues n acknowledgements on one ticket and returns their ids.
func queueMails(t *testing.T, s desk.Store, tk *desk.Ticket, prefix string, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range n {
		m := newMail("ayse@example.com", fmt.Sprintf("%s-%d", prefix, i))
		m.TicketID, m.Kind = tk.ID, desk.MailAutoReply
		must(t, s.EnqueueMail(agentCtx, m))
		ids[i] = m.ID
	}
	return ids
}

// testOutboxClaim checks leases: claims take due mail only, never mail
// another worker holds; outcomes are recorded only by the lease holder.
func testOutboxClaim(t *testing.T, s desk.Store) {
	ctx := desk.WithActor(context.Background(), desk.SystemActor)
	tk := emailTicket(t, s, "ayse@example.com")
	ids := queueMails(t, s, tk, "c", 5)

	a, err := s.ClaimMail(ctx, "node-a", 2, time.Minute)
	must(t, err)
	if len(a) != 2 || a[0].ID != ids[0] || a[1].ID != ids[1] {
		t.Fatalf("first claim took %d mails, want the two oldest", len(a))
	}
	for _, m := range a {
		if m.State != desk.OutboxSending || m.LockedBy != "node-a" || m.Attempts != 1 || m.LockedUntil == nil {
			t.Errorf("claimed mail = state %s by %q attempts %d until %v", m.State, m.LockedBy, m.Attempts, m.LockedUntil)
		}
	}
	b, err := s.ClaimMail(ctx, "node-b", 10, time.Minute)
	must(t, err)
	if len(b) != 3 {
		t.Fatalf("second claim took %d mails, want the other 3", len(b))
	}
	none, err := s.ClaimMail(ctx, "node-c", 10, time.Minute)
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("a third claim took %d mails held by others", len(none))
	}

	// Sent: recorded once, by whoever reports it.
	must(t, s.MarkMailSent(ctx, a[0].ID, "node-a"))
	must(t, s.MarkMailSent(ctx, a[0].ID, "node-a"))
	sent, err := s.Mail(ctx, a[0].ID)
	must(t, err)
	if sent.State != desk.OutboxSent || sent.SentAt == nil || sent.LockedBy != "" || sent.LockedUntil != nil {
		t.Errorf("sent mail = %+v", sent)
	}
	if ev := auditOf(t, s, "mail", sent.ID); len(ev) != 2 || ev[0].Action != "mail.sent" || ev[0].Actor != desk.SystemActor {
		t.Errorf("audit of a sent mail = %+v", ev)
	}
	wantErr(t, s.MarkMailFailed(ctx, a[0].ID, "node-a", desk.MailFailure{Error: "late"}), desk.ECONFLICT, "")

	// A temporary failure queues the mail again; only the holder reports it.
	wantErr(t, s.MarkMailFailed(ctx, a[1].ID, "node-b", desk.MailFailure{Error: "451 try later", RetryAt: time.Now()}), desk.ECONFLICT, "")
	must(t, s.MarkMailFailed(ctx, a[1].ID, "node-a", desk.MailFailure{Error: "451 4.3.0 try later", RetryAt: time.Now().Add(-time.Second)}))
	retry, err := s.Mail(ctx, a[1].ID)
	must(t, err)
	if retry.State != desk.OutboxQueued || retry.LastError != "451 4.3.0 try later" || retry.LockedBy != "" || retry.Attempts != 1 {
		t.Errorf("mail after a temporary failure = %+v", retry)
	}
	again, err := s.ClaimMail(ctx, "node-c", 10, time.Minute)
	must(t, err)
	if len(again) != 1 || again[0].ID != a[1].ID || again[0].Attempts != 2 {
		t.Fatalf("claim after the retry time took %+v, want mail %d on its second attempt", again, a[1].ID)
	}
	// A later retry time is not due yet.
	must(t, s.MarkMailFailed(ctx, a[1].ID, "node-c", desk.MailFailure{Error: "451", RetryAt: time.Now().Add(time.Hour)}))
	if later, err := s.ClaimMail(ctx, "node-c", 10, time.Minute); err != nil || len(later) != 0 {
		t.Fatalf("claim before the retry time took %d mails (%v)", len(later), err)
	}

	// A permanent failure is final, audited, and can be retried by hand.
	must(t, s.MarkMailFailed(ctx, b[0].ID, "node-b", desk.MailFailure{Error: "550 5.1.1 no such user"}))
	failed, err := s.Mail(ctx, b[0].ID)
	must(t, err)
	if failed.State != desk.OutboxFailed || failed.LastError != "550 5.1.1 no such user" {
		t.Errorf("mail after a permanent failure = %+v", failed)
	}
	if ev := auditOf(t, s, "mail", failed.ID); len(ev) != 2 || ev[0].Action != "mail.fail" {
		t.Errorf("audit of a failed mail = %+v", ev)
	}
	list, _, err := s.ListMail(ctx, desk.OutboxFilter{State: desk.OutboxFailed})
	must(t, err)
	if len(list) != 1 || list[0].ID != failed.ID {
		t.Errorf("failed mail list = %d mails", len(list))
	}
	_, err = s.RetryMail(ctx, a[0].ID)
	wantErr(t, err, desk.ECONFLICT, "")
	requeued, err := s.RetryMail(ctx, failed.ID)
	must(t, err)
	if requeued.State != desk.OutboxQueued || requeued.Attempts != 0 || requeued.LastError != "" {
		t.Errorf("retried mail = %+v", requeued)
	}

	// Released mail is due again at once, its attempt not counted.
	must(t, s.ReleaseMail(ctx, b[1].ID, "node-b"))
	wantErr(t, s.ReleaseMail(ctx, b[1].ID, "node-b"), desk.ECONFLICT, "")
	rel, err := s.Mail(ctx, b[1].ID)
	must(t, err)
	if rel.State != desk.OutboxQueued || rel.Attempts != 0 {
		t.Errorf("released mail = state %s attempts %d", rel.State, rel.Attempts)
	}

	_, err = s.ClaimMail(ctx, "", 1, time.Minute)
	wantErr(t, err, desk.EINVALID, "worker")
	wantErr(t, s.MarkMailSent(ctx, 999999, "node-a"), desk.ENOTFOUND, "")
	wantErr(t, s.MarkMailFailed(ctx, 999999, "node-a", desk.MailFailure{}), desk.ENOTFOUND, "")
	_, err = s.Mail(ctx, 999999)
	wantErr(t, err, desk.ENOTFOUND, "")
}

// testOutboxLease checks that a worker that stops mid-send (its lease runs
// out) does not strand its mail: another worker claims it, and the first
// can no longer report an outcome over it.
func testOutboxLease(t *testing.T, s desk.Store) {
	ctx := context.Background()
	tk := emailTicket(t, s, "ayse@example.com")
	ids := queueMails(t, s, tk, "l", 1)
	a, err := s.ClaimMail(ctx, "crashed", 1, 20*time.Millisecond)
	must(t, err)
	if len(a) != 1 {
		t.Fatalf("claimed %d", len(a))
	}
	if b, err := s.ClaimMail(ctx, "other", 1, time.Minute); err != nil || len(b) != 0 {
		t.Fatalf("a live lease was taken over: %d mails (%v)", len(b), err)
	}
	time.Sleep(40 * time.Millisecond)
	b, err := s.ClaimMail(ctx, "other", 1, time.Minute)
	must(t, err)
	if len(b) != 1 || b[0].ID != ids[0] || b[0].LockedBy != "other" || b[0].Attempts != 2 {
		t.Fatalf("claim after the lease ran out = %+v", b)
	}
	wantErr(t, s.MarkMailFailed(ctx, ids[0], "crashed", desk.MailFailure{Error: "x", RetryAt: time.Now()}), desk.ECONFLICT, "")
	must(t, s.MarkMailSent(ctx, ids[0], "other"))
}

// testOutboxConcurrentClaims has several workers claim at once until the
// outbox is empty: every mail is claimed exactly once.
func testOutboxConcurrentClaims(t *testing.T, s desk.Store) {
	ctx := context.Background()
	tk := emailTicket(t, s, "ayse@example.com")
	const n, workers = 60, 6
	queueMails(t, s, tk, "cc", n)
	var mu sync.Mutex
	claimed := map[int64]string{}
	var errs []error
	report := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("w%d", w)
			for {
				ms, err := s.ClaimMail(ctx, name, 3, time.Minute)
				if err != nil {
					report(err)
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, m := range ms {
					if prev, ok := claimed[m.ID]; ok {
						errs = append(errs, fmt.Errorf("mail %d claimed by %s and %s", m.ID, prev, name))
					}
					claimed[m.ID] = name
				}
				mu.Unlock()
				for _, m := range ms {
					if err := s.MarkMailSent(ctx, m.ID, name); err != nil {
						report(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if i == 10 {
			t.Errorf("… and %d more", len(errs)-10)
			break
		}
		t.Error(err)
	}
	if len(claimed) != n {
		t.Errorf("%d of %d mails were claimed", len(claimed), n)
	}
}

// testMailboxPositions checks the stored IMAP polling positions.
func testMailboxPositions(t *testing.T, s desk.Store) {
	ctx := context.Background()
	_, err := s.MailboxPosition(ctx, "destek@imap.example.com/INBOX")
	wantErr(t, err, desk.ENOTFOUND, "")
	must(t, s.SetMailboxPosition(ctx, desk.MailboxPosition{Mailbox: "destek@imap.example.com/INBOX", UIDValidity: 4000000000, LastUID: 17}))
	must(t, s.SetMailboxPosition(ctx, desk.MailboxPosition{Mailbox: "abuse@imap.example.com/INBOX", UIDValidity: 1, LastUID: 3}))
	p, err := s.MailboxPosition(ctx, "destek@imap.example.com/INBOX")
	must(t, err)
	if p.UIDValidity != 4000000000 || p.LastUID != 17 || p.UpdatedAt.IsZero() {
		t.Errorf("position = %+v", p)
	}
	must(t, s.SetMailboxPosition(ctx, desk.MailboxPosition{Mailbox: "destek@imap.example.com/INBOX", UIDValidity: 5, LastUID: 2}))
	p, err = s.MailboxPosition(ctx, "destek@imap.example.com/INBOX")
	must(t, err)
	if p.UIDValidity != 5 || p.LastUID != 2 {
		t.Errorf("position after an update = %+v", p)
	}
	other, err := s.MailboxPosition(ctx, "abuse@imap.example.com/INBOX")
	must(t, err)
	if other.LastUID != 3 {
		t.Errorf("another mailbox's position = %+v", other)
	}
	wantErr(t, s.SetMailboxPosition(ctx, desk.MailboxPosition{}), desk.EINVALID, "mailbox")
}
