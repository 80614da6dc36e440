package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"destek/internal/channel/email"
	"destek/internal/desk"
	"destek/internal/policy"
)

// outboundFlags are serve's flags of outgoing mail (the relay the outbox
// worker sends through) and of IMAP polling.
type outboundFlags struct {
	relay        string
	relayUser    string
	relayTLS     string
	relayHELO    string
	envelopeFrom string
	fromName     string

	imapAddr      string
	imapUser      string
	imapPassword  string
	imapTLS       string
	imapMailbox   string
	imapProcessed string
	imapRcpt      string
	imapInterval  time.Duration

	// Set by check.
	relayPass string
}

func (f *outboundFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.relay, "smtp-relay", os.Getenv("DESTEK_SMTP_RELAY"),
		"HOST:PORT of the SMTP relay that delivers destek's mail (replies, acknowledgements); empty: no mail is sent; env DESTEK_SMTP_RELAY")
	fs.StringVar(&f.relayUser, "smtp-relay-user", os.Getenv("DESTEK_SMTP_RELAY_USER"),
		"log in to the relay as this user, with the password in env DESTEK_SMTP_RELAY_PASSWORD; env DESTEK_SMTP_RELAY_USER")
	fs.StringVar(&f.relayTLS, "smtp-relay-tls", envOr("DESTEK_SMTP_RELAY_TLS", email.TLSStartTLS),
		"relay connection security: starttls (required), tls (implicit, port 465), opportunistic, none; env DESTEK_SMTP_RELAY_TLS")
	fs.StringVar(&f.relayHELO, "smtp-relay-helo", os.Getenv("DESTEK_SMTP_RELAY_HELO"),
		"name destek greets the relay with (default: the host name); env DESTEK_SMTP_RELAY_HELO")
	fs.StringVar(&f.envelopeFrom, "smtp-envelope-from", os.Getenv("DESTEK_SMTP_ENVELOPE_FROM"),
		"MAIL FROM of destek's mail, where bounces go (default: each mail's From address); env DESTEK_SMTP_ENVELOPE_FROM")
	fs.StringVar(&f.fromName, "mail-from-name", os.Getenv("DESTEK_MAIL_FROM_NAME"),
		"display name of destek's mail (default: the policy's company and \"Destek\"); env DESTEK_MAIL_FROM_NAME")

	fs.StringVar(&f.imapAddr, "imap-addr", os.Getenv("DESTEK_IMAP_ADDR"),
		"HOST:PORT of an IMAP server to poll for mail (an existing mailbox); empty: no polling; env DESTEK_IMAP_ADDR")
	fs.StringVar(&f.imapUser, "imap-user", os.Getenv("DESTEK_IMAP_USER"), "IMAP user name; env DESTEK_IMAP_USER")
	fs.StringVar(&f.imapPassword, "imap-password", os.Getenv("DESTEK_IMAP_PASSWORD"),
		"IMAP password; prefer env DESTEK_IMAP_PASSWORD, which other users cannot see in the process list")
	fs.StringVar(&f.imapTLS, "imap-tls", envOr("DESTEK_IMAP_TLS", email.TLSImplicit),
		"IMAP connection security: tls (implicit, port 993), starttls, none; env DESTEK_IMAP_TLS")
	fs.StringVar(&f.imapMailbox, "imap-mailbox", envOr("DESTEK_IMAP_MAILBOX", email.DefaultIMAPMailbox),
		"mailbox to poll; env DESTEK_IMAP_MAILBOX")
	fs.StringVar(&f.imapProcessed, "imap-processed-mailbox", os.Getenv("DESTEK_IMAP_PROCESSED_MAILBOX"),
		"move processed messages to this mailbox (default: flag them \\Seen and leave them); env DESTEK_IMAP_PROCESSED_MAILBOX")
	fs.StringVar(&f.imapRcpt, "imap-rcpt", os.Getenv("DESTEK_IMAP_RCPT"),
		"the policy's address the mailbox receives, for messages whose headers name none (default: the first support address); env DESTEK_IMAP_RCPT")
	interval := email.DefaultIMAPInterval
	if v := os.Getenv("DESTEK_IMAP_INTERVAL"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			interval = d
		}
	}
	fs.DurationVar(&f.imapInterval, "imap-interval", interval, "time between IMAP polls; env DESTEK_IMAP_INTERVAL")
}

