package sqlstore

import (
	"context"
	"fmt"
	"time"

	"destek/internal/desk"
)

// EntityWebhookSource is the audit entity type of webhook sources.
const EntityWebhookSource = "webhook_source"

// Bounds of webhook fields; the API checks them with friendlier messages,
// these keep the tables sane whoever calls.
const (
	maxWebhookName   = 64
	maxWebhookSecret = 256
	maxWebhookID     = 256
)

// webhookSourceAudit is a source as the audit trail records it: without
// the secret, which must never be written anywhere but its own column.
type webhookSourceAudit struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateWebhookSource stores a source with its shared secret.
func (db *DB) CreateWebhookSource(ctx context.Context, s *desk.WebhookSource) error {
	n := *s
	var err error
	if n.Name, err = checkName("name", n.Name, maxWebhookName); err != nil {
		return err
	}
	if len(n.Secret) < 16 || len(n.Secret) > maxWebhookSecret {
		return desk.FieldErrorf("secret", "the secret must be 16 to %d bytes", maxWebhookSecret)
	}
	n.CreatedAt = db.Now()
	err = db.inTx(ctx, func(x executor) error {
		var id int64
		err := x.QueryRowContext(ctx, "INSERT INTO webhook_sources (name, secret, created_at) VALUES (?, ?, ?) RETURNING id",
			n.Name, n.Secret, db.d.Time(n.CreatedAt)).Scan(&id)
		if err != nil {
			return db.dbErr(ctx, x, "create webhook source", err,
				&desk.Error{Code: desk.ECONFLICT, Field: "name", Message: fmt.Sprintf("a webhook source named %q already exists", n.Name)})
		}
		return db.audit(ctx, x, n.CreatedAt, auditEntry{"webhook_source.create", EntityWebhookSource, id, nil,
			webhookSourceAudit{n.Name, n.CreatedAt}})
	})
	if err != nil {
		return err
	}
	*s = n
	return nil
}

