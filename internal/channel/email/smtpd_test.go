package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net/smtp"
	"slices"
	"strings"
	"testing"
	"time"

	"destek/internal/desk"
	"destek/internal/store/storetest"
)

// TestSMTPRouting: each of the policy's addresses leads to its channel's
// queue; support mail goes where the policy engine routes its content; a
// message copied to hukuk@ is a legal matter.
func TestSMTPRouting(t *testing.T) {
	openStores(t, func(t *testing.T, s desk.Store) {
		e := startDesk(t, s)
		const text = "Merhaba, alan adımın transfer kodunu gönderir misiniz?"
		for i, to := range []string{supportAddr, destekAddr, abuseAddr, legalAddr, "Support@AtakDomain.com"} {
			e.mustSend(letter{from: "musteri@example.com", to: []string{to},
				raw: compose("Müşteri <musteri@example.com>", to, "Talep", text, fmt.Sprintf("Message-ID: <route-%d@example.com>", i))})
		}
		e.mustSend(letter{from: "musteri@example.com", to: []string{supportAddr, legalAddr},
			raw: compose("Müşteri <musteri@example.com>", supportAddr, "Talep", text, "Cc: "+legalAddr, "Message-ID: <route-both@example.com>")})
		e.settle()

		v, err := e.intake.Judge().Judge(text)
		if err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]string{
			"route-0@example.com": v.Queue, "route-1@example.com": v.Queue, "route-4@example.com": v.Queue,
			"route-2@example.com": desk.QueueAbuse, "route-3@example.com": desk.QueueLegal, "route-both@example.com": desk.QueueLegal,
		} {
			tk := e.ticketOf(id)
			if tk.Queue != want || tk.Channel != desk.ChannelEmail {
				t.Errorf("%s: queue %s channel %s, want queue %s on email", id, tk.Queue, tk.Channel, want)
			}
		}
		if v.Queue == desk.QueueAbuse || v.Queue == desk.QueueLegal {
			t.Fatalf("the routing text itself routes to %s; pick one that shows the address decides", v.Queue)
		}
	})
}

