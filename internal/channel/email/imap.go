package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"destek/internal/desk"
	"destek/internal/policy"
)

// Defaults of IMAPConfig.
const (
	DefaultIMAPMailbox    = "INBOX"
	DefaultIMAPInterval   = time.Minute
	DefaultIMAPMinBackoff = time.Second
	DefaultIMAPMaxBackoff = 5 * time.Minute
	DefaultIMAPTimeout    = time.Minute
)

// IMAPConfig configures the polling of one IMAP mailbox.
type IMAPConfig struct {
	// Store keeps the received mail and where polling left off.
	Store desk.Store
	// Policy says which recipient addresses are the desk's.
	Policy *policy.Keeper
	// Secret checks reply addresses among the recipients (ReplySecret).
	Secret []byte
	// Processor, when set, is handed each newly stored message, as the SMTP
	// server does; its sweep finds the others.
	Processor *Processor
	Logger    *slog.Logger

	// Addr is the server's host:port.
	Addr string
	// TLS is TLSImplicit (the default, port 993), TLSStartTLS or TLSNone.
	TLS string
	// TLSConfig overrides the TLS settings (a private CA); ServerName
	// defaults to the server's host.
	TLSConfig *tls.Config
	Username  string
	Password  string
	// Mailbox is polled (default INBOX).
	Mailbox string
	// ProcessedMailbox, when set, receives every processed message (moved
	// there); otherwise processed messages are flagged \Seen and stay.
	ProcessedMailbox string
	// Recipient is the address recorded as the envelope recipient when a
	// message's headers name none of the policy's addresses (default: the
	// policy's first support address). It routes the message.
	Recipient string
	// MaxMessageBytes bounds a message (default DefaultSMTPMaxMessageBytes);
	// larger ones are left in the mailbox, unmarked, and logged.
	MaxMessageBytes int64

	// Interval is the time between polls (default 1 minute).
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the wait before trying again after a
	// failed poll (a dropped connection, a server that is down): it starts
	// at MinBackoff and doubles up to MaxBackoff.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Timeout bounds each network operation (default 1 minute).
	Timeout time.Duration
}

// IMAPPoller takes mail in from an existing mailbox: each poll fetches the
// messages that arrived since the last one and hands them to the same
// inbound path as the SMTP server (stored raw, then processed into ticket
// messages by the Processor).
//
// It reads by UID. The last UID taken and the mailbox's UIDVALIDITY are
// stored in the database after each message, so polling resumes where it
// stopped after a restart, on any node. A message is stored before it is
// marked and before the position moves past it; a crash in between fetches
// it again, and the store recognises it (same Message-ID, content and
// recipients) and keeps one copy. When UIDVALIDITY changes (the mailbox
// was re-created or rebuilt) the stored UIDs mean nothing: every message
// not yet marked processed — all of them when processed mail is moved away,
// the unseen ones otherwise — is taken again, and duplicates are again
// recognised by the store.
//
// Run one poller per mailbox. Two nodes polling one mailbox store each
// message once but do the work twice.
type IMAPPoller struct {
	cfg IMAPConfig
	key string
	log *slog.Logger
}

