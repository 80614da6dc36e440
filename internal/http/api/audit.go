package api

import (
	"net/http"

	"destek/internal/desk"
	"destek/internal/http/decode"
	"destek/internal/http/respond"
)

// listAudit pages through the audit trail, newest first.
func (s *server) listAudit(w http.ResponseWriter, r *http.Request) error {
	q, err := decode.Query(r, []string{"entity_type", "entity_id", "action", "limit", "cursor"})
	if err != nil {
		return err
	}
	f := desk.AuditFilter{EntityType: q.Get("entity_type"), Action: q.Get("action"), Cursor: q.Get("cursor")}
	if f.EntityID, err = decode.Int64(q, "entity_id"); err != nil {
		return err
	}
	if f.Limit, err = decode.Limit(q); err != nil {
		return err
	}
	es, next, err := s.store.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, page(es, next))
	return nil
}
