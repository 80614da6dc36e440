package api

import (
	"net/http"

	"destek/internal/desk"
	"destek/internal/http/decode"
	"destek/internal/http/respond"
)

// search finds tickets by the words of their subject and messages.
func (s *server) search(w http.ResponseWriter, r *http.Request) error {
	q, err := decode.Query(r, []string{"q", "limit"})
	if err != nil {
		return err
	}
	text, err := cleanLine("q", q.Get("q"), 200, true)
	if err != nil {
		return err
	}
	sq := desk.SearchQuery{Text: text}
	if sq.Limit, err = decode.Limit(q); err != nil {
		return err
	}
	hits, err := s.store.Search(r.Context(), sq)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, list(hits))
	return nil
}
