package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"destek/internal/desk"
	"destek/internal/textfold"
)

// Snippet highlighting. Matched words are wrapped in these marks; the rest
// of the snippet is the plain text as written, with runs of white space
// collapsed. Clients escape the snippet before replacing the marks.
const (
	MarkStart = "**"
	MarkEnd   = "**"
)

// maxTerms bounds the words of a query that are searched for.
const maxTerms = 16

// QueryTerms splits a search query into its distinct words, as typed and
// folded, at most 16. Everything but letters and digits separates words, so
// no query syntax of any engine gets through.
func QueryTerms(q string) []Term {
	var terms []Term
	seen := map[string]bool{}
	for _, w := range textfold.Words(q) {
		f := textfold.Fold(w)
		// Folding may leave marks-only words empty or split a ligature
		// into letters; keep only what is still one plain word.
		if f == "" || strings.IndexFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) >= 0 {
			continue
		}
		if seen[f] {
			continue
		}
		seen[f] = true
		terms = append(terms, Term{Word: w, Folded: f})
		if len(terms) == maxTerms {
			break
		}
	}
	return terms
}

// Search finds tickets whose subject or one of whose messages (notes
// included) contains every word of the query, best first, each with a
// snippet of the best matching text. Words match as prefixes of folded
// words (sifre finds Şifremi); PostgreSQL also matches Turkish and English
// stems. An empty query is EINVALID on the field "q"; a query with no
// letters or digits finds nothing.
func (db *DB) Search(ctx context.Context, q desk.SearchQuery) ([]desk.SearchHit, error) {
	if strings.TrimSpace(q.Text) == "" {
		return nil, desk.FieldErrorf("q", "the search query is empty")
	}
	limit := q.Limit
	switch {
	case limit < 0:
		return nil, desk.FieldErrorf("limit", "the limit must not be negative")
	case limit == 0:
		limit = desk.DefaultPageSize
	case limit > desk.MaxPageSize:
		limit = desk.MaxPageSize
	}
	terms := QueryTerms(q.Text)
	if len(terms) == 0 {
		return []desk.SearchHit{}, nil
	}
	rows, err := db.d.Search.Search(ctx, db.reader(), terms, limit)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	hits := make([]desk.SearchHit, 0, len(rows))
	for _, r := range rows {
		hits = append(hits, desk.SearchHit{
			TicketID:  r.TicketID,
			MessageID: r.MessageID,
			Subject:   r.Subject,
			Snippet:   Snippet(r.Text, terms),
			Rank:      r.Rank,
		})
	}
	return hits, nil
}

// Snippet words: how many words of context before the first match, and how
// many words in all.
const (
	snippetBefore = 8
	snippetWords  = 32
)

// Snippet returns a short piece of text around the first word that matches
// one of the terms, with matching words marked.
func Snippet(text string, terms []Term) string {
	spans := textfold.WordSpans(text)
	if len(spans) == 0 {
		return ""
	}
	matches := func(i int) bool {
		f := textfold.Fold(text[spans[i][0]:spans[i][1]])
		for _, t := range terms {
			if wordMatches(f, t.Folded) {
				return true
			}
		}
		return false
	}
	first := 0
	for i := range spans {
		if matches(i) {
			first = i
			break
		}
	}
	start := max(0, first-snippetBefore)
	end := min(len(spans), start+snippetWords)
	var b strings.Builder
	if start > 0 {
		b.WriteString("… ")
	}
	for i := start; i < end; i++ {
		if i > start {
			writeCollapsed(&b, text[spans[i-1][1]:spans[i][0]])
		}
		w := text[spans[i][0]:spans[i][1]]
		if matches(i) {
			b.WriteString(MarkStart + w + MarkEnd)
		} else {
			b.WriteString(w)
		}
	}
	if end < len(spans) {
		b.WriteString(" …")
	} else if tail := strings.TrimSpace(text[spans[end-1][1]:]); tail != "" && len([]rune(tail)) <= 3 {
		b.WriteString(tail) // closing punctuation
	}
	return b.String()
}

// wordMatches reports whether a folded word of a text is a match for a
// folded query term: it starts with the term (prefix search), or the term
// starts with it or shares a long prefix with it (a stem match found by
// PostgreSQL, such as siparişlerim for sipariş).
func wordMatches(word, term string) bool {
	if strings.HasPrefix(word, term) {
		return true
	}
	if len(word) >= 4 && strings.HasPrefix(term, word) {
		return true
	}
	n := 0
	for n < len(word) && n < len(term) && word[n] == term[n] {
		n++
	}
	return n >= 5
}

// writeCollapsed writes the text between two words with white space runs
// collapsed to one space.
func writeCollapsed(b *strings.Builder, s string) {
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
}
