package email

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"destek/internal/desk"
	"destek/internal/intake"
	"destek/internal/policy"
	"destek/internal/store/storetest"
)

// imapEnv is a real IMAP server (go-imap's in-memory one) with a mailbox
// for the desk, and a store to poll it into.
type imapEnv struct {
	t      testing.TB
	user   *imapmemserver.User
	mem    *imapmemserver.Server
	addr   string
	store  desk.Store
	policy *policy.Keeper
	logs   *syncBuffer
}

const imapUser, imapPass = "destek@atakdomain.com", "imap-parola"

func newIMAPEnv(t testing.TB, s desk.Store) *imapEnv {
	t.Helper()
	k, err := policy.NewKeeper(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(imapUser, imapPass)
	for _, mb := range []string{"INBOX", "Processed"} {
		if err := user.Create(mb, nil); err != nil {
			t.Fatal(err)
		}
	}
	mem.AddUser(user)
	e := &imapEnv{t: t, user: user, mem: mem, store: s, policy: k, logs: &syncBuffer{}}
	e.serve("127.0.0.1:0")
	return e
}

// serve starts the IMAP server on addr.
func (e *imapEnv) serve(addr string) {
	e.t.Helper()
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return e.mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		e.t.Fatal(err)
	}
	e.addr = ln.Addr().String()
	go srv.Serve(ln)
	e.t.Cleanup(func() { srv.Close() })
}

