package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"destek/internal/desk"
)

const ticketCols = "id, subject, status, priority, queue, scope_category, assignee_id, contact_id, account_id, channel, " +
	"policy_version, merged_into_id, tags, links, created_at, updated_at, closed_at"

func scanTicket(s scanner) (*desk.Ticket, error) {
	var t desk.Ticket
	err := s.Scan(&t.ID, &t.Subject, &t.Status, &t.Priority, &t.Queue, &t.ScopeCategory, nullInt{&t.AssigneeID},
		&t.ContactID, nullInt{&t.AccountID}, &t.Channel, &t.PolicyVersion, nullInt{&t.MergedIntoID},
		jsonCol{&t.Tags}, jsonCol{&t.Links}, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt}, nullTimeCol{&t.ClosedAt})
	if err != nil {
		return nil, err
	}
	if t.Tags == nil {
		t.Tags = []string{}
	}
	if t.Links == nil {
		t.Links = []desk.TicketLink{}
	}
	return &t, nil
}

func checkSubject(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", desk.FieldErrorf("subject", "the subject is empty")
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 1000 {
		return "", desk.FieldErrorf("subject", "the subject is longer than 1000 characters or not valid UTF-8")
	}
	return s, nil
}

func checkScope(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 100 {
		return "", desk.FieldErrorf("scope_category", "the scope category is longer than 100 characters or not valid UTF-8")
	}
	return s, nil
}

// ticketRefs are the references of a ticket row that come from input.
func ticketRefs(t *desk.Ticket) []ref {
	return []ref{
		{field: "queue", what: "queue", table: "queues", col: "key", val: t.Queue},
		idRef("assignee_id", "agent", "agents", t.AssigneeID),
		idRef("account_id", "account", "accounts", t.AccountID),
	}
}

// CreateTicket stores a new ticket with its first message and attachments,
// finding or creating its contact, in one transaction. Defaults: status new,
// priority normal, queue support, channel the contact's, the message inbound
// on the ticket's channel. When the ticket names no account it takes the
// contact's. Field names of errors about the contact and the message start
// with "contact." and "message.". The arguments are updated only on success.
func (db *DB) CreateTicket(ctx context.Context, t *desk.Ticket, contact *desk.Contact, first *desk.Message, files []desk.NewAttachment) error {
	if t == nil || contact == nil || first == nil {
		return desk.Errorf(desk.EINVALID, "a ticket needs a contact and a first message")
	}
	nt, nc, nm := *t, *contact, *first
	if err := checkContact(&nc, "contact."); err != nil {
		return err
	}
	var err error
	if nt.Subject, err = checkSubject(nt.Subject); err != nil {
		return err
	}
	if nt.Status == "" {
		nt.Status = desk.StatusNew
	}
	if !nt.Status.Valid() {
		return desk.FieldErrorf("status", "unknown status %q; use one of new, open, pending_customer, pending_internal, resolved, closed", nt.Status)
	}
	if nt.Priority == "" {
		nt.Priority = desk.PriorityNormal
	}
	if !nt.Priority.Valid() {
		return desk.FieldErrorf("priority", "unknown priority %q; use low, normal, high or urgent", nt.Priority)
	}
	if nt.Queue = strings.TrimSpace(nt.Queue); nt.Queue == "" {
		nt.Queue = desk.QueueSupport
	}
	if nt.ScopeCategory, err = checkScope(nt.ScopeCategory); err != nil {
		return err
	}
	if nt.Channel == "" {
		nt.Channel = nc.Channel
	}
	if !nt.Channel.Valid() {
		return desk.FieldErrorf("channel", "unknown channel %q; use one of ticket, email, chat, phone, social", nt.Channel)
	}
	if nt.Tags, err = desk.NormaliseTags(nt.Tags); err != nil {
		return err
	}
	if nm.Channel == "" {
		nm.Channel = nt.Channel
	}
	atts, err := checkMessage(&nm, files, "message.")
	if err != nil {
		return err
	}
	now := db.Now()
	nt.ID, nt.MergedIntoID, nt.Links = 0, nil, []desk.TicketLink{}
	nt.CreatedAt, nt.UpdatedAt, nt.ClosedAt = now, now, nil
	if nt.Status == desk.StatusClosed {
		nt.ClosedAt = &now
	}
	nm.CreatedAt = now

	var stored *desk.Contact
	err = db.inTx(ctx, func(x executor) error {
		c, created, err := db.findOrCreateContact(ctx, x, &nc, now)
		if err != nil {
			return err
		}
		stored = c
		nt.ContactID = c.ID
		if nt.AccountID == nil && c.AccountID != nil {
			id := *c.AccountID
			nt.AccountID = &id
		}
		if err := db.insertTicket(ctx, x, &nt); err != nil {
			return err
		}
		nm.TicketID = nt.ID
		contactID := c.ID
		nm.AuthorContactID = &contactID
		if err := db.insertMessage(ctx, x, &nm, atts, "message."); err != nil {
			return err
		}
		if err := db.claimMail(ctx, x, &nm); err != nil {
			return err
		}
		if err := db.claimWebhook(ctx, x, &nm); err != nil {
			return err
		}
		events := make([]auditEntry, 0, 3)
		if created {
			events = append(events, auditEntry{"contact.create", EntityContact, c.ID, nil, c})
		}
		events = append(events,
			auditEntry{"ticket.create", EntityTicket, nt.ID, nil, &nt},
			auditEntry{"message.create", EntityMessage, nm.ID, nil, &nm})
		return db.audit(ctx, x, now, events...)
	})
	if err != nil {
		return err
	}
	*t, *contact, *first = nt, *stored, nm
	return nil
}

