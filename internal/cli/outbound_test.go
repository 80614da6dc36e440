package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"

	"destek/internal/desk"
)

// TestServeOutboundFlagErrors: a wrong outgoing-mail or IMAP flag stops
// serve before it opens anything, naming the flag.
func TestServeOutboundFlagErrors(t *testing.T) {
	t.Setenv("DESTEK_SMTP_RELAY_PASSWORD", "")
	t.Setenv("DESTEK_IMAP_PASSWORD", "")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--smtp-relay", "smtp.example.com"}, "--smtp-relay"},
		{[]string{"--smtp-relay", "smtp.example.com:587", "--smtp-relay-tls", "maybe"}, "--smtp-relay-tls"},
		{[]string{"--smtp-relay", "smtp.example.com:587", "--smtp-relay-user", "destek"}, "DESTEK_SMTP_RELAY_PASSWORD"},
		{[]string{"--imap-addr", "imap.example.com"}, "--imap-addr"},
		{[]string{"--imap-addr", "imap.example.com:993", "--imap-user", "destek"}, "DESTEK_IMAP_PASSWORD"},
		{[]string{"--imap-tls", "sometimes"}, "--imap-tls"},
		{[]string{"--imap-interval", "-1s"}, "--imap-interval"},
	} {
		args := append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, c.args...)
		code, _, errOut := runMain(t, "", args...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("destek %v: exit %d, stderr %q; want an error naming %s", c.args, code, errOut, c.want)
		}
	}
}

// recordingRelay is an SMTP server that keeps what it is sent.
type recordingRelay struct {
	mu   sync.Mutex
	msgs []*mail.Message
}

func (r *recordingRelay) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &recordingSession{r: r}, nil
}

func (r *recordingRelay) got() []*mail.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*mail.Message(nil), r.msgs...)
}

type recordingSession struct{ r *recordingRelay }

func (s *recordingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *recordingSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *recordingSession) Reset()                               {}
func (s *recordingSession) Logout() error                        { return nil }
func (s *recordingSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	s.r.msgs = append(s.r.msgs, m)
	s.r.mu.Unlock()
	return nil
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}

var (
	adminLine = regexp.MustCompile(`e-mail (\S+), password (\S+)`)
	runLine   = regexp.MustCompile(`destek is running at (http://\S+)`)
)

// TestServeMailRoundTrip runs `destek serve` with IMAP polling and an
// outgoing relay: a customer's mail in the polled mailbox opens a ticket
// that is acknowledged by mail, and an agent's reply through the API goes
// out threaded to the customer's mail.
func TestServeMailRoundTrip(t *testing.T) {
	relay := &recordingRelay{}
	rs := smtp.NewServer(relay)
	rs.Domain, rs.ErrorLog = "relay.test", nopLogger{}
	rln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go rs.Serve(rln)
	t.Cleanup(func() { rs.Close() })

	mem := imapmemserver.New()
	user := imapmemserver.NewUser("destek", "imap-parola")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	raw := "From: Ayşe Yılmaz <ayse@example.com>\r\nTo: destek@atakdomain.com\r\nSubject: =?utf-8?q?DNS_kayd=C4=B1m?=\r\n" +
		"Message-ID: <ilk@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMerhaba, A kaydım güncellenmiyor. Yardımcı olur musunuz?\r\n"
	if _, err := user.Append("INBOX", bytes.NewReader([]byte(raw)), &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	is := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}, InsecureAuth: true, Logger: nopLogger{},
	})
	iln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go is.Serve(iln)
	t.Cleanup(func() { is.Close() })

	t.Setenv("DESTEK_IMAP_PASSWORD", "imap-parola")
	pr, pw := io.Pipe()
	var stderr syncWriter
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, env{stdin: strings.NewReader(""), stdout: pw, stderr: &stderr}, []string{
			"--data", t.TempDir(), "--addr", "127.0.0.1:0",
			"--smtp-relay", rln.Addr().String(), "--smtp-relay-tls", "none",
			"--imap-addr", iln.Addr().String(), "--imap-user", "destek", "--imap-tls", "none", "--imap-interval", "50ms",
		})
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop within 20s")
		}
	})
	var adminEmail, adminPass, url string
	sc := bufio.NewScanner(pr)
	for url == "" && sc.Scan() {
		if m := adminLine.FindStringSubmatch(sc.Text()); m != nil {
			adminEmail, adminPass = m[1], m[2]
		}
		if m := runLine.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" || adminPass == "" {
		t.Fatalf("serve did not start:\n%s", stderr.String())
	}

	waitFor := func(n int) []*mail.Message {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for len(relay.got()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d mails reached the relay in 15s; log:\n%s", len(relay.got()), n, stderr.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		return relay.got()
	}
	ack := waitFor(1)[0]
	if to := ack.Header.Get("To"); !strings.Contains(to, "ayse@example.com") {
		t.Errorf("acknowledgement went to %q", to)
	}
	if ack.Header.Get("Auto-Submitted") != "auto-replied" || ack.Header.Get("In-Reply-To") != "<ilk@example.com>" {
		t.Errorf("acknowledgement headers: Auto-Submitted %q, In-Reply-To %q", ack.Header.Get("Auto-Submitted"), ack.Header.Get("In-Reply-To"))
	}

	// The agent answers through the API.
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	call := func(method, path string, body any, into any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, url+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 300 {
			msg, _ := io.ReadAll(resp.Body)
			t.Fatalf("%s %s: %s %s", method, path, resp.Status, msg)
		}
		if into != nil {
			if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
				t.Fatal(err)
			}
		}
	}
	call("POST", "/api/v1/auth/login", map[string]string{"email": adminEmail, "password": adminPass}, nil)
	var tickets struct {
		Items []desk.Ticket `json:"items"`
	}
	call("GET", "/api/v1/tickets", nil, &tickets)
	if len(tickets.Items) != 1 || tickets.Items[0].Channel != desk.ChannelEmail {
		t.Fatalf("tickets = %+v, want the one the polled mail opened", tickets.Items)
	}
	id := tickets.Items[0].ID
	call("POST", fmt.Sprintf("/api/v1/tickets/%d/messages", id), map[string]string{"text": "Kaydınızı düzelttik, yarım saat içinde yayılır."}, nil)
	reply := waitFor(2)[1]
	if reply.Header.Get("In-Reply-To") != "<ilk@example.com>" || !strings.Contains(reply.Header.Get("References"), ack.Header.Get("Message-Id")) {
		t.Errorf("reply In-Reply-To %q, References %q; want the customer's mail and the acknowledgement",
			reply.Header.Get("In-Reply-To"), reply.Header.Get("References"))
	}
	if reply.Header.Get("Auto-Submitted") != "" {
		t.Errorf("an agent's reply is marked Auto-Submitted: %s", reply.Header.Get("Auto-Submitted"))
	}
	if subj, _ := new(mime.WordDecoder).DecodeHeader(reply.Header.Get("Subject")); subj != fmt.Sprintf("Re: DNS kaydım [#%d]", id) {
		t.Errorf("reply subject %q", subj)
	}
}

