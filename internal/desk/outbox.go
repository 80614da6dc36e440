package desk

import (
	"context"
	"time"
)

// OutboxState is where an outgoing e-mail is in the outbox.
type OutboxState string

// Outbox states. A mail is queued until a worker claims it (sending, under
// a lease), then sent, or queued again for a retry, or failed for good.
const (
	OutboxQueued  OutboxState = "queued"
	OutboxSending OutboxState = "sending"
	OutboxSent    OutboxState = "sent"
	OutboxFailed  OutboxState = "failed"
)

// Valid reports whether s is a known outbox state.
func (s OutboxState) Valid() bool {
	return s == OutboxQueued || s == OutboxSending || s == OutboxSent || s == OutboxFailed
}

// MailKind says why destek sends a mail; it decides the Auto-Submitted
// header (RFC 3834), which keeps auto-responders from answering destek's
// automatic mail and so prevents mail loops.
type MailKind string

// Mail kinds.
const (
	// MailReply is a person's reply (an agent's): no Auto-Submitted.
	MailReply MailKind = "reply"
	// MailAutoReply answers a customer's message automatically (an
	// acknowledgement, a warning): Auto-Submitted: auto-replied.
	MailAutoReply MailKind = "auto_reply"
	// MailNotice is sent on destek's own initiative, not in answer to a
	// message (a notice of a sanction, a reminder): Auto-Submitted:
	// auto-generated.
	MailNotice MailKind = "notice"
)

// Valid reports whether k is a known mail kind.
func (k MailKind) Valid() bool { return k == MailReply || k == MailAutoReply || k == MailNotice }

// Header names the outbox keeps in OutboundMail.Headers.
const (
	HeaderMessageID     = "Message-ID"
	HeaderInReplyTo     = "In-Reply-To"
	HeaderReferences    = "References"
	HeaderReplyTo       = "Reply-To"
	HeaderAutoSubmitted = "Auto-Submitted"
)

// OutboundMail is one e-mail in the outbox: what to send and how far
// sending has got. Headers holds the header fields beyond From, To, Cc and
// Subject, as they go on the wire; Headers["Message-ID"] is required and
// unique, with its angle brackets.
//
// A worker claims a mail by setting LockedBy and LockedUntil (a lease); a
// worker that dies mid-send leaves the lease to run out, and the mail is
// claimed again. Sending is therefore at least once: a crash between the
// SMTP transaction and MarkMailSent sends the mail twice.
type OutboundMail struct {
	ID       int64    `json:"id"`
	TicketID int64    `json:"ticket_id"`
	Kind     MailKind `json:"kind"`
	// MessageID is the desk message the mail carries; nil for mails that
	// are not ticket messages (acknowledgements).
	MessageID     *int64            `json:"message_id"`
	From          string            `json:"from"`
	To            []string          `json:"to"`
	Cc            []string          `json:"cc"`
	Subject       string            `json:"subject"`
	Text          string            `json:"text"`
	HTML          string            `json:"html,omitempty"`
	Headers       map[string]string `json:"headers"`
	State         OutboxState       `json:"state"`
	Attempts      int               `json:"attempts"`
	NextAttemptAt time.Time         `json:"next_attempt_at"`
	LastError     string            `json:"last_error"`
	LockedBy      string            `json:"locked_by,omitempty"`
	LockedUntil   *time.Time        `json:"locked_until,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	SentAt        *time.Time        `json:"sent_at"`
}

// MailFailure is the outcome of a failed send attempt.
type MailFailure struct {
	// Error is what went wrong, as the relay said it.
	Error string
	// RetryAt is when to try again; the zero time fails the mail for good.
	RetryAt time.Time
}

// OutboxFilter selects outbox mails, newest first.
type OutboxFilter struct {
	TicketID *int64
	State    OutboxState
	Limit    int
	Cursor   string
}

// MailboxPosition is how far IMAP polling has read one mailbox: UIDs are
// only meaningful under their UIDVALIDITY.
type MailboxPosition struct {
	Mailbox     string    `json:"mailbox"`
	UIDValidity uint32    `json:"uid_validity"`
	LastUID     uint32    `json:"last_uid"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// OutboxStore keeps outgoing e-mail and the positions of IMAP polling.
type OutboxStore interface {
	// AddMessageWithMail is AddMessage that also queues mail, the e-mail
	// carrying the message, in the same transaction: a reply is never
	// stored without its mail, nor mailed without being stored. The mail's
	// TicketID and MessageID are set from the message. A nil mail makes it
	// AddMessage.
	AddMessageWithMail(ctx context.Context, m *Message, files []NewAttachment, reopen bool, mail *OutboundMail) (*Ticket, error)
	// EnqueueMail queues a mail that carries no ticket message (an
	// acknowledgement, a notice). ID, state and times are set.
	EnqueueMail(ctx context.Context, mail *OutboundMail) error
	// ClaimMail leases up to limit mails that are due (queued with
	// NextAttemptAt passed, or sending with an expired lease) to worker for
	// lease, counting an attempt on each. Two workers never hold one mail.
	ClaimMail(ctx context.Context, worker string, limit int, lease time.Duration) ([]*OutboundMail, error)
	// MarkMailSent records that a mail was handed to the relay. It counts
	// whoever holds the lease: the mail went out.
	MarkMailSent(ctx context.Context, id int64, worker string) error
	// MarkMailFailed records a failed attempt by the worker holding the
	// lease: queued again for f.RetryAt, or failed for good. A worker whose
	// lease was taken over gets ECONFLICT and changes nothing.
	MarkMailFailed(ctx context.Context, id int64, worker string, f MailFailure) error
	// ReleaseMail gives a claimed mail back unsent, without counting the
	// attempt (a worker shutting down, or out of lease time).
	ReleaseMail(ctx context.Context, id int64, worker string) error
	// RetryMail queues a failed mail again, now, with its attempts reset.
	RetryMail(ctx context.Context, id int64) (*OutboundMail, error)
	// Mail returns one outbox mail.
	Mail(ctx context.Context, id int64) (*OutboundMail, error)
	// MailByMessageID finds a mail by its Message-ID header (with angle
	// brackets), so replies to it can be threaded.
	MailByMessageID(ctx context.Context, messageID string) (*OutboundMail, error)
	// ListMail lists outbox mails, newest first.
	ListMail(ctx context.Context, f OutboxFilter) ([]*OutboundMail, string, error)

	// MailboxPosition returns where polling of a mailbox left off
	// (ENOTFOUND before the first poll).
	MailboxPosition(ctx context.Context, mailbox string) (*MailboxPosition, error)
	// SetMailboxPosition records where polling of a mailbox has got.
	SetMailboxPosition(ctx context.Context, p MailboxPosition) error
}
