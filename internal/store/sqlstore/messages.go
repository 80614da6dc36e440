package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"destek/internal/desk"
)

const messageCols = "id, ticket_id, direction, channel, author_agent_id, author_contact_id, text, html, classification, created_at"

func scanMessage(s scanner) (*desk.Message, error) {
	var m desk.Message
	var class json.RawMessage
	err := s.Scan(&m.ID, &m.TicketID, &m.Direction, &m.Channel, nullInt{&m.AuthorAgentID}, nullInt{&m.AuthorContactID},
		&m.Text, &m.HTML, rawJSON{&class}, timeCol{&m.CreatedAt})
	if err != nil {
		return nil, err
	}
	if len(class) > 0 && string(class) != "null" {
		m.Classification = new(desk.Classification)
		if err := json.Unmarshal(class, m.Classification); err != nil {
			return nil, fmt.Errorf("classification of message %d: %w", m.ID, err)
		}
	}
	m.Attachments = []desk.Attachment{}
	return &m, nil
}

// classificationArg is the column value of a message's classification:
// NULL when the message has none.
func classificationArg(c *desk.Classification) any {
	if c == nil {
		return nil
	}
	return mustJSON(c)
}

const attachmentCols = "id, message_id, filename, content_type, size, sha256, created_at"

func scanAttachment(s scanner) (*desk.Attachment, error) {
	var a desk.Attachment
	if err := s.Scan(&a.ID, &a.MessageID, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, timeCol{&a.CreatedAt}); err != nil {
		return nil, err
	}
	return &a, nil
}

// newAttachment is an attachment ready to insert.
type newAttachment struct {
	meta desk.Attachment
	data []byte
}

// checkMessage validates a new message and its files. Direction defaults to
// inbound; the channel must already be set. Text may be empty only when
// files come with it. prefix goes before field names.
func checkMessage(m *desk.Message, files []desk.NewAttachment, prefix string) ([]newAttachment, error) {
	if m.Direction == "" {
		m.Direction = desk.Inbound
	}
	if !m.Direction.Valid() {
		return nil, desk.FieldErrorf(prefix+"direction", "unknown direction %q; use inbound, outbound or note", m.Direction)
	}
	if !m.Channel.Valid() {
		return nil, desk.FieldErrorf(prefix+"channel", "unknown channel %q; use one of ticket, email, chat, phone, social", m.Channel)
	}
	if !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		return nil, desk.FieldErrorf(prefix+"text", "the message is not valid UTF-8")
	}
	if strings.TrimSpace(m.Text) == "" && len(files) == 0 {
		return nil, desk.FieldErrorf(prefix+"text", "the message is empty")
	}
	atts := make([]newAttachment, len(files))
	for i, f := range files {
		name := strings.TrimSpace(f.Filename)
		if name == "" {
			name = "attachment"
		}
		if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 255 {
			return nil, desk.FieldErrorf(fmt.Sprintf("attachments[%d].filename", i), "the file name is longer than 255 characters or not valid UTF-8")
		}
		ct := strings.TrimSpace(f.ContentType)
		if ct == "" {
			ct = "application/octet-stream"
		}
		sum := sha256.Sum256(f.Data)
		data := f.Data
		if data == nil {
			data = []byte{} // the column is NOT NULL; an empty file is still a file
		}
		atts[i] = newAttachment{
			meta: desk.Attachment{Filename: name, ContentType: ct, Size: int64(len(f.Data)), SHA256: hex.EncodeToString(sum[:])},
			data: data,
		}
	}
	m.ID = 0
	m.Attachments = []desk.Attachment{}
	return atts, nil
}

