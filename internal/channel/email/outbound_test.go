package email

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"destek/internal/desk"
	"destek/internal/intake"
	"destek/internal/policy"
	"destek/internal/store/storetest"
)

// outSecret signs reply addresses in these tests.
var outSecret = bytes.Repeat([]byte{9}, 32)

// relay is a real SMTP server (go-smtp) standing in for the relay destek
// sends through. It records every message it accepts and can be told to
// answer 451 to the next DATA commands or 550 to some recipients.
type relay struct {
	t    testing.TB
	addr string
	srv  *smtp.Server

	mu       sync.Mutex
	got      []relayed
	tempFail int             // answer 451 after the next n DATA commands
	reject   map[string]bool // recipients answered 550
	user     string          // when set, AUTH PLAIN with user/pass is required
	pass     string
	onData   func(n int) // called after the n-th message is accepted
}

// relayed is one message the relay accepted.
type relayed struct {
	from string
	to   []string
	data []byte
	msg  *mail.Message
}

func startRelay(t testing.TB, configure ...func(*relay, *smtp.Server)) *relay {
	t.Helper()
	r := &relay{t: t, reject: map[string]bool{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &relayTestSession{r: r}, nil }))
	srv.Domain = "relay.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = discardLogger{}
	for _, f := range configure {
		f(r, srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr, r.srv = ln.Addr().String(), srv
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return r
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

// messages returns what the relay has accepted so far.
func (r *relay) messages() []relayed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]relayed(nil), r.got...)
}

// byMessageID counts the accepted messages by Message-ID.
func (r *relay) byMessageID() map[string]int {
	out := map[string]int{}
	for _, m := range r.messages() {
		out[m.msg.Header.Get("Message-Id")]++
	}
	return out
}

type relayTestSession struct {
	r      *relay
	from   string
	to     []string
	authed bool
}

func (s *relayTestSession) AuthMechanisms() []string {
	if s.r.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *relayTestSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != s.r.user || pass != s.r.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.authed = true
		return nil
	}), nil
}

func (s *relayTestSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.r.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *relayTestSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.r.reject[to] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user here"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *relayTestSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	if s.r.tempFail > 0 {
		s.r.tempFail--
		s.r.mu.Unlock()
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		s.r.mu.Unlock()
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unparseable: " + err.Error()}
	}
	s.r.got = append(s.r.got, relayed{from: s.from, to: append([]string(nil), s.to...), data: data, msg: msg})
	n, hook := len(s.r.got), s.r.onData
	s.r.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return nil
}

func (s *relayTestSession) Reset()        { s.from, s.to = "", nil }
func (s *relayTestSession) Logout() error { return nil }

// outEnv is a store, the policy and the outbound side of the e-mail channel.
type outEnv struct {
	t      testing.TB
	store  desk.Store
	policy *policy.Keeper
	out    *Outbound
	relay  *relay
	agent  int64
}

