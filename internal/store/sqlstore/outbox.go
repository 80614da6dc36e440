package sqlstore

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"destek/internal/desk"
)

// EntityMail is the audit entity type of outbox mails.
const EntityMail = "mail"

const outboxCols = "id, ticket_id, kind, message_id, mail_from, mail_to, mail_cc, subject, body_text, body_html, headers, " +
	"state, attempts, next_attempt_at, last_error, locked_by, locked_until, created_at, sent_at"

func scanMail(s scanner) (*desk.OutboundMail, error) {
	var m desk.OutboundMail
	var lockedBy *string
	err := s.Scan(&m.ID, &m.TicketID, &m.Kind, nullInt{&m.MessageID}, &m.From, jsonCol{&m.To}, jsonCol{&m.Cc},
		&m.Subject, &m.Text, &m.HTML, jsonCol{&m.Headers}, &m.State, &m.Attempts, timeCol{&m.NextAttemptAt},
		&m.LastError, &lockedBy, nullTimeCol{&m.LockedUntil}, timeCol{&m.CreatedAt}, nullTimeCol{&m.SentAt})
	if err != nil {
		return nil, err
	}
	if lockedBy != nil {
		m.LockedBy = *lockedBy
	}
	if m.To == nil {
		m.To = []string{}
	}
	if m.Cc == nil {
		m.Cc = []string{}
	}
	if m.Headers == nil {
		m.Headers = map[string]string{}
	}
	return &m, nil
}

// mailAudit is what the audit log keeps of a mail: who it went to and how
// it fared. The body is the message's, which has its own audit event.
type mailAudit struct {
	ID        int64            `json:"id"`
	TicketID  int64            `json:"ticket_id"`
	MessageID *int64           `json:"message_id"`
	Kind      desk.MailKind    `json:"kind"`
	To        []string         `json:"to"`
	Cc        []string         `json:"cc"`
	Subject   string           `json:"subject"`
	Header    string           `json:"message_id_header"`
	State     desk.OutboxState `json:"state"`
	Attempts  int              `json:"attempts"`
	LastError string           `json:"last_error,omitempty"`
}

func auditOfMail(m *desk.OutboundMail) *mailAudit {
	return &mailAudit{ID: m.ID, TicketID: m.TicketID, MessageID: m.MessageID, Kind: m.Kind, To: m.To, Cc: m.Cc,
		Subject: m.Subject, Header: m.Headers[desk.HeaderMessageID], State: m.State, Attempts: m.Attempts, LastError: m.LastError}
}

// headersSetByWriter are header fields the mail writer sets itself from the
// mail's other fields; Headers may not carry them.
var headersSetByWriter = []string{"from", "to", "cc", "bcc", "subject", "date", "mime-version",
	"content-type", "content-transfer-encoding", "sender", "return-path"}