// insertMessage inserts m (times set), its attachments and its search entry.
func (db *DB) insertMessage(ctx context.Context, x executor, m *desk.Message, atts []newAttachment, prefix string) error {
	err := x.QueryRowContext(ctx, `INSERT INTO messages (ticket_id, direction, channel, author_agent_id, author_contact_id, text, html, classification, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.TicketID, string(m.Direction), string(m.Channel), m.AuthorAgentID, m.AuthorContactID, m.Text, m.HTML,
		classificationArg(m.Classification), db.d.Time(m.CreatedAt)).Scan(&m.ID)
	if err != nil {
		return db.dbErr(ctx, x, "create message", err, nil,
			idRef(prefix+"author_agent_id", "agent", "agents", m.AuthorAgentID),
			idRef(prefix+"author_contact_id", "contact", "contacts", m.AuthorContactID))
	}
	for _, a := range atts {
		meta := a.meta
		meta.MessageID, meta.CreatedAt = m.ID, m.CreatedAt
		err := x.QueryRowContext(ctx, `INSERT INTO attachments (message_id, filename, content_type, size, sha256, data, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			meta.MessageID, meta.Filename, meta.ContentType, meta.Size, meta.SHA256, a.data, db.d.Time(meta.CreatedAt)).Scan(&meta.ID)
		if err != nil {
			return fmt.Errorf("store attachment %s: %w", meta.Filename, err)
		}
		m.Attachments = append(m.Attachments, meta)
	}
	if strings.TrimSpace(m.Text) != "" {
		if err := db.d.Search.IndexMessage(ctx, x, m.ID, m.TicketID, m.Text); err != nil {
			return fmt.Errorf("index message %d: %w", m.ID, err)
		}
	}
	return nil
}

// AddMessage appends a message (and its attachments) to a ticket and moves
// the ticket's status as desk.StatusAfterMessage says, all in one
// transaction with the ticket row locked: the message and the status change
// are written together or not at all. A closed ticket takes a reply only
// with reopen; a merged ticket takes only internal notes.
func (db *DB) AddMessage(ctx context.Context, m *desk.Message, files []desk.NewAttachment, reopen bool) (*desk.Ticket, error) {
	return db.addMessage(ctx, m, files, reopen, nil)
}

// addMessage is AddMessage; also, when set, it runs inside the
// transaction once the message is stored (AddMessageWithMail queues the
// message's mail there).
func (db *DB) addMessage(ctx context.Context, m *desk.Message, files []desk.NewAttachment, reopen bool,
	also func(x executor, stored *desk.Message) error) (*desk.Ticket, error) {
	n := *m
	if n.Channel != "" && !n.Channel.Valid() {
		return nil, desk.FieldErrorf("channel", "unknown channel %q; use one of ticket, email, chat, phone, social", n.Channel)
	}
	var out *desk.Ticket
	err := db.inTx(ctx, func(x executor) error {
		before, err := db.ticket(ctx, x, n.TicketID, true)
		if err != nil {
			return err
		}
		if before.MergedIntoID != nil && n.Direction != desk.Note {
			return &desk.Error{Code: desk.ECONFLICT, Message: fmt.Sprintf("ticket %d was merged into ticket %d; write there", before.ID, *before.MergedIntoID)}
		}
		if n.Channel == "" {
			n.Channel = before.Channel
		}
		atts, err := checkMessage(&n, files, "")
		if err != nil {
			return err
		}
		next, err := desk.StatusAfterMessage(before.Status, n.Direction, reopen)
		if err != nil {
			return err
		}
		n.CreatedAt = db.Now()
		if err := db.insertMessage(ctx, x, &n, atts, ""); err != nil {
			return err
		}
		if err := db.claimMail(ctx, x, &n); err != nil {
			return err
		}
		if err := db.claimWebhook(ctx, x, &n); err != nil {
			return err
		}
		if also != nil {
			if err := also(x, &n); err != nil {
				return err
			}
		}
		t := *before
		t.Status, t.UpdatedAt = next, n.CreatedAt
		if next != desk.StatusClosed {
			t.ClosedAt = nil
		}
		if _, err := x.ExecContext(ctx, "UPDATE tickets SET status = ?, updated_at = ?, closed_at = ? WHERE id = ?",
			string(t.Status), db.d.Time(t.UpdatedAt), db.nullTime(t.ClosedAt), n.TicketID); err != nil {
			return fmt.Errorf("bump ticket %d: %w", n.TicketID, err)
		}
		events := []auditEntry{{"message.create", EntityMessage, n.ID, nil, &n}}
		if t.Status != before.Status {
			events = append(events, auditEntry{"ticket.update", EntityTicket, t.ID, before, &t})
		}
		out = &t
		return db.audit(ctx, x, n.CreatedAt, events...)
	})
	if err != nil {
		return nil, err
	}
	*m = n
	return out, nil
}