// deliver appends a message to a mailbox of the desk's account.
func (e *imapEnv) deliver(mailbox, raw string) {
	e.t.Helper()
	if _, err := e.user.Append(mailbox, bytes.NewReader([]byte(raw)), &imap.AppendOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

// letterN is a customer's message with a padded body of about size bytes.
func letterN(i, size int) string {
	body := fmt.Sprintf("Merhaba, %d numaralı talebim hakkında yazıyorum. Alan adım yenilenmedi.\r\n", i)
	for len(body) < size {
		body += "Ek bilgi: hesabım ornek.com.tr alan adını içeriyor ve yenileme tarihi geçti.\r\n"
	}
	return fmt.Sprintf("From: Müşteri %d <musteri%d@example.com>\r\nTo: destek@atakdomain.com\r\nSubject: Talep %d\r\n"+
		"Message-ID: <imap-%d@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s", i, i, i, i, body)
}

func (e *imapEnv) poller(configure ...func(*IMAPConfig)) *IMAPPoller {
	e.t.Helper()
	cfg := IMAPConfig{
		Store: e.store, Policy: e.policy, Secret: outSecret,
		Logger: slogTo(e.logs),
		Addr:   e.addr, TLS: TLSNone, Username: imapUser, Password: imapPass,
		Interval: 10 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		Timeout: 5 * time.Second,
	}
	for _, f := range configure {
		f(&cfg)
	}
	p, err := NewIMAPPoller(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *imapEnv) poll(p *IMAPPoller) int {
	e.t.Helper()
	n, err := p.Poll(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// stored returns the Message-IDs of the stored inbound mail, each once per
// stored copy.
func (e *imapEnv) stored() []string {
	e.t.Helper()
	list, _, err := e.store.ListInboundMail(context.Background(), desk.InboundMailFilter{Limit: desk.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(list))
	for i, m := range list {
		out[i] = m.MessageID
	}
	return out
}

// status returns the number of messages and unseen messages of a mailbox.
func (e *imapEnv) status(mailbox string) (all, unseen uint32) {
	e.t.Helper()
	st, err := e.user.Status(mailbox, &imap.StatusOptions{NumMessages: true, NumUnseen: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return *st.NumMessages, *st.NumUnseen
}

func (e *imapEnv) position(p *IMAPPoller) *desk.MailboxPosition {
	e.t.Helper()
	pos, err := e.store.MailboxPosition(context.Background(), p.Key())
	if err != nil {
		e.t.Fatal(err)
	}
	return pos
}

// markUnread clears \Seen on every message of INBOX, as a person reading
// the mailbox in a mail client might.
func (e *imapEnv) markUnread() {
	e.t.Helper()
	c, err := imapclient.DialInsecure(e.addr, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(imapUser, imapPass).Wait(); err != nil {
		e.t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		e.t.Fatal(err)
	}
	all := imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}
	if err := c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsDel, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		e.t.Fatal(err)
	}
}

func TestIMAPTakesNewMessagesOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		e := newIMAPEnv(t, s)
		for i := 1; i <= 3; i++ {
			e.deliver("INBOX", letterN(i, 300))
		}
		p := e.poller()
		if n := e.poll(p); n != 3 {
			t.Fatalf("first poll took %d messages, want 3", n)
		}
		if all, unseen := e.status("INBOX"); all != 3 || unseen != 0 {
			t.Errorf("INBOX after the poll: %d messages, %d unseen; want 3, all flagged \\Seen", all, unseen)
		}
		if n := e.poll(p); n != 0 {
			t.Errorf("a poll with nothing new took %d messages", n)
		}
		e.deliver("INBOX", letterN(4, 300))
		e.deliver("INBOX", letterN(5, 300))
		if n := e.poll(p); n != 2 {
			t.Errorf("third poll took %d messages, want the 2 new ones", n)
		}
		got := e.stored()
		if len(got) != 5 {
			t.Fatalf("%d messages stored, want 5: %v", len(got), got)
		}
		for i := 1; i <= 5; i++ {
			if c := countOf(got, fmt.Sprintf("imap-%d@example.com", i)); c != 1 {
				t.Errorf("message %d stored %d times", i, c)
			}
		}
		if pos := e.position(p); pos.LastUID != 5 || pos.UIDValidity == 0 {
			t.Errorf("stored position = %+v, want last UID 5", pos)
		}
		// The stored mail carries an envelope the inbound path can route.
		list, _, _ := s.ListInboundMail(context.Background(), desk.InboundMailFilter{Limit: 1})
		if m := list[0]; m.EnvelopeFrom != "musteri5@example.com" || len(m.EnvelopeTo) != 1 || m.EnvelopeTo[0] != "destek@atakdomain.com" {
			t.Errorf("envelope of a polled message: from %q to %v", m.EnvelopeFrom, m.EnvelopeTo)
		}
	})
}

// slogTo returns a logger writing text lines to w.
func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func countOf(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}

func TestIMAPResumesFromStoredUID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		e := newIMAPEnv(t, s)
		e.deliver("INBOX", letterN(1, 200))
		e.deliver("INBOX", letterN(2, 200))
		if n := e.poll(e.poller()); n != 2 {
			t.Fatalf("first poll took %d", n)
		}
		// Someone marks everything unread in their mail client, a message
		// arrives, and destek restarts: a new poller resumes from the stored
		// UID, not from the flags.
		e.markUnread()
		e.deliver("INBOX", letterN(3, 200))
		restarted := e.poller()
		if n := e.poll(restarted); n != 1 {
			t.Errorf("after a restart the poll took %d messages, want only the new one", n)
		}
		if got := e.stored(); len(got) != 3 {
			t.Errorf("%d messages stored, want 3", len(got))
		}
		if pos := e.position(restarted); pos.LastUID != 3 {
			t.Errorf("position after the restart = %+v", pos)
		}
	})
}

func TestIMAPUIDValidityChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		e := newIMAPEnv(t, s)
		e.deliver("INBOX", letterN(1, 200))
		e.deliver("INBOX", letterN(2, 200))
		p := e.poller()
		e.poll(p)
		before := e.position(p)

		// The mailbox is rebuilt: same messages, new UIDs, new UIDVALIDITY;
		// the server lost the \Seen flags too. One new message is there.
		if err := e.user.Delete("INBOX"); err != nil {
			t.Fatal(err)
		}
		if err := e.user.Create("INBOX", nil); err != nil {
			t.Fatal(err)
		}
		e.deliver("INBOX", letterN(1, 200))
		e.deliver("INBOX", letterN(2, 200))
		e.deliver("INBOX", letterN(3, 200))
		e.poll(p)
		after := e.position(p)
		if after.UIDValidity == before.UIDValidity || after.LastUID != 3 {
			t.Errorf("position %+v after UIDVALIDITY changed from %d", after, before.UIDValidity)
		}
		got := e.stored()
		if len(got) != 3 {
			t.Fatalf("%d messages stored, want 3 (the two already stored recognised): %v", len(got), got)
		}
		if !strings.Contains(e.logs.String(), "UIDVALIDITY changed") {
			t.Error("the change of UIDVALIDITY was not logged")
		}
		if _, unseen := e.status("INBOX"); unseen != 0 {
			t.Errorf("%d messages left unseen", unseen)
		}
		if n := e.poll(p); n != 0 {
			t.Errorf("the next poll took %d messages", n)
		}
	})
}

func TestIMAPMovesProcessedMail(t *testing.T) {
	e := newIMAPEnv(t, storetest.OpenSQLite(t))
	for i := 1; i <= 3; i++ {
		e.deliver("INBOX", letterN(i, 200))
	}
	p := e.poller(func(c *IMAPConfig) { c.ProcessedMailbox = "Processed" })
	if n := e.poll(p); n != 3 {
		t.Fatalf("poll took %d", n)
	}
	if all, _ := e.status("INBOX"); all != 0 {
		t.Errorf("%d messages left in INBOX", all)
	}
	if all, _ := e.status("Processed"); all != 3 {
		t.Errorf("%d messages in Processed, want 3", all)
	}
	e.deliver("INBOX", letterN(4, 200))
	if n := e.poll(p); n != 1 {
		t.Errorf("second poll took %d", n)
	}
	if got := e.stored(); len(got) != 4 {
		t.Errorf("%d messages stored, want 4", len(got))
	}
}