// checkMail validates a mail to queue and normalises its lists. prefix goes
// before field names.
func checkMail(m *desk.OutboundMail, prefix string) error {
	if m.Kind == "" {
		m.Kind = desk.MailReply
	}
	if !m.Kind.Valid() {
		return desk.FieldErrorf(prefix+"kind", "unknown mail kind %q; use reply, auto_reply or notice", m.Kind)
	}
	if _, err := mail.ParseAddress(m.From); err != nil || strings.ContainsAny(m.From, "\r\n") {
		return desk.FieldErrorf(prefix+"from", "%q is not an e-mail address", m.From)
	}
	addrs := func(field string, list []string) ([]string, error) {
		out := make([]string, 0, len(list))
		for i, a := range list {
			a = strings.TrimSpace(a)
			if _, err := mail.ParseAddress(a); err != nil || strings.ContainsAny(a, "\r\n") {
				return nil, desk.FieldErrorf(fmt.Sprintf("%s%s[%d]", prefix, field, i), "%q is not an e-mail address", a)
			}
			out = append(out, a)
		}
		return out, nil
	}
	var err error
	if m.To, err = addrs("to", m.To); err != nil {
		return err
	}
	if len(m.To) == 0 {
		return desk.FieldErrorf(prefix+"to", "a mail needs at least one recipient")
	}
	if m.Cc, err = addrs("cc", m.Cc); err != nil {
		return err
	}
	if strings.TrimSpace(m.Subject) == "" || strings.ContainsAny(m.Subject, "\r\n") ||
		!utf8.ValidString(m.Subject) || utf8.RuneCountInString(m.Subject) > 1000 {
		return desk.FieldErrorf(prefix+"subject", "the subject is empty, longer than 1000 characters, not valid UTF-8 or has line breaks")
	}
	if !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		return desk.FieldErrorf(prefix+"text", "the body is not valid UTF-8")
	}
	if m.Headers == nil {
		m.Headers = map[string]string{}
	}
	for k, v := range m.Headers {
		if !validHeaderName(k) || slices.Contains(headersSetByWriter, strings.ToLower(k)) {
			return desk.FieldErrorf(prefix+"headers", "header %q cannot be set here", k)
		}
		// A line break in a value would let it add header fields of its own.
		if strings.ContainsAny(v, "\r\n") || !utf8.ValidString(v) {
			return desk.FieldErrorf(prefix+"headers", "header %s has a line break or is not valid UTF-8", k)
		}
	}
	id := m.Headers[desk.HeaderMessageID]
	if len(id) < 5 || id[0] != '<' || id[len(id)-1] != '>' || !strings.Contains(id, "@") || strings.ContainsAny(id, " \t") {
		return desk.FieldErrorf(prefix+"headers", "the Message-ID header %q is missing or not like <unique@host>", id)
	}
	return nil
}

// validHeaderName reports whether s is a header field name (RFC 5322: printable
// ASCII but the colon), in the canonical spelling the outbox stores.
func validHeaderName(s string) bool {
	if s == "" || len(s) > 76 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// insertMail queues m in the caller's transaction; now is the
// transaction's time and prefix goes before field names.
func (db *DB) insertMail(ctx context.Context, x executor, m *desk.OutboundMail, now time.Time, prefix string) error {
	m.ID, m.State, m.Attempts, m.LastError, m.LockedBy, m.LockedUntil, m.SentAt = 0, desk.OutboxQueued, 0, "", "", nil, nil
	m.NextAttemptAt, m.CreatedAt = now, now
	err := x.QueryRowContext(ctx, `INSERT INTO outbox (ticket_id, kind, message_id, mail_from, mail_to, mail_cc, subject,
		body_text, body_html, headers, header_message_id, state, attempts, next_attempt_at, last_error, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, '', ?) RETURNING id`,
		m.TicketID, string(m.Kind), m.MessageID, m.From, mustJSON(m.To), mustJSON(m.Cc), m.Subject,
		m.Text, m.HTML, mustJSON(m.Headers), m.Headers[desk.HeaderMessageID], string(m.State),
		db.d.Time(now), db.d.Time(now)).Scan(&m.ID)
	if err != nil {
		return db.dbErr(ctx, x, "queue mail", err,
			&desk.Error{Code: desk.ECONFLICT, Field: prefix + "headers",
				Message: fmt.Sprintf("a mail with Message-ID %s is already queued", m.Headers[desk.HeaderMessageID])},
			idRef(prefix+"ticket_id", "ticket", "tickets", &m.TicketID))
	}
	// A reply naming this Message-ID joins the ticket: linked in the same
	// transaction, so no mail goes out that its replies could not follow.
	if id := NormaliseMessageID(m.Headers[desk.HeaderMessageID]); id != "" {
		if err := db.linkMessageID(ctx, x, id, m.TicketID, true, now); err != nil {
			return err
		}
	}
	return db.audit(ctx, x, now, auditEntry{"mail.queue", EntityMail, m.ID, nil, auditOfMail(m)})
}

// AddMessageWithMail is AddMessage that queues mail, the e-mail carrying
// the message, in the same transaction. Field names of errors about the
// mail start with "mail.".
func (db *DB) AddMessageWithMail(ctx context.Context, m *desk.Message, files []desk.NewAttachment, reopen bool, mail *desk.OutboundMail) (*desk.Ticket, error) {
	if mail == nil {
		return db.addMessage(ctx, m, files, reopen, nil)
	}
	nm := *mail
	nm.To, nm.Cc, nm.Headers = slices.Clone(nm.To), slices.Clone(nm.Cc), cloneHeaders(nm.Headers)
	if err := checkMail(&nm, "mail."); err != nil {
		return nil, err
	}
	if m.Direction != desk.Outbound {
		return nil, desk.FieldErrorf("direction", "only outbound messages are mailed to the customer")
	}
	t, err := db.addMessage(ctx, m, files, reopen, func(x executor, msg *desk.Message) error {
		id := msg.ID
		nm.TicketID, nm.MessageID = msg.TicketID, &id
		return db.insertMail(ctx, x, &nm, msg.CreatedAt, "mail.")
	})
	if err != nil {
		return nil, err
	}
	*mail = nm
	return t, nil
}

func cloneHeaders(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = v
	}
	return out
}

