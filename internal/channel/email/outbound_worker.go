package email

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	gmsmtp "github.com/wneessen/go-mail/smtp"

	"destek/internal/desk"
)

// TLS modes of the relay connection.
const (
	// TLSStartTLS requires STARTTLS on a plain connection (submission, port 587).
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS, port 465).
	TLSImplicit = "tls"
	// TLSOpportunistic uses STARTTLS when the relay offers it.
	TLSOpportunistic = "opportunistic"
	// TLSNone never encrypts (a relay on the same host or a test server).
	TLSNone = "none"
)

// RelayConfig says how to reach the SMTP relay that delivers destek's mail.
type RelayConfig struct {
	// Addr is the relay's host:port.
	Addr string
	// Username and Password authenticate to the relay when Username is
	// set; the strongest mechanism the relay offers is used.
	Username string
	Password string
	// TLS is one of TLSStartTLS (the default), TLSImplicit,
	// TLSOpportunistic, TLSNone.
	TLS string
	// TLSConfig overrides the TLS settings (for a private CA); ServerName
	// defaults to the relay's host.
	TLSConfig *tls.Config
	// HELO is the name destek greets the relay with (default: the host name).
	HELO string
	// EnvelopeFrom is the SMTP MAIL FROM (where bounces go); the default is
	// each mail's From address, so bounces come back to the support
	// mailbox, where intake recognises them.
	EnvelopeFrom string
	// Timeout bounds each network operation with the relay (default 30s).
	Timeout time.Duration
}

// WorkerConfig configures an outbox worker. Zero fields take the defaults.
type WorkerConfig struct {
	Relay RelayConfig
	// Name identifies the worker in leases; it must differ between
	// workers (default: host name, process id and a random suffix).
	Name string
	// Batch is how many mails one claim takes (default 10); they go out
	// over one relay connection.
	Batch int
	// Lease is how long a claim holds its mails (default 5 minutes). A
	// worker that dies holds them that long before another takes over, so
	// it must be long enough to send a whole batch.
	Lease time.Duration
	// Poll is how often the worker looks for due mail when nothing wakes
	// it (default 5s). Mail queued on this node wakes it at once; mail
	// queued on another node waits at most this long.
	Poll time.Duration
	// MaxAttempts is how many times a mail is tried before it fails for
	// good (default 12).
	MaxAttempts int
	// Backoff is the delay before the first retry (default 1 minute); each
	// later retry waits twice as long, up to MaxBackoff (default 2 hours),
	// with random jitter so that mails failing together do not retry in
	// lockstep.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Logger receives one line per failure (default slog.Default()).
	Logger *slog.Logger
}

// Worker defaults.
const (
	DefaultBatch       = 10
	DefaultLease       = 5 * time.Minute
	DefaultPoll        = 5 * time.Second
	DefaultMaxAttempts = 12
	DefaultBackoff     = time.Minute
	DefaultMaxBackoff  = 2 * time.Hour
	DefaultTimeout     = 30 * time.Second
)

// OutboxReader is what a worker needs of the store: the outbox, and the
// attachments of the messages it mails.
type OutboxReader interface {
	desk.OutboxStore
	Message(ctx context.Context, id int64) (*desk.Message, error)
	AttachmentData(ctx context.Context, id int64) ([]byte, error)
}

// Worker sends the outbox's mail through an SMTP relay. Any number of
// workers, on any number of nodes, may run on one database: each mail is
// leased to one worker at a time (see desk.OutboxStore.ClaimMail).
//
// Delivery is at least once. A worker marks a mail sent right after the
// relay accepts it; if the process dies between the relay's 250 and that
// write, the lease runs out and another worker sends the mail again. The
// window is one database write long.
type Worker struct {
	store OutboxReader
	cfg   WorkerConfig
	host  string
	port  int
	log   *slog.Logger
	wake  chan struct{}
	// sendBudget is the lease time a mail needs left to be sent: enough
	// for a dial and a whole SMTP transaction.
	sendBudget time.Duration

	mu      sync.Mutex
	dialled int // relay connections opened, for tests and metrics
}