func TestIMAPSurvivesConnectionDrops(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		e := newIMAPEnv(t, s)
		const n = 6
		for i := 1; i <= n; i++ {
			e.deliver("INBOX", letterN(i, 8<<10))
		}
		// The connection is cut in the middle of the second message, then
		// in the middle of the fifth: each time the poller reconnects.
		px := startCutProxy(t, e.addr, 12<<10, 3*(8<<10))
		p := e.poller(func(c *IMAPConfig) { c.Addr = px.addr() })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan struct{})
		go func() { p.Run(ctx); close(done) }()
		deadline := time.Now().Add(10 * time.Second)
		for len(e.stored()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d messages stored after 10s", len(e.stored()), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
		// Let it settle: it must not store anything twice.
		time.Sleep(50 * time.Millisecond)
		cancel()
		<-done
		got := e.stored()
		for i := 1; i <= n; i++ {
			if c := countOf(got, fmt.Sprintf("imap-%d@example.com", i)); c != 1 {
				t.Errorf("message %d stored %d times", i, c)
			}
		}
		if px.cuts.Load() < 2 {
			t.Errorf("the proxy cut %d connections, want 2: the test did not drop the connection", px.cuts.Load())
		}
		if !strings.Contains(e.logs.String(), "polling failed") {
			t.Error("the dropped connection was not logged")
		}
		if _, unseen := e.status("INBOX"); unseen != 0 {
			t.Errorf("%d messages left unseen", unseen)
		}
	})
}

func TestIMAPServerDownAtStart(t *testing.T) {
	s := storetest.OpenSQLite(t)
	e := newIMAPEnv(t, s)
	// An address nothing listens on yet.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e.deliver("INBOX", letterN(1, 200))
	p := e.poller(func(c *IMAPConfig) { c.Addr = addr })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	time.Sleep(30 * time.Millisecond) // a few failed attempts
	e.serve(addr)
	deadline := time.Now().Add(10 * time.Second)
	for len(e.stored()) < 1 {
		if time.Now().After(deadline) {
			t.Fatal("nothing stored 10s after the server came up")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if !strings.Contains(e.logs.String(), "polling failed") {
		t.Error("the failed connections were not logged")
	}
}

func TestIMAPMessagesBecomeTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		e := newIMAPEnv(t, s)
		proc, err := NewProcessor(ProcessorConfig{Store: s, Policy: e.policy, Secret: outSecret, Logger: quietLog(),
			Intake: intake.NewDesk(s, intake.NewJudge(e.policy), quietLog())})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go proc.Run(ctx)
		e.deliver("INBOX", "From: Ayşe Yılmaz <ayse@example.com>\r\nTo: Destek <destek@atakdomain.com>\r\nSubject: =?utf-8?q?=C5=9Eifremi_unuttum?=\r\n"+
			"Message-ID: <sifre@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"+
			"Merhaba, panel şifremi unuttum, sıfırlayabilir misiniz?\r\n")
		e.deliver("INBOX", "From: Mailer-Daemon <mailer-daemon@example.com>\r\nReturn-Path: <>\r\nTo: destek@atakdomain.com\r\n"+
			"Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <bounce@example.com>\r\n\r\nDelivery failed.\r\n")
		p := e.poller(func(c *IMAPConfig) { c.Processor = proc })
		if n := e.poll(p); n != 2 {
			t.Fatalf("poll took %d", n)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			list, _, err := s.ListInboundMail(ctx, desk.InboundMailFilter{State: desk.MailStored})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d messages still unprocessed after 10s", len(list))
			}
			time.Sleep(5 * time.Millisecond)
		}
		tickets, _, err := s.ListTickets(ctx, desk.TicketFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(tickets) != 1 || tickets[0].Subject != "Şifremi unuttum" || tickets[0].Channel != desk.ChannelEmail {
			t.Fatalf("tickets = %+v, want one from the customer's mail (the bounce makes none)", tickets)
		}
		ms, err := s.Messages(ctx, tickets[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 1 || !strings.Contains(ms[0].Text, "şifremi unuttum") {
			t.Errorf("messages of the ticket: %+v", ms)
		}
	})
}

// cutProxy forwards TCP to an IMAP server and cuts a connection once the
// server has sent it a number of bytes: once after the first budget, once
// after the second (on the next connection), then never.
type cutProxy struct {
	ln      net.Listener
	target  string
	budgets []int64
	mu      sync.Mutex
	cuts    atomic.Int32
}

func startCutProxy(t testing.TB, target string, budgets ...int64) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	px := &cutProxy{ln: ln, target: target, budgets: budgets}
	go px.serve()
	t.Cleanup(func() { ln.Close() })
	return px
}

func (px *cutProxy) addr() string { return px.ln.Addr().String() }

func (px *cutProxy) serve() {
	for {
		client, err := px.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", px.target)
		if err != nil {
			client.Close()
			continue
		}
		budget := int64(-1)
		px.mu.Lock()
		if len(px.budgets) > 0 {
			budget, px.budgets = px.budgets[0], px.budgets[1:]
		}
		px.mu.Unlock()
		go func() {
			io.Copy(server, client)
			server.Close()
		}()
		go func() {
			defer client.Close()
			defer server.Close()
			if budget < 0 {
				io.Copy(client, server)
				return
			}
			io.CopyN(client, server, budget)
			px.cuts.Add(1)
		}()
	}
}
