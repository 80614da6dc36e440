package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"destek/internal/desk"
)

// rawMail returns a small message with the given Message-ID.
func rawMail(id, body string) []byte {
	return []byte("Message-ID: <" + id + ">\r\nFrom: a@example.com\r\nTo: support@example.com\r\nSubject: s\r\n\r\n" + body + "\r\n")
}

func receive(t *testing.T, s desk.Store, id, body string, to ...string) (*desk.InboundMail, bool) {
	t.Helper()
	if len(to) == 0 {
		to = []string{"support@example.com"}
	}
	m := &desk.InboundMail{MessageID: "<" + id + ">", EnvelopeFrom: "a@example.com", EnvelopeTo: to, Raw: rawMail(id, body)}
	dup, err := s.ReceiveMail(context.Background(), m)
	must(t, err)
	return m, dup
}

func testReceiveMail(t *testing.T, s desk.Store) {
	ctx := context.Background()
	m, dup := receive(t, s, "one@example.com", "merhaba")
	if dup || m.ID == 0 || m.State != desk.MailStored || m.MessageID != "one@example.com" || len(m.SHA256) != 64 ||
		m.Size != int64(len(m.Raw)) || m.ReceivedAt.IsZero() {
		t.Fatalf("received %+v (duplicate %v)", m, dup)
	}
	got, err := s.InboundMail(ctx, m.ID)
	must(t, err)
	if !bytes.Equal(got.Raw, rawMail("one@example.com", "merhaba")) || got.EnvelopeFrom != "a@example.com" ||
		!slices.Equal(got.EnvelopeTo, []string{"support@example.com"}) || got.State != desk.MailStored || got.TicketID != nil {
		t.Fatalf("read back %+v", got)
	}

	// A retry of the same delivery: no new row, the first one's id.
	again, dup := receive(t, s, "one@example.com", "merhaba")
	if !dup || again.ID != m.ID {
		t.Fatalf("second delivery: id %d duplicate %v, want id %d duplicate", again.ID, dup, m.ID)
	}
	// Same Message-ID with other content, or to another of our addresses,
	// is another message.
	other, dup := receive(t, s, "one@example.com", "başka")
	if dup || other.ID == m.ID {
		t.Fatalf("same Message-ID, other content: id %d duplicate %v", other.ID, dup)
	}
	legal, dup := receive(t, s, "one@example.com", "merhaba", "hukuk@example.com")
	if dup || legal.ID == m.ID {
		t.Fatalf("same message to another address: id %d duplicate %v", legal.ID, dup)
	}
	// Recipients are compared without case or order.
	_, dup = receive(t, s, "one@example.com", "merhaba", "SUPPORT@example.com")
	if !dup {
		t.Fatal("recipient in other case was not a duplicate")
	}

	list, next, err := s.ListInboundMail(ctx, desk.InboundMailFilter{State: desk.MailStored})
	must(t, err)
	if len(list) != 3 || next != "" || list[0].ID != legal.ID || list[0].Raw != nil {
		t.Fatalf("list: %d rows, next %q, first %+v", len(list), next, list[0])
	}
	pending, err := s.PendingMail(ctx, 0, time.Now().Add(time.Minute), 10)
	must(t, err)
	if !slices.Equal(pending, []int64{m.ID, other.ID, legal.ID}) {
		t.Fatalf("pending = %v", pending)
	}
	pending, err = s.PendingMail(ctx, m.ID, time.Now().Add(time.Minute), 1)
	must(t, err)
	if !slices.Equal(pending, []int64{other.ID}) {
		t.Fatalf("pending after %d, one = %v", m.ID, pending)
	}
	pending, err = s.PendingMail(ctx, 0, m.ReceivedAt, 10)
	must(t, err)
	if len(pending) != 0 {
		t.Fatalf("pending before the first arrived = %v", pending)
	}

	wantErr(t, second(s.ReceiveMail(ctx, &desk.InboundMail{EnvelopeTo: []string{"a@b.example"}})), desk.EINVALID, "raw")
	wantErr(t, second(s.ReceiveMail(ctx, &desk.InboundMail{Raw: []byte("x")})), desk.EINVALID, "envelope_to")
	wantErr(t, second(s.InboundMail(ctx, 99999)), desk.ENOTFOUND, "")
	_, _, err = s.ListInboundMail(ctx, desk.InboundMailFilter{State: "lost"})
	wantErr(t, err, desk.EINVALID, "state")

	// A message without a Message-ID is deduplicated by content alone.
	noID := &desk.InboundMail{EnvelopeTo: []string{"support@example.com"}, Raw: []byte("Subject: x\r\n\r\nno id\r\n")}
	dupNo, err := s.ReceiveMail(ctx, noID)
	must(t, err)
	noID2 := &desk.InboundMail{EnvelopeTo: []string{"support@example.com"}, Raw: []byte("Subject: x\r\n\r\nno id\r\n")}
	dupNo2, err := s.ReceiveMail(ctx, noID2)
	must(t, err)
	if dupNo || !dupNo2 || noID2.ID != noID.ID || noID.MessageID != "" {
		t.Fatalf("no Message-ID: %+v %v / %+v %v", noID, dupNo, noID2, dupNo2)
	}

	ev := auditOf(t, s, "inbound_mail", m.ID)
	if len(ev) != 1 {
		t.Fatalf("%d audit events for a received mail, want 1", len(ev))
	}
	checkEvent(t, ev[0], "inbound_mail.receive", "inbound_mail", m.ID, desk.SystemActor, nil, nil)
}