// WebhookSource returns a source with its secret.
func (db *DB) WebhookSource(ctx context.Context, name string) (*desk.WebhookSource, error) {
	var s desk.WebhookSource
	err := db.reader().QueryRowContext(ctx, "SELECT name, secret, created_at FROM webhook_sources WHERE name = ?", name).
		Scan(&s.Name, &s.Secret, timeCol{&s.CreatedAt})
	if isNoRows(err) {
		return nil, desk.Errorf(desk.ENOTFOUND, "no webhook source is named %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("webhook source: %w", err)
	}
	return &s, nil
}

// ListWebhookSources lists sources by name, without their secrets.
func (db *DB) ListWebhookSources(ctx context.Context) ([]*desk.WebhookSource, error) {
	rows, err := db.reader().QueryContext(ctx, "SELECT name, created_at FROM webhook_sources ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list webhook sources: %w", err)
	}
	defer rows.Close()
	out := []*desk.WebhookSource{}
	for rows.Next() {
		var s desk.WebhookSource
		if err := rows.Scan(&s.Name, timeCol{&s.CreatedAt}); err != nil {
			return nil, fmt.Errorf("list webhook sources: %w", err)
		}
		out = append(out, &s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list webhook sources: %w", err)
	}
	return out, nil
}

// DeleteWebhookSource removes a source and everything kept for it except
// the tickets its messages made.
func (db *DB) DeleteWebhookSource(ctx context.Context, name string) error {
	now := db.Now()
	return db.inTx(ctx, func(x executor) error {
		var id int64
		var created time.Time
		err := x.QueryRowContext(ctx, "DELETE FROM webhook_sources WHERE name = ? RETURNING id, created_at", name).
			Scan(&id, timeCol{&created})
		if isNoRows(err) {
			return desk.Errorf(desk.ENOTFOUND, "no webhook source is named %q", name)
		}
		if err != nil {
			return fmt.Errorf("delete webhook source: %w", err)
		}
		for _, table := range []string{"webhook_nonces", "webhook_messages", "webhook_conversations"} {
			// Table names come from this list, never from input.
			if _, err := x.ExecContext(ctx, "DELETE FROM "+table+" WHERE source = ?", name); err != nil {
				return fmt.Errorf("delete webhook source: %s: %w", table, err)
			}
		}
		return db.audit(ctx, x, now, auditEntry{"webhook_source.delete", EntityWebhookSource, id,
			webhookSourceAudit{name, created}, nil})
	})
}

// UseWebhookNonce records a nonce once per source and prunes the source's
// nonces signed before pruneBefore.
func (db *DB) UseWebhookNonce(ctx context.Context, source, nonce string, at, pruneBefore time.Time) error {
	if nonce == "" || len(nonce) > maxWebhookID {
		return desk.FieldErrorf("nonce", "the nonce must be 1 to %d bytes", maxWebhookID)
	}
	return db.inTx(ctx, func(x executor) error {
		if _, err := x.ExecContext(ctx, "DELETE FROM webhook_nonces WHERE source = ? AND signed_at < ?",
			source, db.d.Time(pruneBefore)); err != nil {
			return fmt.Errorf("prune webhook nonces: %w", err)
		}
		// DO NOTHING rather than a unique violation: PostgreSQL would
		// abort the transaction, and the answer is the same either way.
		r, err := x.ExecContext(ctx, "INSERT INTO webhook_nonces (source, nonce, signed_at) VALUES (?, ?, ?) ON CONFLICT (source, nonce) DO NOTHING",
			source, nonce, db.d.Time(at))
		if err != nil {
			return fmt.Errorf("use webhook nonce: %w", err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return fmt.Errorf("use webhook nonce: %w", err)
		}
		if n == 0 {
			return &desk.Error{Code: desk.ECONFLICT, Field: "X-Destek-Nonce",
				Message: "this nonce was already used by the source; a replayed request is refused — sign every request with a new nonce"}
		}
		return nil
	})
}

// WebhookMessageByID returns what a delivered message became.
func (db *DB) WebhookMessageByID(ctx context.Context, source, messageID string) (*desk.WebhookMessage, error) {
	m := desk.WebhookMessage{Source: source, MessageID: messageID}
	err := db.reader().QueryRowContext(ctx,
		"SELECT conversation_id, ticket_id, desk_message_id, created_at FROM webhook_messages WHERE source = ? AND message_id = ?",
		source, messageID).Scan(&m.ConversationID, &m.TicketID, &m.DeskMessageID, timeCol{&m.CreatedAt})
	if isNoRows(err) {
		return nil, desk.Errorf(desk.ENOTFOUND, "source %q has not delivered message %q", source, messageID)
	}
	if err != nil {
		return nil, fmt.Errorf("webhook message: %w", err)
	}
	return &m, nil
}

// WebhookConversation returns the ticket a conversation was last threaded
// into.
func (db *DB) WebhookConversation(ctx context.Context, source, conversationID string) (int64, error) {
	var id int64
	err := db.reader().QueryRowContext(ctx,
		"SELECT ticket_id FROM webhook_conversations WHERE source = ? AND conversation_id = ?",
		source, conversationID).Scan(&id)
	if isNoRows(err) {
		return 0, desk.Errorf(desk.ENOTFOUND, "source %q has no conversation %q", source, conversationID)
	}
	if err != nil {
		return 0, fmt.Errorf("webhook conversation: %w", err)
	}
	return id, nil
}

// claimWebhook records the delivered message named by the context's claim
// as made into message m, in m's transaction, and maps its conversation to
// m's ticket (a conversation whose ticket was closed moves to the new
// one). CreateTicket and AddMessage call it after inserting an inbound
// message. See desk.WebhookClaim.
func (db *DB) claimWebhook(ctx context.Context, x executor, m *desk.Message) error {
	c := desk.WebhookClaimFrom(ctx)
	if c == nil || m.Direction != desk.Inbound || !c.Take() {
		return nil
	}
	if c.Source == "" || c.MessageID == "" || len(c.MessageID) > maxWebhookID || len(c.ConversationID) > maxWebhookID {
		return desk.FieldErrorf("message_id", "a webhook claim needs a source and a message id of at most %d bytes", maxWebhookID)
	}
	r, err := x.ExecContext(ctx, `INSERT INTO webhook_messages (source, message_id, conversation_id, ticket_id, desk_message_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, message_id) DO NOTHING`,
		c.Source, c.MessageID, c.ConversationID, m.TicketID, m.ID, db.d.Time(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("claim webhook message: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return fmt.Errorf("claim webhook message: %w", err)
	}
	if n == 0 {
		return &desk.Error{Code: desk.ECONFLICT, Field: "message_id",
			Message: fmt.Sprintf("source %q already delivered message %q; no second message is made of it", c.Source, c.MessageID)}
	}
	if c.ConversationID == "" {
		return nil
	}
	if _, err := x.ExecContext(ctx, `INSERT INTO webhook_conversations (source, conversation_id, ticket_id, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (source, conversation_id) DO UPDATE SET ticket_id = excluded.ticket_id, updated_at = excluded.updated_at`,
		c.Source, c.ConversationID, m.TicketID, db.d.Time(m.CreatedAt)); err != nil {
		return fmt.Errorf("map webhook conversation: %w", err)
	}
	return nil
}
