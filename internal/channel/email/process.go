package email

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"destek/internal/desk"
	"destek/internal/intake"
	"destek/internal/policy"
)

// Defaults of ProcessorConfig.
const (
	DefaultProcessWorkers  = 4
	DefaultSweepEvery      = 30 * time.Second
	DefaultSweepGrace      = time.Minute
	DefaultProcessAttempts = 100
)

// ProcessorConfig configures a Processor.
type ProcessorConfig struct {
	Store  desk.Store
	Intake *intake.Desk
	Policy *policy.Keeper
	// Secret signs reply addresses (ReplySecret).
	Secret []byte
	Logger *slog.Logger
	Limits ParseLimits
	// Workers process messages concurrently (default DefaultProcessWorkers).
	Workers int
	// SweepEvery is how often stored messages nobody queued are looked
	// for (default DefaultSweepEvery); SweepGrace is how old they must be
	// (default DefaultSweepGrace), so that the sweep leaves messages just
	// received, on this node or another, to the node that received them.
	SweepEvery time.Duration
	SweepGrace time.Duration
	// MaxAttempts is how many temporary failures a message may have before
	// it is marked failed (default DefaultProcessAttempts: with the default
	// sweep, about fifty minutes of a broken database).
	MaxAttempts int
}

// Processor turns stored inbound mail into ticket messages through the
// intake, exactly once per message. Messages arrive by Enqueue (the SMTP
// server, right after storing one) and by a sweep of the store for stored
// messages: at start, every one — those a crash left between storing and
// processing — and then periodically the ones older than the grace period.
// Processing is idempotent (desk.MailClaim), so a message processed twice,
// by a sweep and a queue or by two nodes, still makes one message.
type Processor struct {
	cfg   ProcessorConfig
	log   *slog.Logger
	queue idQueue

	mu       sync.Mutex
	inflight map[int64]bool
}

// NewProcessor returns a processor; Run starts it.
func NewProcessor(cfg ProcessorConfig) (*Processor, error) {
	if cfg.Store == nil || cfg.Intake == nil || cfg.Policy == nil {
		return nil, errors.New("email: the processor needs a store, the intake and the policy keeper")
	}
	if len(cfg.Secret) < 16 {
		return nil, errors.New("email: the reply-address secret is missing or shorter than 16 bytes")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultProcessWorkers
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = DefaultSweepEvery
	}
	if cfg.SweepGrace <= 0 {
		cfg.SweepGrace = DefaultSweepGrace
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultProcessAttempts
	}
	return &Processor{cfg: cfg, log: cfg.Logger, queue: newIDQueue(), inflight: map[int64]bool{}}, nil
}

// Enqueue asks for a stored message to be processed soon. It never blocks
// (the SMTP server calls it before answering 250). A burst beyond
// maxQueued waits for the next sweep.
func (p *Processor) Enqueue(id int64) { p.queue.push(id) }

// maxQueued bounds the ids waiting in memory (8 bytes each).
const maxQueued = 1 << 20

// idQueue is a FIFO of message ids that never blocks the producer and
// holds each id once, however often it is pushed (by the SMTP server and
// a sweep, say).
type idQueue struct {
	mu     sync.Mutex
	ids    []int64
	queued map[int64]bool
	ready  chan struct{} // holds a token while ids may be non-empty
}

func newIDQueue() idQueue {
	return idQueue{queued: map[int64]bool{}, ready: make(chan struct{}, 1)}
}

func (q *idQueue) push(id int64) {
	q.mu.Lock()
	if len(q.ids) < maxQueued && !q.queued[id] {
		q.ids = append(q.ids, id)
		q.queued[id] = true
	}
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// pop returns the next id, waiting for one until ctx ends.
func (q *idQueue) pop(ctx context.Context) (int64, bool) {
	for {
		q.mu.Lock()
		if len(q.ids) > 0 {
			id := q.ids[0]
			q.ids = q.ids[1:]
			delete(q.queued, id)
			more := len(q.ids) > 0
			q.mu.Unlock()
			if more {
				// Pass the token on to another worker.
				select {
				case q.ready <- struct{}{}:
				default:
				}
			}
			return id, true
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return 0, false
		case <-q.ready:
		}
	}
}

// Run processes messages until ctx ends, then waits for the messages being
// processed to finish. It first sweeps every stored message.
func (p *Processor) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range p.cfg.Workers {
		wg.Go(func() {
			for {
				id, ok := p.queue.pop(ctx)
				if !ok {
					return
				}
				p.handle(ctx, id)
			}
		})
	}
	wg.Go(func() {
		p.sweep(ctx, time.Now().Add(time.Second))
		t := time.NewTicker(p.cfg.SweepEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				p.sweep(ctx, time.Now().Add(-p.cfg.SweepGrace))
			}
		}
	})
	wg.Wait()
}

