package sqlstore

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"destek/internal/desk"
)

const tokenCols = "id, name, role, hash, created_at, last_used_at, revoked_at"

func scanToken(s scanner) (*desk.APIToken, error) {
	var t desk.APIToken
	err := s.Scan(&t.ID, &t.Name, &t.Role, &t.Hash, timeCol{&t.CreatedAt}, nullTimeCol{&t.LastUsedAt}, nullTimeCol{&t.RevokedAt})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateToken stores a new API token; Hash is the SHA-256 of its secret.
func (db *DB) CreateToken(ctx context.Context, t *desk.APIToken) error {
	n := *t
	var err error
	if n.Name, err = checkName("name", n.Name, 200); err != nil {
		return err
	}
	if !n.Role.Valid() {
		return desk.FieldErrorf("role", "unknown role %q; use agent, supervisor or admin", n.Role)
	}
	if len(n.Hash) != sha256.Size {
		return desk.FieldErrorf("hash", "the token hash must be a SHA-256 (%d bytes), not %d bytes", sha256.Size, len(n.Hash))
	}
	n.Hash = append([]byte(nil), n.Hash...)
	n.CreatedAt = db.Now()
	n.LastUsedAt, n.RevokedAt = nil, nil
	err = db.inTx(ctx, func(x executor) error {
		err := x.QueryRowContext(ctx, "INSERT INTO api_tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			n.Name, string(n.Role), n.Hash, db.d.Time(n.CreatedAt)).Scan(&n.ID)
		if err != nil {
			return db.dbErr(ctx, x, "create token", err,
				&desk.Error{Code: desk.ECONFLICT, Field: "hash", Message: "a token with this secret already exists"})
		}
		return db.audit(ctx, x, n.CreatedAt, auditEntry{"token.create", EntityToken, n.ID, nil, &n})
	})
	if err != nil {
		return err
	}
	*t = n
	return nil
}

// TokenByHash finds a token that is not revoked by the hash of its secret.
func (db *DB) TokenByHash(ctx context.Context, hash []byte) (*desk.APIToken, error) {
	t, err := scanToken(db.reader().QueryRowContext(ctx,
		"SELECT "+tokenCols+" FROM api_tokens WHERE hash = ? AND revoked_at IS NULL", hash))
	if isNoRows(err) {
		return nil, desk.Errorf(desk.ENOTFOUND, "no valid token has this secret")
	}
	if err != nil {
		return nil, fmt.Errorf("token by hash: %w", err)
	}
	return t, nil
}

// ListTokens returns all tokens, revoked ones too, newest first.
func (db *DB) ListTokens(ctx context.Context) ([]*desk.APIToken, error) {
	rows, err := db.reader().QueryContext(ctx, "SELECT "+tokenCols+" FROM api_tokens ORDER BY id DESC")
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []*desk.APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes a token. Revoking a revoked token changes nothing and
// is not an error.
func (db *DB) RevokeToken(ctx context.Context, id int64) error {
	return db.inTx(ctx, func(x executor) error {
		before, err := scanToken(x.QueryRowContext(ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE id = ?"+db.d.ForUpdate, id))
		if isNoRows(err) {
			return notFound("token", id)
		}
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if before.RevokedAt != nil {
			return nil
		}
		t := *before
		now := db.Now()
		t.RevokedAt = &now
		if _, err := x.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ?", db.d.Time(now), id); err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		return db.audit(ctx, x, now, auditEntry{"token.revoke", EntityToken, id, before, &t})
	})
}

// TouchToken records that a token was used at the given time. It writes no
// audit event: it is bookkeeping, done on every request.
func (db *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	n, err := db.execWrite(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
		db.d.Time(at.UTC().Truncate(time.Microsecond)), id)
	if err != nil {
		return fmt.Errorf("touch token: %w", err)
	}
	if n == 0 {
		return notFound("token", id)
	}
	return nil
}