func newOutEnv(t testing.TB, s desk.Store, r *relay) *outEnv {
	t.Helper()
	k, err := policy.NewKeeper(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	o, err := NewOutbound(OutboundConfig{Store: s, Policy: k, Secret: outSecret, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	a := &desk.Agent{Email: "ajan@atakdomain.com", Name: "Ajan", Role: desk.RoleAgent, Active: true}
	if err := s.CreateAgent(context.Background(), a, ""); err != nil {
		t.Fatal(err)
	}
	return &outEnv{t: t, store: s, policy: k, out: o, relay: r, agent: a.ID}
}

func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// worker returns a worker on the env's relay with test timings: retries
// after a millisecond, polls every few milliseconds.
func (e *outEnv) worker(name string, configure ...func(*WorkerConfig)) *Worker {
	e.t.Helper()
	cfg := WorkerConfig{
		Relay:   RelayConfig{Addr: e.relay.addr, TLS: TLSNone, Timeout: 5 * time.Second},
		Name:    name,
		Batch:   4,
		Lease:   time.Minute,
		Poll:    5 * time.Millisecond,
		Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
		Logger: quietLog(),
	}
	for _, f := range configure {
		f(&cfg)
	}
	w, err := NewWorker(e.store, cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// ticket opens an e-mail ticket from a customer.
func (e *outEnv) ticket(address, name, subject, text string) *desk.Ticket {
	e.t.Helper()
	tk := &desk.Ticket{Subject: subject, Channel: desk.ChannelEmail, PolicyVersion: e.policy.Current().Version}
	if err := e.store.CreateTicket(context.Background(), tk, &desk.Contact{Channel: desk.ChannelEmail, Address: address, Name: name},
		&desk.Message{Text: text}, nil); err != nil {
		e.t.Fatal(err)
	}
	return tk
}

// mailedTicket opens an e-mail ticket the way the inbound path does: the
// customer's raw mail stored, then made into the ticket under its claim.
func (e *outEnv) mailedTicket(from, name, subject, msgID, text string) *desk.Ticket {
	e.t.Helper()
	ctx := context.Background()
	raw := fmt.Sprintf("From: %s <%s>\r\nTo: destek@atakdomain.com\r\nSubject: %s\r\nMessage-ID: <%s>\r\n\r\n%s\r\n", name, from, subject, msgID, text)
	im := &desk.InboundMail{MessageID: msgID, EnvelopeFrom: from, EnvelopeTo: []string{"destek@atakdomain.com"}, Raw: []byte(raw)}
	if _, err := e.store.ReceiveMail(ctx, im); err != nil {
		e.t.Fatal(err)
	}
	tk := &desk.Ticket{Subject: subject, Channel: desk.ChannelEmail, PolicyVersion: e.policy.Current().Version}
	cctx := desk.WithMailClaim(ctx, &desk.MailClaim{MailID: im.ID, MessageID: msgID})
	if err := e.store.CreateTicket(cctx, tk, &desk.Contact{Channel: desk.ChannelEmail, Address: from, Name: name},
		&desk.Message{Text: text}, nil); err != nil {
		e.t.Fatal(err)
	}
	return tk
}

// customerReply adds a customer's mailed reply to a ticket.
func (e *outEnv) customerReply(tk *desk.Ticket, from, msgID, text string) {
	e.t.Helper()
	ctx := context.Background()
	raw := fmt.Sprintf("From: <%s>\r\nTo: destek@atakdomain.com\r\nSubject: Re\r\nMessage-ID: <%s>\r\n\r\n%s\r\n", from, msgID, text)
	im := &desk.InboundMail{MessageID: msgID, EnvelopeFrom: from, EnvelopeTo: []string{"destek@atakdomain.com"}, Raw: []byte(raw)}
	if _, err := e.store.ReceiveMail(ctx, im); err != nil {
		e.t.Fatal(err)
	}
	cctx := desk.WithMailClaim(ctx, &desk.MailClaim{MailID: im.ID, MessageID: msgID})
	if _, err := e.store.AddMessage(cctx, &desk.Message{TicketID: tk.ID, Direction: desk.Inbound, Text: text}, nil, false); err != nil {
		e.t.Fatal(err)
	}
}

// reply has an agent reply on the ticket through Outbound.
func (e *outEnv) reply(tk *desk.Ticket, text string, files ...desk.NewAttachment) *desk.Message {
	e.t.Helper()
	agent := e.agent
	m := &desk.Message{TicketID: tk.ID, Direction: desk.Outbound, AuthorAgentID: &agent, Text: text}
	if _, err := e.out.Reply(desk.WithActor(context.Background(), desk.Actor{Kind: desk.ActorAgent, ID: agent}), tk, m, files, false); err != nil {
		e.t.Fatal(err)
	}
	return m
}

// mails returns the outbox of a ticket, oldest first.
func (e *outEnv) mails(tk *desk.Ticket) []*desk.OutboundMail {
	e.t.Helper()
	list, _, err := e.store.ListMail(context.Background(), desk.OutboxFilter{TicketID: &tk.ID, Limit: desk.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list
}

func (e *outEnv) mail(id int64) *desk.OutboundMail {
	e.t.Helper()
	m, err := e.store.Mail(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// drain runs the worker until nothing is due or the deadline passes.
func drain(t testing.TB, w *Worker, until func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !until() {
		if time.Now().After(deadline) {
			t.Fatal("the outbox did not drain within 10s")
		}
		if _, err := w.Process(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func stateIs(e *outEnv, id int64, want desk.OutboxState) func() bool {
	return func() bool { return e.mail(id).State == want }
}

// decodeHeader decodes RFC 2047 words.
func decodeHeader(t testing.TB, v string) string {
	t.Helper()
	d, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatalf("decode header %q: %v", v, err)
	}
	return d
}

// textBody returns the decoded text/plain body of a message (the message
// itself or its first text/plain part).
func textBody(t testing.TB, m *mail.Message) string {
	t.Helper()
	ct, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("content type %q: %v", m.Header.Get("Content-Type"), err)
	}
	if strings.HasPrefix(ct, "multipart/") {
		mr := multipart.NewReader(m.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				t.Fatalf("no text/plain part: %v", err)
			}
			pct, pparams, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			if pct == "text/plain" {
				if !strings.EqualFold(pparams["charset"], "utf-8") {
					t.Errorf("text part charset %q, want UTF-8", pparams["charset"])
				}
				b, _ := io.ReadAll(p) // multipart decodes quoted-printable
				return string(b)
			}
			if strings.HasPrefix(pct, "multipart/") {
				return textBody(t, &mail.Message{Header: mail.Header(p.Header), Body: p})
			}
		}
	}
	if !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("charset %q, want UTF-8", params["charset"])
	}
	b, _ := io.ReadAll(m.Body)
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		b, _ = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
	}
	return string(b)
}

func TestOutboundRetriesTemporaryFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		r := startRelay(t)
		e := newOutEnv(t, s, r)
		tk := e.ticket("ayse@example.com", "Ayşe", "DNS kaydı", "A kaydım güncellenmiyor")
		e.reply(tk, "Kaydınızı güncelledik.")
		id := e.mails(tk)[0].ID

		r.mu.Lock()
		r.tempFail = 2
		r.mu.Unlock()
		w := e.worker("w1")
		if n, err := w.Process(context.Background()); err != nil || n != 1 {
			t.Fatalf("first round: %d mails, %v", n, err)
		}
		m := e.mail(id)
		if m.State != desk.OutboxQueued || m.Attempts != 1 || !strings.Contains(m.LastError, "451") {
			t.Fatalf("after a 451: state %s attempts %d error %q; want queued for a retry", m.State, m.Attempts, m.LastError)
		}
		drain(t, w, stateIs(e, id, desk.OutboxSent))
		m = e.mail(id)
		if m.Attempts != 3 || m.SentAt == nil {
			t.Errorf("sent mail: attempts %d, sent at %v; want the third attempt", m.Attempts, m.SentAt)
		}
		if got := r.byMessageID()[m.Headers[desk.HeaderMessageID]]; got != 1 || len(r.messages()) != 1 {
			t.Errorf("the relay accepted the mail %d times (%d messages)", got, len(r.messages()))
		}
	})
}

func TestOutboundGivesUpAfterMaxAttempts(t *testing.T) {
	r := startRelay(t)
	e := newOutEnv(t, storetest.OpenSQLite(t), r)
	tk := e.ticket("ayse@example.com", "", "DNS", "yardım")
	e.reply(tk, "Bakıyoruz.")
	id := e.mails(tk)[0].ID
	r.mu.Lock()
	r.tempFail = 100
	r.mu.Unlock()
	w := e.worker("w1", func(c *WorkerConfig) { c.MaxAttempts = 3 })
	drain(t, w, stateIs(e, id, desk.OutboxFailed))
	if m := e.mail(id); m.Attempts != 3 || !strings.Contains(m.LastError, "451") {
		t.Errorf("mail that kept failing: attempts %d, error %q", m.Attempts, m.LastError)
	}
}

func TestOutboundPermanentFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		r := startRelay(t)
		r.reject["gone@example.com"] = true
		e := newOutEnv(t, s, r)
		tk := e.ticket("gone@example.com", "", "Fatura", "faturamı alamadım")
		e.reply(tk, "Faturanız ektedir.")
		id := e.mails(tk)[0].ID
		if _, err := e.worker("w1").Process(context.Background()); err != nil {
			t.Fatal(err)
		}
		m := e.mail(id)
		if m.State != desk.OutboxFailed || m.Attempts != 1 || !strings.Contains(m.LastError, "550") {
			t.Fatalf("after a 550: state %s attempts %d error %q; want failed at once", m.State, m.Attempts, m.LastError)
		}
		ev, _, err := s.ListAudit(context.Background(), desk.AuditFilter{EntityType: "mail", EntityID: &id, Action: "mail.fail"})
		if err != nil || len(ev) != 1 {
			t.Errorf("audit of the failure: %d events, %v", len(ev), err)
		}
		if n := len(r.messages()); n != 0 {
			t.Errorf("the relay accepted %d messages", n)
		}
	})
}

func TestOutboundNoDoubleSendWithTwoWorkers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		r := startRelay(t)
		e := newOutEnv(t, s, r)
		const n = 40
		var ids []string
		for i := range n {
			tk := e.ticket(fmt.Sprintf("musteri%d@example.com", i), "", fmt.Sprintf("Talep %d", i), "yardım")
			e.reply(tk, fmt.Sprintf("Yanıt %d", i))
			ids = append(ids, e.mails(tk)[0].Headers[desk.HeaderMessageID])
		}
		// A few 451s on the way make retries race with fresh claims too.
		r.mu.Lock()
		r.tempFail = 5
		r.mu.Unlock()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var wg sync.WaitGroup
		for _, name := range []string{"node-a", "node-b"} {
			w := e.worker(name, func(c *WorkerConfig) { c.Batch = 3 })
			wg.Go(func() { w.Run(ctx) })
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			sent, _, err := s.ListMail(context.Background(), desk.OutboxFilter{State: desk.OutboxSent, Limit: desk.MaxPageSize})
			if err != nil {
				t.Fatal(err)
			}
			if len(sent) == n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d mails sent after 20s", len(sent), n)
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		wg.Wait()
		got := r.byMessageID()
		for _, id := range ids {
			if got[id] != 1 {
				t.Errorf("mail %s was received %d times", id, got[id])
			}
		}
		if len(r.messages()) != n {
			t.Errorf("the relay accepted %d messages, want %d", len(r.messages()), n)
		}
		list, _, _ := s.ListAudit(context.Background(), desk.AuditFilter{Action: "mail.sent", Limit: desk.MaxPageSize})
		if len(list) != n {
			t.Errorf("%d mail.sent audit events, want %d", len(list), n)
		}
	})
}

