package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"destek/internal/desk"
	"destek/internal/store/postgres"
	"destek/internal/store/sqlite"
	"destek/internal/store/storetest"
)

var smtpLine = regexp.MustCompile(`destek accepts mail at smtp://(\S+)`)

// startSMTPServe starts `destek serve` with the SMTP intake on a free port,
// on the database db ("" for SQLite in data), and returns the process and
// the SMTP address. The test kills it.
func startSMTPServe(t *testing.T, bin, data, db string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--smtp-addr", "127.0.0.1:0", "--data", data, "--db", db)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(t.TempDir(), "stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		addr := ""
		for sc.Scan() {
			if m := smtpLine.FindStringSubmatch(sc.Text()); m != nil {
				addr = m[1]
			}
			if urlLine.MatchString(sc.Text()) {
				found <- addr
				io.Copy(io.Discard, stdout)
				return
			}
		}
		found <- ""
	}()
	select {
	case addr := <-found:
		if addr != "" {
			return cmd, addr
		}
	case <-time.After(60 * time.Second):
	}
	log, _ := os.ReadFile(logf.Name())
	t.Fatalf("destek serve --smtp-addr did not start:\n%s", log)
	return nil, ""
}

// crashMessage is the raw message number i of sender g: a new
// conversation from a sender of its own.
func crashMessage(g, i int) (id, from, raw string) {
	id = fmt.Sprintf("crash-%d-%d@client.test", g, i)
	from = fmt.Sprintf("musteri%d@client.test", g)
	raw = fmt.Sprintf("From: Müşteri %d <%s>\r\nTo: support@atakdomain.com\r\nSubject: Alan adı %d/%d\r\nMessage-ID: <%s>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMerhaba, %d numaralı alan adımın DNS kayıtları güncellenmiyor.\r\n",
		g, from, g, i, id, i)
	return id, from, raw
}

// deliver sends one message on an open client; nil means the server
// answered 250.
func deliver(c *smtp.Client, from, raw string) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt("support@atakdomain.com"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		return err
	}
	return w.Close()
}

// TestSMTPCrash is the durability test of the SMTP intake, through the
// real binary: several clients send while the server is killed with
// SIGKILL. Every message that got 250 must be in the database exactly
// once, and after a restart every stored message becomes exactly one
// ticket; the messages that got no answer, sent again as a mail server
// would, are stored once too.
func TestSMTPCrash(t *testing.T) {
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) { smtpCrash(t, bin, "") })
	t.Run("postgres", func(t *testing.T) { smtpCrash(t, bin, storetest.PostgresSchema(t)) })
}