// insertTicket inserts t (ID and times set by the caller except ID), its
// tags and its subject's search entry.
func (db *DB) insertTicket(ctx context.Context, x executor, t *desk.Ticket) error {
	err := x.QueryRowContext(ctx, `INSERT INTO tickets (subject, status, priority, queue, scope_category, assignee_id,
		contact_id, account_id, channel, policy_version, merged_into_id, tags, links, created_at, updated_at, closed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		t.Subject, string(t.Status), string(t.Priority), t.Queue, t.ScopeCategory, t.AssigneeID,
		t.ContactID, t.AccountID, string(t.Channel), t.PolicyVersion, t.MergedIntoID, mustJSON(t.Tags), mustJSON(t.Links),
		db.d.Time(t.CreatedAt), db.d.Time(t.UpdatedAt), db.nullTime(t.ClosedAt)).Scan(&t.ID)
	if err != nil {
		return db.dbErr(ctx, x, "create ticket", err, nil, ticketRefs(t)...)
	}
	if err := db.insertTags(ctx, x, t.ID, t.Tags); err != nil {
		return err
	}
	if err := db.d.Search.IndexTicket(ctx, x, t.ID, t.Subject, false); err != nil {
		return fmt.Errorf("index ticket %d: %w", t.ID, err)
	}
	return nil
}

func (db *DB) insertTags(ctx context.Context, x executor, id int64, tags []string) error {
	if len(tags) == 0 {
		return nil
	}
	q := "INSERT INTO ticket_tags (tag, ticket_id) VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(tags)), ", ")
	args := make([]any, 0, 2*len(tags))
	for _, tag := range tags {
		args = append(args, tag, id)
	}
	if _, err := x.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("tag ticket %d: %w", id, err)
	}
	return nil
}

// Ticket returns a ticket by id.
func (db *DB) Ticket(ctx context.Context, id int64) (*desk.Ticket, error) {
	return db.ticket(ctx, db.reader(), id, false)
}

func (db *DB) ticket(ctx context.Context, x executor, id int64, forUpdate bool) (*desk.Ticket, error) {
	q := "SELECT " + ticketCols + " FROM tickets WHERE id = ?"
	if forUpdate {
		q += db.d.ForUpdate
	}
	t, err := scanTicket(x.QueryRowContext(ctx, q, id))
	if isNoRows(err) {
		return nil, notFound("ticket", id)
	}
	if err != nil {
		return nil, fmt.Errorf("ticket %d: %w", id, err)
	}
	return t, nil
}

// ListTickets returns tickets matching every set field of f, newest first.
func (db *DB) ListTickets(ctx context.Context, f desk.TicketFilter) ([]*desk.Ticket, string, error) {
	p, err := parsePage(f.Limit, f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var where []string
	var args []any
	if len(f.Status) > 0 {
		for _, s := range f.Status {
			if !s.Valid() {
				return nil, "", desk.FieldErrorf("status", "unknown status %q; use one of new, open, pending_customer, pending_internal, resolved, closed", s)
			}
			args = append(args, string(s))
		}
		where = append(where, "status IN ("+placeholders(len(f.Status))+")")
	}
	if f.Queue != "" {
		where, args = append(where, "queue = ?"), append(args, f.Queue)
	}
	if f.AssigneeID != nil && f.Unassigned {
		return nil, "", desk.FieldErrorf("unassigned", "ask for unassigned tickets or for an assignee's tickets, not both")
	}
	if f.AssigneeID != nil {
		where, args = append(where, "assignee_id = ?"), append(args, *f.AssigneeID)
	}
	if f.Unassigned {
		where = append(where, "assignee_id IS NULL")
	}
	if f.ContactID != nil {
		where, args = append(where, "contact_id = ?"), append(args, *f.ContactID)
	}
	if f.AccountID != nil {
		where, args = append(where, "account_id = ?"), append(args, *f.AccountID)
	}
	if f.Channel != "" {
		if !f.Channel.Valid() {
			return nil, "", desk.FieldErrorf("channel", "unknown channel %q; use one of ticket, email, chat, phone, social", f.Channel)
		}
		where, args = append(where, "channel = ?"), append(args, string(f.Channel))
	}
	if f.Tag != "" {
		where, args = append(where, "id IN (SELECT ticket_id FROM ticket_tags WHERE tag = ?)"), append(args, strings.ToLower(strings.TrimSpace(f.Tag)))
	}
	if f.Priority != "" {
		if !f.Priority.Valid() {
			return nil, "", desk.FieldErrorf("priority", "unknown priority %q; use low, normal, high or urgent", f.Priority)
		}
		where, args = append(where, "priority = ?"), append(args, string(f.Priority))
	}
	return listPage(ctx, db, "list tickets", "SELECT "+ticketCols+" FROM tickets", where, args, p, scanTicket,
		func(v *desk.Ticket) int64 { return v.ID })
}

// UpdateTicket applies u to a ticket. A status change must pass
// desk.CheckTransition against the status read under the row lock, and a
// merged ticket's status no longer changes. Moving to closed stamps ClosedAt;
// moving out of closed clears it. An update that changes nothing writes
// nothing.
func (db *DB) UpdateTicket(ctx context.Context, id int64, u desk.TicketUpdate) (*desk.Ticket, error) {
	var out *desk.Ticket
	err := db.inTx(ctx, func(x executor) error {
		before, err := db.ticket(ctx, x, id, true)
		if err != nil {
			return err
		}
		t := *before
		if u.Subject != nil {
			if t.Subject, err = checkSubject(*u.Subject); err != nil {
				return err
			}
		}
		if u.Status != nil {
			// Checked here, under the row lock, so two concurrent changes
			// cannot both pass the rule against a stale status.
			if err := desk.CheckTransition(before.Status, *u.Status); err != nil {
				return err
			}
			if before.MergedIntoID != nil && *u.Status != before.Status {
				return &desk.Error{Code: desk.ECONFLICT, Field: "status", Message: fmt.Sprintf("ticket %d was merged into ticket %d and stays closed", id, *before.MergedIntoID)}
			}
			t.Status = *u.Status
		}
		if u.Priority != nil {
			if !u.Priority.Valid() {
				return desk.FieldErrorf("priority", "unknown priority %q; use low, normal, high or urgent", *u.Priority)
			}
			t.Priority = *u.Priority
		}
		if u.Queue != nil {
			if t.Queue = strings.TrimSpace(*u.Queue); t.Queue == "" {
				return desk.FieldErrorf("queue", "the queue is empty")
			}
		}
		if u.ScopeCategory != nil {
			if t.ScopeCategory, err = checkScope(*u.ScopeCategory); err != nil {
				return err
			}
		}
		if u.AssigneeID != nil {
			t.AssigneeID = *u.AssigneeID
		}
		if u.AccountID != nil {
			t.AccountID = *u.AccountID
		}
		if u.Tags != nil {
			if t.Tags, err = desk.NormaliseTags(*u.Tags); err != nil {
				return err
			}
		}
		now := db.Now()
		switch {
		case t.Status == desk.StatusClosed && before.Status != desk.StatusClosed:
			t.ClosedAt = &now
		case t.Status != desk.StatusClosed:
			t.ClosedAt = nil
		}
		if mustJSON(t) == mustJSON(before) {
			out = before
			return nil
		}
		t.UpdatedAt = now
		_, err = x.ExecContext(ctx, `UPDATE tickets SET subject = ?, status = ?, priority = ?, queue = ?, scope_category = ?,
			assignee_id = ?, account_id = ?, tags = ?, updated_at = ?, closed_at = ? WHERE id = ?`,
			t.Subject, string(t.Status), string(t.Priority), t.Queue, t.ScopeCategory, t.AssigneeID, t.AccountID,
			mustJSON(t.Tags), db.d.Time(t.UpdatedAt), db.nullTime(t.ClosedAt), id)
		if err != nil {
			return db.dbErr(ctx, x, "update ticket", err, nil, ticketRefs(&t)...)
		}
		if !slices.Equal(t.Tags, before.Tags) {
			if _, err := x.ExecContext(ctx, "DELETE FROM ticket_tags WHERE ticket_id = ?", id); err != nil {
				return fmt.Errorf("retag ticket %d: %w", id, err)
			}
			if err := db.insertTags(ctx, x, id, t.Tags); err != nil {
				return err
			}
		}
		if t.Subject != before.Subject {
			if err := db.d.Search.IndexTicket(ctx, x, id, t.Subject, true); err != nil {
				return fmt.Errorf("index ticket %d: %w", id, err)
			}
		}
		if t.ScopeCategory != before.ScopeCategory {
			// Kept apart from the audit trail: corrections are the
			// classifier's training data and are exported as such.
			actor := desk.ActorFrom(ctx)
			if _, err := x.ExecContext(ctx, `INSERT INTO scope_corrections (ticket_id, from_category, to_category, actor_kind, actor_id, actor_role, at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, id, before.ScopeCategory, t.ScopeCategory, string(actor.Kind), actor.ID, string(actor.Role), db.d.Time(now)); err != nil {
				return fmt.Errorf("record scope correction of ticket %d: %w", id, err)
			}
		}
		out = &t
		return db.audit(ctx, x, now, auditEntry{"ticket.update", EntityTicket, id, before, &t})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LinkTickets links ticket a to ticket b. A related link goes both ways and
// is written once: linking again changes nothing. A merged link closes a and
// records b as what a was merged into; a ticket is merged only once, and
// never into a ticket that was itself merged. A missing a is ENOTFOUND; a
// missing b is EINVALID on the field "ticket_id", the ticket linked to.
func (db *DB) LinkTickets(ctx context.Context, a, b int64, kind desk.LinkKind) error {
	if !kind.Valid() {
		return desk.FieldErrorf("kind", "unknown link kind %q; use related or merged", kind)
	}
	if a == b {
		return desk.FieldErrorf("ticket_id", "a ticket cannot be linked to itself")
	}
	return db.inTx(ctx, func(x executor) error {
		// Lock in id order so that two links between the same tickets in
		// opposite directions cannot deadlock.
		lo, hi := min(a, b), max(a, b)
		tlo, errLo := db.ticket(ctx, x, lo, true)
		thi, errHi := db.ticket(ctx, x, hi, true)
		ta, tb, errA, errB := tlo, thi, errLo, errHi
		if a != lo {
			ta, tb, errA, errB = thi, tlo, errHi, errLo
		}
		if errA != nil {
			return errA
		}
		if desk.ErrorCode(errB) == desk.ENOTFOUND {
			return desk.FieldErrorf("ticket_id", "ticket %d does not exist", b)
		}
		if errB != nil {
			return errB
		}
		now := db.Now()
		if kind == desk.LinkMerged {
			if ta.MergedIntoID != nil {
				return &desk.Error{Code: desk.ECONFLICT, Field: "ticket_id", Message: fmt.Sprintf("ticket %d was already merged into ticket %d", a, *ta.MergedIntoID)}
			}
			if tb.MergedIntoID != nil {
				return &desk.Error{Code: desk.ECONFLICT, Field: "ticket_id", Message: fmt.Sprintf("ticket %d was itself merged into ticket %d; merge into that one", b, *tb.MergedIntoID)}
			}
			after := *ta
			after.Links = append(slices.Clone(ta.Links), desk.TicketLink{TicketID: b, Kind: desk.LinkMerged, CreatedAt: now})
			after.MergedIntoID = &b
			if after.Status != desk.StatusClosed {
				after.Status = desk.StatusClosed
				after.ClosedAt = &now
			}
			after.UpdatedAt = now
			if err := db.writeLinks(ctx, x, &after); err != nil {
				return err
			}
			return db.audit(ctx, x, now, auditEntry{"ticket.merge", EntityTicket, a, ta, &after})
		}
		if hasLink(ta, b, desk.LinkRelated) && hasLink(tb, a, desk.LinkRelated) {
			return nil
		}
		var events []auditEntry
		for _, pair := range [][2]*desk.Ticket{{ta, tb}, {tb, ta}} {
			from, to := pair[0], pair[1]
			if hasLink(from, to.ID, desk.LinkRelated) {
				continue
			}
			after := *from
			after.Links = append(slices.Clone(from.Links), desk.TicketLink{TicketID: to.ID, Kind: desk.LinkRelated, CreatedAt: now})
			after.UpdatedAt = now
			if err := db.writeLinks(ctx, x, &after); err != nil {
				return err
			}
			events = append(events, auditEntry{"ticket.link", EntityTicket, from.ID, from, &after})
		}
		return db.audit(ctx, x, now, events...)
	})
}

func hasLink(t *desk.Ticket, to int64, kind desk.LinkKind) bool {
	return slices.ContainsFunc(t.Links, func(l desk.TicketLink) bool { return l.TicketID == to && l.Kind == kind })
}

// writeLinks stores the link-related fields of t.
func (db *DB) writeLinks(ctx context.Context, x executor, t *desk.Ticket) error {
	_, err := x.ExecContext(ctx, "UPDATE tickets SET links = ?, merged_into_id = ?, status = ?, closed_at = ?, updated_at = ? WHERE id = ?",
		mustJSON(t.Links), t.MergedIntoID, string(t.Status), db.nullTime(t.ClosedAt), db.d.Time(t.UpdatedAt), t.ID)
	if err != nil {
		return fmt.Errorf("link ticket %d: %w", t.ID, err)
	}
	return nil
}
