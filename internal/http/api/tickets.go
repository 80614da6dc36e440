package api

import (
	"fmt"
	"net/http"

	"destek/internal/desk"
	"destek/internal/http/decode"
	"destek/internal/http/respond"
)

// contactInput names the customer a ticket is from, as seen on a channel.
type contactInput struct {
	Channel desk.Channel `json:"channel"`
	Address string       `json:"address"`
	Name    string       `json:"name"`
}

type createTicketRequest struct {
	Subject   string        `json:"subject"`
	Text      string        `json:"text"`
	Channel   desk.Channel  `json:"channel"`
	Contact   *contactInput `json:"contact"`
	Queue     string        `json:"queue"`
	Priority  desk.Priority `json:"priority"`
	Tags      []string      `json:"tags"`
	AccountID *int64        `json:"account_id"`
}

const (
	channels   = "ticket, email, chat, phone, social"
	priorities = "low, normal, high, urgent"
	statuses   = "new, open, pending_customer, pending_internal, resolved, closed"
)

// createTicket opens a ticket with the customer's first message (and any
// attachments) through the intake, which judges the message under the
// policy in force and routes the ticket; the ticket, its contact and its
// message are one store call and appear together or not at all.
func (s *server) createTicket(w http.ResponseWriter, r *http.Request) error {
	var in createTicketRequest
	files, err := s.readBody(w, r, &in)
	if err != nil {
		return err
	}
	ctx := r.Context()
	// The queue stays empty unless the request names one: the policy then
	// routes the ticket by the scope category of its first message.
	t := &desk.Ticket{Status: desk.StatusNew, Priority: desk.PriorityNormal, Channel: in.Channel}
	if t.Subject, err = cleanLine("subject", in.Subject, maxSubjectLen, true); err != nil {
		return err
	}
	text, err := cleanText("text", in.Text, maxTextLen, len(files) == 0)
	if err != nil {
		return err
	}
	if !in.Channel.Valid() {
		return enumError("channel", in.Channel, channels)
	}
	if in.Contact == nil {
		return desk.FieldErrorf("contact", "contact is required: {\"channel\", \"address\", \"name\"} of the customer")
	}
	c := &desk.Contact{Channel: in.Contact.Channel}
	if c.Channel == "" {
		c.Channel = in.Channel
	}
	if !c.Channel.Valid() {
		return enumError("contact.channel", c.Channel, channels)
	}
	if c.Address, err = desk.NormaliseAddress(c.Channel, in.Contact.Address); err != nil {
		return withField(err, "contact.address")
	}
	if c.Name, err = cleanLine("contact.name", in.Contact.Name, maxNameLen, false); err != nil {
		return err
	}
	if in.Priority != "" {
		if !in.Priority.Valid() {
			return enumError("priority", in.Priority, priorities)
		}
		t.Priority = in.Priority
	}
	if t.Tags, err = desk.NormaliseTags(in.Tags); err != nil {
		return err
	}
	if in.Queue != "" {
		if err := s.refQueue(ctx, "queue", in.Queue); err != nil {
			return err
		}
		t.Queue = in.Queue
	}
	if in.AccountID != nil {
		if _, err := s.refAccount(ctx, "account_id", *in.AccountID); err != nil {
			return err
		}
		t.AccountID = in.AccountID
	}
	m := &desk.Message{Direction: desk.Inbound, Channel: t.Channel, Text: text}
	if _, err := s.intake.OpenTicket(ctx, t, c, m, files); err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/tickets/%d", t.ID))
	respond.JSON(w, http.StatusCreated, t)
	return nil
}

var ticketFilters = []string{"status", "queue", "assignee_id", "unassigned", "contact_id", "account_id", "channel", "tag", "priority", "limit", "cursor"}

