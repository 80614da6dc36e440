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
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"destek/internal/desk"
	"destek/internal/intake"
	"destek/internal/policy"
	"destek/internal/store/storetest"
)

// Addresses of the built-in policy.
const (
	supportAddr = "support@atakdomain.com"
	destekAddr  = "destek@atakdomain.com"
	abuseAddr   = "domain@apiname.com"
	legalAddr   = "hukuk@atakdomain.com"
)

// deskEnv is a running e-mail intake over a real store: the SMTP server on a
// loopback port and the processor behind it.
type deskEnv struct {
	t      testing.TB
	store  desk.Store
	policy *policy.Keeper
	intake *intake.Desk
	secret []byte
	proc   *Processor
	srv    *Server
	addr   string
	logs   *syncBuffer
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startDesk starts the intake over s; configure may change the server's
// configuration before it starts.
func startDesk(t testing.TB, s desk.Store, configure ...func(*ServerConfig)) *deskEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	keeper, err := policy.NewKeeper(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	secret, err := ReplySecret(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	in := intake.NewDesk(s, intake.NewJudge(keeper), logger)
	proc, err := NewProcessor(ProcessorConfig{Store: s, Intake: in, Policy: keeper, Secret: secret, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	cfg := ServerConfig{Store: s, Policy: keeper, Secret: secret, Processor: proc, Logger: logger, Domain: "mx.destek.test"}
	for _, c := range configure {
		c(&cfg)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{}, 2)
	go func() { srv.Serve(ln); done <- struct{}{} }()
	go func() { proc.Run(ctx); done <- struct{}{} }()
	e := &deskEnv{t: t, store: s, policy: keeper, intake: in, secret: secret, proc: proc, srv: srv, addr: ln.Addr().String(), logs: logs}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		srv.Shutdown(sctx)
		cancel()
		<-done
		<-done
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return e
}

// letter is a message to send: its envelope and raw bytes.
type letter struct {
	from string
	to   []string
	raw  string
}

// compose writes a simple UTF-8 message.
func compose(from, to, subject, body string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", from, to, subject, time.Now().Format(time.RFC1123Z))
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	b.WriteString("\r\n")
	return b.String()
}

// send delivers a message over SMTP and returns the server's verdict: nil
// for 250, else the error (a *textproto.Error carries the code).
func (e *deskEnv) send(m letter) error {
	return sendTo(e.addr, m, nil)
}

// sendTo delivers m to addr, authenticating with auth when it is set.
func sendTo(addr string, m letter, auth smtp.Auth) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	if err := c.Mail(m.from); err != nil {
		return err
	}
	for _, to := range m.to {
		if err := c.Rcpt(to); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(m.raw)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// mustSend fails the test unless the message is accepted.
func (e *deskEnv) mustSend(m letter) {
	e.t.Helper()
	if err := e.send(m); err != nil {
		e.t.Fatalf("send: %v", err)
	}
}

// smtpCode returns the SMTP reply code of an error, or 0.
func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// settle waits until no stored message is left unprocessed.
func (e *deskEnv) settle() { e.settleWithin(15 * time.Second) }

// settleWithin is settle with a limit of its own.
func (e *deskEnv) settleWithin(limit time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ms, _, err := e.store.ListInboundMail(context.Background(), desk.InboundMailFilter{State: desk.MailStored})
		if err != nil {
			e.t.Fatal(err)
		}
		if len(ms) == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d messages still unprocessed; first: %+v", len(ms), ms[0])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mailByMessageID returns the stored message with the Message-ID.
func (e *deskEnv) mailByMessageID(id string) *desk.InboundMail {
	e.t.Helper()
	ms, _, err := e.store.ListInboundMail(context.Background(), desk.InboundMailFilter{Limit: desk.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	var found *desk.InboundMail
	for _, m := range ms {
		if m.MessageID == id {
			if found != nil {
				e.t.Fatalf("Message-ID %s stored twice: %d and %d", id, found.ID, m.ID)
			}
			found = m
		}
	}
	if found == nil {
		e.t.Fatalf("no stored message with Message-ID %s", id)
	}
	return found
}

// ticketOf returns the ticket a processed message made or joined.
func (e *deskEnv) ticketOf(msgID string) *desk.Ticket {
	e.t.Helper()
	m := e.mailByMessageID(msgID)
	if m.State != desk.MailProcessed || m.TicketID == nil {
		e.t.Fatalf("message %s is %s (%s), not processed into a ticket", msgID, m.State, m.Error)
	}
	t, err := e.store.Ticket(context.Background(), *m.TicketID)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

// messagesOf returns a ticket's messages.
func (e *deskEnv) messagesOf(ticketID int64) []*desk.Message {
	e.t.Helper()
	ms, err := e.store.Messages(context.Background(), ticketID)
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

// inboundCount counts a ticket's customer messages.
func (e *deskEnv) inboundCount(ticketID int64) int {
	e.t.Helper()
	n := 0
	for _, m := range e.messagesOf(ticketID) {
		if m.Direction == desk.Inbound {
			n++
		}
	}
	return n
}

func (e *deskEnv) countTickets() int {
	e.t.Helper()
	ts, _, err := e.store.ListTickets(context.Background(), desk.TicketFilter{Limit: desk.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(ts)
}

// fixture reads a testdata message.
func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/inbound/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// openStores runs fn on SQLite and, when configured, PostgreSQL.
func openStores(t *testing.T, fn func(t *testing.T, s desk.Store)) { storetest.Each(t, fn) }

// selfSignedTLS returns a server TLS configuration with a fresh
// self-signed certificate for 127.0.0.1.
func selfSignedTLS(t testing.TB) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.destek.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}