// EnqueueMail queues a mail that carries no ticket message.
func (db *DB) EnqueueMail(ctx context.Context, mail *desk.OutboundMail) error {
	nm := *mail
	nm.To, nm.Cc, nm.Headers = slices.Clone(nm.To), slices.Clone(nm.Cc), cloneHeaders(nm.Headers)
	if err := checkMail(&nm, ""); err != nil {
		return err
	}
	if nm.MessageID != nil {
		return desk.FieldErrorf("message_id", "a mail carrying a message is queued with the message (AddMessageWithMail)")
	}
	err := db.inTx(ctx, func(x executor) error {
		return db.insertMail(ctx, x, &nm, db.Now(), "")
	})
	if err != nil {
		return err
	}
	*mail = nm
	return nil
}

// ClaimMail leases due mails to worker. On PostgreSQL the due rows are
// locked with SKIP LOCKED, so workers on other nodes claiming at the same
// moment take other rows instead of waiting; on SQLite the single writer
// runs one claim at a time. Either way the lease is set in the transaction
// that picked the rows, so no two workers hold the same mail.
func (db *DB) ClaimMail(ctx context.Context, worker string, limit int, lease time.Duration) ([]*desk.OutboundMail, error) {
	if strings.TrimSpace(worker) == "" {
		return nil, desk.FieldErrorf("worker", "the worker has no name")
	}
	if limit <= 0 || lease <= 0 {
		return nil, desk.Errorf(desk.EINVALID, "claim at least one mail for a positive lease")
	}
	lock := ""
	if db.d.ForUpdate != "" {
		lock = db.d.ForUpdate + " SKIP LOCKED"
	}
	var out []*desk.OutboundMail
	err := db.inTx(ctx, func(x executor) error {
		out = nil
		now := db.Now()
		rows, err := x.QueryContext(ctx, `SELECT id FROM outbox
			WHERE (state = 'queued' AND next_attempt_at <= ?) OR (state = 'sending' AND locked_until <= ?)
			ORDER BY next_attempt_at, id LIMIT ?`+lock, db.d.Time(now), db.d.Time(now), limit)
		if err != nil {
			return fmt.Errorf("find due mail: %w", err)
		}
		var ids []any
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("find due mail: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("find due mail: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		args := append([]any{worker, db.d.Time(now.Add(lease))}, ids...)
		rows, err = x.QueryContext(ctx, `UPDATE outbox SET state = 'sending', locked_by = ?, locked_until = ?, attempts = attempts + 1
			WHERE id IN (`+placeholders(len(ids))+`) RETURNING `+outboxCols, args...)
		if err != nil {
			return fmt.Errorf("claim mail: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMail(rows)
			if err != nil {
				return fmt.Errorf("claim mail: %w", err)
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// RETURNING gives no order; send the longest-waiting first.
	slices.SortFunc(out, func(a, b *desk.OutboundMail) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	if out == nil {
		out = []*desk.OutboundMail{}
	}
	return out, nil
}

// mailRow reads a mail inside a transaction, locked for the change that
// follows.
func (db *DB) mailRow(ctx context.Context, x executor, id int64) (*desk.OutboundMail, error) {
	m, err := scanMail(x.QueryRowContext(ctx, "SELECT "+outboxCols+" FROM outbox WHERE id = ?"+db.d.ForUpdate, id))
	if isNoRows(err) {
		return nil, notFound("mail", id)
	}
	if err != nil {
		return nil, fmt.Errorf("mail %d: %w", id, err)
	}
	return m, nil
}

// MarkMailSent records that a mail went out. A mail already marked sent
// stays as it was, so a second report of the same delivery changes nothing.
func (db *DB) MarkMailSent(ctx context.Context, id int64, worker string) error {
	return db.inTx(ctx, func(x executor) error {
		m, err := db.mailRow(ctx, x, id)
		if err != nil {
			return err
		}
		if m.State == desk.OutboxSent {
			return nil
		}
		now := db.Now()
		if _, err := x.ExecContext(ctx, `UPDATE outbox SET state = 'sent', sent_at = ?, locked_by = NULL, locked_until = NULL
			WHERE id = ?`, db.d.Time(now), id); err != nil {
			return fmt.Errorf("mark mail %d sent: %w", id, err)
		}
		before := auditOfMail(m)
		m.State, m.SentAt, m.LockedBy, m.LockedUntil = desk.OutboxSent, &now, "", nil
		return db.audit(ctx, x, now, auditEntry{"mail.sent", EntityMail, id, before, auditOfMail(m)})
	})
}

// leaseHeld returns ECONFLICT unless worker holds the lease of m.
func leaseHeld(m *desk.OutboundMail, worker string) error {
	if m.State != desk.OutboxSending || m.LockedBy != worker {
		return desk.Errorf(desk.ECONFLICT, "mail %d is not being sent by %s (it is %s)", m.ID, worker, m.State)
	}
	return nil
}

// MarkMailFailed records a failed attempt: the mail is queued again for
// f.RetryAt, or failed for good when f.RetryAt is zero.
func (db *DB) MarkMailFailed(ctx context.Context, id int64, worker string, f desk.MailFailure) error {
	msg := strings.ToValidUTF8(f.Error, "?")
	if r := []rune(msg); len(r) > 2000 {
		msg = string(r[:2000])
	}
	return db.inTx(ctx, func(x executor) error {
		m, err := db.mailRow(ctx, x, id)
		if err != nil {
			return err
		}
		if err := leaseHeld(m, worker); err != nil {
			return err
		}
		now := db.Now()
		state, next := desk.OutboxQueued, f.RetryAt.UTC().Truncate(time.Microsecond)
		if f.RetryAt.IsZero() {
			state, next = desk.OutboxFailed, m.NextAttemptAt
		}
		if _, err := x.ExecContext(ctx, `UPDATE outbox SET state = ?, next_attempt_at = ?, last_error = ?, locked_by = NULL, locked_until = NULL
			WHERE id = ?`, string(state), db.d.Time(next), msg, id); err != nil {
			return fmt.Errorf("mark mail %d failed: %w", id, err)
		}
		if state != desk.OutboxFailed {
			// Retries are routine; the audit log records outcomes.
			return nil
		}
		before := auditOfMail(m)
		m.State, m.LastError = state, msg
		return db.audit(ctx, x, now, auditEntry{"mail.fail", EntityMail, id, before, auditOfMail(m)})
	})
}

// ReleaseMail gives a claimed mail back unsent and uncounted.
func (db *DB) ReleaseMail(ctx context.Context, id int64, worker string) error {
	return db.inTx(ctx, func(x executor) error {
		m, err := db.mailRow(ctx, x, id)
		if err != nil {
			return err
		}
		if err := leaseHeld(m, worker); err != nil {
			return err
		}
		if _, err := x.ExecContext(ctx, `UPDATE outbox SET state = 'queued', attempts = attempts - 1, locked_by = NULL, locked_until = NULL
			WHERE id = ?`, id); err != nil {
			return fmt.Errorf("release mail %d: %w", id, err)
		}
		return nil
	})
}

// RetryMail queues a failed mail again, due now, with its attempts reset.
func (db *DB) RetryMail(ctx context.Context, id int64) (*desk.OutboundMail, error) {
	var out *desk.OutboundMail
	err := db.inTx(ctx, func(x executor) error {
		m, err := db.mailRow(ctx, x, id)
		if err != nil {
			return err
		}
		if m.State != desk.OutboxFailed {
			return desk.Errorf(desk.ECONFLICT, "mail %d is %s; only failed mail can be retried", id, m.State)
		}
		now := db.Now()
		if _, err := x.ExecContext(ctx, `UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = ?, last_error = ''
			WHERE id = ?`, db.d.Time(now), id); err != nil {
			return fmt.Errorf("retry mail %d: %w", id, err)
		}
		before := auditOfMail(m)
		m.State, m.Attempts, m.NextAttemptAt, m.LastError = desk.OutboxQueued, 0, now, ""
		out = m
		return db.audit(ctx, x, now, auditEntry{"mail.retry", EntityMail, id, before, auditOfMail(m)})
	})
	return out, err
}

// Mail returns one outbox mail.
func (db *DB) Mail(ctx context.Context, id int64) (*desk.OutboundMail, error) {
	m, err := scanMail(db.reader().QueryRowContext(ctx, "SELECT "+outboxCols+" FROM outbox WHERE id = ?", id))
	if isNoRows(err) {
		return nil, notFound("mail", id)
	}
	if err != nil {
		return nil, fmt.Errorf("mail %d: %w", id, err)
	}
	return m, nil
}

// MailByMessageID finds a mail by its Message-ID header.
func (db *DB) MailByMessageID(ctx context.Context, messageID string) (*desk.OutboundMail, error) {
	m, err := scanMail(db.reader().QueryRowContext(ctx, "SELECT "+outboxCols+" FROM outbox WHERE header_message_id = ?", messageID))
	if isNoRows(err) {
		return nil, desk.Errorf(desk.ENOTFOUND, "no mail has Message-ID %s", messageID)
	}
	if err != nil {
		return nil, fmt.Errorf("mail %s: %w", messageID, err)
	}
	return m, nil
}

// ListMail lists outbox mails, newest first.
func (db *DB) ListMail(ctx context.Context, f desk.OutboxFilter) ([]*desk.OutboundMail, string, error) {
	p, err := parsePage(f.Limit, f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var where []string
	var args []any
	if f.TicketID != nil {
		where, args = append(where, "ticket_id = ?"), append(args, *f.TicketID)
	}
	if f.State != "" {
		if !f.State.Valid() {
			return nil, "", desk.FieldErrorf("state", "unknown state %q; use queued, sending, sent or failed", f.State)
		}
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	return listPage(ctx, db, "list mail", "SELECT "+outboxCols+" FROM outbox", where, args, p, scanMail,
		func(m *desk.OutboundMail) int64 { return m.ID })
}

// MailboxPosition returns where polling of a mailbox left off.
func (db *DB) MailboxPosition(ctx context.Context, mailbox string) (*desk.MailboxPosition, error) {
	p := desk.MailboxPosition{Mailbox: mailbox}
	var validity, last int64
	err := db.reader().QueryRowContext(ctx, "SELECT uid_validity, last_uid, updated_at FROM imap_positions WHERE mailbox = ?", mailbox).
		Scan(&validity, &last, timeCol{&p.UpdatedAt})
	if isNoRows(err) {
		return nil, desk.Errorf(desk.ENOTFOUND, "mailbox %s has not been polled yet", mailbox)
	}
	if err != nil {
		return nil, fmt.Errorf("position of mailbox %s: %w", mailbox, err)
	}
	p.UIDValidity, p.LastUID = uint32(validity), uint32(last)
	return &p, nil
}

// SetMailboxPosition records where polling of a mailbox has got.
func (db *DB) SetMailboxPosition(ctx context.Context, p desk.MailboxPosition) error {
	if strings.TrimSpace(p.Mailbox) == "" || !utf8.ValidString(p.Mailbox) {
		return desk.FieldErrorf("mailbox", "the mailbox has no name")
	}
	return db.inTx(ctx, func(x executor) error {
		now := db.Now()
		_, err := x.ExecContext(ctx, `INSERT INTO imap_positions (mailbox, uid_validity, last_uid, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, updated_at = excluded.updated_at`,
			p.Mailbox, int64(p.UIDValidity), int64(p.LastUID), db.d.Time(now))
		if err != nil {
			return fmt.Errorf("set position of mailbox %s: %w", p.Mailbox, err)
		}
		return nil
	})
}