// sweep queues the stored messages received before the instant for the
// workers.
func (p *Processor) sweep(ctx context.Context, before time.Time) {
	var after int64
	for ctx.Err() == nil {
		ids, err := p.cfg.Store.PendingMail(ctx, after, before, 200)
		if err != nil {
			if ctx.Err() == nil {
				p.log.Warn("looking for unprocessed mail failed", "err", err)
			}
			return
		}
		if len(ids) == 0 {
			return
		}
		if after == 0 {
			p.log.Info("queueing stored mail", "first", ids[0], "count_at_least", len(ids))
		}
		for _, id := range ids {
			p.queue.push(id)
		}
		after = ids[len(ids)-1]
	}
}

// handle processes one message unless it is being processed already, and
// records a failure: final for a message that cannot become a ticket
// message, another attempt later for a temporary one.
func (p *Processor) handle(ctx context.Context, id int64) {
	p.mu.Lock()
	if p.inflight[id] {
		p.mu.Unlock()
		return
	}
	p.inflight[id] = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.inflight, id)
		p.mu.Unlock()
	}()

	err := p.Process(ctx, id)
	if err == nil || ctx.Err() != nil {
		return // on shutdown the message stays stored for the next start
	}
	sys := desk.WithActor(context.WithoutCancel(ctx), desk.SystemActor)
	if permanentFailure(err) {
		p.log.Error("inbound mail cannot be processed; kept as failed", "mail", id, "err", err)
		if merr := p.cfg.Store.MarkMail(sys, id, desk.MailFailed, err.Error(), nil); merr != nil && desk.ErrorCode(merr) != desk.ECONFLICT {
			p.log.Error("recording the failure failed", "mail", id, "err", merr)
		}
		return
	}
	m, gerr := p.cfg.Store.InboundMail(sys, id)
	if gerr == nil && m.Attempts+1 >= p.cfg.MaxAttempts {
		p.log.Error("inbound mail failed too often; kept as failed", "mail", id, "attempts", m.Attempts+1, "err", err)
		if merr := p.cfg.Store.MarkMail(sys, id, desk.MailFailed, fmt.Sprintf("gave up after %d attempts: %v", m.Attempts+1, err), nil); merr != nil && desk.ErrorCode(merr) != desk.ECONFLICT {
			p.log.Error("recording the failure failed", "mail", id, "err", merr)
		}
		return
	}
	p.log.Warn("processing inbound mail failed; will retry", "mail", id, "err", err)
	if merr := p.cfg.Store.MarkMail(sys, id, desk.MailStored, err.Error(), nil); merr != nil && desk.ErrorCode(merr) != desk.ECONFLICT {
		p.log.Warn("recording the retry failed", "mail", id, "err", merr)
	}
}

// permanentFailure reports whether processing failed because of the
// message itself (retrying cannot help) rather than the database.
func permanentFailure(err error) bool {
	switch desk.ErrorCode(err) {
	case desk.EINVALID, desk.EUNSUPPORTED, desk.ETOOLARGE:
		return true
	}
	return false
}

