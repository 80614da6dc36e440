package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"destek/internal/desk"
)

// TimeLayout is how SQLite stores times: UTC with a fixed six-digit fraction,
// so that text order is time order.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// timeCol scans a timestamp column: time.Time from PostgreSQL, text from
// SQLite.
type timeCol struct{ t *time.Time }

// Scan implements sql.Scanner.
func (c timeCol) Scan(v any) error {
	t, err := parseTime(v)
	if err != nil {
		return err
	}
	if t == nil {
		return fmt.Errorf("unexpected NULL time")
	}
	*c.t = *t
	return nil
}

// nullTimeCol scans a nullable timestamp into a *time.Time.
type nullTimeCol struct{ t **time.Time }

// Scan implements sql.Scanner.
func (c nullTimeCol) Scan(v any) error {
	t, err := parseTime(v)
	if err != nil {
		return err
	}
	*c.t = t
	return nil
}

func parseTime(v any) (*time.Time, error) {
	var s string
	switch v := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		t := v.UTC()
		return &t, nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return nil, fmt.Errorf("cannot scan %T into a time", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("bad stored time %q: %w", s, err)
	}
	t = t.UTC()
	return &t, nil
}

// nullInt scans a nullable integer into a *int64.
type nullInt struct{ p **int64 }

// Scan implements sql.Scanner.
func (c nullInt) Scan(v any) error {
	var n sql.NullInt64
	if err := n.Scan(v); err != nil {
		return err
	}
	if !n.Valid {
		*c.p = nil
		return nil
	}
	x := n.Int64
	*c.p = &x
	return nil
}

// jsonCol scans a JSON text column into a Go value.
type jsonCol struct{ v any }

// Scan implements sql.Scanner.
func (c jsonCol) Scan(v any) error {
	var b []byte
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("cannot scan %T as JSON", v)
	}
	return json.Unmarshal(b, c.v)
}

// rawJSON scans a nullable JSON column into a json.RawMessage (nil for NULL).
type rawJSON struct{ p *json.RawMessage }

// Scan implements sql.Scanner.
func (c rawJSON) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*c.p = nil
	case string:
		*c.p = json.RawMessage(v)
	case []byte:
		*c.p = append(json.RawMessage(nil), v...)
	default:
		return fmt.Errorf("cannot scan %T as JSON", v)
	}
	return nil
}

// mustJSON marshals a value that is known to marshal (plain structs).
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sqlstore: marshal %T: %v", v, err))
	}
	return string(b)
}

// page holds the bounds of a list call.
type page struct {
	limit int
	after int64 // rows with id < after; 0 for the first page
}

// parsePage checks the limit and cursor of a list call.
func parsePage(limit int, cursor string) (page, error) {
	switch {
	case limit < 0:
		return page{}, desk.FieldErrorf("limit", "the limit must not be negative")
	case limit == 0:
		limit = desk.DefaultPageSize
	case limit > desk.MaxPageSize:
		limit = desk.MaxPageSize
	}
	p := page{limit: limit}
	if cursor == "" {
		return p, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		p.after, err = strconv.ParseInt(string(b), 10, 64)
	}
	if err != nil || p.after <= 0 {
		return page{}, desk.FieldErrorf("cursor", "the cursor is not one this server returned; start again without a cursor")
	}
	return p, nil
}

// cursorFor returns the cursor of the page after the one whose last id is
// given, or "" when more is false.
func cursorFor(more bool, lastID int64) string {
	if !more {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(lastID, 10)))
}

// likePattern returns a LIKE pattern matching s anywhere, with the LIKE
// wildcards in s escaped (ESCAPE '\').
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// listPage runs one page of a list query: selectFrom with the filters in
// where, newest (highest id) first, one row more than the page to learn
// whether another page follows. It returns the rows and the next cursor.
func listPage[T any](ctx context.Context, db *DB, what, selectFrom string, where []string, args []any, p page,
	scan func(scanner) (T, error), id func(T) int64) ([]T, string, error) {
	if p.after > 0 {
		where, args = append(where, "id < ?"), append(args, p.after)
	}
	q := selectFrom
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, p.limit+1)
	rows, err := db.reader().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("%s: %w", what, err)
	}
	out, next := trimPage(out, p.limit, id)
	return out, next, nil
}

// trimPage cuts the extra row a list query fetched to learn whether another
// page follows, and returns the cursor of that page.
func trimPage[T any](rows []T, limit int, id func(T) int64) ([]T, string) {
	if len(rows) <= limit {
		if rows == nil {
			rows = []T{}
		}
		return rows, ""
	}
	rows = rows[:limit]
	return rows, cursorFor(true, id(rows[limit-1]))
}
