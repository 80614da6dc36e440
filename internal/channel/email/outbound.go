package email

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"destek/internal/desk"
	"destek/internal/policy"
)

// Canned texts of the policy that outbound mail uses.
const (
	// CannedAcknowledgement confirms a new e-mail ticket: its number, and
	// the policy it is handled under (article 1).
	CannedAcknowledgement = "acknowledgement"
	// CannedAbuseAcknowledgement confirms an abuse report (ICANN RAA 3.18).
	CannedAbuseAcknowledgement = "abuse_acknowledgement"
)

// maxReferences bounds the References header: the newest Message-IDs of
// the conversation, enough for every client to thread.
const maxReferences = 20

// OutboundConfig configures Outbound.
type OutboundConfig struct {
	Store  desk.Store
	Policy *policy.Keeper
	// Secret signs reply addresses (ReplySecret); mail carries a
	// plus-addressed Reply-To naming its ticket.
	Secret []byte
	// FromName is the display name of the desk's mail (default: the
	// policy's company name and "Destek").
	FromName string
	// Wake is called after mail is queued, to have a worker send it now
	// (Worker.Wake); nil leaves it to the workers' polling.
	Wake   func()
	Logger *slog.Logger
}

// Outbound composes the desk's outgoing mail and queues it in the outbox:
// agents' replies on e-mail tickets, in the transaction that stores them,
// and acknowledgements of new e-mail tickets. A Worker sends what is queued.
//
// Every mail names its ticket three ways, so that the customer's answer
// threads whatever their client keeps: a fresh Message-ID linked to the
// ticket (In-Reply-To and References point at the conversation's earlier
// messages), the ticket number in the subject ("[#123]"), and a Reply-To
// address signed for the ticket (ReplyAddress).
type Outbound struct {
	cfg OutboundConfig
	log *slog.Logger
}

