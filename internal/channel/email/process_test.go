package email

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"destek/internal/desk"
	"destek/internal/intake"
	"destek/internal/policy"
	"destek/internal/store/storetest"
)

// storeRaw stores a message the way the SMTP server does, without
// processing it: what a crash right after the 250 leaves behind.
func storeRaw(t *testing.T, s desk.Store, id, from, text string) int64 {
	t.Helper()
	m := &desk.InboundMail{MessageID: id, EnvelopeFrom: from, EnvelopeTo: []string{supportAddr},
		Raw: []byte(compose(from, supportAddr, "Konu "+id, text, "Message-ID: <"+id+">"))}
	if _, err := s.ReceiveMail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func newProcessor(t *testing.T, s desk.Store) *Processor {
	t.Helper()
	ctx := context.Background()
	keeper, err := policy.NewKeeper(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := ReplySecret(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	p, err := NewProcessor(ProcessorConfig{Store: s, Intake: intake.NewDesk(s, intake.NewJudge(keeper), log), Policy: keeper, Secret: secret, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProcessorResumesStoredMail: messages stored but never processed (the
// process died after answering 250) are processed when the processor
// starts.
func TestProcessorResumesStoredMail(t *testing.T) {
	s := storetest.OpenSQLite(t)
	var ids []int64
	for i := range 5 {
		ids = append(ids, storeRaw(t, s, fmt.Sprintf("left-%d@example.com", i), fmt.Sprintf("c%d@example.com", i), "Alan adımı yenilemek istiyorum."))
	}
	p := newProcessor(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	e := &deskEnv{t: t, store: s}
	e.settle()
	cancel()
	<-done
	for i, id := range ids {
		m, err := s.InboundMail(context.Background(), id)
		must(t, err)
		if m.State != desk.MailProcessed || m.TicketID == nil {
			t.Errorf("message %d: %s (%s)", i, m.State, m.Error)
		}
	}
	if n := e.countTickets(); n != len(ids) {
		t.Errorf("%d tickets, want %d", n, len(ids))
	}
}

// TestProcessIsIdempotent: two nodes processing the same stored messages
// at the same moment, and processing again afterwards, make one ticket
// message per e-mail.
func TestProcessIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		var ids []int64
		for i := range 4 {
			ids = append(ids, storeRaw(t, s, fmt.Sprintf("twice-%d@example.com", i), "ayni@example.com", "Faturamı göremiyorum."))
		}
		nodes := []*Processor{newProcessor(t, s), newProcessor(t, s), newProcessor(t, s)}
		var wg sync.WaitGroup
		for _, p := range nodes {
			for _, id := range ids {
				wg.Go(func() {
					if err := p.Process(context.Background(), id); err != nil {
						t.Errorf("Process(%d): %v", id, err)
					}
				})
			}
		}
		wg.Wait()
		for _, id := range ids {
			must(t, nodes[0].Process(context.Background(), id))
		}
		e := &deskEnv{t: t, store: s}
		if n := e.countTickets(); n != len(ids) {
			t.Fatalf("%d tickets from %d e-mails processed by three nodes", n, len(ids))
		}
		for _, id := range ids {
			m, err := s.InboundMail(context.Background(), id)
			must(t, err)
			if m.State != desk.MailProcessed || e.inboundCount(*m.TicketID) != 1 {
				t.Errorf("mail %d: %s, ticket %v with %d customer messages", id, m.State, m.TicketID, e.inboundCount(*m.TicketID))
			}
		}
	})
}

// flakyStore fails CreateTicket the given number of times, as a database
// that is briefly unreachable would.
type flakyStore struct {
	desk.Store
	failures atomic.Int32
}

func (f *flakyStore) CreateTicket(ctx context.Context, t *desk.Ticket, c *desk.Contact, m *desk.Message, files []desk.NewAttachment) error {
	if f.failures.Add(-1) >= 0 {
		return errors.New("database is locked")
	}
	return f.Store.CreateTicket(ctx, t, c, m, files)
}

// TestProcessRetriesTemporaryFailures: a failure that is not the message's
// fault leaves it stored with the attempt and the error recorded, and the
// next attempt processes it; after too many, it is kept as failed.
func TestProcessRetriesTemporaryFailures(t *testing.T) {
	s := &flakyStore{Store: storetest.OpenSQLite(t)}
	s.failures.Store(1)
	id := storeRaw(t, s, "later@example.com", "later@example.com", "DNS kaydım görünmüyor.")
	p := newProcessor(t, s)
	ctx := context.Background()
	p.handle(ctx, id)
	m, err := s.InboundMail(ctx, id)
	must(t, err)
	if m.State != desk.MailStored || m.Attempts != 1 || !strings.Contains(m.Error, "database is locked") {
		t.Fatalf("after a failed attempt: %s, %d attempts, %q", m.State, m.Attempts, m.Error)
	}
	p.handle(ctx, id)
	if m, _ = s.InboundMail(ctx, id); m.State != desk.MailProcessed {
		t.Fatalf("after a good attempt: %s (%s)", m.State, m.Error)
	}

	p.cfg.MaxAttempts = 2
	s.failures.Store(5)
	id = storeRaw(t, s, "never@example.com", "never@example.com", "DNS kaydım görünmüyor.")
	p.handle(ctx, id)
	p.handle(ctx, id)
	m, _ = s.InboundMail(ctx, id)
	if m.State != desk.MailFailed || !strings.Contains(m.Error, "gave up after 2 attempts") || len(m.Raw) == 0 {
		t.Fatalf("after too many failures: %s (%q), %d raw bytes", m.State, m.Error, len(m.Raw))
	}

	// On shutdown nothing is recorded against the message.
	id = storeRaw(t, s, "shutdown@example.com", "shutdown@example.com", "DNS kaydım görünmüyor.")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	p.handle(cctx, id)
	if m, _ = s.InboundMail(ctx, id); m.State != desk.MailStored || m.Attempts != 0 {
		t.Fatalf("after a cancelled attempt: %s, %d attempts", m.State, m.Attempts)
	}
}