// check reads the flags' values, so that a mistake stops serve before it
// opens anything.
func (f *outboundFlags) check() error {
	f.relayPass = os.Getenv("DESTEK_SMTP_RELAY_PASSWORD")
	if f.relay != "" {
		if _, _, err := net.SplitHostPort(f.relay); err != nil {
			return fmt.Errorf("--smtp-relay %q: use HOST:PORT, e.g. smtp.example.com:587", f.relay)
		}
	}
	switch f.relayTLS {
	case email.TLSStartTLS, email.TLSImplicit, email.TLSOpportunistic, email.TLSNone:
	default:
		return fmt.Errorf("--smtp-relay-tls %q: use starttls, tls, opportunistic or none", f.relayTLS)
	}
	if (f.relayUser == "") != (f.relayPass == "") {
		return errors.New("--smtp-relay-user and DESTEK_SMTP_RELAY_PASSWORD go together: set both or neither")
	}
	if f.imapAddr != "" {
		if _, _, err := net.SplitHostPort(f.imapAddr); err != nil {
			return fmt.Errorf("--imap-addr %q: use HOST:PORT, e.g. imap.example.com:993", f.imapAddr)
		}
		if f.imapUser == "" || f.imapPassword == "" {
			return errors.New("--imap-addr needs --imap-user and a password (env DESTEK_IMAP_PASSWORD)")
		}
	}
	switch f.imapTLS {
	case email.TLSImplicit, email.TLSStartTLS, email.TLSNone:
	default:
		return fmt.Errorf("--imap-tls %q: use tls, starttls or none", f.imapTLS)
	}
	if f.imapInterval <= 0 {
		return fmt.Errorf("--imap-interval %s: must be positive", f.imapInterval)
	}
	return nil
}

// mailOut is the running outbound side: the outbox worker and the IMAP
// poller, each when configured.
type mailOut struct {
	// out queues mail; nil when no relay is configured.
	out    *email.Outbound
	ctx    context.Context
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// startOutbound starts the outbox worker when a relay is configured and
// returns what queues mail for it. Without a relay nothing is queued:
// mail queued with nowhere to go would be sent, stale, the day a relay is
// set.
func startOutbound(ctx context.Context, f *outboundFlags, s desk.Store, keeper *policy.Keeper, secret []byte, logger *slog.Logger) (*mailOut, error) {
	m := &mailOut{}
	m.ctx, m.cancel = context.WithCancel(ctx)
	ctx = m.ctx
	if f.relay == "" {
		return m, nil
	}
	w, err := email.NewWorker(s, email.WorkerConfig{
		Relay: email.RelayConfig{
			Addr: f.relay, Username: f.relayUser, Password: f.relayPass, TLS: f.relayTLS,
			HELO: f.relayHELO, EnvelopeFrom: f.envelopeFrom,
		},
		Logger: logger,
	})
	if err != nil {
		m.cancel()
		return nil, err
	}
	m.out, err = email.NewOutbound(email.OutboundConfig{
		Store: s, Policy: keeper, Secret: secret, FromName: f.fromName, Wake: w.Wake, Logger: logger,
	})
	if err != nil {
		m.cancel()
		return nil, err
	}
	if f.relayTLS == email.TLSNone && f.relayUser != "" {
		logger.Warn("relay login without TLS: the password crosses the network in clear; use --smtp-relay-tls starttls unless the relay is on this host")
	}
	m.done.Go(func() { w.Run(ctx) })
	logger.Info("outgoing mail through the relay", "relay", f.relay, "tls", f.relayTLS, "auth", f.relayUser != "", "worker", w.Name())
	return m, nil
}

// startIMAP starts polling the configured IMAP mailbox; the messages go to
// proc, as SMTP ones do.
func (m *mailOut) startIMAP(f *outboundFlags, s desk.Store, keeper *policy.Keeper, secret []byte,
	proc *email.Processor, logger *slog.Logger) error {
	if f.imapAddr == "" {
		return nil
	}
	p, err := email.NewIMAPPoller(email.IMAPConfig{
		Store: s, Policy: keeper, Secret: secret, Processor: proc, Logger: logger,
		Addr: f.imapAddr, TLS: f.imapTLS, Username: f.imapUser, Password: f.imapPassword,
		Mailbox: f.imapMailbox, ProcessedMailbox: f.imapProcessed, Recipient: f.imapRcpt,
		Interval: f.imapInterval,
	})
	if err != nil {
		return err
	}
	m.done.Go(func() { p.Run(m.ctx) })
	logger.Info("polling an IMAP mailbox", "mailbox", p.Key(), "interval", f.imapInterval, "processed", f.imapProcessed)
	return nil
}

// ackStore returns the store the intake should write through: one that
// acknowledges tickets opened by e-mail when mail can be sent.
func (m *mailOut) ackStore(s desk.Store) desk.Store {
	if m.out == nil {
		return s
	}
	return m.out.IntakeStore(s)
}

// stop stops the worker and the poller and waits for them. The worker
// finishes the mail it is handing to the relay and gives the rest of its
// batch back.
func (m *mailOut) stop() {
	m.cancel()
	m.done.Wait()
}