// testReceiveMailConcurrent delivers the same message from several
// connections at once: one row, every caller told the same id.
func testReceiveMailConcurrent(t *testing.T, s desk.Store) {
	const n = 8
	ids := make([]int64, n)
	dups := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := &desk.InboundMail{MessageID: "race@example.com", EnvelopeTo: []string{"support@example.com"}, Raw: rawMail("race@example.com", "x")}
			d, err := s.ReceiveMail(context.Background(), m)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i], dups[i] = m.ID, d
		}()
	}
	wg.Wait()
	stored := 0
	for i := range n {
		if ids[i] != ids[0] {
			t.Fatalf("ids %v differ", ids)
		}
		if !dups[i] {
			stored++
		}
	}
	if stored != 1 {
		t.Fatalf("%d of %d concurrent deliveries stored a row, want 1", stored, n)
	}
}

func testMarkMail(t *testing.T, s desk.Store) {
	ctx := desk.WithActor(context.Background(), desk.SystemActor)
	m, _ := receive(t, s, "auto@example.com", "out of office")
	must(t, s.MarkMail(ctx, m.ID, desk.MailStored, "database busy", nil))
	must(t, s.MarkMail(ctx, m.ID, desk.MailStored, "database busy again", nil))
	got, err := s.InboundMail(ctx, m.ID)
	must(t, err)
	if got.State != desk.MailStored || got.Attempts != 2 || got.Error != "database busy again" {
		t.Fatalf("after two retries: %+v", got)
	}
	tk, _, _ := newTicket(t, s, "a@example.com", "s", "t")
	must(t, s.MarkMail(ctx, m.ID, desk.MailIgnored, "auto-reply (Auto-Submitted: auto-replied)", &tk.ID))
	got, err = s.InboundMail(ctx, m.ID)
	must(t, err)
	if got.State != desk.MailIgnored || got.TicketID == nil || *got.TicketID != tk.ID || got.ProcessedAt == nil || got.Attempts != 2 {
		t.Fatalf("after ignore: %+v", got)
	}
	// Final states are final.
	wantErr(t, s.MarkMail(ctx, m.ID, desk.MailFailed, "x", nil), desk.ECONFLICT, "state")
	wantErr(t, s.MarkMail(ctx, m.ID, desk.MailProcessed, "x", nil), desk.EINVALID, "state")
	wantErr(t, s.MarkMail(ctx, 99999, desk.MailFailed, "x", nil), desk.ENOTFOUND, "")

	f, _ := receive(t, s, "broken@example.com", "broken")
	must(t, s.MarkMail(ctx, f.ID, desk.MailFailed, "parse: no boundary", nil))
	failed, _, err := s.ListInboundMail(ctx, desk.InboundMailFilter{State: desk.MailFailed})
	must(t, err)
	if len(failed) != 1 || failed[0].ID != f.ID || failed[0].Error != "parse: no boundary" {
		t.Fatalf("failed list = %+v", failed)
	}
	// Nothing failed or ignored is pending.
	pending, err := s.PendingMail(ctx, 0, time.Now().Add(time.Minute), 10)
	must(t, err)
	if len(pending) != 0 {
		t.Fatalf("pending = %v", pending)
	}
	ev := auditOf(t, s, "inbound_mail", m.ID)
	if len(ev) != 4 || ev[0].Action != "inbound_mail.ignore" || ev[1].Action != "inbound_mail.retry" {
		t.Fatalf("audit of a marked mail: %d events, newest %s", len(ev), ev[0].Action)
	}
}

