package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"destek/internal/desk"
	"destek/internal/textfold"
)

const contactCols = "id, channel, address, name, account_id, created_at, updated_at"

func scanContact(s scanner) (*desk.Contact, error) {
	var c desk.Contact
	err := s.Scan(&c.ID, &c.Channel, &c.Address, &c.Name, nullInt{&c.AccountID}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// checkContact validates and normalises a new contact; prefix is put before
// field names ("contact." when the contact comes with a ticket).
func checkContact(c *desk.Contact, prefix string) error {
	if !c.Channel.Valid() {
		return desk.FieldErrorf(prefix+"channel", "unknown channel %q; use one of ticket, email, chat, phone, social", c.Channel)
	}
	a, err := normaliseAs(prefix+"address", c.Channel, c.Address)
	if err != nil {
		return err
	}
	c.Address = a
	c.Name = strings.TrimSpace(c.Name)
	if !utf8.ValidString(c.Name) || utf8.RuneCountInString(c.Name) > 200 {
		return desk.FieldErrorf(prefix+"name", "the name is longer than 200 characters or not valid UTF-8")
	}
	return nil
}

func contactSearchKey(c *desk.Contact) string {
	return textfold.Fold(c.Name + " " + c.Address)
}

const contactInsert = `INSERT INTO contacts (channel, address, name, account_id, search_key, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?)`

// CreateContact stores a new contact; (channel, address) must be new.
func (db *DB) CreateContact(ctx context.Context, c *desk.Contact) error {
	n := *c
	if err := checkContact(&n, ""); err != nil {
		return err
	}
	n.CreatedAt = db.Now()
	n.UpdatedAt = n.CreatedAt
	err := db.inTx(ctx, func(x executor) error {
		err := x.QueryRowContext(ctx, contactInsert+" RETURNING id",
			string(n.Channel), n.Address, n.Name, n.AccountID, contactSearchKey(&n),
			db.d.Time(n.CreatedAt), db.d.Time(n.UpdatedAt)).Scan(&n.ID)
		if err != nil {
			return db.dbErr(ctx, x, "create contact", err,
				&desk.Error{Code: desk.ECONFLICT, Field: "address", Message: fmt.Sprintf("a %s contact with the address %s already exists", n.Channel, n.Address)},
				idRef("account_id", "account", "accounts", n.AccountID))
		}
		return db.audit(ctx, x, n.CreatedAt, auditEntry{"contact.create", EntityContact, n.ID, nil, &n})
	})
	if err != nil {
		return err
	}
	*c = n
	return nil
}

// findOrCreateContact returns the contact with c's channel and address,
// creating it from c when there is none. c must have passed checkContact.
// The insert does nothing on a clash, so two transactions creating the same
// contact at once (possible on PostgreSQL) both end up with the one row.
func (db *DB) findOrCreateContact(ctx context.Context, x executor, c *desk.Contact, now time.Time) (*desk.Contact, bool, error) {
	const find = "SELECT " + contactCols + " FROM contacts WHERE channel = ? AND address = ?"
	found, err := scanContact(x.QueryRowContext(ctx, find, string(c.Channel), c.Address))
	if err == nil {
		return found, false, nil
	}
	if !isNoRows(err) {
		return nil, false, fmt.Errorf("find contact: %w", err)
	}
	n := *c
	n.CreatedAt, n.UpdatedAt = now, now
	err = x.QueryRowContext(ctx, contactInsert+" ON CONFLICT (channel, address) DO NOTHING RETURNING id",
		string(n.Channel), n.Address, n.Name, n.AccountID, contactSearchKey(&n),
		db.d.Time(n.CreatedAt), db.d.Time(n.UpdatedAt)).Scan(&n.ID)
	if err == nil {
		return &n, true, nil
	}
	if !isNoRows(err) {
		return nil, false, db.dbErr(ctx, x, "create contact", err, nil, idRef("contact.account_id", "account", "accounts", n.AccountID))
	}
	found, err = scanContact(x.QueryRowContext(ctx, find, string(c.Channel), c.Address))
	if err != nil {
		return nil, false, fmt.Errorf("find contact after a concurrent insert: %w", err)
	}
	return found, false, nil
}

// Contact returns a contact by id.
func (db *DB) Contact(ctx context.Context, id int64) (*desk.Contact, error) {
	return db.contact(ctx, db.reader(), id, false)
}

func (db *DB) contact(ctx context.Context, x executor, id int64, forUpdate bool) (*desk.Contact, error) {
	q := "SELECT " + contactCols + " FROM contacts WHERE id = ?"
	if forUpdate {
		q += db.d.ForUpdate
	}
	c, err := scanContact(x.QueryRowContext(ctx, q, id))
	if isNoRows(err) {
		return nil, notFound("contact", id)
	}
	if err != nil {
		return nil, fmt.Errorf("contact %d: %w", id, err)
	}
	return c, nil
}

// ContactByAddress finds a contact by channel and address; the address is
// normalised first, so any spelling of it finds the contact.
func (db *DB) ContactByAddress(ctx context.Context, ch desk.Channel, address string) (*desk.Contact, error) {
	if !ch.Valid() {
		return nil, desk.FieldErrorf("channel", "unknown channel %q; use one of ticket, email, chat, phone, social", ch)
	}
	a, err := desk.NormaliseAddress(ch, address)
	if err != nil {
		return nil, err
	}
	c, err := scanContact(db.reader().QueryRowContext(ctx,
		"SELECT "+contactCols+" FROM contacts WHERE channel = ? AND address = ?", string(ch), a))
	if isNoRows(err) {
		return nil, desk.Errorf(desk.ENOTFOUND, "no %s contact has the address %s", ch, a)
	}
	if err != nil {
		return nil, fmt.Errorf("contact by address: %w", err)
	}
	return c, nil
}

// ListContacts returns contacts, newest first.
func (db *DB) ListContacts(ctx context.Context, f desk.ContactFilter) ([]*desk.Contact, string, error) {
	p, err := parsePage(f.Limit, f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var where []string
	var args []any
	if f.Channel != "" {
		if !f.Channel.Valid() {
			return nil, "", desk.FieldErrorf("channel", "unknown channel %q; use one of ticket, email, chat, phone, social", f.Channel)
		}
		where, args = append(where, "channel = ?"), append(args, string(f.Channel))
	}
	if f.AccountID != nil {
		where, args = append(where, "account_id = ?"), append(args, *f.AccountID)
	}
	if q := textfold.Fold(strings.TrimSpace(f.Query)); q != "" {
		where, args = append(where, `search_key LIKE ? ESCAPE '\'`), append(args, likePattern(q))
	}
	return listPage(ctx, db, "list contacts", "SELECT "+contactCols+" FROM contacts", where, args, p, scanContact,
		func(v *desk.Contact) int64 { return v.ID })
}

// UpdateContact renames a contact or links it to an account (or unlinks it).
func (db *DB) UpdateContact(ctx context.Context, id int64, u desk.ContactUpdate) (*desk.Contact, error) {
	var out *desk.Contact
	err := db.inTx(ctx, func(x executor) error {
		before, err := db.contact(ctx, x, id, true)
		if err != nil {
			return err
		}
		c := *before
		if u.Name != nil {
			c.Name = strings.TrimSpace(*u.Name)
			if !utf8.ValidString(c.Name) || utf8.RuneCountInString(c.Name) > 200 {
				return desk.FieldErrorf("name", "the name is longer than 200 characters or not valid UTF-8")
			}
		}
		if u.AccountID != nil {
			c.AccountID = *u.AccountID
		}
		if mustJSON(c) == mustJSON(before) {
			out = before
			return nil
		}
		c.UpdatedAt = db.Now()
		_, err = x.ExecContext(ctx, "UPDATE contacts SET name = ?, account_id = ?, search_key = ?, updated_at = ? WHERE id = ?",
			c.Name, c.AccountID, contactSearchKey(&c), db.d.Time(c.UpdatedAt), id)
		if err != nil {
			return db.dbErr(ctx, x, "update contact", err, nil, idRef("account_id", "account", "accounts", c.AccountID))
		}
		out = &c
		return db.audit(ctx, x, c.UpdatedAt, auditEntry{"contact.update", EntityContact, id, before, &c})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
