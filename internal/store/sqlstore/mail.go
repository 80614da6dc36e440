package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"destek/internal/desk"
)

// Audit entity types of inbound mail and settings.
const (
	EntityInboundMail = "inbound_mail"
	EntitySetting     = "setting"
)

// Bounds of inbound mail fields. A Message-ID header line may be 998
// bytes; anything longer was not written by a mail client.
const (
	maxMessageIDHeader = 998
	maxMailRecipients  = 100
	maxMailReason      = 4000
	maxSettingKey      = 200
	maxSettingValue    = 64 << 10
)

const inboundCols = "id, message_id, sha256, size, envelope_from, envelope_to, received_at, state, error, attempts, " +
	"ticket_id, desk_message_id, processed_at"

func scanInbound(s scanner, withRaw bool) (*desk.InboundMail, error) {
	var m desk.InboundMail
	dest := []any{&m.ID, &m.MessageID, &m.SHA256, &m.Size, &m.EnvelopeFrom, jsonCol{&m.EnvelopeTo}, timeCol{&m.ReceivedAt},
		&m.State, &m.Error, &m.Attempts, nullInt{&m.TicketID}, nullInt{&m.DeskMessageID}, nullTimeCol{&m.ProcessedAt}}
	if withRaw {
		dest = append(dest, &m.Raw)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	if m.EnvelopeTo == nil {
		m.EnvelopeTo = []string{}
	}
	if withRaw && m.Raw == nil {
		m.Raw = []byte{}
	}
	return &m, nil
}

// NormaliseMessageID returns a Message-ID header value as stored: without
// surrounding space and angle brackets. It returns "" for a value that is
// empty, longer than a header line may be, or not valid UTF-8 — such a
// message is stored and processed, it just cannot be threaded by it.
func NormaliseMessageID(h string) string {
	h = strings.TrimSpace(h)
	h = strings.TrimPrefix(h, "<")
	h = strings.TrimSuffix(h, ">")
	h = strings.TrimSpace(h)
	if h == "" || len(h) > maxMessageIDHeader || !utf8.ValidString(h) || strings.ContainsAny(h, "\r\n") {
		return ""
	}
	return h
}

// dedupeKey identifies one delivery of a message: the same Message-ID,
// content and recipients again is a retry by the sending server. The
// recipients are part of it so that one message delivered separately to two
// of our addresses (support@ and hukuk@, say) is kept for each.
func dedupeKey(messageID, contentSHA string, to []string) string {
	h := sha256.New()
	h.Write([]byte(messageID))
	h.Write([]byte{0})
	h.Write([]byte(contentSHA))
	for _, a := range to {
		h.Write([]byte{0})
		h.Write([]byte(a))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ReceiveMail stores a received message in one transaction, or finds the
// earlier delivery of the same message. The insert does nothing on a clash
// of the dedupe key, so two deliveries racing on PostgreSQL both end up
// with the one row.
func (db *DB) ReceiveMail(ctx context.Context, m *desk.InboundMail) (bool, error) {
	n := *m
	if len(n.Raw) == 0 {
		return false, desk.FieldErrorf("raw", "the message is empty")
	}
	if len(n.EnvelopeTo) == 0 || len(n.EnvelopeTo) > maxMailRecipients {
		return false, desk.FieldErrorf("envelope_to", "a message needs between 1 and %d recipients", maxMailRecipients)
	}
	to := make([]string, len(n.EnvelopeTo))
	for i, a := range n.EnvelopeTo {
		to[i] = strings.ToLower(strings.TrimSpace(a))
		if to[i] == "" || len(to[i]) > 320 || !utf8.ValidString(to[i]) {
			return false, desk.FieldErrorf(fmt.Sprintf("envelope_to[%d]", i), "%q is not an e-mail address", a)
		}
	}
	slices.Sort(to)
	to = slices.Compact(to)
	n.EnvelopeFrom = strings.TrimSpace(n.EnvelopeFrom)
	if len(n.EnvelopeFrom) > 320 || !utf8.ValidString(n.EnvelopeFrom) {
		return false, desk.FieldErrorf("envelope_from", "the envelope sender is longer than 320 bytes or not valid UTF-8")
	}
	n.MessageID = NormaliseMessageID(n.MessageID)
	sum := sha256.Sum256(n.Raw)
	n.SHA256 = hex.EncodeToString(sum[:])
	n.Size = int64(len(n.Raw))
	n.EnvelopeTo = to
	n.State, n.Error, n.Attempts = desk.MailStored, "", 0
	n.TicketID, n.DeskMessageID, n.ProcessedAt = nil, nil, nil
	n.ReceivedAt = db.Now()
	key := dedupeKey(n.MessageID, n.SHA256, to)

	var found *desk.InboundMail
	err := db.inTx(ctx, func(x executor) error {
		err := x.QueryRowContext(ctx, `INSERT INTO inbound_mail (message_id, sha256, dedupe_key, size, envelope_from, envelope_to,
			received_at, state, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
			n.MessageID, n.SHA256, key, n.Size, n.EnvelopeFrom, mustJSON(n.EnvelopeTo),
			db.d.Time(n.ReceivedAt), string(n.State), n.Raw).Scan(&n.ID)
		if isNoRows(err) {
			found, err = scanInbound(x.QueryRowContext(ctx, "SELECT "+inboundCols+" FROM inbound_mail WHERE dedupe_key = ?", key), false)
			if err != nil {
				return fmt.Errorf("find the earlier delivery: %w", err)
			}
			found.Raw = n.Raw // the same bytes: the key covers the content hash
			return nil
		}
		if err != nil {
			return fmt.Errorf("store inbound mail: %w", err)
		}
		return db.audit(ctx, x, n.ReceivedAt, auditEntry{"inbound_mail.receive", EntityInboundMail, n.ID, nil, &n})
	})
	if err != nil {
		return false, err
	}
	if found != nil {
		*m = *found
		return true, nil
	}
	*m = n
	return false, nil
}

// InboundMail returns one received message with its raw bytes.
func (db *DB) InboundMail(ctx context.Context, id int64) (*desk.InboundMail, error) {
	m, err := scanInbound(db.reader().QueryRowContext(ctx, "SELECT "+inboundCols+", raw FROM inbound_mail WHERE id = ?", id), true)
	if isNoRows(err) {
		return nil, notFound("inbound mail", id)
	}
	if err != nil {
		return nil, fmt.Errorf("inbound mail %d: %w", id, err)
	}
	return m, nil
}

// ListInboundMail lists received messages, newest first, without raw bytes.
func (db *DB) ListInboundMail(ctx context.Context, f desk.InboundMailFilter) ([]*desk.InboundMail, string, error) {
	p, err := parsePage(f.Limit, f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var where []string
	var args []any
	if f.State != "" {
		if !f.State.Valid() {
			return nil, "", desk.FieldErrorf("state", "unknown state %q; use stored, processed, ignored or failed", f.State)
		}
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	if f.TicketID != nil {
		where, args = append(where, "ticket_id = ?"), append(args, *f.TicketID)
	}
	return listPage(ctx, db, "list inbound mail", "SELECT "+inboundCols+" FROM inbound_mail", where, args, p,
		func(s scanner) (*desk.InboundMail, error) { return scanInbound(s, false) },
		func(m *desk.InboundMail) int64 { return m.ID })
}

// PendingMail returns the ids of stored messages after afterID received
// before the instant, lowest first.
func (db *DB) PendingMail(ctx context.Context, afterID int64, receivedBefore time.Time, limit int) ([]int64, error) {
	if limit <= 0 || limit > desk.MaxPageSize {
		limit = desk.MaxPageSize
	}
	rows, err := db.reader().QueryContext(ctx, "SELECT id FROM inbound_mail WHERE state = 'stored' AND id > ? AND received_at < ? ORDER BY id LIMIT ?",
		afterID, db.d.Time(receivedBefore.UTC()), limit)
	if err != nil {
		return nil, fmt.Errorf("pending inbound mail: %w", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("pending inbound mail: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending inbound mail: %w", err)
	}
	return ids, nil
}

// MarkMail records an outcome of processing that made no ticket message.
func (db *DB) MarkMail(ctx context.Context, id int64, state desk.InboundMailState, reason string, ticketID *int64) error {
	switch state {
	case desk.MailStored, desk.MailIgnored, desk.MailFailed:
	case desk.MailProcessed:
		return desk.FieldErrorf("state", "a message becomes processed with the ticket message made of it (desk.MailClaim), not by MarkMail")
	default:
		return desk.FieldErrorf("state", "unknown state %q; use stored, ignored or failed", state)
	}
	reason = clip(strings.ToValidUTF8(reason, "?"), maxMailReason)
	return db.inTx(ctx, func(x executor) error {
		before, err := scanInbound(x.QueryRowContext(ctx, "SELECT "+inboundCols+" FROM inbound_mail WHERE id = ?"+db.d.ForUpdate, id), false)
		if isNoRows(err) {
			return notFound("inbound mail", id)
		}
		if err != nil {
			return fmt.Errorf("inbound mail %d: %w", id, err)
		}
		if before.State != desk.MailStored {
			return &desk.Error{Code: desk.ECONFLICT, Field: "state", Message: fmt.Sprintf("inbound mail %d is already %s", id, before.State)}
		}
		now := db.Now()
		after := *before
		after.Error = reason
		action := "inbound_mail.retry"
		if state == desk.MailStored {
			after.Attempts++
		} else {
			after.State, after.TicketID, after.ProcessedAt = state, ticketID, &now
			action = "inbound_mail." + map[desk.InboundMailState]string{desk.MailIgnored: "ignore", desk.MailFailed: "fail"}[state]
		}
		_, err = x.ExecContext(ctx, "UPDATE inbound_mail SET state = ?, error = ?, attempts = ?, ticket_id = ?, processed_at = ? WHERE id = ?",
			string(after.State), after.Error, after.Attempts, after.TicketID, db.nullTime(after.ProcessedAt), id)
		if err != nil {
			return db.dbErr(ctx, x, "mark inbound mail", err, nil, idRef("ticket_id", "ticket", "tickets", ticketID))
		}
		return db.audit(ctx, x, now, auditEntry{action, EntityInboundMail, id, before, &after})
	})
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// claimMail marks the received e-mail named by the context's claim as
// processed into message m, in m's transaction, and records the e-mail's
// Message-ID for threading. CreateTicket and AddMessage call it after
// inserting an inbound message. See desk.MailClaim.
func (db *DB) claimMail(ctx context.Context, x executor, m *desk.Message) error {
	c := desk.MailClaimFrom(ctx)
	if c == nil || m.Direction != desk.Inbound || !c.Take() {
		return nil
	}
	r, err := x.ExecContext(ctx, `UPDATE inbound_mail SET state = 'processed', error = '', ticket_id = ?, desk_message_id = ?, processed_at = ?
		WHERE id = ? AND state = 'stored'`, m.TicketID, m.ID, db.d.Time(m.CreatedAt), c.MailID)
	if err != nil {
		return fmt.Errorf("claim inbound mail %d: %w", c.MailID, err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return fmt.Errorf("claim inbound mail %d: %w", c.MailID, err)
	}
	if n == 0 {
		return &desk.Error{Code: desk.ECONFLICT, Field: "inbound_mail",
			Message: fmt.Sprintf("inbound mail %d was already processed (or does not exist); no second message is made of it", c.MailID)}
	}
	if id := NormaliseMessageID(c.MessageID); id != "" {
		if err := db.linkMessageID(ctx, x, id, m.TicketID, false, m.CreatedAt); err != nil {
			return err
		}
	}
	ticketID, messageID := m.TicketID, m.ID
	return db.audit(ctx, x, m.CreatedAt, auditEntry{"inbound_mail.process", EntityInboundMail, c.MailID, nil,
		map[string]any{"state": desk.MailProcessed, "ticket_id": ticketID, "desk_message_id": messageID}})
}

// linkMessageID maps a normalised Message-ID to a ticket in x's
// transaction; an existing mapping stands. Other packages' writes that send
// mail (an outbox) call it in their own transaction.
func (db *DB) linkMessageID(ctx context.Context, x executor, header string, ticketID int64, outbound bool, at time.Time) error {
	_, err := x.ExecContext(ctx, "INSERT INTO mail_threads (message_id, ticket_id, outbound, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING",
		header, ticketID, outbound, db.d.Time(at))
	if err != nil {
		return db.dbErr(ctx, x, "link message id", err, nil, idRef("ticket_id", "ticket", "tickets", &ticketID))
	}
	return nil
}

// LinkMessageID records a Message-ID destek generated for its own mail.
// The map is threading bookkeeping, not a change anyone made, so it writes
// no audit event.
func (db *DB) LinkMessageID(ctx context.Context, header string, ticketID int64) error {
	id := NormaliseMessageID(header)
	if id == "" {
		return desk.FieldErrorf("message_id", "%q is not a Message-ID", header)
	}
	now := db.Now()
	return db.inTx(ctx, func(x executor) error { return db.linkMessageID(ctx, x, id, ticketID, true, now) })
}

// TicketByMessageID returns the ticket a Message-ID belongs to.
func (db *DB) TicketByMessageID(ctx context.Context, header string) (*desk.MessageIDLink, error) {
	id := NormaliseMessageID(header)
	if id == "" {
		return nil, desk.Errorf(desk.ENOTFOUND, "%q is not a known Message-ID", header)
	}
	var l desk.MessageIDLink
	err := db.reader().QueryRowContext(ctx, "SELECT ticket_id, outbound FROM mail_threads WHERE message_id = ?", id).Scan(&l.TicketID, &l.Outbound)
	if isNoRows(err) {
		return nil, desk.Errorf(desk.ENOTFOUND, "Message-ID <%s> belongs to no ticket", id)
	}
	if err != nil {
		return nil, fmt.Errorf("ticket by message id: %w", err)
	}
	return &l, nil
}

// EnsureSetting stores value under key unless one is stored, and returns
// the value that stands. The audit event names the key only: settings may
// be secrets.
func (db *DB) EnsureSetting(ctx context.Context, key string, value []byte) ([]byte, error) {
	key = strings.TrimSpace(key)
	if key == "" || len(key) > maxSettingKey || !utf8.ValidString(key) {
		return nil, desk.FieldErrorf("key", "the setting key is empty, longer than %d bytes or not valid UTF-8", maxSettingKey)
	}
	if len(value) == 0 || len(value) > maxSettingValue {
		return nil, desk.FieldErrorf("value", "the setting value is empty or longer than %d bytes", maxSettingValue)
	}
	var out []byte
	err := db.inTx(ctx, func(x executor) error {
		now := db.Now()
		r, err := x.ExecContext(ctx, "INSERT INTO settings (key, value, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
			key, value, db.d.Time(now))
		if err != nil {
			return fmt.Errorf("store setting %s: %w", key, err)
		}
		if n, err := r.RowsAffected(); err == nil && n == 1 {
			out = slices.Clone(value)
			return db.audit(ctx, x, now, auditEntry{"setting.create", EntitySetting, 0, nil, map[string]string{"key": key}})
		}
		if err := x.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&out); err != nil {
			return fmt.Errorf("read setting %s: %w", key, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AccountsByEmail returns the accounts an e-mail address is known for: as
// the registered e-mail or as an authorised contact's.
func (db *DB) AccountsByEmail(ctx context.Context, email string) ([]int64, error) {
	a, err := normaliseAs("email", desk.ChannelEmail, email)
	if err != nil {
		return nil, err
	}
	rows, err := db.reader().QueryContext(ctx, `SELECT id FROM accounts WHERE email = ?
		UNION SELECT account_id FROM authorised_contacts WHERE email = ? ORDER BY 1`, a, a)
	if err != nil {
		return nil, fmt.Errorf("accounts by e-mail: %w", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("accounts by e-mail: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("accounts by e-mail: %w", err)
	}
	return ids, nil
}