// TestSMTPRejectsUnknownRecipients: RCPT of an address the policy does not
// list gets 550 5.1.1 naming the addresses that work; a message with one
// good recipient is stored for that one only.
func TestSMTPRejectsUnknownRecipients(t *testing.T) {
	e := startDesk(t, storetest.OpenSQLite(t))
	for _, to := range []string{"nobody@atakdomain.com", "support@example.com", "support@atakdomain.com.evil.example", "not-an-address"} {
		err := e.send(letter{from: "a@example.com", to: []string{to}, raw: compose("a@example.com", to, "x", "y")})
		if smtpCode(err) != 550 && !(to == "not-an-address" && smtpCode(err) == 501) {
			t.Errorf("RCPT %s: %v, want 550", to, err)
		}
		if to == "nobody@atakdomain.com" && (!strings.Contains(err.Error(), "5.1.1") || !strings.Contains(err.Error(), supportAddr)) {
			t.Errorf("the refusal does not say which addresses work: %v", err)
		}
	}

	c, err := smtp.Dial(e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	must(t, c.Mail("a@example.com"))
	if err := c.Rcpt("nobody@atakdomain.com"); smtpCode(err) != 550 {
		t.Fatalf("RCPT nobody: %v", err)
	}
	must(t, c.Rcpt(destekAddr))
	w, err := c.Data()
	must(t, err)
	w.Write([]byte(compose("a@example.com", destekAddr, "x", "y", "Message-ID: <one-good@example.com>")))
	must(t, w.Close())
	must(t, c.Quit())
	e.settle()
	if m := e.mailByMessageID("one-good@example.com"); !slices.Equal(m.EnvelopeTo, []string{destekAddr}) {
		t.Errorf("stored recipients %v", m.EnvelopeTo)
	}
	if n := e.countTickets(); n != 1 {
		t.Errorf("%d tickets, want 1", n)
	}
}

// TestSMTPSizeLimit: a message over the limit gets 552 and nothing is
// stored; one under it is taken.
func TestSMTPSizeLimit(t *testing.T) {
	e := startDesk(t, storetest.OpenSQLite(t), func(c *ServerConfig) { c.MaxMessageBytes = 64 << 10 })
	big := compose("a@example.com", supportAddr, "big", strings.Repeat("büyük bir ek satırı\n", 4<<10))
	err := e.send(letter{from: "a@example.com", to: []string{supportAddr}, raw: big})
	if smtpCode(err) != 552 || !strings.Contains(err.Error(), "65536") {
		t.Fatalf("over the limit: %v, want 552 naming the limit", err)
	}
	ms, _, _ := e.store.ListInboundMail(context.Background(), desk.InboundMailFilter{})
	if len(ms) != 0 {
		t.Fatalf("%d messages stored after a refusal", len(ms))
	}
	// The connection stays usable and a small message goes through.
	e.mustSend(letter{from: "a@example.com", to: []string{supportAddr}, raw: compose("a@example.com", supportAddr, "small", "küçük")})
	e.settle()
}

// TestSMTPTurkishWindows1254Attachment: a windows-1254 message with a
// Turkish subject, sender name and attachment name arrives readable.
func TestSMTPTurkishWindows1254Attachment(t *testing.T) {
	e := startDesk(t, storetest.OpenSQLite(t))
	e.mustSend(letter{from: "ayse.isik@firma.com.tr", to: []string{destekAddr}, raw: fixture(t, "windows1254_attachment.eml")})
	e.settle()
	tk := e.ticketOf("20261126120000.1254@firma.com.tr")
	if tk.Subject != "Fatura ödemesi ve şifre sıfırlama" {
		t.Errorf("subject %q", tk.Subject)
	}
	ms := e.messagesOf(tk.ID)
	m := ms[0]
	if !strings.Contains(m.Text, "şifre sıfırlama bağlantısı gelmedi") || !strings.Contains(m.Text, "Ayşe Işık") {
		t.Errorf("text %q", m.Text)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "ödeme dekontu.pdf" || m.Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	data, err := e.store.AttachmentData(context.Background(), m.Attachments[0].ID)
	must(t, err)
	if !bytes.HasPrefix(data, []byte("%PDF-1.4")) {
		t.Errorf("attachment bytes %q", data[:min(20, len(data))])
	}
	c, err := e.store.Contact(context.Background(), tk.ContactID)
	must(t, err)
	if c.Name != "Ayşe Işık" || c.Address != "ayse.isik@firma.com.tr" || c.Channel != desk.ChannelEmail {
		t.Errorf("contact %+v", c)
	}
	if m.Classification == nil || m.Classification.PolicyVersion != tk.PolicyVersion {
		t.Errorf("the message was not judged: %+v", m.Classification)
	}
}

// TestSMTPHTMLOnly: an HTML-only message keeps its formatting, loses its
// scripts, handlers, styles, frames and remote images, and gets a text.
func TestSMTPHTMLOnly(t *testing.T) {
	e := startDesk(t, storetest.OpenSQLite(t))
	e.mustSend(letter{from: "selin@acar.example", to: []string{supportAddr}, raw: fixture(t, "html_only.eml")})
	e.settle()
	tk := e.ticketOf("html-only-1@acar.example")
	m := e.messagesOf(tk.ID)[0]
	for _, bad := range []string{"<script", "alert", "onload", "style", "tracker.example", "javascript:", "<iframe", "<form", "<input", `id="app"`, `class=`} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("sanitised HTML still has %q: %s", bad, m.HTML)
		}
	}
	if !strings.Contains(m.HTML, "<b>şifremi</b>") || !strings.Contains(m.HTML, `href="https://acar.example/ekran"`) {
		t.Errorf("sanitising lost the content: %s", m.HTML)
	}
	if !strings.Contains(m.Text, "Panele giriş yapamıyorum") || strings.Contains(m.Text, "javascript") || strings.Contains(m.Text, "alert") {
		t.Errorf("text %q", m.Text)
	}
}

