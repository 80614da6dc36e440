package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"destek/internal/desk"
	"destek/internal/textfold"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

const accountCols = "id, name, kind, status, email, phone, parent_id, created_at, updated_at"

func scanAccount(s scanner) (*desk.Account, error) {
	var a desk.Account
	err := s.Scan(&a.ID, &a.Name, &a.Kind, &a.Status, &a.Email, &a.Phone, nullInt{&a.ParentID},
		timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// normaliseAs normalises an address and names the field it came from.
func normaliseAs(field string, ch desk.Channel, address string) (string, error) {
	n, err := desk.NormaliseAddress(ch, address)
	if err != nil {
		var de *desk.Error
		if errors.As(err, &de) {
			return "", &desk.Error{Code: de.Code, Field: field, Message: de.Message}
		}
		return "", err
	}
	return n, nil
}

// checkName trims a required name and bounds its length.
func checkName(field, name string, max int) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", desk.FieldErrorf(field, "the %s is empty", strings.ReplaceAll(field, "_", " "))
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > max {
		return "", desk.FieldErrorf(field, "the %s is longer than %d characters or not valid UTF-8", strings.ReplaceAll(field, "_", " "), max)
	}
	return name, nil
}

// checkAccount validates and normalises an account's own fields.
func checkAccount(a *desk.Account) error {
	var err error
	if a.Name, err = checkName("name", a.Name, 200); err != nil {
		return err
	}
	if a.Kind == "" {
		a.Kind = desk.AccountIndividual
	}
	if !a.Kind.Valid() {
		return desk.FieldErrorf("kind", "unknown account kind %q; use individual, corporate or reseller", a.Kind)
	}
	if a.Status == "" {
		a.Status = desk.AccountActive
	}
	if !a.Status.Valid() {
		return desk.FieldErrorf("status", "unknown account status %q; use active, suspended or closed", a.Status)
	}
	if strings.TrimSpace(a.Email) != "" {
		if a.Email, err = normaliseAs("email", desk.ChannelEmail, a.Email); err != nil {
			return err
		}
	} else {
		a.Email = ""
	}
	if strings.TrimSpace(a.Phone) != "" {
		if a.Phone, err = normaliseAs("phone", desk.ChannelPhone, a.Phone); err != nil {
			return err
		}
	} else {
		a.Phone = ""
	}
	return nil
}

func accountSearchKey(a *desk.Account) string {
	return textfold.Fold(a.Name + " " + a.Email + " " + a.Phone)
}

// checkParent verifies that an account may be the parent of account id (0
// for a new account): it exists and is a reseller.
func (db *DB) checkParent(ctx context.Context, x executor, id int64, parent *int64) error {
	if parent == nil {
		return nil
	}
	if *parent == id {
		return desk.FieldErrorf("parent_id", "an account cannot be its own parent")
	}
	var kind desk.AccountKind
	err := x.QueryRowContext(ctx, "SELECT kind FROM accounts WHERE id = ?", *parent).Scan(&kind)
	if isNoRows(err) {
		return desk.FieldErrorf("parent_id", "account %d does not exist", *parent)
	}
	if err != nil {
		return fmt.Errorf("check parent account: %w", err)
	}
	if kind != desk.AccountReseller {
		return desk.FieldErrorf("parent_id", "account %d is not a reseller; only resellers have sub-accounts", *parent)
	}
	return nil
}

// CreateAccount stores a new account. Kind defaults to individual and
// Status to active; e-mail and phone are normalised.
func (db *DB) CreateAccount(ctx context.Context, a *desk.Account) error {
	n := *a
	if err := checkAccount(&n); err != nil {
		return err
	}
	n.CreatedAt = db.Now()
	n.UpdatedAt = n.CreatedAt
	err := db.inTx(ctx, func(x executor) error {
		if err := db.checkParent(ctx, x, 0, n.ParentID); err != nil {
			return err
		}
		err := x.QueryRowContext(ctx, `INSERT INTO accounts (name, kind, status, email, phone, parent_id, search_key, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			n.Name, string(n.Kind), string(n.Status), n.Email, n.Phone, n.ParentID, accountSearchKey(&n),
			db.d.Time(n.CreatedAt), db.d.Time(n.UpdatedAt)).Scan(&n.ID)
		if err != nil {
			return db.dbErr(ctx, x, "create account", err, nil)
		}
		return db.audit(ctx, x, n.CreatedAt, auditEntry{"account.create", EntityAccount, n.ID, nil, &n})
	})
	if err != nil {
		return err
	}
	*a = n
	return nil
}

// Account returns an account by id.
func (db *DB) Account(ctx context.Context, id int64) (*desk.Account, error) {
	return db.account(ctx, db.reader(), id, false)
}

func (db *DB) account(ctx context.Context, x executor, id int64, forUpdate bool) (*desk.Account, error) {
	q := "SELECT " + accountCols + " FROM accounts WHERE id = ?"
	if forUpdate {
		q += db.d.ForUpdate
	}
	a, err := scanAccount(x.QueryRowContext(ctx, q, id))
	if isNoRows(err) {
		return nil, notFound("account", id)
	}
	if err != nil {
		return nil, fmt.Errorf("account %d: %w", id, err)
	}
	return a, nil
}

// ListAccounts returns accounts, newest first.
func (db *DB) ListAccounts(ctx context.Context, f desk.AccountFilter) ([]*desk.Account, string, error) {
	p, err := parsePage(f.Limit, f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var where []string
	var args []any
	if f.Status != "" {
		if !f.Status.Valid() {
			return nil, "", desk.FieldErrorf("status", "unknown account status %q; use active, suspended or closed", f.Status)
		}
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.Kind != "" {
		if !f.Kind.Valid() {
			return nil, "", desk.FieldErrorf("kind", "unknown account kind %q; use individual, corporate or reseller", f.Kind)
		}
		where, args = append(where, "kind = ?"), append(args, string(f.Kind))
	}
	if q := textfold.Fold(strings.TrimSpace(f.Query)); q != "" {
		where, args = append(where, `search_key LIKE ? ESCAPE '\'`), append(args, likePattern(q))
	}
	return listPage(ctx, db, "list accounts", "SELECT "+accountCols+" FROM accounts", where, args, p, scanAccount,
		func(v *desk.Account) int64 { return v.ID })
}

// UpdateAccount applies u to an account and returns it as it is now.
func (db *DB) UpdateAccount(ctx context.Context, id int64, u desk.AccountUpdate) (*desk.Account, error) {
	var out *desk.Account
	err := db.inTx(ctx, func(x executor) error {
		before, err := db.account(ctx, x, id, true)
		if err != nil {
			return err
		}
		a := *before
		if u.Name != nil {
			a.Name = *u.Name
		}
		if u.Kind != nil {
			a.Kind = *u.Kind
			if a.Kind == "" {
				return desk.FieldErrorf("kind", "the account kind is empty; use individual, corporate or reseller")
			}
		}
		if u.Status != nil {
			a.Status = *u.Status
			if a.Status == "" {
				return desk.FieldErrorf("status", "the account status is empty; use active, suspended or closed")
			}
		}
		if u.Email != nil {
			a.Email = *u.Email
		}
		if u.Phone != nil {
			a.Phone = *u.Phone
		}
		if u.ParentID != nil {
			a.ParentID = *u.ParentID
		}
		if err := checkAccount(&a); err != nil {
			return err
		}
		if u.ParentID != nil && !sameID(a.ParentID, before.ParentID) {
			if err := db.checkParent(ctx, x, id, a.ParentID); err != nil {
				return err
			}
		}
		if a.Kind != desk.AccountReseller && before.Kind == desk.AccountReseller {
			var one int
			err := x.QueryRowContext(ctx, "SELECT 1 FROM accounts WHERE parent_id = ? LIMIT 1", id).Scan(&one)
			if err == nil {
				return desk.FieldErrorf("kind", "account %d has sub-accounts, so it must stay a reseller", id)
			}
			if !isNoRows(err) {
				return fmt.Errorf("update account %d: %w", id, err)
			}
		}
		if mustJSON(a) == mustJSON(before) {
			out = before
			return nil
		}
		a.UpdatedAt = db.Now()
		_, err = x.ExecContext(ctx, `UPDATE accounts SET name = ?, kind = ?, status = ?, email = ?, phone = ?, parent_id = ?,
			search_key = ?, updated_at = ? WHERE id = ?`,
			a.Name, string(a.Kind), string(a.Status), a.Email, a.Phone, a.ParentID, accountSearchKey(&a),
			db.d.Time(a.UpdatedAt), id)
		if err != nil {
			return db.dbErr(ctx, x, "update account", err, nil)
		}
		out = &a
		return db.audit(ctx, x, a.UpdatedAt, auditEntry{"account.update", EntityAccount, id, before, &a})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

const authorisedCols = "id, account_id, name, email, phone, role, created_at"

func scanAuthorised(s scanner) (*desk.AuthorisedContact, error) {
	var c desk.AuthorisedContact
	if err := s.Scan(&c.ID, &c.AccountID, &c.Name, &c.Email, &c.Phone, &c.Role, timeCol{&c.CreatedAt}); err != nil {
		return nil, err
	}
	return &c, nil
}

// AddAuthorisedContact adds a person allowed to act for an account. A
// missing account is ENOTFOUND; e-mail and phone are normalised.
func (db *DB) AddAuthorisedContact(ctx context.Context, c *desk.AuthorisedContact) error {
	n := *c
	var err error
	if n.Name, err = checkName("name", n.Name, 200); err != nil {
		return err
	}
	if !n.Role.Valid() {
		return desk.FieldErrorf("role", "unknown role %q; use owner, admin, technical or billing", n.Role)
	}
	if strings.TrimSpace(n.Email) != "" {
		if n.Email, err = normaliseAs("email", desk.ChannelEmail, n.Email); err != nil {
			return err
		}
	} else {
		n.Email = ""
	}
	if strings.TrimSpace(n.Phone) != "" {
		if n.Phone, err = normaliseAs("phone", desk.ChannelPhone, n.Phone); err != nil {
			return err
		}
	} else {
		n.Phone = ""
	}
	n.CreatedAt = db.Now()
	err = db.inTx(ctx, func(x executor) error {
		if _, err := db.account(ctx, x, n.AccountID, true); err != nil {
			return err
		}
		err := x.QueryRowContext(ctx, `INSERT INTO authorised_contacts (account_id, name, email, phone, role, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			n.AccountID, n.Name, n.Email, n.Phone, string(n.Role), db.d.Time(n.CreatedAt)).Scan(&n.ID)
		if err != nil {
			return db.dbErr(ctx, x, "add authorised contact", err, nil)
		}
		return db.audit(ctx, x, n.CreatedAt, auditEntry{"authorised_contact.create", EntityAuthorisedContact, n.ID, nil, &n})
	})
	if err != nil {
		return err
	}
	*c = n
	return nil
}

// AuthorisedContacts lists the authorised contacts of an account, oldest
// first; a missing account is ENOTFOUND.
func (db *DB) AuthorisedContacts(ctx context.Context, accountID int64) ([]*desk.AuthorisedContact, error) {
	x := db.reader()
	if _, err := db.account(ctx, x, accountID, false); err != nil {
		return nil, err
	}
	rows, err := x.QueryContext(ctx, "SELECT "+authorisedCols+" FROM authorised_contacts WHERE account_id = ? ORDER BY id", accountID)
	if err != nil {
		return nil, fmt.Errorf("authorised contacts: %w", err)
	}
	defer rows.Close()
	out := []*desk.AuthorisedContact{}
	for rows.Next() {
		c, err := scanAuthorised(rows)
		if err != nil {
			return nil, fmt.Errorf("authorised contacts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("authorised contacts: %w", err)
	}
	return out, nil
}

// RemoveAuthorisedContact removes an authorised contact of an account.
func (db *DB) RemoveAuthorisedContact(ctx context.Context, accountID, id int64) error {
	return db.inTx(ctx, func(x executor) error {
		c, err := scanAuthorised(x.QueryRowContext(ctx, "SELECT "+authorisedCols+
			" FROM authorised_contacts WHERE id = ? AND account_id = ?"+db.d.ForUpdate, id, accountID))
		if isNoRows(err) {
			return desk.Errorf(desk.ENOTFOUND, "account %d has no authorised contact %d", accountID, id)
		}
		if err != nil {
			return fmt.Errorf("remove authorised contact: %w", err)
		}
		if _, err := x.ExecContext(ctx, "DELETE FROM authorised_contacts WHERE id = ?", id); err != nil {
			return fmt.Errorf("remove authorised contact: %w", err)
		}
		return db.audit(ctx, x, db.Now(), auditEntry{"authorised_contact.delete", EntityAuthorisedContact, id, c, nil})
	})
}