// testMailClaim checks that the ticket message made of a received mail and
// the mail's processed state are written together, once.
func testMailClaim(t *testing.T, s desk.Store) {
	base := desk.WithActor(context.Background(), desk.SystemActor)
	m, _ := receive(t, s, "first@example.com", "ilk")
	claim := &desk.MailClaim{MailID: m.ID, MessageID: m.MessageID}
	ctx := desk.WithMailClaim(base, claim)
	tk := &desk.Ticket{Subject: "DNS"}
	first := &desk.Message{Text: "ilk mesaj"}
	must(t, s.CreateTicket(ctx, tk, &desk.Contact{Channel: desk.ChannelEmail, Address: "a@example.com"}, first, nil))
	got, err := s.InboundMail(base, m.ID)
	must(t, err)
	if got.State != desk.MailProcessed || got.TicketID == nil || *got.TicketID != tk.ID || got.DeskMessageID == nil ||
		*got.DeskMessageID != first.ID || got.ProcessedAt == nil {
		t.Fatalf("after CreateTicket with a claim: %+v", got)
	}
	link, err := s.TicketByMessageID(base, "<first@example.com>")
	must(t, err)
	if link.TicketID != tk.ID || link.Outbound {
		t.Fatalf("inbound Message-ID link = %+v", link)
	}
	// Later inbound writes under the same claim are not the mail's own.
	_, err = s.AddMessage(ctx, &desk.Message{TicketID: tk.ID, Text: "same run"}, nil, false)
	must(t, err)

	// Processing it again (a retry after a crash, another node) writes nothing.
	again := desk.WithMailClaim(base, &desk.MailClaim{MailID: m.ID, MessageID: m.MessageID})
	before := countTickets(t, s)
	err = s.CreateTicket(again, &desk.Ticket{Subject: "DNS"}, &desk.Contact{Channel: desk.ChannelEmail, Address: "a@example.com"}, &desk.Message{Text: "ilk mesaj"}, nil)
	wantErr(t, err, desk.ECONFLICT, "inbound_mail")
	if countTickets(t, s) != before {
		t.Fatal("a second ticket was made of one mail")
	}
	again = desk.WithMailClaim(base, &desk.MailClaim{MailID: m.ID, MessageID: m.MessageID})
	_, err = s.AddMessage(again, &desk.Message{TicketID: tk.ID, Text: "again"}, nil, false)
	wantErr(t, err, desk.ECONFLICT, "inbound_mail")
	msgs, err := s.Messages(base, tk.ID)
	must(t, err)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}

	// A reply claims its mail through AddMessage.
	r, _ := receive(t, s, "reply@example.com", "cevap")
	rctx := desk.WithMailClaim(base, &desk.MailClaim{MailID: r.ID, MessageID: r.MessageID})
	reply := &desk.Message{TicketID: tk.ID, Text: "cevap"}
	_, err = s.AddMessage(rctx, reply, nil, false)
	must(t, err)
	got, err = s.InboundMail(base, r.ID)
	must(t, err)
	if got.State != desk.MailProcessed || *got.DeskMessageID != reply.ID {
		t.Fatalf("after AddMessage with a claim: %+v", got)
	}
	// Notes and outbound messages never claim.
	n, _ := receive(t, s, "note@example.com", "not")
	nctx := desk.WithMailClaim(base, &desk.MailClaim{MailID: n.ID})
	_, err = s.AddMessage(nctx, &desk.Message{TicketID: tk.ID, Direction: desk.Note, Text: "not"}, nil, false)
	must(t, err)
	if got, _ := s.InboundMail(base, n.ID); got.State != desk.MailStored {
		t.Fatalf("a note claimed the mail: %+v", got)
	}
	// A failed write leaves the mail pending.
	_, err = s.AddMessage(nctx, &desk.Message{TicketID: 99999, Text: "x"}, nil, false)
	wantErr(t, err, desk.ENOTFOUND, "")
	if got, _ := s.InboundMail(base, n.ID); got.State != desk.MailStored {
		t.Fatalf("a failed write claimed the mail: %+v", got)
	}
	// A claim of a mail already marked ignored fails too.
	must(t, s.MarkMail(base, n.ID, desk.MailIgnored, "bounce", nil))
	_, err = s.AddMessage(desk.WithMailClaim(base, &desk.MailClaim{MailID: n.ID}), &desk.Message{TicketID: tk.ID, Text: "x"}, nil, false)
	wantErr(t, err, desk.ECONFLICT, "inbound_mail")
}

