package desk

import (
	"context"
	"sync/atomic"
	"time"
)

// WebhookSource is a system allowed to post customer messages to the signed
// webhook intake (a social-media bridge, say). Secret is the shared HMAC
// key: it is stored as given, because checking a signature needs the key
// itself, never logged and never returned after creation.
type WebhookSource struct {
	Name      string    `json:"name"`
	Secret    string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// WebhookMessage is what a message a source delivered became: the ticket
// and the ticket message made of it.
type WebhookMessage struct {
	Source         string    `json:"source"`
	MessageID      string    `json:"message_id"`
	ConversationID string    `json:"conversation_id"`
	TicketID       int64     `json:"ticket_id"`
	DeskMessageID  int64     `json:"desk_message_id"`
	CreatedAt      time.Time `json:"created_at"`
}

// WebhookStore keeps webhook sources, the nonces they have used, and which
// ticket each delivered message and conversation belongs to.
type WebhookStore interface {
	// CreateWebhookSource stores a source; a name in use is ECONFLICT.
	CreateWebhookSource(ctx context.Context, s *WebhookSource) error
	// WebhookSource returns a source with its secret; ENOTFOUND if unknown.
	WebhookSource(ctx context.Context, name string) (*WebhookSource, error)
	// ListWebhookSources lists sources by name, without secrets.
	ListWebhookSources(ctx context.Context) ([]*WebhookSource, error)
	// DeleteWebhookSource removes a source with its nonces and its
	// message and conversation maps (the tickets stay); ENOTFOUND if
	// unknown.
	DeleteWebhookSource(ctx context.Context, name string) error
	// UseWebhookNonce records that a source signed a request with nonce at
	// the given instant, and forgets the source's nonces signed before
	// pruneBefore (older requests are refused by their timestamp anyway).
	// A nonce the source already used is ECONFLICT; the unique key makes
	// that hold across nodes.
	UseWebhookNonce(ctx context.Context, source, nonce string, at, pruneBefore time.Time) error
	// WebhookMessageByID returns what a delivered message became;
	// ENOTFOUND when the source has not delivered it.
	WebhookMessageByID(ctx context.Context, source, messageID string) (*WebhookMessage, error)
	// WebhookConversation returns the ticket a source's conversation was
	// last threaded into; ENOTFOUND for a new conversation.
	WebhookConversation(ctx context.Context, source, conversationID string) (int64, error)
}

// WebhookClaim ties the ticket message made of a webhook delivery to that
// delivery, atomically, like MailClaim does for e-mail: a store that finds
// a claim in the context of CreateTicket or AddMessage records the message
// id (and maps the conversation to the ticket) in the same transaction as
// the first inbound message it writes, and fails with ECONFLICT, writing
// nothing, when the source already delivered that message id. So a
// message delivered twice at once, to two nodes, is stored once.
type WebhookClaim struct {
	Source         string
	ConversationID string
	MessageID      string

	taken atomic.Bool
}

// Take reports whether this is the first inbound message written under the
// claim; later ones (an out-of-scope answer, a professional-services
// request) are not the delivery's own message.
func (c *WebhookClaim) Take() bool { return c.taken.CompareAndSwap(false, true) }

type webhookClaimKey struct{}

// WithWebhookClaim returns a context whose inbound message writes claim the
// webhook delivery.
func WithWebhookClaim(ctx context.Context, c *WebhookClaim) context.Context {
	return context.WithValue(ctx, webhookClaimKey{}, c)
}

// WebhookClaimFrom returns the context's claim, or nil.
func WebhookClaimFrom(ctx context.Context) *WebhookClaim {
	c, _ := ctx.Value(webhookClaimKey{}).(*WebhookClaim)
	return c
}