// NewWorker returns a worker over the store. It checks the configuration
// but does not connect to the relay until there is mail to send.
func NewWorker(s OutboxReader, cfg WorkerConfig) (*Worker, error) {
	if cfg.Relay.Addr == "" {
		return nil, errors.New("outbox worker: no relay address")
	}
	host, portText, err := net.SplitHostPort(cfg.Relay.Addr)
	if err != nil {
		return nil, fmt.Errorf("outbox worker: relay address %q: %w (use host:port)", cfg.Relay.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("outbox worker: relay address %q: bad port", cfg.Relay.Addr)
	}
	switch cfg.Relay.TLS {
	case "":
		cfg.Relay.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSOpportunistic, TLSNone:
	default:
		return nil, fmt.Errorf("outbox worker: TLS mode %q: use starttls, tls, opportunistic or none", cfg.Relay.TLS)
	}
	if cfg.Relay.Timeout <= 0 {
		cfg.Relay.Timeout = DefaultTimeout
	}
	if cfg.Name == "" {
		cfg.Name = workerName()
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxBackoff < cfg.Backoff {
		cfg.MaxBackoff = cfg.Backoff
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	budget := 3 * cfg.Relay.Timeout
	if budget > cfg.Lease/2 {
		budget = cfg.Lease / 2
	}
	return &Worker{
		store: s, cfg: cfg, host: host, port: port,
		log:        cfg.Logger.With("worker", cfg.Name),
		wake:       make(chan struct{}, 1),
		sendBudget: budget,
	}, nil
}

// workerName returns a name unique to this process.
func workerName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "destek"
	}
	return fmt.Sprintf("%s-%d-%s", h, os.Getpid(), crand.Text()[:6])
}

// Name returns the name the worker holds leases under.
func (w *Worker) Name() string { return w.cfg.Name }

// Wake makes a running worker look for due mail now rather than at its next
// poll. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sends due mail until ctx ends. Mail it holds when ctx ends is given
// back, so another worker (or this one after a restart) sends it at once
// rather than after the lease.
func (w *Worker) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-w.wake:
		}
		n, err := w.Process(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Warn("outbox: claiming mail failed", "err", err)
		}
		// A full batch suggests more is waiting: go again at once.
		next := w.cfg.Poll
		if err == nil && n == w.cfg.Batch {
			next = 0
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(next)
	}
}

// Process claims one batch of due mail and sends it, returning how many
// mails it claimed. Each is marked sent, queued for a retry, or failed.
func (w *Worker) Process(ctx context.Context) (int, error) {
	batch, err := w.store.ClaimMail(ctx, w.cfg.Name, w.cfg.Batch, w.cfg.Lease)
	if err != nil {
		return 0, fmt.Errorf("claim mail: %w", err)
	}
	if len(batch) == 0 {
		return 0, nil
	}
	// Outcomes are recorded even when ctx ends mid-batch: a mail handed to
	// the relay must be marked sent.
	rec := context.WithoutCancel(ctx)
	s := &relaySession{w: w}
	defer s.close()
	for i, m := range batch {
		if ctx.Err() != nil || m.LockedUntil == nil || time.Until(*m.LockedUntil) < w.sendBudget {
			// Shutting down, or too little lease left to finish: give the
			// rest back rather than risk sending after the lease is gone.
			w.release(rec, batch[i:])
			break
		}
		w.send(ctx, rec, s, m)
	}
	return len(batch), nil
}

// release gives unsent mails back.
func (w *Worker) release(ctx context.Context, ms []*desk.OutboundMail) {
	for _, m := range ms {
		if err := w.store.ReleaseMail(ctx, m.ID, w.cfg.Name); err != nil {
			w.log.Warn("outbox: releasing mail failed; it is sent after its lease", "mail", m.ID, "err", err)
		}
	}
}

// send delivers one claimed mail and records the outcome.
func (w *Worker) send(ctx, rec context.Context, s *relaySession, m *desk.OutboundMail) {
	if m.Attempts > w.cfg.MaxAttempts {
		// Claimed again after a worker died holding it on its last attempt.
		w.fail(rec, m, fmt.Errorf("gave up after %d attempts", w.cfg.MaxAttempts), true)
		return
	}
	msg, err := w.compose(ctx, m)
	if err != nil {
		w.fail(rec, m, err, true)
		return
	}
	err = s.send(ctx, msg)
	if msg.IsDelivered() {
		// The relay took it; an error after that (the RSET that follows)
		// must not cause a second delivery.
		w.markSent(rec, m)
		return
	}
	if err == nil {
		err = errors.New("the relay did not confirm delivery")
	}
	w.fail(rec, m, err, permanent(err))
}

// markSent records a delivery, trying a few times: a mail that stays
// "sending" is sent again when its lease runs out.
func (w *Worker) markSent(ctx context.Context, m *desk.OutboundMail) {
	var err error
	for try := range 5 {
		if err = w.store.MarkMailSent(ctx, m.ID, w.cfg.Name); err == nil {
			return
		}
		time.Sleep(time.Duration(try+1) * 100 * time.Millisecond)
	}
	w.log.Error("outbox: a delivered mail could not be marked sent; it will be sent again after its lease", "mail", m.ID, "err", err)
}

// fail records a failed attempt: a retry after a backoff, or a final
// failure when the error is permanent or the attempts are used up.
func (w *Worker) fail(ctx context.Context, m *desk.OutboundMail, cause error, perm bool) {
	f := desk.MailFailure{Error: errorText(cause)}
	if !perm && m.Attempts < w.cfg.MaxAttempts {
		f.RetryAt = time.Now().Add(w.backoff(m.Attempts))
	}
	level := slog.LevelWarn
	if f.RetryAt.IsZero() {
		level = slog.LevelError
	}
	w.log.Log(ctx, level, "outbox: sending mail failed", "mail", m.ID, "ticket", m.TicketID, "attempt", m.Attempts,
		"retry", !f.RetryAt.IsZero(), "err", cause)
	if err := w.store.MarkMailFailed(ctx, m.ID, w.cfg.Name, f); err != nil {
		w.log.Warn("outbox: recording a failed attempt failed; the mail is retried after its lease", "mail", m.ID, "err", err)
	}
}