// Messages returns a ticket's messages with their attachments, oldest
// first. A missing ticket is ENOTFOUND.
func (db *DB) Messages(ctx context.Context, ticketID int64) ([]*desk.Message, error) {
	x := db.reader()
	var one int
	err := x.QueryRowContext(ctx, "SELECT 1 FROM tickets WHERE id = ?", ticketID).Scan(&one)
	if isNoRows(err) {
		return nil, notFound("ticket", ticketID)
	}
	if err != nil {
		return nil, fmt.Errorf("messages of ticket %d: %w", ticketID, err)
	}
	rows, err := x.QueryContext(ctx, "SELECT "+messageCols+" FROM messages WHERE ticket_id = ? ORDER BY id", ticketID)
	if err != nil {
		return nil, fmt.Errorf("messages of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	out := []*desk.Message{}
	byID := map[int64]*desk.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("messages of ticket %d: %w", ticketID, err)
		}
		out = append(out, m)
		byID[m.ID] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("messages of ticket %d: %w", ticketID, err)
	}
	rows.Close()
	// One query for the attachments of all the messages.
	arows, err := x.QueryContext(ctx, "SELECT "+attachmentCols+
		" FROM attachments WHERE message_id IN (SELECT id FROM messages WHERE ticket_id = ?) ORDER BY id", ticketID)
	if err != nil {
		return nil, fmt.Errorf("attachments of ticket %d: %w", ticketID, err)
	}
	defer arows.Close()
	for arows.Next() {
		a, err := scanAttachment(arows)
		if err != nil {
			return nil, fmt.Errorf("attachments of ticket %d: %w", ticketID, err)
		}
		// A message added between the two queries is not in byID; its
		// attachments wait for the next read.
		if m := byID[a.MessageID]; m != nil {
			m.Attachments = append(m.Attachments, *a)
		}
	}
	if err := arows.Err(); err != nil {
		return nil, fmt.Errorf("attachments of ticket %d: %w", ticketID, err)
	}
	return out, nil
}

// Message returns a message with its attachments.
func (db *DB) Message(ctx context.Context, id int64) (*desk.Message, error) {
	x := db.reader()
	m, err := scanMessage(x.QueryRowContext(ctx, "SELECT "+messageCols+" FROM messages WHERE id = ?", id))
	if isNoRows(err) {
		return nil, notFound("message", id)
	}
	if err != nil {
		return nil, fmt.Errorf("message %d: %w", id, err)
	}
	rows, err := x.QueryContext(ctx, "SELECT "+attachmentCols+" FROM attachments WHERE message_id = ? ORDER BY id", id)
	if err != nil {
		return nil, fmt.Errorf("attachments of message %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, fmt.Errorf("attachments of message %d: %w", id, err)
		}
		m.Attachments = append(m.Attachments, *a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("attachments of message %d: %w", id, err)
	}
	return m, nil
}

// Attachment returns an attachment's description.
func (db *DB) Attachment(ctx context.Context, id int64) (*desk.Attachment, error) {
	a, err := scanAttachment(db.reader().QueryRowContext(ctx, "SELECT "+attachmentCols+" FROM attachments WHERE id = ?", id))
	if isNoRows(err) {
		return nil, notFound("attachment", id)
	}
	if err != nil {
		return nil, fmt.Errorf("attachment %d: %w", id, err)
	}
	return a, nil
}

// AttachmentData returns an attachment's bytes.
func (db *DB) AttachmentData(ctx context.Context, id int64) ([]byte, error) {
	var data []byte
	err := db.reader().QueryRowContext(ctx, "SELECT data FROM attachments WHERE id = ?", id).Scan(&data)
	if isNoRows(err) {
		return nil, notFound("attachment", id)
	}
	if err != nil {
		return nil, fmt.Errorf("attachment %d: %w", id, err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}
