package api

import (
	"context"
	"net/http"

	"destek/internal/desk"
	"destek/internal/http/decode"
	"destek/internal/http/respond"
)

// Mailer is the outbound side of the e-mail channel, as the API sees it.
type Mailer interface {
	// Reply stores an outbound message on ticket t and, when t is an
	// e-mail ticket, queues the mail carrying it in the same transaction
	// (a reply is never stored unmailed, nor mailed unstored). It returns
	// the ticket as it now is.
	Reply(ctx context.Context, t *desk.Ticket, m *desk.Message, files []desk.NewAttachment, reopen bool) (*desk.Ticket, error)
}

type addMessageRequest struct {
	Direction desk.Direction `json:"direction"`
	Text      string         `json:"text"`
	Reopen    bool           `json:"reopen"`
}

type addNoteRequest struct {
	Text string `json:"text"`
}

type messageResponse struct {
	Message *desk.Message `json:"message"`
	Ticket  *desk.Ticket  `json:"ticket"`
}

// listMessages returns a ticket's conversation, notes included, oldest first.
func (s *server) listMessages(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := s.store.Ticket(ctx, id); err != nil {
		return err
	}
	ms, err := s.store.Messages(ctx, id)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, list(ms))
	return nil
}

// addMessage adds a reply (outbound, the default) or records a customer
// message (inbound) and moves the ticket's status as desk.StatusAfterMessage
// says. A closed ticket takes no message unless the request says
// "reopen": true.
func (s *server) addMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	var in addMessageRequest
	files, err := s.readBody(w, r, &in)
	if err != nil {
		return err
	}
	switch in.Direction {
	case "":
		in.Direction = desk.Outbound
	case desk.Outbound, desk.Inbound:
	case desk.Note:
		return desk.FieldErrorf("direction", "internal notes go to POST /api/v1/tickets/{id}/notes")
	default:
		return enumError("direction", in.Direction, "outbound, inbound")
	}
	return s.appendMessage(w, r, id, in.Direction, in.Text, in.Reopen, files)
}

// addNote adds an internal note, which customers never see and which leaves
// the ticket's status alone.
func (s *server) addNote(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	var in addNoteRequest
	files, err := s.readBody(w, r, &in)
	if err != nil {
		return err
	}
	return s.appendMessage(w, r, id, desk.Note, in.Text, false, files)
}

func (s *server) appendMessage(w http.ResponseWriter, r *http.Request, id int64, dir desk.Direction, text string, reopen bool, files []desk.NewAttachment) error {
	text, err := cleanText("text", text, maxTextLen, len(files) == 0)
	if err != nil {
		return err
	}
	ctx := r.Context()
	t, err := s.store.Ticket(ctx, id)
	if err != nil {
		return err
	}
	m := &desk.Message{TicketID: id, Direction: dir, Channel: t.Channel, Text: text}
	if dir == desk.Inbound {
		c := t.ContactID
		m.AuthorContactID = &c
	} else {
		m.AuthorAgentID = principalFrom(ctx).agentID()
	}
	// The store checks the status rules and writes the message and the
	// status change in one transaction; a customer's message goes through
	// the intake first, which judges it under the policy in force, and a
	// reply on an e-mail ticket is written with the mail that carries it.
	switch {
	case dir == desk.Inbound:
		t, _, err = s.intake.CustomerMessage(ctx, m, files, reopen)
	case dir == desk.Outbound && t.Channel == desk.ChannelEmail && s.cfg.Mailer != nil:
		t, err = s.cfg.Mailer.Reply(ctx, t, m, files, reopen)
	default:
		t, err = s.store.AddMessage(ctx, m, files, reopen)
	}
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusCreated, messageResponse{Message: m, Ticket: t})
	return nil
}