// NewIMAPPoller returns a poller; Run starts it.
func NewIMAPPoller(cfg IMAPConfig) (*IMAPPoller, error) {
	if cfg.Store == nil || cfg.Policy == nil {
		return nil, errors.New("imap: the poller needs a store and the policy keeper")
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("imap: server address %q: %w (use host:port)", cfg.Addr, err)
	}
	if cfg.Username == "" {
		return nil, errors.New("imap: no user name")
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSImplicit
	case TLSImplicit, TLSStartTLS, TLSNone:
	default:
		return nil, fmt.Errorf("imap: TLS mode %q: use tls, starttls or none", cfg.TLS)
	}
	if cfg.Mailbox == "" {
		cfg.Mailbox = DefaultIMAPMailbox
	}
	if cfg.ProcessedMailbox == cfg.Mailbox {
		return nil, fmt.Errorf("imap: processed mail cannot be moved to the mailbox it is read from (%s)", cfg.Mailbox)
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultSMTPMaxMessageBytes
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultIMAPInterval
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultIMAPMinBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(DefaultIMAPMaxBackoff, cfg.MinBackoff)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultIMAPTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	key := fmt.Sprintf("imap://%s@%s/%s", cfg.Username, cfg.Addr, cfg.Mailbox)
	return &IMAPPoller{cfg: cfg, key: key, log: cfg.Logger.With("imap", key)}, nil
}

// Key names the mailbox's position in the store.
func (p *IMAPPoller) Key() string { return p.key }

// Run polls until ctx ends. A failed poll is retried after a backoff that
// doubles up to MaxBackoff; a successful one resets it.
func (p *IMAPPoller) Run(ctx context.Context) {
	backoff := p.cfg.MinBackoff
	for {
		n, err := p.Poll(ctx)
		wait := p.cfg.Interval
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			p.log.Warn("imap: polling failed; trying again", "in", backoff, "err", err)
			wait = backoff
			backoff = min(2*backoff, p.cfg.MaxBackoff)
		default:
			backoff = p.cfg.MinBackoff
			if n > 0 {
				p.log.Info("imap: messages taken in", "count", n)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Poll connects, takes in the messages that arrived since the last poll
// and disconnects. It returns how many messages it stored (new ones and
// ones the store already had).
func (p *IMAPPoller) Poll(ctx context.Context) (int, error) {
	c, err := p.connect(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	// Ending ctx closes the connection, which ends any command waiting on it.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	n, err := p.poll(ctx, c)
	if err == nil {
		c.Logout().Wait()
	}
	return n, err
}

// connect dials, secures and logs in.
func (p *IMAPPoller) connect(ctx context.Context) (*imapclient.Client, error) {
	host, _, _ := net.SplitHostPort(p.cfg.Addr)
	d := net.Dialer{Timeout: p.cfg.Timeout}
	raw, err := d.DialContext(ctx, "tcp", p.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("imap: connect to %s: %w", p.cfg.Addr, err)
	}
	conn := &deadlineConn{Conn: raw, timeout: p.cfg.Timeout}
	tc := &tls.Config{}
	if p.cfg.TLSConfig != nil {
		tc = p.cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	opts := &imapclient.Options{TLSConfig: tc}
	var c *imapclient.Client
	switch p.cfg.TLS {
	case TLSImplicit:
		tconn := tls.Client(conn, tc)
		if err := tconn.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("imap: TLS with %s: %w", p.cfg.Addr, err)
		}
		c = imapclient.New(tconn, opts)
	case TLSStartTLS:
		if c, err = imapclient.NewStartTLS(conn, opts); err != nil {
			return nil, fmt.Errorf("imap: STARTTLS with %s: %w", p.cfg.Addr, err)
		}
	default:
		c = imapclient.New(conn, opts)
	}
	if err := c.Login(p.cfg.Username, p.cfg.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("imap: log in to %s as %s: %w", p.cfg.Addr, p.cfg.Username, err)
	}
	return c, nil
}

// poll takes in the mailbox's new messages over a logged-in connection.
func (p *IMAPPoller) poll(ctx context.Context, c *imapclient.Client) (int, error) {
	sel, err := c.Select(p.cfg.Mailbox, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("imap: select %s: %w", p.cfg.Mailbox, err)
	}
	pos, err := p.cfg.Store.MailboxPosition(ctx, p.key)
	if err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
		return 0, err
	}
	fresh := err != nil || pos.UIDValidity != sel.UIDValidity
	crit := &imap.SearchCriteria{}
	switch {
	case fresh && pos != nil:
		p.log.Warn("imap: UIDVALIDITY changed; taking in every message not yet marked processed",
			"was", pos.UIDValidity, "now", sel.UIDValidity)
		fallthrough
	case fresh:
		// Nothing is known of this mailbox's UIDs: what is unprocessed
		// is what is still unmarked.
		if p.cfg.ProcessedMailbox == "" {
			crit.NotFlag = []imap.Flag{imap.FlagSeen}
		}
	default:
		if sel.UIDNext != 0 && uint32(sel.UIDNext) <= pos.LastUID+1 {
			return 0, nil // nothing arrived
		}
		// "n:*" always includes the highest UID, even below n: filtered below.
		crit.UID = []imap.UIDSet{{imap.UIDRange{Start: imap.UID(pos.LastUID + 1), Stop: 0}}}
	}
	data, err := c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("imap: search %s: %w", p.cfg.Mailbox, err)
	}
	uids := data.AllUIDs()
	slices.Sort(uids)
	n := 0
	var last uint32
	if !fresh {
		last = pos.LastUID
	}
	for _, uid := range uids {
		if !fresh && uint32(uid) <= pos.LastUID {
			continue
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
		took, err := p.take(ctx, c, uid)
		if err != nil {
			return n, err
		}
		if took {
			n++
		}
		last = max(last, uint32(uid))
		if !fresh {
			if err := p.cfg.Store.SetMailboxPosition(ctx, desk.MailboxPosition{Mailbox: p.key, UIDValidity: sel.UIDValidity, LastUID: last}); err != nil {
				return n, err
			}
		}
	}
	if fresh {
		// Everything below UIDNEXT has now been seen to: later polls go by
		// UID. (A failure above leaves the position alone, and the next
		// poll starts afresh; the store recognises what it already has.)
		if sel.UIDNext != 0 {
			last = max(last, uint32(sel.UIDNext)-1)
		}
		if err := p.cfg.Store.SetMailboxPosition(ctx, desk.MailboxPosition{Mailbox: p.key, UIDValidity: sel.UIDValidity, LastUID: last}); err != nil {
			return n, err
		}
	}
	return n, nil
}

// bodySection is the whole message, fetched without setting \Seen.
var bodySection = &imap.FetchItemBodySection{Peek: true}

// take fetches one message, stores it and marks it processed. It reports
// false for a message it left alone (gone meanwhile, or too large).
func (p *IMAPPoller) take(ctx context.Context, c *imapclient.Client, uid imap.UID) (bool, error) {
	set := imap.UIDSetNum(uid)
	size, err := c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return false, fmt.Errorf("imap: fetch size of UID %d: %w", uid, err)
	}
	if len(size) == 0 {
		return false, nil // expunged meanwhile
	}
	if size[0].RFC822Size > p.cfg.MaxMessageBytes {
		p.log.Error("imap: message over the size limit left in the mailbox", "uid", uid, "size", size[0].RFC822Size, "limit", p.cfg.MaxMessageBytes)
		return false, nil
	}
	msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{bodySection}}).Collect()
	if err != nil {
		return false, fmt.Errorf("imap: fetch UID %d: %w", uid, err)
	}
	if len(msgs) == 0 {
		return false, nil
	}
	raw := msgs[0].FindBodySection(bodySection)
	if raw == nil {
		return false, fmt.Errorf("imap: the server sent UID %d without its body", uid)
	}
	if err := p.store(ctx, raw); err != nil {
		return false, err
	}
	if p.cfg.ProcessedMailbox != "" {
		if _, err := c.Move(set, p.cfg.ProcessedMailbox).Wait(); err != nil {
			p.log.Warn("imap: moving a stored message to the processed mailbox failed", "uid", uid, "to", p.cfg.ProcessedMailbox, "err", err)
		}
	} else {
		flags := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}
		if err := c.Store(set, flags, nil).Close(); err != nil {
			p.log.Warn("imap: flagging a stored message \\Seen failed", "uid", uid, "err", err)
		}
	}
	return true, nil
}

