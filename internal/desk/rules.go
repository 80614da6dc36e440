package desk

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

var roleRank = map[AgentRole]int{RoleAgent: 1, RoleSupervisor: 2, RoleAdmin: 3}

// Valid reports whether r is a known role.
func (r AgentRole) Valid() bool { return roleRank[r] > 0 }

// AtLeast reports whether r includes the rights of min.
func (r AgentRole) AtLeast(min AgentRole) bool {
	return roleRank[r] > 0 && roleRank[r] >= roleRank[min]
}

// Valid reports whether k is a known account kind.
func (k AccountKind) Valid() bool {
	return k == AccountIndividual || k == AccountCorporate || k == AccountReseller
}

// Valid reports whether s is a known account status.
func (s AccountStatus) Valid() bool {
	return s == AccountActive || s == AccountSuspended || s == AccountClosed
}

// Valid reports whether r is a known authorised-contact role.
func (r AccountRole) Valid() bool {
	return r == AccountOwner || r == AccountAdmin || r == AccountTechnical || r == AccountBilling
}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	switch c {
	case ChannelTicket, ChannelEmail, ChannelChat, ChannelPhone, ChannelSocial:
		return true
	}
	return false
}

// Valid reports whether s is a known ticket status.
func (s TicketStatus) Valid() bool {
	switch s {
	case StatusNew, StatusOpen, StatusPendingCustomer, StatusPendingInternal, StatusResolved, StatusClosed:
		return true
	}
	return false
}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool {
	return p == PriorityLow || p == PriorityNormal || p == PriorityHigh || p == PriorityUrgent
}

// Valid reports whether d is a known message direction.
func (d Direction) Valid() bool { return d == Inbound || d == Outbound || d == Note }

// Valid reports whether k is a known link kind.
func (k LinkKind) Valid() bool { return k == LinkRelated || k == LinkMerged }

// CheckTransition says whether a ticket may move from one status to another
// by an explicit status change. Nothing goes back to new; a closed ticket may
// only be reopened (to open), never moved straight to another state.
func CheckTransition(from, to TicketStatus) error {
	if !to.Valid() {
		return FieldErrorf("status", "unknown status %q; use one of new, open, pending_customer, pending_internal, resolved, closed", to)
	}
	if from == to {
		return nil
	}
	if to == StatusNew {
		return &Error{Code: ECONFLICT, Field: "status", Message: "a ticket cannot go back to new"}
	}
	if from == StatusClosed && to != StatusOpen {
		return &Error{Code: ECONFLICT, Field: "status", Message: "a closed ticket must be reopened (status open) before it can move to " + string(to)}
	}
	return nil
}

// StatusAfterMessage returns the status a ticket takes when a message is
// added to it. A reply (inbound or outbound) to a closed ticket is refused
// unless reopen is set: reopening must be said, never implied.
func StatusAfterMessage(current TicketStatus, d Direction, reopen bool) (TicketStatus, error) {
	if d == Note {
		return current, nil
	}
	if current == StatusClosed && !reopen {
		return current, &Error{Code: ECONFLICT, Field: "reopen", Message: "the ticket is closed; send the message with \"reopen\": true to reopen it"}
	}
	switch d {
	case Outbound:
		if current == StatusResolved && !reopen {
			return current, nil
		}
		return StatusPendingCustomer, nil
	default: // Inbound: the customer spoke, the ball is ours.
		return StatusOpen, nil
	}
}

// NormaliseAddress returns the canonical form of a channel address, used for
// uniqueness: e-mail addresses lower-cased, phone numbers reduced to digits
// with a leading +, handles lower-cased without a leading @.
func NormaliseAddress(ch Channel, address string) (string, error) {
	a := strings.TrimSpace(address)
	if a == "" {
		return "", FieldErrorf("address", "the contact address is empty")
	}
	if !utf8.ValidString(a) || len(a) > 320 {
		return "", FieldErrorf("address", "the contact address is not valid UTF-8 or longer than 320 bytes")
	}
	switch ch {
	case ChannelEmail, ChannelTicket:
		addr, err := mail.ParseAddress(a)
		if err != nil || addr.Name != "" || !strings.Contains(addr.Address, "@") {
			return "", FieldErrorf("address", "%q is not an e-mail address like name@example.com", a)
		}
		return strings.ToLower(addr.Address), nil
	case ChannelPhone:
		var b strings.Builder
		for i, r := range a {
			switch {
			case r >= '0' && r <= '9':
				b.WriteRune(r)
			case r == '+' && i == 0:
				b.WriteRune(r)
			case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
			default:
				return "", FieldErrorf("address", "%q is not a phone number: use digits, spaces, dashes and a leading +", a)
			}
		}
		n := b.String()
		if digits := strings.TrimPrefix(n, "+"); len(digits) < 7 || len(digits) > 15 {
			return "", FieldErrorf("address", "%q is not a phone number: it needs 7 to 15 digits", a)
		}
		return n, nil
	case ChannelSocial:
		return strings.ToLower(strings.TrimPrefix(a, "@")), nil
	case ChannelChat:
		for _, r := range a {
			if unicode.IsControl(r) || unicode.IsSpace(r) {
				return "", FieldErrorf("address", "a chat visitor id may not contain spaces or control characters")
			}
		}
		return a, nil
	}
	return "", FieldErrorf("channel", "unknown channel %q; use one of ticket, email, chat, phone, social", ch)
}

// NormaliseTags trims, lower-cases and de-duplicates tags, keeping order.
func NormaliseTags(tags []string) ([]string, error) {
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		// Tags are identifiers typed on any keyboard: İ becomes i (plain
		// lower-casing would leave a combining dot), and I becomes i as in
		// English, so "İADE", "iade" and "IADE" are one tag.
		t = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(t), "İ", "i"))
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > 64 || strings.ContainsAny(t, ",\n\r\t") {
			return nil, FieldErrorf("tags", "tag %q is too long (64 at most) or contains a comma or line break", t)
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if len(out) > 50 {
		return nil, FieldErrorf("tags", "a ticket takes at most 50 tags")
	}
	return out, nil
}
