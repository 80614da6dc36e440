package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"destek/internal/desk"
)

// ref is a reference from input to another row. Statements rely on the
// database's foreign keys rather than checking references first, which keeps
// the common path short; when the database reports a violation, the refs of
// the statement are looked up to tell the caller which field was wrong.
type ref struct {
	field string // JSON field of the input, e.g. "assignee_id"
	what  string // for the message, e.g. "agent"
	table string
	col   string
	val   any // *int64 or string; nil or "" means not set
}

func idRef(field, what, table string, id *int64) ref {
	return ref{field: field, what: what, table: table, col: "id", val: id}
}

// dbErr turns a driver error of a write into the error the caller sees:
// conflict when a unique constraint failed and conflict is set, invalid with
// the field of the first missing reference for a foreign-key violation,
// otherwise the error wrapped with op.
func (db *DB) dbErr(ctx context.Context, x executor, op string, err error, conflict *desk.Error, refs ...ref) error {
	if err == nil {
		return nil
	}
	var de *desk.Error
	if errors.As(err, &de) {
		return err
	}
	if conflict != nil && db.d.IsUniqueViolation(err) {
		return fmt.Errorf("%w (%s: %w)", conflict, op, err)
	}
	if db.d.IsForeignKeyViolation(err) {
		for _, r := range refs {
			missing, val, cerr := db.missing(ctx, x, r)
			if cerr != nil {
				return fmt.Errorf("%s: %w (while looking for the missing reference: %w)", op, err, cerr)
			}
			if missing {
				return desk.FieldErrorf(r.field, "%s %v does not exist", r.what, val)
			}
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// missing reports whether the row r refers to does not exist. It asks in
// the failed statement's transaction when that is still usable (SQLite
// undoes just the statement), so rows written earlier in it count;
// PostgreSQL aborts the transaction, so there it asks outside.
func (db *DB) missing(ctx context.Context, x executor, r ref) (bool, any, error) {
	var val any
	switch v := r.val.(type) {
	case *int64:
		if v == nil {
			return false, nil, nil
		}
		val = *v
	case int64:
		val = v
	case string:
		if v == "" {
			return false, nil, nil
		}
		val = v
	default:
		return false, nil, nil
	}
	// Table and column names come from this package, never from input.
	var one int
	if db.d.ErrorAbortsTx || x.tx == nil {
		x = db.reader()
	}
	err := x.QueryRowContext(context.WithoutCancel(ctx),
		"SELECT 1 FROM "+r.table+" WHERE "+r.col+" = ?", val).Scan(&one)
	if isNoRows(err) {
		return true, val, nil
	}
	return false, val, err
}

// notFound returns the ENOTFOUND error about a missing thing.
func notFound(what string, id any) error {
	return desk.Errorf(desk.ENOTFOUND, "%s %v does not exist", what, id)
}
