package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"destek/internal/desk"
	"destek/internal/http/decode"
	"destek/internal/http/respond"
)

type classifyRequest struct {
	Text string `json:"text"`
}

// classifyText judges a text under the policy in force without storing
// anything: what the desk would decide if a customer sent it.
func (s *server) classifyText(w http.ResponseWriter, r *http.Request) error {
	var in classifyRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	text, err := cleanText("text", in.Text, maxTextLen, true)
	if err != nil {
		return err
	}
	v, err := s.intake.Judge().Judge(text)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, v.Classification)
	return nil
}

// listCorrections pages through agents' corrections of scope categories.
// With format=jsonl it answers with one training example per line in the
// labelled-data schema ({"id", "text", "scope"}) for retraining.
func (s *server) listCorrections(w http.ResponseWriter, r *http.Request) error {
	q, err := decode.Query(r, []string{"limit", "cursor", "format"})
	if err != nil {
		return err
	}
	limit, err := decode.Limit(q)
	if err != nil {
		return err
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "jsonl" {
		return desk.FieldErrorf("format", "format %q is not json or jsonl", format)
	}
	cs, next, err := s.store.ScopeCorrections(r.Context(), limit, q.Get("cursor"))
	if err != nil {
		return err
	}
	if format != "jsonl" {
		respond.JSON(w, http.StatusOK, page(cs, next))
		return nil
	}
	w.Header().Set("Content-Type", "application/jsonl; charset=utf-8")
	if next != "" {
		w.Header().Set("X-Next-Cursor", next)
	}
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	for _, c := range cs {
		enc.Encode(map[string]any{"id": fmt.Sprintf("correction-%d", c.ID), "text": c.Text, "scope": c.To, "was": c.From, "ticket_id": c.TicketID})
	}
	return nil
}

// openProfessionalService opens the professional-services request of an
// out-of-scope ticket, for when the customer accepted the offer on another
// channel (the phone, say).
func (s *server) openProfessionalService(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.intake.OpenProfessionalService(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/tickets/%d", t.ID))
	respond.JSON(w, http.StatusCreated, t)
	return nil
}
