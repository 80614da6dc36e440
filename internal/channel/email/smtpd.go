// Package email is destek's e-mail channel: the SMTP server that receives
// customers' mail, the parsing, threading and loop detection that turn it
// into ticket messages through the intake, and the outbound side that
// sends the desk's mail.
//
// Inbound mail is never lost: the SMTP server answers 250 only once the
// raw message is committed to the database (desk.MailStore.ReceiveMail),
// and a Processor turns stored messages into ticket messages afterwards,
// exactly once, resuming after a crash.
package email

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"

	"destek/internal/desk"
	"destek/internal/policy"
)

// Defaults of ServerConfig.
const (
	DefaultSMTPMaxMessageBytes = 25 << 20
	DefaultSMTPMaxRecipients   = 50
	DefaultSMTPMaxConnections  = 200
	DefaultSMTPDataInFlight    = 16
	DefaultSMTPStoreTimeout    = 30 * time.Second
)

// ServerConfig configures the SMTP server.
type ServerConfig struct {
	Store  desk.MailStore
	Policy *policy.Keeper
	// Secret signs reply addresses (ReplySecret).
	Secret []byte
	// Processor, when set, is handed each newly stored message.
	Processor *Processor
	Logger    *slog.Logger
	// Registerer receives the SMTP metrics (none when nil).
	Registerer prometheus.Registerer

	// Domain is the name the server greets with (default: the host name).
	Domain string
	// MaxMessageBytes bounds a message (default DefaultSMTPMaxMessageBytes);
	// larger ones get 552.
	MaxMessageBytes int64
	// MaxRecipients bounds the recipients of one message.
	MaxRecipients int
	// MaxConnections bounds open connections; more wait to be accepted.
	MaxConnections int
	// MaxDataInFlight bounds the messages being read at once, and with it
	// the memory they take (each is read whole before it is stored).
	MaxDataInFlight int
	// TLSConfig, when set, offers STARTTLS.
	TLSConfig *tls.Config
	// AuthUsername and AuthPassword, when set, require every client to
	// authenticate with AUTH PLAIN before sending (a relay in front of
	// destek). AUTH goes only over TLS when TLSConfig is set.
	AuthUsername string
	AuthPassword string
	// ReadTimeout and WriteTimeout bound each network operation.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// StoreTimeout bounds how long a message waits for the database before
	// the client is told 451 and retries later.
	StoreTimeout time.Duration
}

// Server is destek's SMTP server: it accepts mail for the addresses of the
// policy in force and stores each message before answering 250.
type Server struct {
	cfg     ServerConfig
	log     *slog.Logger
	smtp    *smtp.Server
	data    chan struct{} // semaphore of messages being read
	metrics *smtpMetrics
}

// NewServer returns an SMTP server; Serve runs it on a listener.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.Store == nil || cfg.Policy == nil {
		return nil, errors.New("email: the SMTP server needs a store and the policy keeper")
	}
	if len(cfg.Secret) < 16 {
		return nil, errors.New("email: the reply-address secret is missing or shorter than 16 bytes")
	}
	if (cfg.AuthUsername == "") != (cfg.AuthPassword == "") {
		return nil, errors.New("email: SMTP AUTH needs both a user name and a password")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Domain == "" {
		cfg.Domain, _ = os.Hostname()
		if cfg.Domain == "" {
			cfg.Domain = "localhost"
		}
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultSMTPMaxMessageBytes
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = DefaultSMTPMaxRecipients
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultSMTPMaxConnections
	}
	if cfg.MaxDataInFlight <= 0 {
		cfg.MaxDataInFlight = DefaultSMTPDataInFlight
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 5 * time.Minute
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = time.Minute
	}
	if cfg.StoreTimeout <= 0 {
		cfg.StoreTimeout = DefaultSMTPStoreTimeout
	}
	m, err := newSMTPMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, data: make(chan struct{}, cfg.MaxDataInFlight), metrics: m}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = cfg.Domain
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.MaxRecipients = cfg.MaxRecipients
	srv.ReadTimeout = cfg.ReadTimeout
	srv.WriteTimeout = cfg.WriteTimeout
	srv.EnableSMTPUTF8 = true
	srv.TLSConfig = cfg.TLSConfig
	// Without TLS configured, a relay on a private network may still
	// authenticate; with TLS, only after STARTTLS.
	srv.AllowInsecureAuth = cfg.TLSConfig == nil
	srv.ErrorLog = slogPrinter{cfg.Logger}
	s.smtp = srv
	return s, nil
}

// Serve accepts connections on ln until Shutdown or Close.
func (s *Server) Serve(ln net.Listener) error {
	err := s.smtp.Serve(&limitListener{Listener: ln, sem: make(chan struct{}, s.cfg.MaxConnections)})
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits for the open ones to
// end; when ctx ends first it closes them. A message being stored when a
// connection closes is stored all the same; its sender, told nothing,
// sends it again and the copy is recognised.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.smtp.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		s.smtp.Close()
		return nil
	}
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error {
	if err := s.smtp.Close(); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, remote: c.Conn().RemoteAddr().String()}, nil
}

// SMTP replies destek gives besides go-smtp's own.
var (
	errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required: this server takes mail only from its relay"}
	errStoreFailed  = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure storing the message; please try again later"}
)

// session is one SMTP connection. go-smtp calls its methods one at a time.
type session struct {
	srv    *Server
	remote string
	authed bool
	from   string
	rcpts  []string
}

