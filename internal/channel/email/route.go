package email

import (
	"errors"
	"slices"
	"strings"

	"destek/internal/desk"
	"destek/internal/policy"
)

// Kinds of mailbox, after the policy's channels (article 9).
const (
	KindSupport = "email" // support@, destek@: the e-mail channel
	KindAbuse   = "abuse" // the abuse-report address
	KindLegal   = "legal" // hukuk@: legal requests
)

// Route is where mail to one recipient address goes.
type Route struct {
	// Mailbox is the policy's address the recipient names (lower case).
	Mailbox string
	// Kind is the policy channel the address belongs to: KindSupport,
	// KindAbuse or KindLegal.
	Kind string
	// Queue is the queue new tickets go to: the channel's queue for abuse
	// and legal mail; "" for support mail, which the policy engine routes
	// by what it is about (billing, technical …).
	Queue string
	// TicketID is the ticket a reply address names, once its token has
	// verified; 0 otherwise.
	TicketID int64
	// BadToken is set when the address named a ticket with a token that
	// did not verify. Such mail is accepted (a person wrote to one of our
	// addresses) but does not join that ticket.
	BadToken bool
}

// ResolveRecipient returns the route of a recipient under the policy: the
// addresses of its e-mail, abuse and legal channels (enabled ones only),
// each also with a plus tag (support+anything@…, and the reply addresses
// of ReplyAddress). ok is false for any other address.
func ResolveRecipient(doc *policy.Document, secret []byte, rcpt string) (r Route, ok bool) {
	mailbox, ticketID, err := ParseReplyAddress(secret, rcpt)
	for _, ch := range mailChannels(doc) {
		if !ch.ch.Enabled || !slices.ContainsFunc(ch.ch.Addresses, func(a string) bool { return strings.EqualFold(strings.TrimSpace(a), mailbox) }) {
			continue
		}
		r = Route{Mailbox: mailbox, Kind: ch.kind}
		if ch.kind != KindSupport {
			r.Queue = ch.ch.Queue
			if r.Queue == "" {
				r.Queue = map[string]string{KindAbuse: desk.QueueAbuse, KindLegal: desk.QueueLegal}[ch.kind]
			}
		}
		switch {
		case err == nil:
			r.TicketID = ticketID
		case errors.Is(err, ErrBadReplyToken):
			r.BadToken = true
		}
		return r, true
	}
	return Route{}, false
}

type mailChannel struct {
	kind string
	ch   policy.Channel
}

func mailChannels(doc *policy.Document) []mailChannel {
	return []mailChannel{{KindSupport, doc.Channels.Email}, {KindAbuse, doc.Channels.Abuse}, {KindLegal, doc.Channels.Legal}}
}

// OwnAddresses returns every address the policy receives mail on, lower
// case: the ones RCPT accepts (without plus tags).
func OwnAddresses(doc *policy.Document) []string {
	var out []string
	for _, ch := range mailChannels(doc) {
		if !ch.ch.Enabled {
			continue
		}
		for _, a := range ch.ch.Addresses {
			out = append(out, strings.ToLower(strings.TrimSpace(a)))
		}
	}
	return out
}

// isOwnAddress reports whether addr is one of the policy's mailboxes, with
// or without a plus tag: mail from there is destek's own, come back.
func isOwnAddress(doc *policy.Document, addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if at := strings.LastIndexByte(addr, '@'); at > 0 {
		if plus := strings.IndexByte(addr[:at], '+'); plus >= 0 {
			addr = addr[:plus] + addr[at:]
		}
	}
	return slices.Contains(OwnAddresses(doc), addr)
}

// pickRoute chooses the route of a message sent to several of our
// addresses: a verified reply address first (the conversation it names),
// then legal, abuse and support — a message copied to hukuk@ is a legal
// matter even when support@ is on it too. One message makes one ticket.
func pickRoute(routes []Route) Route {
	best := routes[0]
	rank := func(r Route) int {
		if r.TicketID != 0 {
			return 0
		}
		return map[string]int{KindLegal: 1, KindAbuse: 2, KindSupport: 3}[r.Kind]
	}
	for _, r := range routes[1:] {
		if rank(r) < rank(best) {
			best = r
		}
	}
	return best
}