// Process turns one stored message into a ticket message: a new ticket,
// or a message on the ticket it replies to. An automatic message (AutoReason)
// is marked ignored instead, and one that cannot be parsed is marked failed
// with the reason; both keep their raw bytes. A message not in the stored
// state is left alone, so Process may be called any number of times.
//
// A reply to a closed ticket opens a new ticket, linked to the closed one:
// a closed conversation stays closed (the customer may be writing about
// something new, and closing was a decision an agent made); the agent sees
// the link. A reply to a resolved ticket reopens it.
func (p *Processor) Process(ctx context.Context, id int64) error {
	m, err := p.cfg.Store.InboundMail(ctx, id)
	if err != nil {
		return err
	}
	if m.State != desk.MailStored {
		return nil
	}
	sys := desk.WithActor(ctx, desk.SystemActor)
	log := p.log.With("mail", id, "message_id", m.MessageID)

	parsed, err := Parse(m.Raw, p.cfg.Limits)
	if err != nil {
		log.Error("inbound mail does not parse; raw message kept, marked failed", "err", err)
		return p.mark(sys, id, desk.MailFailed, "parse: "+err.Error(), nil)
	}
	for _, w := range parsed.Warnings {
		log.Warn("inbound mail has a MIME fault", "fault", w)
	}

	doc := p.cfg.Policy.Current().Doc
	route := p.route(doc, m.EnvelopeTo)
	if route.BadToken {
		log.Warn("reply address with a token that does not verify; not threaded by it", "to", m.EnvelopeTo)
	}

	sender := ""
	if parsed.From != nil {
		sender = parsed.From.Address
	}
	if a, err := desk.NormaliseAddress(desk.ChannelEmail, sender); err == nil {
		sender = a
	} else if a, err := desk.NormaliseAddress(desk.ChannelEmail, m.EnvelopeFrom); err == nil {
		sender = a
	} else {
		sender = ""
	}

	reason := AutoReason(parsed.Header, m.EnvelopeFrom, sender)
	if reason == "" && sender != "" && isOwnAddress(doc, sender) {
		reason = "from one of the desk's own addresses (a loop)"
	}
	if reason != "" {
		var ticketID *int64
		if t, _, err := p.findThread(ctx, parsed, route, 0); err == nil && t != nil {
			ticketID = &t.ID
			log = log.With("ticket", t.ID)
		}
		log.Info("automatic mail kept without a ticket", "reason", reason)
		return p.mark(sys, id, desk.MailIgnored, reason, ticketID)
	}
	if sender == "" {
		log.Error("inbound mail has no usable sender address; marked failed")
		return p.mark(sys, id, desk.MailFailed, "no usable sender address in From or the envelope", nil)
	}

	name := ""
	if parsed.From != nil {
		name = clipString(parsed.From.Name, 200)
	}
	contact, err := p.contact(sys, sender, name)
	if err != nil {
		return err
	}
	t, how, err := p.findThread(ctx, parsed, route, contact.ID)
	if err != nil {
		return err
	}

	claim := &desk.MailClaim{MailID: id, MessageID: m.MessageID}
	cctx := desk.WithMailClaim(desk.WithActor(ctx, desk.Actor{Kind: desk.ActorCustomer, ID: contact.ID}), claim)
	msg := &desk.Message{Channel: desk.ChannelEmail, Text: messageText(parsed), HTML: parsed.HTML, AuthorContactID: &contact.ID}

	if t != nil && t.Status != desk.StatusClosed {
		msg.TicketID = t.ID
		if _, _, err := p.cfg.Intake.CustomerMessage(cctx, msg, parsed.Attachments, false); err != nil {
			return p.claimed(ctx, id, err)
		}
		log.Info("inbound mail added to its ticket", "ticket", t.ID, "message", msg.ID, "threaded_by", how)
		return nil
	}

	nt := &desk.Ticket{Subject: subject(parsed), Channel: desk.ChannelEmail, Queue: route.Queue}
	c := &desk.Contact{Channel: desk.ChannelEmail, Address: contact.Address, Name: contact.Name}
	if _, err := p.cfg.Intake.OpenTicket(cctx, nt, c, msg, parsed.Attachments); err != nil {
		return p.claimed(ctx, id, err)
	}
	if t != nil {
		// The reply to a closed ticket: link the two. A crash right here
		// loses only the link; the ticket and the mail are safe.
		if err := p.cfg.Store.LinkTickets(sys, nt.ID, t.ID, desk.LinkRelated); err != nil {
			log.Error("linking the new ticket to the closed one it answers failed", "ticket", nt.ID, "closed", t.ID, "err", err)
		}
		log.Info("reply to a closed ticket opened a new one", "ticket", nt.ID, "closed", t.ID, "threaded_by", how)
		return nil
	}
	log.Info("inbound mail opened a ticket", "ticket", nt.ID, "queue", nt.Queue, "mailbox", route.Mailbox)
	return nil
}