// testMailClaimConcurrent processes one mail on several goroutines at once,
// as several nodes sweeping pending mail would: one ticket.
func testMailClaimConcurrent(t *testing.T, s desk.Store) {
	base := desk.WithActor(context.Background(), desk.SystemActor)
	m, _ := receive(t, s, "busy@example.com", "x")
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := desk.WithMailClaim(base, &desk.MailClaim{MailID: m.ID, MessageID: m.MessageID})
			errs[i] = s.CreateTicket(ctx, &desk.Ticket{Subject: "x"}, &desk.Contact{Channel: desk.ChannelEmail, Address: "a@example.com"},
				&desk.Message{Text: fmt.Sprint("try ", i)}, nil)
		}()
	}
	wg.Wait()
	ok := winners(t, errs, "unexpected error")
	if ok != 1 || countTickets(t, s) != 1 {
		t.Fatalf("%d claims succeeded, %d tickets; want 1 and 1", ok, countTickets(t, s))
	}
}

func testMessageIDs(t *testing.T, s desk.Store) {
	ctx := context.Background()
	tk, _, _ := newTicket(t, s, "a@example.com", "s", "t")
	other, _, _ := newTicket(t, s, "b@example.com", "s", "t")
	must(t, s.LinkMessageID(ctx, "<t1.abc@destek.example>", tk.ID))
	// The first link stands.
	must(t, s.LinkMessageID(ctx, "t1.abc@destek.example", other.ID))
	link, err := s.TicketByMessageID(ctx, " <t1.abc@destek.example> ")
	must(t, err)
	if link.TicketID != tk.ID || !link.Outbound {
		t.Fatalf("link = %+v", link)
	}
	wantErr(t, second(s.TicketByMessageID(ctx, "<nobody@example.com>")), desk.ENOTFOUND, "")
	wantErr(t, second(s.TicketByMessageID(ctx, "<>")), desk.ENOTFOUND, "")
	wantErr(t, s.LinkMessageID(ctx, "<>", tk.ID), desk.EINVALID, "message_id")
	wantErr(t, s.LinkMessageID(ctx, "<x@y>", 99999), desk.EINVALID, "ticket_id")
}

func testSettings(t *testing.T, s desk.Store) {
	ctx := context.Background()
	v, err := s.EnsureSetting(ctx, "mail.reply_secret", []byte("first"))
	must(t, err)
	if string(v) != "first" {
		t.Fatalf("first EnsureSetting = %q", v)
	}
	v, err = s.EnsureSetting(ctx, "mail.reply_secret", []byte("second"))
	must(t, err)
	if string(v) != "first" {
		t.Fatalf("second EnsureSetting = %q, want the first value", v)
	}
	wantErr(t, second(s.EnsureSetting(ctx, "", []byte("x"))), desk.EINVALID, "key")
	wantErr(t, second(s.EnsureSetting(ctx, "k", nil)), desk.EINVALID, "value")
}

func testAccountsByEmail(t *testing.T, s desk.Store) {
	ctx := agentCtx
	a := &desk.Account{Name: "Atak Müşteri", Email: "Patron@Firma.com.tr"}
	must(t, s.CreateAccount(ctx, a))
	b := &desk.Account{Name: "İkinci"}
	must(t, s.CreateAccount(ctx, b))
	must(t, s.AddAuthorisedContact(ctx, &desk.AuthorisedContact{AccountID: b.ID, Name: "Teknik", Email: "teknik@firma.com.tr", Role: desk.AccountTechnical}))
	must(t, s.AddAuthorisedContact(ctx, &desk.AuthorisedContact{AccountID: b.ID, Name: "Patron", Email: "patron@firma.com.tr", Role: desk.AccountOwner}))
	ids, err := s.AccountsByEmail(ctx, "PATRON@firma.com.tr")
	must(t, err)
	if !slices.Equal(ids, []int64{a.ID, b.ID}) {
		t.Fatalf("patron@ → %v, want [%d %d]", ids, a.ID, b.ID)
	}
	ids, err = s.AccountsByEmail(ctx, "teknik@firma.com.tr")
	must(t, err)
	if !slices.Equal(ids, []int64{b.ID}) {
		t.Fatalf("teknik@ → %v", ids)
	}
	ids, err = s.AccountsByEmail(ctx, "kimse@firma.com.tr")
	must(t, err)
	if len(ids) != 0 {
		t.Fatalf("unknown → %v", ids)
	}
	wantErr(t, second(s.AccountsByEmail(ctx, "not an address")), desk.EINVALID, "email")
}