// store keeps one raw message, as the SMTP server does, and has it
// processed.
func (p *IMAPPoller) store(ctx context.Context, raw []byte) error {
	from, to := p.envelope(raw)
	m := &desk.InboundMail{MessageID: headerMessageID(raw), EnvelopeFrom: from, EnvelopeTo: to, Raw: raw}
	dup, err := p.cfg.Store.ReceiveMail(desk.WithActor(ctx, desk.SystemActor), m)
	if err != nil {
		return fmt.Errorf("imap: store a fetched message: %w", err)
	}
	if dup {
		p.log.Info("imap: message already stored", "mail", m.ID)
	}
	if p.cfg.Processor != nil {
		p.cfg.Processor.Enqueue(m.ID)
	}
	return nil
}

// envelope stands in for the SMTP envelope a fetched message no longer
// has: the sender from Return-Path ("" for the null sender of bounces) or
// From; the recipients from the headers that name the desk's addresses
// (Delivered-To, X-Original-To, To, Cc), else the configured recipient.
// It depends only on the message, so a message fetched twice is
// recognised as one.
func (p *IMAPPoller) envelope(raw []byte) (from string, to []string) {
	doc := p.cfg.Policy.Current().Doc
	fallback := p.cfg.Recipient
	if fallback == "" {
		if a := doc.Channels.Email.Addresses; len(a) > 0 {
			fallback = strings.ToLower(strings.TrimSpace(a[0]))
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", []string{fallback}
	}
	h := msg.Header
	if rp := strings.TrimSpace(h.Get("Return-Path")); rp != "" {
		if strings.Trim(rp, "<> ") != "" {
			if a, err := mail.ParseAddress(rp); err == nil {
				from = a.Address
			}
		}
	} else if a, err := mail.ParseAddress(h.Get("From")); err == nil {
		from = a.Address
	}
	for _, field := range []string{"Delivered-To", "X-Original-To", "To", "Cc"} {
		for _, v := range h[field] {
			list, err := mail.ParseAddressList(v)
			if err != nil {
				continue
			}
			for _, a := range list {
				addr := strings.ToLower(a.Address)
				if _, ok := ResolveRecipient(doc, p.cfg.Secret, addr); ok && !slices.Contains(to, addr) {
					to = append(to, addr)
				}
			}
		}
	}
	if len(to) == 0 && fallback != "" {
		to = []string{fallback}
	}
	return from, to
}

// deadlineConn bounds every read and write with the timeout, so a server
// that stops answering fails the poll instead of hanging it.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(b []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(b)
}

func (c *deadlineConn) Write(b []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(b)
}