// claimed turns the failure of a write that carried the mail's claim into
// success when the claim lost because the mail was processed meanwhile (by
// another node or a sweep): the message exists, once.
func (p *Processor) claimed(ctx context.Context, id int64, err error) error {
	if desk.ErrorCode(err) != desk.ECONFLICT {
		return err
	}
	m, gerr := p.cfg.Store.InboundMail(ctx, id)
	if gerr == nil && m.State != desk.MailStored {
		return nil
	}
	return err
}

// mark records a final state; a message another node finished meanwhile
// is fine.
func (p *Processor) mark(ctx context.Context, id int64, state desk.InboundMailState, reason string, ticketID *int64) error {
	err := p.cfg.Store.MarkMail(ctx, id, state, reason, ticketID)
	if desk.ErrorCode(err) == desk.ECONFLICT {
		return nil
	}
	return err
}

// route returns the route of the message's recipients under the policy in
// force. A message accepted under an earlier policy whose addresses are gone
// now goes to support: it was accepted, so it is answered.
func (p *Processor) route(doc *policy.Document, to []string) Route {
	var routes []Route
	for _, a := range to {
		if r, ok := ResolveRecipient(doc, p.cfg.Secret, a); ok {
			routes = append(routes, r)
		}
	}
	if len(routes) == 0 {
		mailbox := ""
		if len(to) > 0 {
			mailbox = to[0]
		}
		return Route{Mailbox: mailbox, Kind: KindSupport}
	}
	return pickRoute(routes)
}

// contact finds the sender's e-mail contact or creates it. A contact not
// yet linked to an account is linked when the address is known for exactly
// one account (its registered e-mail or an authorised contact's); an
// address several accounts share is left for an agent to decide.
func (p *Processor) contact(ctx context.Context, address, name string) (*desk.Contact, error) {
	c, err := p.cfg.Store.ContactByAddress(ctx, desk.ChannelEmail, address)
	switch desk.ErrorCode(err) {
	case "":
		if c.AccountID != nil {
			return c, nil
		}
		acc, err := p.account(ctx, address)
		if err != nil || acc == nil {
			return c, err
		}
		return p.cfg.Store.UpdateContact(ctx, c.ID, desk.ContactUpdate{AccountID: &acc})
	case desk.ENOTFOUND:
	default:
		return nil, err
	}
	acc, err := p.account(ctx, address)
	if err != nil {
		return nil, err
	}
	c = &desk.Contact{Channel: desk.ChannelEmail, Address: address, Name: name, AccountID: acc}
	err = p.cfg.Store.CreateContact(ctx, c)
	if desk.ErrorCode(err) == desk.ECONFLICT {
		return p.cfg.Store.ContactByAddress(ctx, desk.ChannelEmail, address)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// account returns the one account an address is known for, or nil.
func (p *Processor) account(ctx context.Context, address string) (*int64, error) {
	ids, err := p.cfg.Store.AccountsByEmail(ctx, address)
	if err != nil || len(ids) != 1 {
		return nil, err
	}
	return &ids[0], nil
}

// subject returns the ticket subject of a message.
func subject(parsed *Parsed) string {
	s := parsed.Subject
	if s == "" {
		s = "(konu yok / no subject)"
	}
	if utf8.RuneCountInString(s) > 1000 {
		s = string([]rune(s)[:1000])
	}
	return s
}

// messageText is the text of the desk message: what the sender wrote now
// (the quoted history and signature stay in the raw message), the subject
// when the body is empty, and a line for each attachment left out.
func messageText(parsed *Parsed) string {
	text := parsed.Reply.New
	if strings.TrimSpace(text) == "" && len(parsed.Attachments) == 0 {
		text = parsed.Subject
	}
	if strings.TrimSpace(text) == "" && len(parsed.Attachments) == 0 {
		text = "(boş ileti / empty message)"
	}
	for _, o := range parsed.Omitted {
		text += "\n[Ek alınmadı / attachment not kept: " + o + "]"
	}
	return text
}