// TestSMTPThreading: replies join their ticket by an outbound Message-ID
// (anyone), by the customer's own Message-ID (only from that customer), by
// the reply address (anyone) and by the ticket number in the subject (only
// from the ticket's contact). A forged reply token threads nowhere.
func TestSMTPThreading(t *testing.T) {
	openStores(t, func(t *testing.T, s desk.Store) {
		e := startDesk(t, s)
		ctx := context.Background()
		const customer = "ayse@musteri.example"
		const stranger = "saldirgan@kotu.example"
		e.mustSend(letter{from: customer, to: []string{supportAddr},
			raw: compose("Ayşe <"+customer+">", supportAddr, "Alan adı transferi", "Transfer kodumu alabilir miyim?", "Message-ID: <first@musteri.example>")})
		e.settle()
		tk := e.ticketOf("first@musteri.example")
		// destek's own reply, as the outbound side records it.
		must(t, s.LinkMessageID(ctx, "<t"+fmt.Sprint(tk.ID)+".abc123@destek.atakdomain.com>", tk.ID))
		outID := "<t" + fmt.Sprint(tk.ID) + ".abc123@destek.atakdomain.com>"

		cases := []struct {
			name, from, to, subject string
			headers                 []string
			joins                   bool
		}{
			{"in-reply-to ours, from the customer", customer, supportAddr, "Re: Alan adı transferi", []string{"In-Reply-To: " + outID}, true},
			{"references ours, from a colleague", "is.arkadasi@musteri.example", supportAddr, "Re: Alan adı transferi", []string{"References: <unknown@x.example> " + outID}, true},
			{"in-reply-to the customer's own, from the customer", customer, supportAddr, "Ek bilgi", []string{"In-Reply-To: <first@musteri.example>"}, true},
			{"in-reply-to the customer's own, from a stranger", stranger, supportAddr, "Ek bilgi", []string{"In-Reply-To: <first@musteri.example>"}, false},
			{"reply address, from anyone", "baska@musteri.example", ReplyAddress(e.secret, supportAddr, tk.ID), "Cevap", nil, true},
			{"reply address in capitals", customer, strings.ToUpper(ReplyAddress(e.secret, supportAddr, tk.ID)), "Cevap", nil, true},
			{"subject number, from the customer", customer, supportAddr, fmt.Sprintf("Re: [#%d] transfer", tk.ID), nil, true},
			{"Bilet number, from the customer", customer, destekAddr, fmt.Sprintf("Bilet #%d hakkında", tk.ID), nil, true},
			{"subject number, from a stranger", stranger, supportAddr, fmt.Sprintf("Re: [#%d] transfer", tk.ID), nil, false},
			{"forged reply token", stranger, fmt.Sprintf("support+t%d-0123456789abcdef0123@atakdomain.com", tk.ID), "Cevap", nil, false},
			{"token of another ticket", stranger, strings.Replace(ReplyAddress(e.secret, supportAddr, tk.ID+1), fmt.Sprintf("t%d-", tk.ID+1), fmt.Sprintf("t%d-", tk.ID), 1), "Cevap", nil, false},
		}
		for i, c := range cases {
			id := fmt.Sprintf("case-%d@test.example", i)
			headers := append([]string{"Message-ID: <" + id + ">"}, c.headers...)
			if err := e.send(letter{from: c.from, to: []string{c.to}, raw: compose(c.from, c.to, c.subject, fmt.Sprintf("Mesaj %d: kodu bekliyorum.", i), headers...)}); err != nil {
				t.Fatalf("%s: send: %v", c.name, err)
			}
			e.settle()
			got := e.ticketOf(id)
			if joined := got.ID == tk.ID; joined != c.joins {
				t.Errorf("%s: went to ticket %d (first ticket %d); joins = %v, want %v", c.name, got.ID, tk.ID, joined, c.joins)
			}
		}
		if !strings.Contains(e.logs.String(), "token that does not verify") {
			t.Error("a forged reply token was not logged")
		}
	})
}

