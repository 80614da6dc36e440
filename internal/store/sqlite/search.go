package sqlite

import (
	"context"
	"fmt"
	"strings"

	"destek/internal/store/sqlstore"
	"destek/internal/textfold"
)

// search is full-text search on FTS5. The FTS tables are contentless and
// hold the folded text; the unicode61 tokenizer with remove_diacritics 2
// would fold ş ç ğ ö ü by itself but not ı, and it lower-cases I to i rather
// than ı, so folding happens in Go (textfold) for documents and queries alike.
type search struct{}

// IndexTicket implements sqlstore.Searcher.
func (search) IndexTicket(ctx context.Context, x sqlstore.Executor, id int64, subject string, replace bool) error {
	if replace {
		if _, err := x.ExecContext(ctx, "DELETE FROM ticket_fts WHERE rowid = ?", id); err != nil {
			return err
		}
	}
	_, err := x.ExecContext(ctx, "INSERT INTO ticket_fts (rowid, subject) VALUES (?, ?)", id, textfold.Fold(subject))
	return err
}

// IndexMessage implements sqlstore.Searcher.
func (search) IndexMessage(ctx context.Context, x sqlstore.Executor, id, ticketID int64, text string) error {
	_, err := x.ExecContext(ctx, "INSERT INTO message_fts (rowid, text) VALUES (?, ?)", id, textfold.Fold(text))
	return err
}

// searchQuery ranks subject and message hits together (bm25 is negative,
// lower is better; subjects count double) and keeps each ticket's best.
const searchQuery = `WITH hits AS (
    SELECT rowid AS ticket_id, NULL AS message_id, -2.0 * bm25(ticket_fts) AS rank
    FROM ticket_fts WHERE ticket_fts MATCH ?
    UNION ALL
    SELECT m.ticket_id, m.id, -bm25(message_fts)
    FROM message_fts JOIN messages m ON m.id = message_fts.rowid
    WHERE message_fts MATCH ?
), best AS (
    SELECT ticket_id, message_id, rank,
           row_number() OVER (PARTITION BY ticket_id ORDER BY rank DESC, message_id) AS n
    FROM hits
)
SELECT b.ticket_id, b.message_id, b.rank, t.subject, COALESCE(m.text, t.subject)
FROM best b
JOIN tickets t ON t.id = b.ticket_id
LEFT JOIN messages m ON m.id = b.message_id
WHERE b.n = 1
ORDER BY b.rank DESC, b.ticket_id DESC
LIMIT ?`

// Search implements sqlstore.Searcher. Each term becomes a quoted prefix
// phrase ("sifre"*), so no FTS5 syntax from the user reaches the engine.
func (search) Search(ctx context.Context, x sqlstore.Executor, terms []sqlstore.Term, limit int) ([]sqlstore.SearchRow, error) {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(t.Folded, `"`, `""`) + `"*`
	}
	match := strings.Join(parts, " AND ")
	rows, err := x.QueryContext(ctx, searchQuery, match, match, limit)
	if err != nil {
		return nil, fmt.Errorf("fts5: %w", err)
	}
	out, err := sqlstore.ScanSearchRows(rows)
	if err != nil {
		return nil, fmt.Errorf("fts5: %w", err)
	}
	return out, nil
}
