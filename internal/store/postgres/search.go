package postgres

import (
	"context"
	"fmt"
	"strings"

	"destek/internal/store/sqlstore"
	"destek/internal/textfold"
)

// search is full-text search on tsvector. A document's vector joins the
// turkish and english vectors of the text as written (Turkish and English
// stems) with the turkish and simple vectors of the folded text, so a query
// without Turkish letters matches too; the query does the same per word and
// adds a prefix match on the folded word (sifre finds şifremi, as on SQLite).
type search struct{}

const docVector = `to_tsvector('turkish', ?::text) || to_tsvector('english', ?::text)
    || to_tsvector('turkish', ?::text) || to_tsvector('simple', ?::text)`

// IndexTicket implements sqlstore.Searcher.
func (search) IndexTicket(ctx context.Context, x sqlstore.Executor, id int64, subject string, replace bool) error {
	f := textfold.Fold(subject)
	_, err := x.ExecContext(ctx, `INSERT INTO ticket_search (ticket_id, tsv) VALUES (?, `+docVector+`)
		ON CONFLICT (ticket_id) DO UPDATE SET tsv = excluded.tsv`, id, subject, subject, f, f)
	return err
}

// IndexMessage implements sqlstore.Searcher.
func (search) IndexMessage(ctx context.Context, x sqlstore.Executor, id, ticketID int64, text string) error {
	f := textfold.Fold(text)
	_, err := x.ExecContext(ctx, `INSERT INTO message_search (message_id, ticket_id, tsv) VALUES (?, ?, `+docVector+`)`,
		id, ticketID, text, text, f, f)
	return err
}

// termQuery matches one query word in any of the document's forms.
const termQuery = `(plainto_tsquery('turkish', ?::text) || plainto_tsquery('english', ?::text)
    || plainto_tsquery('turkish', ?::text) || to_tsquery('simple', ?::text))`

// searchQuery ranks subject and message hits together (subjects count
// double) and keeps each ticket's best.
const searchQuery = `, hits AS (
    SELECT s.ticket_id, NULL::bigint AS message_id, 2 * ts_rank(s.tsv, q.query) AS rank
    FROM ticket_search s, q WHERE s.tsv @@ q.query
    UNION ALL
    SELECT s.ticket_id, s.message_id, ts_rank(s.tsv, q.query)
    FROM message_search s, q WHERE s.tsv @@ q.query
), best AS (
    SELECT ticket_id, message_id, rank,
           row_number() OVER (PARTITION BY ticket_id ORDER BY rank DESC, message_id) AS n
    FROM hits
)
SELECT b.ticket_id, b.message_id, b.rank::float8, t.subject, COALESCE(m.text, t.subject)
FROM best b
JOIN tickets t ON t.id = b.ticket_id
LEFT JOIN messages m ON m.id = b.message_id
WHERE b.n = 1
ORDER BY b.rank DESC, b.ticket_id DESC
LIMIT ?`

// Search implements sqlstore.Searcher. Words reach PostgreSQL only as
// arguments of plainto_tsquery, or of to_tsquery as folded letters and
// digits, so no tsquery syntax from the user gets through.
func (search) Search(ctx context.Context, x sqlstore.Executor, terms []sqlstore.Term, limit int) ([]sqlstore.SearchRow, error) {
	parts := make([]string, len(terms))
	args := make([]any, 0, 4*len(terms)+1)
	for i, t := range terms {
		parts[i] = termQuery
		args = append(args, t.Word, t.Word, t.Folded, t.Folded+":*")
	}
	args = append(args, limit)
	q := "WITH q AS (SELECT " + strings.Join(parts, " && ") + " AS query)" + searchQuery
	rows, err := x.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("text search: %w", err)
	}
	out, err := sqlstore.ScanSearchRows(rows)
	if err != nil {
		return nil, fmt.Errorf("text search: %w", err)
	}
	return out, nil
}