func TestOutboundWorkerStoppedMidway(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		r := startRelay(t)
		e := newOutEnv(t, s, r)
		var mailIDs []int64
		for i := range 6 {
			tk := e.ticket(fmt.Sprintf("m%d@example.com", i), "", "Talep", "yardım")
			e.reply(tk, "Yanıt")
			mailIDs = append(mailIDs, e.mails(tk)[0].ID)
		}
		// Worker A is stopped right after the relay took its second mail.
		ctxA, stopA := context.WithCancel(context.Background())
		r.mu.Lock()
		r.onData = func(n int) {
			if n == 2 {
				stopA()
			}
		}
		r.mu.Unlock()
		a := e.worker("node-a", func(c *WorkerConfig) { c.Batch = 6 })
		if n, err := a.Process(ctxA); err != nil || n != 6 {
			t.Fatalf("worker A claimed %d mails (%v), want 6", n, err)
		}
		r.mu.Lock()
		r.onData = nil
		r.mu.Unlock()
		sent, queued := 0, 0
		for _, id := range mailIDs {
			switch m := e.mail(id); m.State {
			case desk.OutboxSent:
				sent++
			case desk.OutboxQueued:
				queued++
				if m.Attempts != 0 {
					t.Errorf("a mail given back unsent counts %d attempts", m.Attempts)
				}
			default:
				t.Errorf("mail %d is %s after worker A stopped", id, m.State)
			}
		}
		if sent != 2 || queued != 4 {
			t.Fatalf("after worker A stopped: %d sent, %d queued; want 2 and 4", sent, queued)
		}
		// Worker B (another node, or A restarted) sends the rest at once.
		b := e.worker("node-b")
		drain(t, b, func() bool {
			list, _, _ := s.ListMail(context.Background(), desk.OutboxFilter{State: desk.OutboxSent})
			return len(list) == 6
		})
		for id, n := range r.byMessageID() {
			if n != 1 {
				t.Errorf("mail %s received %d times", id, n)
			}
		}
		if len(r.messages()) != 6 {
			t.Errorf("the relay accepted %d messages, want 6", len(r.messages()))
		}
	})
}

func TestOutboundCrashedWorkerLeaseExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		r := startRelay(t)
		e := newOutEnv(t, s, r)
		tk := e.ticket("ayse@example.com", "", "Talep", "yardım")
		e.reply(tk, "Yanıt")
		id := e.mails(tk)[0].ID
		// A worker claims the mail and dies before sending: nothing but
		// its lease is left.
		if got, err := s.ClaimMail(context.Background(), "crashed", 10, 100*time.Millisecond); err != nil || len(got) != 1 {
			t.Fatalf("claim: %d, %v", len(got), err)
		}
		b := e.worker("node-b")
		if n, err := b.Process(context.Background()); err != nil || n != 0 {
			t.Fatalf("a live lease was taken over: %d mails, %v", n, err)
		}
		drain(t, b, stateIs(e, id, desk.OutboxSent))
		if m := e.mail(id); m.Attempts != 2 {
			t.Errorf("attempts = %d, want 2 (the crashed one and the delivery)", m.Attempts)
		}
		if len(r.messages()) != 1 {
			t.Errorf("the relay accepted %d messages, want 1", len(r.messages()))
		}
	})
}

func TestOutboundThreadingHeadersAndTurkish(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		r := startRelay(t)
		e := newOutEnv(t, s, r)
		tk := e.mailedTicket("ayse@example.com", "Ayşe Yılmaz", "Şifremi unuttum", "m1@mail.example.com", "Panele giremiyorum")
		text := "Merhaba Ayşe Hanım,\n\nŞifre sıfırlama bağlantısını gönderdik. Çalışmazsa lütfen yazınız: ğüşıöç ĞÜŞİÖÇ.\n"
		first := e.reply(tk, text)
		e.customerReply(tk, "ayse@example.com", "m2@mail.example.com", "Gelmedi")
		e.reply(tk, "Yeniden gönderdik.")
		w := e.worker("w1")
		drain(t, w, func() bool { return len(r.messages()) == 2 })

		mails := e.mails(tk)
		if len(mails) != 2 || *mails[0].MessageID != first.ID {
			t.Fatalf("outbox of the ticket: %d mails", len(mails))
		}
		got := r.messages()
		m1, m2 := got[0].msg, got[1].msg
		id1, id2 := mails[0].Headers[desk.HeaderMessageID], mails[1].Headers[desk.HeaderMessageID]
		if m1.Header.Get("Message-Id") != id1 || m2.Header.Get("Message-Id") != id2 || !strings.HasSuffix(id1, "@atakdomain.com>") {
			t.Errorf("Message-IDs on the wire %q, %q; outbox %q, %q", m1.Header.Get("Message-Id"), m2.Header.Get("Message-Id"), id1, id2)
		}
		if v := m1.Header.Get("In-Reply-To"); v != "<m1@mail.example.com>" {
			t.Errorf("first reply In-Reply-To %q, want the customer's mail", v)
		}
		if v := m1.Header.Get("References"); v != "<m1@mail.example.com>" {
			t.Errorf("first reply References %q", v)
		}
		if v := m2.Header.Get("In-Reply-To"); v != "<m2@mail.example.com>" {
			t.Errorf("second reply In-Reply-To %q, want the customer's second mail", v)
		}
		if v := strings.Join(strings.Fields(m2.Header.Get("References")), " "); v != "<m1@mail.example.com> "+id1+" <m2@mail.example.com>" {
			t.Errorf("second reply References %q, want the conversation oldest first", v)
		}
		// Replies to either thread into the ticket.
		for _, id := range []string{id1, id2} {
			if l, err := s.TicketByMessageID(context.Background(), id); err != nil || l.TicketID != tk.ID || !l.Outbound {
				t.Errorf("Message-ID %s links to %+v (%v)", id, l, err)
			}
		}
		// Reply-To names the ticket with a token that verifies.
		rt, err := mail.ParseAddress(m1.Header.Get("Reply-To"))
		if err != nil {
			t.Fatalf("Reply-To %q: %v", m1.Header.Get("Reply-To"), err)
		}
		if mb, ticket, err := ParseReplyAddress(outSecret, rt.Address); err != nil || ticket != tk.ID || mb != "destek@atakdomain.com" {
			t.Errorf("Reply-To %s: mailbox %q ticket %d (%v)", rt.Address, mb, ticket, err)
		}
		// From the mailbox the customer wrote to; to the customer.
		from, _ := mail.ParseAddress(m1.Header.Get("From"))
		to, _ := mail.ParseAddress(m1.Header.Get("To"))
		if from == nil || from.Address != "destek@atakdomain.com" || from.Name != "Atak Domain Destek" {
			t.Errorf("From %q", m1.Header.Get("From"))
		}
		if to == nil || to.Address != "ayse@example.com" || to.Name != "Ayşe Yılmaz" {
			t.Errorf("To %q decodes to %+v", m1.Header.Get("To"), to)
		}
		if got[0].from != "destek@atakdomain.com" || len(got[0].to) != 1 || got[0].to[0] != "ayse@example.com" {
			t.Errorf("envelope %s → %v", got[0].from, got[0].to)
		}
		// Turkish subject and body survive the encodings.
		if raw := m1.Header.Get("Subject"); !strings.Contains(raw, "=?") {
			t.Errorf("subject %q is not RFC 2047 encoded", raw)
		}
		if subj := decodeHeader(t, m1.Header.Get("Subject")); subj != fmt.Sprintf("Re: Şifremi unuttum [#%d]", tk.ID) {
			t.Errorf("subject decodes to %q", subj)
		}
		if body := textBody(t, m1); strings.ReplaceAll(body, "\r\n", "\n") != text {
			t.Errorf("body decodes to %q, want %q", body, text)
		}
		if bytes.ContainsAny(got[0].data, "ğüşıöçĞÜŞİÖÇ") {
			t.Error("raw message carries 8-bit Turkish letters; it should be encoded")
		}
		// An agent's reply is a person's: no Auto-Submitted.
		if v := m1.Header.Get("Auto-Submitted"); v != "" {
			t.Errorf("agent reply has Auto-Submitted: %s", v)
		}
		if d, err := m1.Header.Date(); err != nil || time.Since(d) > time.Minute {
			t.Errorf("Date %q: %v", m1.Header.Get("Date"), err)
		}
	})
}

