package sqlstore

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"destek/internal/desk"
)

const queueCols = "key, name, description, created_at"

func scanQueue(s scanner) (*desk.Queue, error) {
	var q desk.Queue
	if err := s.Scan(&q.Key, &q.Name, &q.Description, timeCol{&q.CreatedAt}); err != nil {
		return nil, err
	}
	return &q, nil
}

// queueKey is the shape of queue keys: they appear in URLs, filters and the
// policy file.
var queueKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// ListQueues returns all queues, the default ones first, in creation order.
func (db *DB) ListQueues(ctx context.Context) ([]*desk.Queue, error) {
	rows, err := db.reader().QueryContext(ctx, "SELECT "+queueCols+" FROM queues ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	defer rows.Close()
	out := []*desk.Queue{}
	for rows.Next() {
		q, err := scanQueue(rows)
		if err != nil {
			return nil, fmt.Errorf("list queues: %w", err)
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	return out, nil
}

// Queue returns a queue by key.
func (db *DB) Queue(ctx context.Context, key string) (*desk.Queue, error) {
	q, err := scanQueue(db.reader().QueryRowContext(ctx, "SELECT "+queueCols+" FROM queues WHERE key = ?", key))
	if isNoRows(err) {
		return nil, notFound("queue", key)
	}
	if err != nil {
		return nil, fmt.Errorf("queue %s: %w", key, err)
	}
	return q, nil
}

// CreateQueue stores a new queue. The key is lower-case letters, digits and
// underscores, starting with a letter, and must be new. The audit event's
// entity id is the queue's internal row id; its after document has the key.
func (db *DB) CreateQueue(ctx context.Context, q *desk.Queue) error {
	n := *q
	n.Key = strings.TrimSpace(n.Key)
	if !queueKey.MatchString(n.Key) {
		return desk.FieldErrorf("key", "queue key %q must be 1 to 64 lower-case letters, digits or underscores, starting with a letter", n.Key)
	}
	var err error
	if n.Name, err = checkName("name", n.Name, 200); err != nil {
		return err
	}
	n.Description = strings.TrimSpace(n.Description)
	if !utf8.ValidString(n.Description) || utf8.RuneCountInString(n.Description) > 2000 {
		return desk.FieldErrorf("description", "the description is longer than 2000 characters or not valid UTF-8")
	}
	n.CreatedAt = db.Now()
	err = db.inTx(ctx, func(x executor) error {
		var id int64
		err := x.QueryRowContext(ctx, "INSERT INTO queues (key, name, description, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			n.Key, n.Name, n.Description, db.d.Time(n.CreatedAt)).Scan(&id)
		if err != nil {
			return db.dbErr(ctx, x, "create queue", err,
				&desk.Error{Code: desk.ECONFLICT, Field: "key", Message: fmt.Sprintf("a queue with the key %s already exists", n.Key)})
		}
		return db.audit(ctx, x, n.CreatedAt, auditEntry{"queue.create", EntityQueue, id, nil, &n})
	})
	if err != nil {
		return err
	}
	*q = n
	return nil
}
