package api

import (
	"net/http"

	"destek/internal/desk"
	"destek/internal/http/decode"
	"destek/internal/http/respond"
)

// listQueues lists the queues tickets can be routed to.
func (s *server) listQueues(w http.ResponseWriter, r *http.Request) error {
	qs, err := s.store.ListQueues(r.Context())
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, list(qs))
	return nil
}

type createQueueRequest struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// createQueue adds a queue.
func (s *server) createQueue(w http.ResponseWriter, r *http.Request) error {
	var in createQueueRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	if !identifier.MatchString(in.Key) {
		return desk.FieldErrorf("key", "%q is not a queue key: use lower-case letters, digits and _, starting with a letter", in.Key)
	}
	q := &desk.Queue{Key: in.Key}
	var err error
	if q.Name, err = cleanLine("name", in.Name, maxNameLen, true); err != nil {
		return err
	}
	if q.Description, err = cleanText("description", in.Description, 2000, false); err != nil {
		return err
	}
	if err := s.store.CreateQueue(r.Context(), q); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/queues")
	respond.JSON(w, http.StatusCreated, q)
	return nil
}