// TestSMTPReplyToClosedTicket: a reply to a closed ticket opens a new one
// linked to it; a reply to a resolved ticket reopens it; a reply to a
// merged ticket goes to the ticket it was merged into.
func TestSMTPReplyToClosedTicket(t *testing.T) {
	s := storetest.OpenSQLite(t)
	e := startDesk(t, s)
	ctx := desk.WithActor(context.Background(), desk.SystemActor)
	const customer = "can@musteri.example"
	send := func(id, subject string, headers ...string) *desk.Ticket {
		t.Helper()
		e.mustSend(letter{from: customer, to: []string{supportAddr},
			raw: compose(customer, supportAddr, subject, "Sitem açılmıyor, yardım eder misiniz?", append([]string{"Message-ID: <" + id + ">"}, headers...)...)})
		e.settle()
		return e.ticketOf(id)
	}
	first := send("c1@musteri.example", "Site")
	closed := desk.StatusClosed
	_, err := s.UpdateTicket(ctx, first.ID, desk.TicketUpdate{Status: &closed})
	must(t, err)
	again := send("c2@musteri.example", "Re: Site", "In-Reply-To: <c1@musteri.example>")
	if again.ID == first.ID || again.Status != desk.StatusNew {
		t.Fatalf("reply to a closed ticket landed on %d (%s)", again.ID, again.Status)
	}
	// The link is written right after the new ticket, in its own transaction.
	for deadline := time.Now().Add(5 * time.Second); len(again.Links) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		again, err = s.Ticket(ctx, again.ID)
		must(t, err)
	}
	if !slices.ContainsFunc(again.Links, func(l desk.TicketLink) bool { return l.TicketID == first.ID && l.Kind == desk.LinkRelated }) {
		t.Errorf("new ticket %d is not linked to the closed %d: %+v", again.ID, first.ID, again.Links)
	}
	if f, _ := s.Ticket(ctx, first.ID); f.Status != desk.StatusClosed || e.inboundCount(first.ID) != 1 {
		t.Errorf("the closed ticket changed: %s, %d customer messages", f.Status, e.inboundCount(first.ID))
	}

	resolved := desk.StatusResolved
	_, err = s.UpdateTicket(ctx, again.ID, desk.TicketUpdate{Status: &resolved})
	must(t, err)
	back := send("c3@musteri.example", fmt.Sprintf("Re: [#%d] Site", again.ID))
	if back.ID != again.ID || back.Status != desk.StatusOpen {
		t.Errorf("reply to a resolved ticket: ticket %d status %s, want %d open", back.ID, back.Status, again.ID)
	}

	other := send("c4@musteri.example", "Başka konu")
	must(t, s.LinkTickets(ctx, other.ID, again.ID, desk.LinkMerged))
	merged := send("c5@musteri.example", "Re: Başka konu", "In-Reply-To: <c4@musteri.example>")
	if merged.ID != again.ID {
		t.Errorf("reply to merged ticket %d went to %d, want %d", other.ID, merged.ID, again.ID)
	}
}

// TestSMTPAutomaticMail: auto-replies, bounces, list mail and mail from our
// own address are stored and marked ignored; they make no ticket and no
// message, even when they name a ticket.
func TestSMTPAutomaticMail(t *testing.T) {
	s := storetest.OpenSQLite(t)
	e := startDesk(t, s)
	e.mustSend(letter{from: "murat@kaya.example", to: []string{supportAddr},
		raw: compose("murat@kaya.example", supportAddr, "Transfer", "Transfer kodumu istiyorum.", "Message-ID: <start@kaya.example>")})
	e.settle()
	tk := e.ticketOf("start@kaya.example")
	must(t, s.LinkMessageID(context.Background(), "t42.8f3a1c@destek.atakdomain.com", tk.ID))
	// Count the customer's messages only: the policy may add its own
	// answer to the first one, after the ticket is stored.
	inbound := func() int { return e.inboundCount(tk.ID) }
	before := inbound()

	for _, c := range []struct {
		file, from, msgID string
	}{
		{"autoreply_ooo.eml", "murat@kaya.example", "ooo-1@kaya.example"},
		{"bounce_dsn.eml", "", "dsn-1@mx.example.net"},
		{"newsletter_list.eml", "bounces@lists.example.org", "digest-42@lists.example.org"},
	} {
		e.mustSend(letter{from: c.from, to: []string{supportAddr}, raw: fixture(t, c.file)})
		e.settle()
		m := e.mailByMessageID(c.msgID)
		if m.State != desk.MailIgnored || m.Error == "" {
			t.Errorf("%s: state %s (%q), want ignored with a reason", c.file, m.State, m.Error)
		}
		if c.file != "newsletter_list.eml" && (m.TicketID == nil || *m.TicketID != tk.ID) {
			t.Errorf("%s: not linked to the ticket it answers: %v", c.file, m.TicketID)
		}
	}
	// Our own mail, come back.
	e.mustSend(letter{from: supportAddr, to: []string{destekAddr},
		raw: compose("Atak Destek <"+supportAddr+">", destekAddr, "[#1] Yanıt", "Sayın müşterimiz…", "Message-ID: <loop@destek.example>")})
	e.settle()
	if m := e.mailByMessageID("loop@destek.example"); m.State != desk.MailIgnored {
		t.Errorf("mail from our own address: %s", m.State)
	}
	if n := e.countTickets(); n != 1 {
		t.Errorf("%d tickets, want the one the customer opened", n)
	}
	if n := inbound(); n != before {
		t.Errorf("automatic mail added %d messages to the ticket", n-before)
	}
}