// AuthMechanisms offers PLAIN when AUTH is configured.
func (s *session) AuthMechanisms() []string {
	if s.srv.cfg.AuthUsername == "" {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth checks AUTH PLAIN credentials in constant time.
func (s *session) Auth(mech string) (sasl.Server, error) {
	if s.srv.cfg.AuthUsername == "" {
		return nil, smtp.ErrAuthUnsupported
	}
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		userOK := subtle.ConstantTimeCompare([]byte(username), []byte(s.srv.cfg.AuthUsername))
		passOK := subtle.ConstantTimeCompare([]byte(password), []byte(s.srv.cfg.AuthPassword))
		if userOK&passOK != 1 || (identity != "" && identity != username) {
			s.srv.log.Warn("SMTP authentication failed", "remote", s.remote)
			s.srv.metrics.result("auth_failed")
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

// Mail starts a message. The null sender (bounces) is accepted: bounces
// are recognised and kept without a ticket.
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.cfg.AuthUsername != "" && !s.authed {
		return errAuthRequired
	}
	s.from = from
	s.rcpts = s.rcpts[:0]
	return nil
}

// Rcpt accepts the policy's addresses (and their plus-tagged forms) and
// refuses any other with 550 5.1.1, naming the addresses it takes.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	doc := s.srv.cfg.Policy.Current().Doc
	if _, ok := ResolveRecipient(doc, s.srv.cfg.Secret, to); !ok {
		s.srv.metrics.result("rejected_recipient")
		s.srv.log.Info("SMTP recipient refused", "remote", s.remote, "to", to)
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: fmt.Sprintf("<%s>: no such mailbox here; this server accepts mail only for %s", to, strings.Join(OwnAddresses(doc), ", "))}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

// Data reads the message, stores it and only then answers 250. A message
// over the size limit gets 552; a database failure gets 451, so the
// sending server keeps the message and tries again.
func (s *session) Data(r io.Reader) error {
	select {
	case s.srv.data <- struct{}{}:
		defer func() { <-s.srv.data }()
	case <-time.After(s.srv.cfg.StoreTimeout):
		s.srv.metrics.result("busy")
		return errStoreFailed
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) && se.Code == smtp.ErrDataTooLarge.Code {
			s.srv.metrics.result("too_large")
			s.srv.log.Info("SMTP message over the size limit refused", "remote", s.remote, "limit", s.srv.cfg.MaxMessageBytes)
			return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
				Message: fmt.Sprintf("Message too large: the limit is %d bytes", s.srv.cfg.MaxMessageBytes)}
		}
		return err
	}
	m := &desk.InboundMail{MessageID: headerMessageID(raw), EnvelopeFrom: s.from, EnvelopeTo: append([]string(nil), s.rcpts...), Raw: raw}
	ctx, cancel := context.WithTimeout(desk.WithActor(context.Background(), desk.SystemActor), s.srv.cfg.StoreTimeout)
	defer cancel()
	start := time.Now()
	dup, err := s.srv.cfg.Store.ReceiveMail(ctx, m)
	s.srv.metrics.storeSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		s.srv.metrics.result("store_failed")
		s.srv.log.Error("storing an inbound message failed; client told to retry", "remote", s.remote, "err", err)
		return errStoreFailed
	}
	if dup {
		s.srv.metrics.result("duplicate")
		s.srv.log.Info("inbound message received again; already stored", "mail", m.ID, "remote", s.remote)
		return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: fmt.Sprintf("OK: already received as %d", m.ID)}
	}
	s.srv.metrics.result("stored")
	s.srv.log.Debug("inbound message stored", "mail", m.ID, "remote", s.remote, "size", m.Size)
	if s.srv.cfg.Processor != nil {
		s.srv.cfg.Processor.Enqueue(m.ID)
	}
	// go-smtp sends the code of a returned SMTPError as is: a 250 with the
	// id lets the sending server's log name the stored message.
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: fmt.Sprintf("OK: stored as %d", m.ID)}
}

// Reset forgets the message in progress (authentication stays).
func (s *session) Reset() {
	s.from = ""
	s.rcpts = s.rcpts[:0]
}

// Logout ends the session.
func (s *session) Logout() error { return nil }

// headerMessageID reads the Message-ID from a raw message's header, or ""
// when the header does not parse.
func headerMessageID(raw []byte) string {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return ""
	}
	return firstMsgID(msg.Header.Get("Message-Id"))
}

// limitListener bounds the open connections: Accept waits for a free slot.
type limitListener struct {
	net.Listener
	sem chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.sem <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: sync.OnceFunc(func() { <-l.sem })}, nil
}

type limitConn struct {
	net.Conn
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}

// slogPrinter passes go-smtp's internal error log to slog.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) {
	p.log.Warn("smtp: " + strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func (p slogPrinter) Println(v ...any) {
	p.log.Warn("smtp: " + strings.TrimSpace(fmt.Sprintln(v...)))
}

// smtpMetrics count SMTP outcomes and time the durable store.
type smtpMetrics struct {
	results      *prometheus.CounterVec
	storeSeconds prometheus.Histogram
}

func newSMTPMetrics(reg prometheus.Registerer) (*smtpMetrics, error) {
	m := &smtpMetrics{
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "destek", Subsystem: "smtp", Name: "messages_total",
			Help: "SMTP transactions by outcome: stored, duplicate, rejected_recipient, too_large, store_failed, busy, auth_failed.",
		}, []string{"result"}),
		storeSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "destek", Subsystem: "smtp", Name: "store_duration_seconds",
			Help:    "Time to commit a received message to the database before answering 250.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.results, m.storeSeconds} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("email: register SMTP metrics: %w", err)
			}
		}
	}
	return m, nil
}

func (m *smtpMetrics) result(r string) { m.results.WithLabelValues(r).Inc() }