func TestOutboundAttachments(t *testing.T) {
	r := startRelay(t)
	e := newOutEnv(t, storetest.OpenSQLite(t), r)
	tk := e.ticket("ayse@example.com", "", "Fatura", "fatura lütfen")
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0, 1, 2, 250}, 300)...)
	e.reply(tk, "Faturanız ektedir.", desk.NewAttachment{Filename: "fatura-Şubat.pdf", ContentType: "application/pdf", Data: pdf})
	drain(t, e.worker("w1"), func() bool { return len(r.messages()) == 1 })
	m := r.messages()[0].msg
	ct, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/mixed" {
		t.Fatalf("content type %q (%v)", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var names []string
	var data []byte
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		if fn := p.FileName(); fn != "" {
			// go-mail writes a non-ASCII file name as an RFC 2047 word,
			// which mail clients read.
			names = append(names, decodeHeader(t, fn))
			data, _ = io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
		}
	}
	if len(names) != 1 || names[0] != "fatura-Şubat.pdf" || !bytes.Equal(data, pdf) {
		t.Errorf("attachments %v (%d bytes, want %d)", names, len(data), len(pdf))
	}
}

func TestOutboundRelayAuthStartTLS(t *testing.T) {
	tlsCfg, roots := relayTLS(t)
	r := startRelay(t, func(r *relay, srv *smtp.Server) {
		srv.TLSConfig = tlsCfg
		r.user, r.pass = "destek", "gizli-parola"
	})
	e := newOutEnv(t, storetest.OpenSQLite(t), r)
	tk := e.ticket("ayse@example.com", "", "Talep", "yardım")
	e.reply(tk, "Yanıt")
	id := e.mails(tk)[0].ID
	secure := func(user, pass string) func(*WorkerConfig) {
		return func(c *WorkerConfig) {
			c.Relay.TLS = TLSStartTLS
			c.Relay.TLSConfig = &tls.Config{RootCAs: roots, ServerName: "relay.test"}
			c.Relay.Username, c.Relay.Password = user, pass
		}
	}
	// Wrong credentials are the desk's problem, not the mail's: retried.
	bad := e.worker("w1", secure("destek", "yanlis"))
	if _, err := bad.Process(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := e.mail(id); m.State != desk.OutboxQueued || !strings.Contains(m.LastError, "535") {
		t.Fatalf("after a failed login: state %s error %q; want queued for a retry", m.State, m.LastError)
	}
	drain(t, e.worker("w2", secure("destek", "gizli-parola")), stateIs(e, id, desk.OutboxSent))
	if len(r.messages()) != 1 {
		t.Errorf("the relay accepted %d messages", len(r.messages()))
	}
}

func TestOutboundConnectionRefusedIsTemporary(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	e := newOutEnv(t, storetest.OpenSQLite(t), &relay{addr: addr})
	tk := e.ticket("ayse@example.com", "", "Talep", "yardım")
	e.reply(tk, "Yanıt")
	e.reply(tk, "İkinci yanıt")
	if _, err := e.worker("w1").Process(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, m := range e.mails(tk) {
		if m.State != desk.OutboxQueued || m.Attempts != 1 || m.LastError == "" {
			t.Errorf("mail %d with the relay down: state %s attempts %d error %q", m.ID, m.State, m.Attempts, m.LastError)
		}
	}
}

func TestReplySubject(t *testing.T) {
	for _, c := range []struct {
		subject string
		id      int64
		want    string
	}{
		{"Şifremi unuttum", 12, "Re: Şifremi unuttum [#12]"},
		{"Re: Şifremi unuttum", 12, "Re: Şifremi unuttum [#12]"},
		{"YNT: RE: Fatura [#7]", 7, "Re: Fatura [#7]"},
		{"Fatura [#7]", 8, "Re: Fatura [#7] [#8]"},
		{"  ", 3, "Re: [#3]"},
		{strings.Repeat("ş", 1000), 4, "Re: " + strings.Repeat("ş", 900) + " [#4]"},
	} {
		if got := replySubject(c.subject, c.id); got != c.want {
			t.Errorf("replySubject(%q, %d) = %q, want %q", c.subject, c.id, got, c.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	w := &Worker{cfg: WorkerConfig{Backoff: time.Minute, MaxBackoff: time.Hour}}
	for _, c := range []struct {
		attempt  int
		min, max time.Duration
	}{
		{1, 30 * time.Second, time.Minute},
		{2, time.Minute, 2 * time.Minute},
		{4, 4 * time.Minute, 8 * time.Minute},
		{30, 30 * time.Minute, time.Hour},
	} {
		for range 20 {
			if d := w.backoff(c.attempt); d < c.min || d > c.max {
				t.Errorf("backoff after attempt %d = %s, want %s..%s", c.attempt, d, c.min, c.max)
			}
		}
	}
}

func TestAcknowledgeNewEmailTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		r := startRelay(t)
		e := newOutEnv(t, s, r)
		ctx := context.Background()
		// The inbound path as serve wires it: its intake writes through the
		// intake store.
		judge := intake.NewJudge(e.policy)
		p, err := NewProcessor(ProcessorConfig{Store: s, Policy: e.policy, Secret: outSecret, Logger: quietLog(),
			Intake: intake.NewDesk(e.out.IntakeStore(s), judge, quietLog())})
		if err != nil {
			t.Fatal(err)
		}
		receive := func(raw string) int64 {
			t.Helper()
			m := &desk.InboundMail{MessageID: headerMessageID([]byte(raw)), EnvelopeFrom: "x@example.com",
				EnvelopeTo: []string{"support@atakdomain.com"}, Raw: []byte(raw)}
			if _, err := s.ReceiveMail(ctx, m); err != nil {
				t.Fatal(err)
			}
			if err := p.Process(ctx, m.ID); err != nil {
				t.Fatal(err)
			}
			got, err := s.InboundMail(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.TicketID == nil {
				return 0
			}
			return *got.TicketID
		}
		tr := receive("From: Mehmet Öz <mehmet@example.com>\r\nTo: support@atakdomain.com\r\nSubject: Alan adı transferi\r\n" +
			"Message-ID: <tr1@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMerhaba, alan adımın transferi için EPP kodunu nasıl alabilirim?\r\n")
		en := receive("From: John <john@example.com>\r\nTo: support@atakdomain.com\r\nSubject: DNS records\r\n" +
			"Message-ID: <en1@example.com>\r\n\r\nHello, my DNS records are not updating since yesterday. Could you please help me?\r\n")
		auto := receive("From: Ayşe <ayse@example.com>\r\nTo: support@atakdomain.com\r\nSubject: Otomatik yanıt: Talebiniz\r\n" +
			"Auto-Submitted: auto-replied\r\nMessage-ID: <oof1@example.com>\r\n\r\nOfis dışındayım.\r\n")
		if tr == 0 || en == 0 {
			t.Fatalf("tickets %d, %d were not opened", tr, en)
		}
		if auto != 0 {
			t.Errorf("an auto-reply opened ticket %d", auto)
		}
		// A reply on the ticket is not a new ticket: no second acknowledgement.
		receive("From: Mehmet Öz <mehmet@example.com>\r\nTo: support@atakdomain.com\r\nSubject: Re: Alan adı transferi\r\n" +
			"In-Reply-To: <tr1@example.com>\r\nMessage-ID: <tr2@example.com>\r\n\r\nEk bilgi: alan adı ornek.com.tr\r\n")
		// Acknowledging again (another node, a retry) queues nothing new.
		if err := e.out.Acknowledge(ctx, tr, "tr"); err != nil {
			t.Fatal(err)
		}
		all, _, err := s.ListMail(ctx, desk.OutboxFilter{Limit: desk.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 {
			t.Fatalf("%d mails queued, want one acknowledgement per new ticket", len(all))
		}
		drain(t, e.worker("w1"), func() bool { return len(r.messages()) == 2 })
		version := fmt.Sprint(e.policy.Current().Version)
		for _, c := range []struct {
			ticket    int64
			to, msgID string
			words     []string
		}{
			{tr, "mehmet@example.com", "<tr1@example.com>", []string{"Sayın Mehmet Öz", fmt.Sprintf("#%d numarasıyla alınmıştır", tr), "sürüm " + version, e.policy.Current().Doc.URL}},
			{en, "john@example.com", "<en1@example.com>", []string{"Dear John", fmt.Sprintf("received as #%d", en), "version " + version, e.policy.Current().Doc.URL}},
		} {
			var m *mail.Message
			for _, rm := range r.messages() {
				if rm.to[0] == c.to {
					m = rm.msg
				}
			}
			if m == nil {
				t.Fatalf("no acknowledgement reached %s", c.to)
			}
			if v := m.Header.Get("Auto-Submitted"); v != "auto-replied" {
				t.Errorf("acknowledgement to %s: Auto-Submitted %q", c.to, v)
			}
			if v := m.Header.Get("In-Reply-To"); v != c.msgID {
				t.Errorf("acknowledgement to %s: In-Reply-To %q, want %s", c.to, v, c.msgID)
			}
			if subj := decodeHeader(t, m.Header.Get("Subject")); subjectTicketID(subj) != c.ticket {
				t.Errorf("acknowledgement subject %q names no ticket %d", subj, c.ticket)
			}
			body := strings.Join(strings.Fields(textBody(t, m)), " ")
			for _, w := range c.words {
				if !strings.Contains(body, w) {
					t.Errorf("acknowledgement to %s lacks %q:\n%s", c.to, w, body)
				}
			}
		}
	})
}

// relayTLS returns a server TLS configuration with a self-signed
// certificate for relay.test, and a pool that trusts it.
func relayTLS(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay.test"}, DNSNames: []string{"relay.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

// TestAutomaticAnswersAreMailed: under a policy that answers out-of-scope
// requests by itself, the answer to a mailed request goes out by mail, as
// an automatic reply, besides the acknowledgement.
func TestAutomaticAnswersAreMailed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		r := startRelay(t)
		e := newOutEnv(t, s, r)
		ctx := context.Background()
		src := strings.Replace(string(policy.DefaultSource), "out_of_scope_reply: agent", "out_of_scope_reply: auto", 1)
		if _, err := e.policy.Publish(desk.WithActor(ctx, desk.SystemActor), "auto.yaml", []byte(src)); err != nil {
			t.Fatal(err)
		}
		p, err := NewProcessor(ProcessorConfig{Store: s, Policy: e.policy, Secret: outSecret, Logger: quietLog(),
			Intake: intake.NewDesk(e.out.IntakeStore(s), intake.NewJudge(e.policy), quietLog())})
		if err != nil {
			t.Fatal(err)
		}
		raw := "From: Deniz Ak <deniz@example.com>\r\nTo: support@atakdomain.com\r\nSubject: Web sitesi\r\nMessage-ID: <site@example.com>\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n\r\n" +
			"Kurumsal sitemizi WordPress ile baştan tasarlamanızı ve tema ile eklentileri kurmanızı istiyoruz.\r\n"
		m := &desk.InboundMail{MessageID: "site@example.com", EnvelopeFrom: "deniz@example.com", EnvelopeTo: []string{"support@atakdomain.com"}, Raw: []byte(raw)}
		if _, err := s.ReceiveMail(ctx, m); err != nil {
			t.Fatal(err)
		}
		if err := p.Process(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		got, err := s.InboundMail(ctx, m.ID)
		if err != nil || got.TicketID == nil {
			t.Fatalf("no ticket: %+v, %v", got, err)
		}
		mails := e.mails(&desk.Ticket{ID: *got.TicketID})
		if len(mails) != 2 {
			t.Fatalf("%d mails queued, want the acknowledgement and the out-of-scope answer", len(mails))
		}
		var answer *desk.OutboundMail
		for _, ml := range mails {
			if ml.MessageID != nil {
				answer = ml
			}
		}
		if answer == nil || answer.Kind != desk.MailAutoReply || answer.Headers[desk.HeaderAutoSubmitted] != "auto-replied" ||
			!strings.Contains(answer.Text, "Deniz Ak") || !strings.Contains(answer.Text, "6. maddesine") {
			t.Fatalf("out-of-scope answer mail = %+v", answer)
		}
		drain(t, e.worker("w1"), func() bool { return len(r.messages()) == 2 })
	})
}
