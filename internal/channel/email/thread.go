package email

import (
	"context"
	"regexp"
	"slices"
	"strconv"

	"destek/internal/desk"
)

// How a message joined its ticket, for the log.
const (
	threadReplyAddress = "reply address"
	threadHeader       = "In-Reply-To/References"
	threadSubject      = "ticket number in the subject"
)

// subjectTicket finds a ticket number in a subject: "[#123]", "Ticket
// #123", "Bilet #123", "Talep #123", "Destek talebi #123".
var subjectTicket = regexp.MustCompile(`(?i)(?:\[#\s*(\d{1,15})\]|\b(?:ticket|bilet|talep|talebi|case)\s*(?:no\.?|numaras[ıi])?\s*[:#]\s*(\d{1,15})\b)`)

// subjectTicketID returns the ticket number a subject names, or 0.
func subjectTicketID(subject string) int64 {
	m := subjectTicket.FindStringSubmatch(subject)
	if m == nil {
		return 0
	}
	s := m[1]
	if s == "" {
		s = m[2]
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return id
}

// findThread returns the ticket a message continues, and how it was found,
// or nil when it starts a new conversation. The evidence, strongest first:
//
//   - a reply address whose token verified (route.TicketID): only those we
//     sent it to know it, so it counts whoever writes from it;
//   - a Message-ID in In-Reply-To or References that destek generated for
//     its own mail (random, seen only by the conversation's recipients),
//     or that an earlier inbound message of the ticket carried — the
//     latter only from the ticket's own contact, because a sender chooses
//     their Message-IDs and anyone who saw one could name it;
//   - the ticket number in the subject, only from the ticket's contact:
//     numbers are easy to guess.
//
// contactID is the sender's contact (0 when there is none, as for
// auto-replies: then only the first two kinds of evidence count). A merged
// ticket leads to the ticket it was merged into.
func (p *Processor) findThread(ctx context.Context, parsed *Parsed, route Route, contactID int64) (*desk.Ticket, string, error) {
	if route.TicketID != 0 {
		t, err := p.ticket(ctx, route.TicketID)
		if err == nil {
			return t, threadReplyAddress, nil
		}
		if desk.ErrorCode(err) != desk.ENOTFOUND {
			return nil, "", err
		}
	}
	ids := slices.Clone(parsed.InReplyTo)
	for i := len(parsed.References) - 1; i >= 0; i-- {
		if !slices.Contains(ids, parsed.References[i]) {
			ids = append(ids, parsed.References[i])
		}
	}
	ids = append(ids, parsed.Reported...)
	for _, id := range ids {
		link, err := p.cfg.Store.TicketByMessageID(ctx, id)
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		t, err := p.ticket(ctx, link.TicketID)
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		if link.Outbound || (contactID != 0 && t.ContactID == contactID) {
			return t, threadHeader, nil
		}
	}
	if n := subjectTicketID(parsed.Subject); n != 0 && contactID != 0 {
		t, err := p.ticket(ctx, n)
		if err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
			return nil, "", err
		}
		if err == nil && t.ContactID == contactID {
			return t, threadSubject, nil
		}
	}
	return nil, "", nil
}

// ticket returns a ticket, following merges to the ticket that carries on
// (ENOTFOUND when there is none).
func (p *Processor) ticket(ctx context.Context, id int64) (*desk.Ticket, error) {
	for range 10 {
		t, err := p.cfg.Store.Ticket(ctx, id)
		if err != nil {
			return nil, err
		}
		if t.MergedIntoID == nil {
			return t, nil
		}
		id = *t.MergedIntoID
	}
	return nil, desk.Errorf(desk.ENOTFOUND, "ticket %d was merged more than ten times over", id)
}
