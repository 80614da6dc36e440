package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// Sessions are browser login state in the shape scs expects. They are not
// audited: scs commits one on nearly every request; logins and logouts are
// audited by the code that performs them.

// SessionFind returns the data of a session that exists and has not expired.
func (db *DB) SessionFind(ctx context.Context, token string) ([]byte, bool, error) {
	var data []byte
	err := db.reader().QueryRowContext(ctx, "SELECT data FROM sessions WHERE token = ? AND expiry > ?",
		token, db.d.Time(db.Now())).Scan(&data)
	if isNoRows(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("find session: %w", err)
	}
	return data, true, nil
}

// SessionCommit stores a session, replacing the one with the same token.
func (db *DB) SessionCommit(ctx context.Context, token string, data []byte, expiry time.Time) error {
	if data == nil {
		data = []byte{} // the column is NOT NULL; an empty session is still one
	}
	_, err := db.execWrite(ctx, `INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		token, data, db.d.Time(expiry.UTC().Truncate(time.Microsecond)))
	if err != nil {
		return fmt.Errorf("commit session: %w", err)
	}
	return nil
}

// SessionDelete removes a session; a missing one is not an error.
func (db *DB) SessionDelete(ctx context.Context, token string) error {
	if _, err := db.execWrite(ctx, "DELETE FROM sessions WHERE token = ?", token); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// SessionDeleteExpired removes the sessions that have expired.
func (db *DB) SessionDeleteExpired(ctx context.Context) error {
	if _, err := db.execWrite(ctx, "DELETE FROM sessions WHERE expiry <= ?", db.d.Time(db.Now())); err != nil {
		return fmt.Errorf("delete expired sessions: %w", err)
	}
	return nil
}