// backoff returns the delay before the retry that follows attempt n (1 for
// the first attempt): exponential, capped, with jitter in its upper half.
func (w *Worker) backoff(n int) time.Duration {
	d := w.cfg.Backoff
	for i := 1; i < n && d < w.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.cfg.MaxBackoff)
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// permanent reports whether a send error will not go away by retrying: the
// relay answered 5xx, or the mail itself cannot be sent. Everything else —
// 4xx answers, refused or dropped connections, timeouts, failed logins — is
// temporary, so a relay outage or a configuration mistake delays mail
// instead of losing it.
func permanent(err error) bool {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch code := se.ErrorCode(); {
	case code >= 500 && code < 600:
		return true
	case code >= 400:
		return false
	}
	switch se.Reason {
	case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
		return true
	}
	return false
}

// compose builds the wire message of an outbox mail: text (and HTML)
// bodies in UTF-8 with quoted-printable, RFC 2047 encoded headers, and the
// attachments of the desk message it carries.
func (w *Worker) compose(ctx context.Context, m *desk.OutboundMail) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("from %q: %w", m.From, err)
	}
	if w.cfg.Relay.EnvelopeFrom != "" {
		if err := msg.EnvelopeFrom(w.cfg.Relay.EnvelopeFrom); err != nil {
			return nil, fmt.Errorf("envelope from %q: %w", w.cfg.Relay.EnvelopeFrom, err)
		}
	}
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("to %v: %w", m.To, err)
	}
	if len(m.Cc) > 0 {
		if err := msg.Cc(m.Cc...); err != nil {
			return nil, fmt.Errorf("cc %v: %w", m.Cc, err)
		}
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(time.Now())
	for k, v := range m.Headers {
		switch k {
		case desk.HeaderReplyTo:
			if err := msg.ReplyTo(v); err != nil {
				return nil, fmt.Errorf("reply-to %q: %w", v, err)
			}
		default:
			// Message identifiers are ASCII, which the header encoder
			// leaves as it is; other values are RFC 2047 encoded as needed.
			msg.SetGenHeader(gomail.Header(k), v)
		}
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if m.MessageID != nil {
		dm, err := w.store.Message(ctx, *m.MessageID)
		if err != nil {
			return nil, fmt.Errorf("message %d of the mail: %w", *m.MessageID, err)
		}
		for _, a := range dm.Attachments {
			data, err := w.store.AttachmentData(ctx, a.ID)
			if err != nil {
				return nil, fmt.Errorf("attachment %d: %w", a.ID, err)
			}
			if err := msg.AttachReader(a.Filename, bytes.NewReader(data),
				gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
				return nil, fmt.Errorf("attachment %s: %w", a.Filename, err)
			}
		}
	}
	return msg, nil
}

// relaySession is one connection to the relay, opened when the first mail
// of a batch is sent and reused for the rest.
type relaySession struct {
	w      *Worker
	client *gomail.Client
	conn   *gmsmtp.Client
	// dialErr is the failure to reach the relay; the rest of the batch
	// fails with it rather than wait for a relay that is down once per mail.
	dialErr error
}

func (s *relaySession) send(ctx context.Context, msg *gomail.Msg) error {
	if s.dialErr != nil {
		return s.dialErr
	}
	if s.client == nil {
		c, conn, err := s.w.dial(ctx)
		if err != nil {
			s.dialErr = err
			return err
		}
		s.client, s.conn = c, conn
	}
	err := s.client.SendWithSMTPClient(s.conn, msg)
	var se *gomail.SendError
	if err != nil && (!errors.As(err, &se) || se.ErrorCode() == 0) {
		// Not an answer from the relay: the connection is suspect. The
		// next mail dials again.
		s.close()
	}
	return err
}

func (s *relaySession) close() {
	if s.client != nil {
		s.client.CloseWithSMTPClient(s.conn)
		s.client, s.conn = nil, nil
	}
}

// dial connects and authenticates to the relay.
func (w *Worker) dial(ctx context.Context) (*gomail.Client, *gmsmtp.Client, error) {
	r := w.cfg.Relay
	opts := []gomail.Option{gomail.WithPort(w.port), gomail.WithTimeout(r.Timeout)}
	switch r.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if r.TLSConfig != nil {
		tc := r.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = w.host
		}
		opts = append(opts, gomail.WithTLSConfig(tc))
	}
	if r.HELO != "" {
		opts = append(opts, gomail.WithHELO(r.HELO))
	}
	if r.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(r.Username), gomail.WithPassword(r.Password))
	}
	c, err := gomail.NewClient(w.host, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("relay %s: %w", r.Addr, err)
	}
	dctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	conn, err := c.DialToSMTPClientWithContext(dctx)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to relay %s: %w", r.Addr, err)
	}
	w.mu.Lock()
	w.dialled++
	w.mu.Unlock()
	return c, conn, nil
}

// Dialled returns how many relay connections the worker has opened.
func (w *Worker) Dialled() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.dialled
}

// errorText returns a send error as one line for the outbox.
func errorText(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
