package desk

import (
	"context"
	"sync/atomic"
	"time"
)

// InboundMailState is where a received e-mail is in its processing.
type InboundMailState string

// Inbound mail states. A message is stored (and acknowledged to the sending
// server) before anything else happens to it; processing then moves it to
// one of the final states exactly once.
const (
	// MailStored: durably received, not yet turned into a ticket message.
	MailStored InboundMailState = "stored"
	// MailProcessed: a ticket message was made of it (TicketID, MessageID).
	MailProcessed InboundMailState = "processed"
	// MailIgnored: an auto-reply, bounce or list mail: kept, but it makes
	// no ticket and no message (Error says what it was; TicketID names the
	// ticket it would have threaded into, if any).
	MailIgnored InboundMailState = "ignored"
	// MailFailed: it could not be processed (Error says why); the raw
	// message is kept for an operator to look at.
	MailFailed InboundMailState = "failed"
)

// Valid reports whether s is a known state.
func (s InboundMailState) Valid() bool {
	switch s {
	case MailStored, MailProcessed, MailIgnored, MailFailed:
		return true
	}
	return false
}

// InboundMail is one e-mail as received over SMTP (or fetched over IMAP):
// the raw message exactly as it arrived, its envelope, and what became of
// it.
type InboundMail struct {
	ID int64 `json:"id"`
	// MessageID is the Message-ID header without angle brackets ("" when
	// the message had none).
	MessageID string `json:"message_id"`
	// SHA256 is the hex SHA-256 of Raw.
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// EnvelopeFrom is the SMTP MAIL FROM address; "" for bounces (<>).
	EnvelopeFrom string `json:"envelope_from"`
	// EnvelopeTo are the accepted RCPT TO addresses.
	EnvelopeTo []string         `json:"envelope_to"`
	ReceivedAt time.Time        `json:"received_at"`
	State      InboundMailState `json:"state"`
	// Error is why processing failed or was skipped, or the last
	// temporary failure while the message is still stored.
	Error string `json:"error"`
	// Attempts counts processing attempts that failed temporarily.
	Attempts int `json:"attempts"`
	// TicketID and DeskMessageID name the ticket message made of it.
	TicketID      *int64     `json:"ticket_id"`
	DeskMessageID *int64     `json:"desk_message_id"`
	ProcessedAt   *time.Time `json:"processed_at"`
	// Raw is the message as received; list calls leave it nil.
	Raw []byte `json:"-"`
}

// InboundMailFilter selects received e-mails, newest first.
type InboundMailFilter struct {
	State    InboundMailState
	TicketID *int64
	Limit    int
	Cursor   string
}

// MessageIDLink is what a Message-ID header is known to belong to.
type MessageIDLink struct {
	TicketID int64 `json:"ticket_id"`
	// Outbound is set for Message-IDs destek generated for its own mail.
	// Those carry randomness nobody outside the conversation sees, so a
	// reply naming one may join the ticket whoever sends it; an inbound
	// Message-ID was chosen by a sender and is trusted only from the
	// ticket's own contact.
	Outbound bool `json:"outbound"`
}

// MailStore keeps received e-mail, the Message-ID → ticket map that threads
// replies, and small settings shared by every node.
type MailStore interface {
	// ReceiveMail durably stores a received message (Raw, envelope,
	// MessageID; SHA256, Size, State and ReceivedAt are set by the store)
	// in one transaction. The same message delivered again — same
	// Message-ID, same content, same recipients — is not stored twice:
	// duplicate is true and m is filled from the first delivery's row.
	ReceiveMail(ctx context.Context, m *InboundMail) (duplicate bool, err error)
	// InboundMail returns one received message with its raw bytes.
	InboundMail(ctx context.Context, id int64) (*InboundMail, error)
	// ListInboundMail lists received messages without their raw bytes.
	ListInboundMail(ctx context.Context, f InboundMailFilter) ([]*InboundMail, string, error)
	// PendingMail returns the ids of stored (unprocessed) messages with ids
	// above afterID, received before the instant, lowest id first, at most
	// limit.
	PendingMail(ctx context.Context, afterID int64, receivedBefore time.Time, limit int) ([]int64, error)
	// MarkMail records the outcome of processing that made no ticket
	// message: MailIgnored or MailFailed (final), or MailStored for a
	// temporary failure (Attempts goes up, the message stays pending).
	// Only a stored message changes; any other is ECONFLICT. ticketID may
	// name the ticket an ignored message belongs to.
	MarkMail(ctx context.Context, id int64, state InboundMailState, reason string, ticketID *int64) error

	// LinkMessageID records that a Message-ID header destek generated for
	// its own outgoing mail belongs to a ticket, so that replies naming it
	// in In-Reply-To or References join that ticket. The first link of a
	// header stands; linking it again does nothing.
	LinkMessageID(ctx context.Context, header string, ticketID int64) error
	// TicketByMessageID returns the ticket a Message-ID header belongs to:
	// one destek sent (LinkMessageID) or one a processed inbound message
	// carried. ENOTFOUND when it is unknown.
	TicketByMessageID(ctx context.Context, header string) (*MessageIDLink, error)

	// EnsureSetting stores value under key unless the key already has one,
	// and returns the value that stands. Nodes starting together agree on
	// whichever value was stored first.
	EnsureSetting(ctx context.Context, key string, value []byte) ([]byte, error)
	// AccountsByEmail returns the ids of the accounts whose registered
	// e-mail, or one of whose authorised contacts' e-mail, is the address
	// (normalised), lowest first.
	AccountsByEmail(ctx context.Context, email string) ([]int64, error)
}

// MailClaim ties the ticket message made of a received e-mail to that
// e-mail, atomically: a store that finds a claim in the context of
// CreateTicket or AddMessage marks the e-mail processed (with the ticket
// and message ids) and records its Message-ID for threading in the same
// transaction as the first inbound message it writes, and fails with
// ECONFLICT, writing nothing, when the e-mail was already processed. So a
// message is made of an e-mail exactly once, however often processing is
// retried after a crash or runs on two nodes at once.
type MailClaim struct {
	// MailID is the InboundMail's id.
	MailID int64
	// MessageID is its Message-ID header ("" for none).
	MessageID string

	taken atomic.Bool
}

// Take reports whether this is the first inbound message written under the
// claim. Stores call it; later inbound messages of the same processing run
// (e.g. a professional-services request opened from the reply) are not the
// e-mail's own message and leave the claim alone.
func (c *MailClaim) Take() bool { return c.taken.CompareAndSwap(false, true) }

type mailClaimKey struct{}

// WithMailClaim returns a context whose inbound message writes claim the
// received e-mail.
func WithMailClaim(ctx context.Context, c *MailClaim) context.Context {
	return context.WithValue(ctx, mailClaimKey{}, c)
}

// MailClaimFrom returns the context's claim, or nil.
func MailClaimFrom(ctx context.Context) *MailClaim {
	c, _ := ctx.Value(mailClaimKey{}).(*MailClaim)
	return c
}