// NewOutbound returns the outbound side of the e-mail channel.
func NewOutbound(cfg OutboundConfig) (*Outbound, error) {
	if cfg.Store == nil || cfg.Policy == nil {
		return nil, errors.New("email: outbound mail needs a store and the policy keeper")
	}
	if len(cfg.Secret) < 16 {
		return nil, errors.New("email: the reply-address secret is missing or shorter than 16 bytes")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Outbound{cfg: cfg, log: cfg.Logger}, nil
}

// Reply stores an outbound message on ticket t and, when t is an e-mail
// ticket, queues the mail that carries it to the ticket's contact, in the
// same transaction. Agents' messages are mailed as replies; messages
// without an agent (destek's own) as automatic replies. On other channels
// it is the store's AddMessage.
func (o *Outbound) Reply(ctx context.Context, t *desk.Ticket, m *desk.Message, files []desk.NewAttachment, reopen bool) (*desk.Ticket, error) {
	if t.Channel != desk.ChannelEmail || m.Direction != desk.Outbound {
		return o.cfg.Store.AddMessage(ctx, m, files, reopen)
	}
	kind := desk.MailReply
	if m.AuthorAgentID == nil {
		kind = desk.MailAutoReply
	}
	mail, err := o.compose(ctx, t, kind, m.Text)
	if err != nil {
		return nil, err
	}
	if mail == nil {
		o.log.Warn("e-mail ticket's contact has no e-mail address; reply stored, not mailed", "ticket", t.ID)
		return o.cfg.Store.AddMessage(ctx, m, files, reopen)
	}
	out, err := o.cfg.Store.AddMessageWithMail(ctx, m, files, reopen, mail)
	if err != nil {
		return nil, err
	}
	o.wake()
	return out, nil
}

// Acknowledge queues the acknowledgement of a new e-mail ticket opened by a
// customer's mail: the ticket number and the policy's link and version, in
// the language the customer wrote in (lang, "tr" or "en"). Tickets in the
// abuse queue get the abuse acknowledgement when the policy asks for one.
// A ticket is acknowledged at most once, however often this is called
// and on however many nodes: the acknowledgement's Message-ID is derived
// from the ticket, and a second one with it is refused by the outbox.
//
// It never acknowledges automatic mail: callers pass only tickets opened by
// a person's message (auto-replies and bounces open none).
func (o *Outbound) Acknowledge(ctx context.Context, ticketID int64, lang string) error {
	t, err := o.cfg.Store.Ticket(ctx, ticketID)
	if err != nil {
		return err
	}
	if t.Channel != desk.ChannelEmail {
		return nil
	}
	cur := o.cfg.Policy.Current()
	doc := cur.Doc
	key := CannedAcknowledgement
	if t.Queue == abuseQueue(doc) {
		if !doc.Abuse.Acknowledge {
			return nil
		}
		key = CannedAbuseAcknowledgement
	}
	if _, ok := doc.Canned[key]; !ok {
		o.log.Warn("the policy in force has no canned acknowledgement; none sent", "canned", key, "ticket", t.ID, "policy_version", cur.Version)
		return nil
	}
	c, err := o.cfg.Store.Contact(ctx, t.ContactID)
	if err != nil {
		return err
	}
	if lang != "en" {
		lang = "tr"
	}
	name := c.Name
	if name == "" {
		name = map[string]string{"tr": "müşterimiz", "en": "customer"}[lang]
	}
	version := t.PolicyVersion
	if version == 0 {
		version = cur.Version
	}
	text := doc.Render(key, lang, map[string]string{
		"name": name, "ticket": strconv.FormatInt(t.ID, 10),
		"policy_url": doc.URL, "policy_version": strconv.Itoa(version),
	})
	mail, err := o.compose(ctx, t, desk.MailAutoReply, text)
	if err != nil {
		return err
	}
	if mail == nil {
		return nil
	}
	mail.TicketID = t.ID
	mail.Headers[desk.HeaderMessageID] = o.ackMessageID(t.ID, mail.From)
	err = o.cfg.Store.EnqueueMail(desk.WithActor(ctx, desk.SystemActor), mail)
	if desk.ErrorCode(err) == desk.ECONFLICT && desk.ErrorField(err) == "headers" {
		return nil // acknowledged already
	}
	if err != nil {
		return err
	}
	o.wake()
	return nil
}

func (o *Outbound) wake() {
	if o.cfg.Wake != nil {
		o.cfg.Wake()
	}
}

// ackMessageID is the Message-ID of a ticket's acknowledgement: the same
// for every call, so that it is queued once, and unguessable (an HMAC under
// the desk's secret), because a Message-ID destek generated threads a reply
// into its ticket whoever sends it.
func (o *Outbound) ackMessageID(ticketID int64, from string) string {
	mac := hmac.New(sha256.New, o.cfg.Secret)
	mac.Write([]byte("destek acknowledgement " + strconv.FormatInt(ticketID, 10)))
	return fmt.Sprintf("<ack.%d.%s@%s>", ticketID, hex.EncodeToString(mac.Sum(nil))[:24], domainOf(from))
}

// compose returns the mail of ticket t with the given body, to the ticket's
// contact, from the mailbox the customer wrote to; nil when the contact has
// no e-mail address. The Message-ID is fresh; TicketID and MessageID are
// left for the store to set.
func (o *Outbound) compose(ctx context.Context, t *desk.Ticket, kind desk.MailKind, text string) (*desk.OutboundMail, error) {
	c, err := o.cfg.Store.Contact(ctx, t.ContactID)
	if err != nil {
		return nil, err
	}
	if c.Channel != desk.ChannelEmail && c.Channel != desk.ChannelTicket {
		return nil, nil
	}
	to, err := desk.NormaliseAddress(desk.ChannelEmail, c.Address)
	if err != nil {
		return nil, nil
	}
	doc := o.cfg.Policy.Current().Doc
	inbound, err := o.inbound(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	mailbox := o.mailbox(doc, t, inbound)
	if mailbox == "" {
		return nil, desk.Errorf(desk.ECONFLICT, "the policy lists no e-mail address to send ticket %d's mail from", t.ID)
	}
	inReplyTo, refs, err := o.thread(ctx, t.ID, inbound)
	if err != nil {
		return nil, err
	}
	fromName := o.cfg.FromName
	if fromName == "" {
		fromName = strings.TrimSpace(doc.Company + " Destek")
	}
	headers := map[string]string{
		desk.HeaderMessageID: newMessageID(mailbox),
		desk.HeaderReplyTo:   ReplyAddress(o.cfg.Secret, mailbox, t.ID),
	}
	if inReplyTo != "" {
		headers[desk.HeaderInReplyTo] = inReplyTo
	}
	if len(refs) > 0 {
		headers[desk.HeaderReferences] = strings.Join(refs, " ")
	}
	switch kind {
	case desk.MailAutoReply:
		headers[desk.HeaderAutoSubmitted] = "auto-replied"
	case desk.MailNotice:
		headers[desk.HeaderAutoSubmitted] = "auto-generated"
	}
	if kind != desk.MailReply {
		// Exchange and Outlook honour this instead of Auto-Submitted: no
		// out-of-office answers to the desk's automatic mail.
		headers["X-Auto-Response-Suppress"] = "All"
	}
	return &desk.OutboundMail{
		TicketID: t.ID,
		Kind:     kind,
		From:     (&mail.Address{Name: fromName, Address: mailbox}).String(),
		To:       []string{(&mail.Address{Name: c.Name, Address: to}).String()},
		Subject:  replySubject(t.Subject, t.ID),
		Text:     text,
		Headers:  headers,
	}, nil
}

// inbound returns the ticket's received mail that became its messages,
// newest first (up to a page).
func (o *Outbound) inbound(ctx context.Context, ticketID int64) ([]*desk.InboundMail, error) {
	list, _, err := o.cfg.Store.ListInboundMail(ctx, desk.InboundMailFilter{State: desk.MailProcessed, TicketID: &ticketID, Limit: maxReferences})
	if err != nil {
		return nil, fmt.Errorf("received mail of ticket %d: %w", ticketID, err)
	}
	return list, nil
}

// mailbox returns the address to send a ticket's mail from: the policy's
// address the customer last wrote to, else the address of the channel
// whose queue the ticket is in (abuse, legal), else the first support
// address.
func (o *Outbound) mailbox(doc *policy.Document, t *desk.Ticket, inbound []*desk.InboundMail) string {
	for _, m := range inbound {
		for _, rcpt := range m.EnvelopeTo {
			if r, ok := ResolveRecipient(doc, o.cfg.Secret, rcpt); ok {
				return r.Mailbox
			}
		}
	}
	first := func(ch policy.Channel) string {
		if !ch.Enabled || len(ch.Addresses) == 0 {
			return ""
		}
		return strings.ToLower(strings.TrimSpace(ch.Addresses[0]))
	}
	switch t.Queue {
	case abuseQueue(doc):
		if a := first(doc.Channels.Abuse); a != "" {
			return a
		}
	case cmp.Or(doc.Channels.Legal.Queue, desk.QueueLegal):
		if a := first(doc.Channels.Legal); a != "" {
			return a
		}
	}
	return first(doc.Channels.Email)
}

func abuseQueue(doc *policy.Document) string {
	return cmp.Or(doc.Channels.Abuse.Queue, desk.QueueAbuse)
}

// thread returns In-Reply-To and References for a new mail of the ticket:
// In-Reply-To names the customer's last mail, References the
// conversation's Message-IDs (theirs and ours), oldest first.
func (o *Outbound) thread(ctx context.Context, ticketID int64, inbound []*desk.InboundMail) (string, []string, error) {
	type ref struct {
		id string
		at time.Time
	}
	var refs []ref
	inReplyTo := ""
	for _, m := range inbound { // newest first
		if m.MessageID == "" {
			continue
		}
		id := "<" + m.MessageID + ">"
		if inReplyTo == "" {
			inReplyTo = id
		}
		refs = append(refs, ref{id, m.ReceivedAt})
	}
	sent, _, err := o.cfg.Store.ListMail(ctx, desk.OutboxFilter{TicketID: &ticketID, Limit: maxReferences})
	if err != nil {
		return "", nil, fmt.Errorf("mail of ticket %d: %w", ticketID, err)
	}
	for _, m := range sent {
		if id := m.Headers[desk.HeaderMessageID]; id != "" {
			refs = append(refs, ref{id, m.CreatedAt})
		}
	}
	slices.SortStableFunc(refs, func(a, b ref) int { return a.at.Compare(b.at) })
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		if !slices.Contains(out, r.id) {
			out = append(out, r.id)
		}
	}
	if len(out) > maxReferences {
		out = out[len(out)-maxReferences:]
	}
	return inReplyTo, out, nil
}

// replyPrefix matches the reply markers clients put before subjects,
// English and Turkish ("Ynt:", "YNT:", "Cvp:").
var replyPrefix = regexp.MustCompile(`(?i)^\s*((re|ynt|yan|cvp|aw|sv)\s*(\[\d+\])?\s*:\s*)+`)

// replySubject is the subject of the desk's mail on a ticket: "Re:" once
// and the ticket number, which threading recognises in replies.
func replySubject(subject string, ticketID int64) string {
	s := strings.TrimSpace(replyPrefix.ReplaceAllString(subject, ""))
	if r := []rune(s); len(r) > 900 {
		// Room for the prefix and the tag within the outbox's limit.
		s = strings.TrimSpace(string(r[:900]))
	}
	tag := "[#" + strconv.FormatInt(ticketID, 10) + "]"
	if s == "" {
		return "Re: " + tag
	}
	if subjectTicketID(s) != ticketID {
		s += " " + tag
	}
	return "Re: " + s
}

// newMessageID returns a fresh Message-ID on the domain of the mailbox:
// 128 random bits, so that nobody outside the conversation can name it
// (a reply naming it joins the ticket).
func newMessageID(mailbox string) string {
	return "<" + strings.ToLower(rand.Text()) + "@" + domainOf(mailbox) + ">"
}

// domainOf returns the domain of an address, or "destek.invalid".
func domainOf(addr string) string {
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	if at := strings.LastIndexByte(addr, '@'); at >= 0 && at < len(addr)-1 {
		return strings.ToLower(addr[at+1:])
	}
	return "destek.invalid"
}

// IntakeStore returns s as the intake should write through it when mail
// can be sent. Two writes change:
//
//   - a ticket that a received e-mail opens (CreateTicket with the e-mail's
//     desk.MailClaim in the context, the first message made of that
//     e-mail) is acknowledged once it is stored. The Processor opens
//     tickets only for a person's mail, never for auto-replies or bounces,
//     so those are never acknowledged;
//   - an outbound message the intake writes on an e-mail ticket (the
//     policy's automatic answer to an out-of-scope request) is mailed, in
//     its transaction, as an automatic reply.
//
// The acknowledgement is queued right after the ticket's transaction, not
// in it: a crash between the two leaves that ticket unacknowledged (the
// ticket and the customer's mail are safe).
func (o *Outbound) IntakeStore(s desk.Store) desk.Store { return &ackStore{Store: s, o: o} }

type ackStore struct {
	desk.Store
	o *Outbound
}

// CreateTicket implements desk.Store.
func (s *ackStore) CreateTicket(ctx context.Context, t *desk.Ticket, c *desk.Contact, first *desk.Message, files []desk.NewAttachment) error {
	if err := s.Store.CreateTicket(ctx, t, c, first, files); err != nil {
		return err
	}
	claim := desk.MailClaimFrom(ctx)
	if claim == nil || t.Channel != desk.ChannelEmail || first.Direction != desk.Inbound {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	// Only the ticket the e-mail itself opened: a professional-services
	// request opened while processing the same e-mail is not acknowledged.
	list, _, err := s.Store.ListInboundMail(ctx, desk.InboundMailFilter{TicketID: &t.ID, Limit: 1})
	if err != nil || len(list) == 0 || list[0].ID != claim.MailID || list[0].DeskMessageID == nil || *list[0].DeskMessageID != first.ID {
		return nil
	}
	lang := ""
	if first.Classification != nil {
		lang = first.Classification.Language
	}
	if err := s.o.Acknowledge(ctx, t.ID, lang); err != nil {
		s.o.log.Error("queueing the acknowledgement of a new e-mail ticket failed", "ticket", t.ID, "err", err)
	}
	return nil
}

// AddMessage implements desk.Store.
func (s *ackStore) AddMessage(ctx context.Context, m *desk.Message, files []desk.NewAttachment, reopen bool) (*desk.Ticket, error) {
	if m.Direction != desk.Outbound {
		return s.Store.AddMessage(ctx, m, files, reopen)
	}
	t, err := s.Store.Ticket(ctx, m.TicketID)
	if err != nil {
		return nil, err
	}
	return s.o.Reply(ctx, t, m, files, reopen)
}