func smtpCrash(t *testing.T, bin, db string) {
	data := t.TempDir()
	cmd, addr := startSMTPServe(t, bin, data, db)

	const senders = 6
	var (
		mu      sync.Mutex
		acked   = map[string]bool{}      // got 250
		unacked = map[string][2]string{} // sent, no 250: from and raw, to send again
		count   atomic.Int64
		wg      sync.WaitGroup
	)
	for g := range senders {
		wg.Go(func() {
			c, err := smtp.Dial(addr)
			if err != nil {
				t.Errorf("sender %d: %v", g, err)
				return
			}
			defer c.Close()
			for i := 0; ; i++ {
				id, from, raw := crashMessage(g, i)
				err := deliver(c, from, raw)
				mu.Lock()
				if err == nil {
					acked[id] = true
				} else {
					unacked[id] = [2]string{from, raw}
				}
				mu.Unlock()
				if err != nil {
					return // the server is gone
				}
				count.Add(1)
			}
		})
	}
	// Kill mid-stream, once a good number of messages went through.
	deadline := time.Now().Add(20 * time.Second)
	for count.Load() < 300 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	wg.Wait()
	if len(acked) < 50 {
		t.Fatalf("only %d messages were accepted before the kill", len(acked))
	}

	// What the killed server left: every acknowledged message, once.
	rows, pending := storedMail(t, data, db)
	for id := range acked {
		if rows[id] != 1 {
			t.Errorf("message %s got 250 but is stored %d times", id, rows[id])
		}
	}
	storedUnanswered := 0
	for id := range unacked {
		storedUnanswered += rows[id]
	}
	t.Logf("killed after %d acknowledged messages; %d stored but not yet processed; %d in flight without an answer, %d of them stored",
		len(acked), pending, len(unacked), storedUnanswered)

	// Restart: the stored messages are processed; the unanswered ones are
	// sent again, as the sending server would.
	_, addr = startSMTPServe(t, bin, data, db)
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	for id, m := range unacked {
		if err := deliver(c, m[0], m[1]); err != nil {
			t.Fatalf("resending %s: %v", id, err)
		}
	}
	c.Quit()

	s := openStore(t, data, db)
	defer s.Close()
	ctx := context.Background()
	var all []*desk.InboundMail
	for wait := time.Now().Add(60 * time.Second); ; {
		all = listAllMail(t, s)
		left := 0
		for _, m := range all {
			if m.State == desk.MailStored {
				left++
			}
		}
		if left == 0 {
			break
		}
		if time.Now().After(wait) {
			t.Fatalf("%d messages still unprocessed a minute after the restart", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	seen := map[string]int{}
	tickets := map[int64]bool{}
	for _, m := range all {
		seen[m.MessageID]++
		if m.State != desk.MailProcessed || m.TicketID == nil {
			t.Errorf("mail %d (%s) is %s: %s", m.ID, m.MessageID, m.State, m.Error)
			continue
		}
		if tickets[*m.TicketID] {
			t.Errorf("ticket %d was made of two messages", *m.TicketID)
		}
		tickets[*m.TicketID] = true
	}
	for id := range acked {
		if seen[id] != 1 {
			t.Errorf("acknowledged message %s is stored %d times", id, seen[id])
		}
	}
	for id := range unacked {
		if seen[id] != 1 {
			t.Errorf("resent message %s is stored %d times", id, seen[id])
		}
	}
	if len(all) != len(acked)+len(unacked) {
		t.Errorf("%d stored messages, want %d acknowledged + %d resent", len(all), len(acked), len(unacked))
	}
	n := 0
	for cursor := ""; ; {
		ts, next, err := s.ListTickets(ctx, desk.TicketFilter{Limit: desk.MaxPageSize, Cursor: cursor, Channel: desk.ChannelEmail})
		if err != nil {
			t.Fatal(err)
		}
		n += len(ts)
		if next == "" {
			break
		}
		cursor = next
	}
	if n != len(all) {
		t.Errorf("%d e-mail tickets for %d messages", n, len(all))
	}
}

// storedMail opens the database of a stopped server and counts the stored
// rows of each Message-ID, and the rows not yet processed.
func storedMail(t *testing.T, data, db string) (map[string]int, int) {
	t.Helper()
	s := openStore(t, data, db)
	defer s.Close()
	rows := map[string]int{}
	pending := 0
	for _, m := range listAllMail(t, s) {
		rows[m.MessageID]++
		if m.State == desk.MailStored {
			pending++
		}
	}
	return rows, pending
}

// openStore opens the server's database from the test.
func openStore(t *testing.T, data, db string) desk.Store {
	t.Helper()
	var s desk.Store
	var err error
	if db == "" {
		s, err = sqlite.Open(context.Background(), filepath.Join(data, "destek.db"))
	} else {
		s, err = postgres.Open(context.Background(), db)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func listAllMail(t *testing.T, s desk.MailStore) []*desk.InboundMail {
	t.Helper()
	var all []*desk.InboundMail
	for cursor := ""; ; {
		ms, next, err := s.ListInboundMail(context.Background(), desk.InboundMailFilter{Limit: desk.MaxPageSize, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ms...)
		if next == "" {
			return all
		}
		cursor = next
	}
}