// syncWriter is a goroutine-safe buffer for serve's log.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestOutboxCommands: an operator lists failed mail and queues it again.
func TestOutboxCommands(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	db := dbFlags{data: data}
	s, err := db.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tk := &desk.Ticket{Subject: "Fatura", Channel: desk.ChannelEmail}
	if err := s.CreateTicket(ctx, tk, &desk.Contact{Channel: desk.ChannelEmail, Address: "gone@example.com"}, &desk.Message{Text: "fatura"}, nil); err != nil {
		t.Fatal(err)
	}
	m := &desk.OutboundMail{TicketID: tk.ID, Kind: desk.MailAutoReply, From: "destek@atakdomain.com", To: []string{"gone@example.com"},
		Subject: "Re: Fatura [#1]", Text: "Alındı", Headers: map[string]string{desk.HeaderMessageID: "<x1@atakdomain.com>"}}
	if err := s.EnqueueMail(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimMail(ctx, "w", 1, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkMailFailed(ctx, m.ID, "w", desk.MailFailure{Error: "550 5.1.1 no such user"}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	code, out, errOut := runMain(t, "", "outbox", "list", "--data", data, "--state", "failed")
	if code != 0 || !strings.Contains(out, "gone@example.com") || !strings.Contains(out, "550 5.1.1 no such user") {
		t.Fatalf("outbox list: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runMain(t, "", "outbox", "retry", "--data", data, fmt.Sprint(m.ID))
	if code != 0 || !strings.Contains(out, "queued again") {
		t.Fatalf("outbox retry: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runMain(t, "", "outbox", "list", "--data", data, "--state", "queued")
	if code != 0 || !strings.Contains(out, "gone@example.com") {
		t.Errorf("the retried mail is not queued:\n%s", out)
	}
	// A mail that has not failed is not retried.
	if code, _, errOut = runMain(t, "", "outbox", "retry", "--data", data, fmt.Sprint(m.ID)); code == 0 || !strings.Contains(errOut, "only failed mail") {
		t.Errorf("retrying queued mail: exit %d, %q", code, errOut)
	}
	if code, _, errOut = runMain(t, "", "outbox", "list", "--data", data, "--state", "lost"); code == 0 || !strings.Contains(errOut, "--state") {
		t.Errorf("a bad state: exit %d, %q", code, errOut)
	}
}