// listTickets lists tickets, newest first, one page at a time.
func (s *server) listTickets(w http.ResponseWriter, r *http.Request) error {
	q, err := decode.Query(r, ticketFilters, "status")
	if err != nil {
		return err
	}
	var f desk.TicketFilter
	for _, st := range q["status"] {
		if !desk.TicketStatus(st).Valid() {
			return enumError("status", st, statuses)
		}
		f.Status = append(f.Status, desk.TicketStatus(st))
	}
	if f.Queue = q.Get("queue"); f.Queue != "" && !identifier.MatchString(f.Queue) {
		return desk.FieldErrorf("queue", "%q is not a queue key", f.Queue)
	}
	if f.AssigneeID, err = decode.Int64(q, "assignee_id"); err != nil {
		return err
	}
	if f.Unassigned, err = decode.Bool(q, "unassigned"); err != nil {
		return err
	}
	if f.Unassigned && f.AssigneeID != nil {
		return desk.FieldErrorf("unassigned", "ask for unassigned=true or for an assignee_id, not both")
	}
	if f.ContactID, err = decode.Int64(q, "contact_id"); err != nil {
		return err
	}
	if f.AccountID, err = decode.Int64(q, "account_id"); err != nil {
		return err
	}
	if ch := desk.Channel(q.Get("channel")); ch != "" {
		if !ch.Valid() {
			return enumError("channel", ch, channels)
		}
		f.Channel = ch
	}
	if tag := q.Get("tag"); tag != "" {
		// Tags are stored normalised; filter by the same form.
		tags, err := desk.NormaliseTags([]string{tag})
		if err != nil {
			return withField(err, "tag")
		}
		if len(tags) == 1 {
			f.Tag = tags[0]
		}
	}
	if p := desk.Priority(q.Get("priority")); p != "" {
		if !p.Valid() {
			return enumError("priority", p, priorities)
		}
		f.Priority = p
	}
	if f.Limit, err = decode.Limit(q); err != nil {
		return err
	}
	f.Cursor = q.Get("cursor")
	ts, next, err := s.store.ListTickets(r.Context(), f)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, page(ts, next))
	return nil
}

type updateTicketRequest struct {
	Subject       decode.Optional[string]        `json:"subject"`
	Priority      decode.Optional[desk.Priority] `json:"priority"`
	Queue         decode.Optional[string]        `json:"queue"`
	ScopeCategory decode.Optional[string]        `json:"scope_category"`
	Tags          decode.Optional[[]string]      `json:"tags"`
	AccountID     decode.Optional[int64]         `json:"account_id"`
}

// updateTicket changes a ticket's fields. Correcting the scope category is
// how an agent overrides the classifier; the store audits it like any other
// change, with the agent as actor.
func (s *server) updateTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	var in updateTicketRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	var u desk.TicketUpdate
	changed := false
	if v, err := notNull("subject", in.Subject); err != nil {
		return err
	} else if v != nil {
		sub, err := cleanLine("subject", *v, maxSubjectLen, true)
		if err != nil {
			return err
		}
		u.Subject, changed = &sub, true
	}
	if v, err := notNull("priority", in.Priority); err != nil {
		return err
	} else if v != nil {
		if !v.Valid() {
			return enumError("priority", *v, priorities)
		}
		u.Priority, changed = v, true
	}
	if v, err := notNull("queue", in.Queue); err != nil {
		return err
	} else if v != nil {
		if err := s.refQueue(ctx, "queue", *v); err != nil {
			return err
		}
		u.Queue, changed = v, true
	}
	if in.ScopeCategory.Set {
		cat := ""
		if in.ScopeCategory.Value != nil {
			cat = *in.ScopeCategory.Value
		}
		if cat != "" && !identifier.MatchString(cat) {
			return desk.FieldErrorf("scope_category", "%q is not a scope category id (e.g. domain, dns, billing)", cat)
		}
		u.ScopeCategory, changed = &cat, true
	}
	if v, err := notNull("tags", in.Tags); err != nil {
		return err
	} else if v != nil {
		tags, err := desk.NormaliseTags(*v)
		if err != nil {
			return err
		}
		u.Tags, changed = &tags, true
	}
	if in.AccountID.Set {
		if in.AccountID.Value != nil {
			if _, err := s.refAccount(ctx, "account_id", *in.AccountID.Value); err != nil {
				return err
			}
		}
		u.AccountID, changed = in.AccountID.Ptr(), true
	}
	if !changed {
		return &desk.Error{Code: desk.EINVALID, Message: "nothing to change: send at least one of subject, priority, queue, scope_category, tags, account_id"}
	}
	t, err := s.store.UpdateTicket(ctx, id, u)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, t)
	return nil
}