// TestSMTPDedupe: a message delivered twice (the sending server did not
// see our 250 and retried) is stored and processed once.
func TestSMTPDedupe(t *testing.T) {
	openStores(t, func(t *testing.T, s desk.Store) {
		e := startDesk(t, s)
		m := letter{from: "a@example.com", to: []string{supportAddr},
			raw: compose("a@example.com", supportAddr, "DNS", "A kaydım güncellenmiyor.", "Message-ID: <retry@example.com>")}
		e.mustSend(m)
		e.settle()
		e.mustSend(m)
		e.mustSend(m)
		e.settle()
		e.mailByMessageID("retry@example.com") // fails on two rows
		if n := e.countTickets(); n != 1 {
			t.Fatalf("%d tickets after three deliveries, want 1", n)
		}
		// The same Message-ID with other content is another message.
		m.raw = strings.Replace(m.raw, "güncellenmiyor", "hâlâ güncellenmiyor", 1)
		e.mustSend(m)
		e.settle()
		ms, _, _ := s.ListInboundMail(context.Background(), desk.InboundMailFilter{})
		if len(ms) != 2 {
			t.Fatalf("%d stored messages, want 2", len(ms))
		}
	})
}

// TestSMTPStoreFailure: when the database cannot take the message the
// client is told 451 4.3.0 and keeps it.
func TestSMTPStoreFailure(t *testing.T) {
	s := storetest.OpenSQLite(t)
	e := startDesk(t, s)
	s.Close()
	err := e.send(letter{from: "a@example.com", to: []string{supportAddr}, raw: compose("a@example.com", supportAddr, "x", "y")})
	if smtpCode(err) != 451 || !strings.Contains(err.Error(), "4.3.0") {
		t.Fatalf("store failure: %v, want 451 4.3.0", err)
	}
}

// TestSMTPAuth: with credentials configured, a client must authenticate
// (AUTH PLAIN) before MAIL; wrong credentials are refused.
func TestSMTPAuth(t *testing.T) {
	e := startDesk(t, storetest.OpenSQLite(t), func(c *ServerConfig) { c.AuthUsername, c.AuthPassword = "relay", "s3cret-relay" })
	m := letter{from: "a@example.com", to: []string{supportAddr}, raw: compose("a@example.com", supportAddr, "x", "Merhaba")}
	if err := sendTo(e.addr, m, nil); smtpCode(err) != 530 {
		t.Errorf("without AUTH: %v, want 530", err)
	}
	if err := sendTo(e.addr, m, smtp.PlainAuth("", "relay", "wrong", "127.0.0.1")); smtpCode(err) != 535 {
		t.Errorf("wrong password: %v, want 535", err)
	}
	if err := sendTo(e.addr, m, smtp.PlainAuth("", "relay", "s3cret-relay", "127.0.0.1")); err != nil {
		t.Errorf("right password: %v", err)
	}
	e.settle()
	if n := e.countTickets(); n != 1 {
		t.Errorf("%d tickets, want 1", n)
	}
}