type assignRequest struct {
	AssigneeID decode.Optional[int64] `json:"assignee_id"`
}

// assignTicket gives a ticket to an active agent, or takes it back (null).
func (s *server) assignTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	var in assignRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	if !in.AssigneeID.Set {
		return desk.FieldErrorf("assignee_id", "assignee_id is required: an agent id, or null to unassign")
	}
	ctx := r.Context()
	if _, err := s.store.Ticket(ctx, id); err != nil {
		return err
	}
	if a := in.AssigneeID.Value; a != nil {
		ag, err := s.store.Agent(ctx, *a)
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			return desk.FieldErrorf("assignee_id", "there is no agent %d", *a)
		}
		if err != nil {
			return err
		}
		if !ag.Active {
			return desk.FieldErrorf("assignee_id", "agent %d is deactivated", *a)
		}
	}
	t, err := s.store.UpdateTicket(ctx, id, desk.TicketUpdate{AssigneeID: in.AssigneeID.Ptr()})
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, t)
	return nil
}

type statusRequest struct {
	Status desk.TicketStatus `json:"status"`
}

// setTicketStatus moves a ticket to another status if the transition rules
// allow it.
func (s *server) setTicketStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	var in statusRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	if in.Status == "" {
		return desk.FieldErrorf("status", "status is required (%s)", statuses)
	}
	// The transition rules are checked by the store under the ticket's row
	// lock, so concurrent changes cannot both pass against a stale status.
	t, err := s.store.UpdateTicket(r.Context(), id, desk.TicketUpdate{Status: &in.Status})
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, t)
	return nil
}

type linkRequest struct {
	TicketID int64         `json:"ticket_id"`
	Kind     desk.LinkKind `json:"kind"`
}

// linkTickets relates two tickets, or merges this one into another (which
// closes this one: supervisors and admins only, since it ends a customer's
// conversation).
func (s *server) linkTickets(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	var in linkRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	if in.TicketID <= 0 {
		return desk.FieldErrorf("ticket_id", "ticket_id is required: the id of the other ticket")
	}
	if !in.Kind.Valid() {
		return enumError("kind", in.Kind, "related, merged")
	}
	ctx := r.Context()
	if in.Kind == desk.LinkMerged {
		if err := requireRole(ctx, desk.RoleSupervisor, "merging tickets"); err != nil {
			return err
		}
	}
	if in.TicketID == id {
		return desk.FieldErrorf("ticket_id", "a ticket cannot be linked to itself")
	}
	a, err := s.store.Ticket(ctx, id)
	if err != nil {
		return err
	}
	b, err := s.refTicket(ctx, "ticket_id", in.TicketID)
	if err != nil {
		return err
	}
	if in.Kind == desk.LinkMerged {
		switch {
		case a.MergedIntoID != nil:
			return &desk.Error{Code: desk.ECONFLICT, Message: fmt.Sprintf("ticket %d is already merged into ticket %d", a.ID, *a.MergedIntoID)}
		case b.MergedIntoID != nil:
			return &desk.Error{Code: desk.ECONFLICT, Field: "ticket_id", Message: fmt.Sprintf("ticket %d was merged into ticket %d; merge into that one", b.ID, *b.MergedIntoID)}
		case b.Status == desk.StatusClosed:
			return &desk.Error{Code: desk.ECONFLICT, Field: "ticket_id", Message: fmt.Sprintf("ticket %d is closed; reopen it before merging into it", b.ID)}
		}
	}
	if err := s.store.LinkTickets(ctx, id, in.TicketID, in.Kind); err != nil {
		return err
	}
	t, err := s.store.Ticket(ctx, id)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, t)
	return nil
}