// TestSMTPStartTLS: with a certificate configured the server offers
// STARTTLS, and AUTH only after it.
func TestSMTPStartTLS(t *testing.T) {
	e := startDesk(t, storetest.OpenSQLite(t), func(c *ServerConfig) {
		c.TLSConfig = selfSignedTLS(t)
		c.AuthUsername, c.AuthPassword = "relay", "pw"
	})
	c, err := smtp.Dial(e.addr)
	must(t, err)
	defer c.Close()
	must(t, c.Hello("client.test"))
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered")
	}
	if ok, _ := c.Extension("AUTH"); ok {
		t.Error("AUTH offered before TLS")
	}
	must(t, c.StartTLS(&tls.Config{InsecureSkipVerify: true, ServerName: "127.0.0.1"}))
	must(t, c.Auth(smtp.PlainAuth("", "relay", "pw", "127.0.0.1")))
	must(t, c.Mail("a@example.com"))
	must(t, c.Rcpt(supportAddr))
	w, err := c.Data()
	must(t, err)
	w.Write([]byte(compose("a@example.com", supportAddr, "TLS", "Şifreli bağlantı", "Message-ID: <tls@example.com>")))
	must(t, w.Close())
	must(t, c.Quit())
	e.settle()
	e.ticketOf("tls@example.com")
}

// TestSMTPAccountLink: mail from an account's registered e-mail or an
// authorised contact's links the new contact and the ticket to the account.
func TestSMTPAccountLink(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := desk.WithActor(context.Background(), desk.SystemActor)
	acc := &desk.Account{Name: "Öztürk Yazılım", Kind: desk.AccountCorporate, Email: "muhasebe@ozturk.example"}
	must(t, s.CreateAccount(ctx, acc))
	must(t, s.AddAuthorisedContact(ctx, &desk.AuthorisedContact{AccountID: acc.ID, Name: "Mehmet", Email: "Mehmet@Ozturk.example", Role: desk.AccountTechnical}))
	e := startDesk(t, s)
	for i, from := range []string{"muhasebe@ozturk.example", "mehmet@ozturk.example", "yabanci@baska.example"} {
		e.mustSend(letter{from: from, to: []string{supportAddr}, raw: compose(from, supportAddr, "Fatura", "Faturamı göremiyorum.", fmt.Sprintf("Message-ID: <acc-%d@x.example>", i))})
	}
	e.settle()
	for i, want := range []*int64{&acc.ID, &acc.ID, nil} {
		tk := e.ticketOf(fmt.Sprintf("acc-%d@x.example", i))
		c, err := s.Contact(ctx, tk.ContactID)
		must(t, err)
		if (want == nil) != (c.AccountID == nil) || (want != nil && (*c.AccountID != *want || tk.AccountID == nil || *tk.AccountID != *want)) {
			t.Errorf("message %d: contact account %v, ticket account %v, want %v", i, c.AccountID, tk.AccountID, want)
		}
	}
}

// TestSMTPCorpus sends every fixture through the door: each is stored and
// then made a ticket message, ignored as automatic, or — the broken one —
// kept as failed with its raw bytes and the reason.
func TestSMTPCorpus(t *testing.T) {
	e := startDesk(t, storetest.OpenSQLite(t))
	for _, f := range corpus {
		if err := e.send(letter{from: "sender@example.net", to: []string{supportAddr}, raw: fixture(t, f.file)}); err != nil {
			t.Fatalf("%s: %v", f.file, err)
		}
	}
	e.settle()
	for _, f := range corpus {
		raw := fixture(t, f.file)
		id := headerMessageID([]byte(raw))
		m := e.mailByMessageID(id)
		full, err := e.store.InboundMail(context.Background(), m.ID)
		must(t, err)
		// net/smtp sends CRLF line ends and ends the last line; the stored
		// message is exactly what was sent.
		want := strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\n", "\r\n")
		if !strings.HasSuffix(want, "\r\n") {
			want += "\r\n"
		}
		if string(full.Raw) != want {
			t.Errorf("%s: raw message changed in storage", f.file)
		}
		switch {
		case f.wantErr != "":
			if m.State != desk.MailFailed || !strings.Contains(m.Error, f.wantErr) {
				t.Errorf("%s: %s (%q), want failed with %q", f.file, m.State, m.Error, f.wantErr)
			}
			if !strings.Contains(e.logs.String(), "does not parse") {
				t.Errorf("%s: the parse failure was not logged", f.file)
			}
		case f.auto:
			if m.State != desk.MailIgnored {
				t.Errorf("%s: %s (%q), want ignored", f.file, m.State, m.Error)
			}
		default:
			if m.State != desk.MailProcessed {
				t.Errorf("%s: %s (%q), want processed", f.file, m.State, m.Error)
			}
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
