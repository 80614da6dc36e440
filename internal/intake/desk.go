package intake

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"destek/internal/desk"
	"destek/internal/policy"
	"destek/internal/textfold"
)

// Desk takes customers' messages in: every inbound message, from any
// channel or the API, goes through it.
type Desk struct {
	store desk.Store
	judge *Judge
	log   *slog.Logger
}

// NewDesk returns the intake over a store and a judge.
func NewDesk(s desk.Store, j *Judge, log *slog.Logger) *Desk {
	return &Desk{store: s, judge: j, log: log}
}

// Judge exposes the judge, for callers that only classify.
func (d *Desk) Judge() *Judge { return d.judge }

// OpenTicket opens a ticket from a customer's first message. The message
// is judged under the policy in force; the verdict is stored with it, the
// ticket records the policy version and takes the scope category and, when
// the caller did not choose one, the queue the policy routes that category
// to. An out-of-scope request then gets the policy's answer (article 5.4),
// sent or prepared for the agent as the policy says.
func (d *Desk) OpenTicket(ctx context.Context, t *desk.Ticket, c *desk.Contact, first *desk.Message, files []desk.NewAttachment) (Verdict, error) {
	v, err := d.judge.Judge(first.Text)
	if err != nil {
		return Verdict{}, err
	}
	first.Direction = desk.Inbound
	first.Classification = &v.Classification
	t.PolicyVersion = v.Policy.Version
	if t.ScopeCategory == "" {
		t.ScopeCategory = v.Classification.Scope.Category
	}
	if t.Queue == "" {
		t.Queue = v.Queue
	}
	if err := d.store.CreateTicket(ctx, t, c, first, files); err != nil {
		return Verdict{}, err
	}
	if v.OutOfScope() {
		if err := d.answerOutOfScope(ctx, t, c, v); err != nil {
			// The ticket stands; the agent sees it without the prepared
			// answer and can still answer by hand.
			d.log.Error("out-of-scope answer failed", "ticket", t.ID, "err", err)
		}
	}
	return v, nil
}

// CustomerMessage records a customer's message on an existing ticket,
// judged under the policy in force. On a ticket whose request is a paid
// professional service, a message accepting the offer opens the
// professional-services request (article 6).
func (d *Desk) CustomerMessage(ctx context.Context, m *desk.Message, files []desk.NewAttachment, reopen bool) (*desk.Ticket, Verdict, error) {
	v, err := d.judge.Judge(m.Text)
	if err != nil {
		return nil, Verdict{}, err
	}
	m.Direction = desk.Inbound
	m.Classification = &v.Classification
	t, err := d.store.AddMessage(ctx, m, files, reopen)
	if err != nil {
		return nil, Verdict{}, err
	}
	if d.offersPaidService(v.Policy.Doc, t.ScopeCategory) && AcceptsOffer(m.Text) {
		if _, err := d.OpenProfessionalService(ctx, t.ID); err != nil && desk.ErrorCode(err) != desk.ECONFLICT {
			d.log.Error("opening the professional-services request failed", "ticket", t.ID, "err", err)
		}
		if t, err = d.store.Ticket(ctx, t.ID); err != nil {
			return nil, Verdict{}, err
		}
	}
	return t, v, nil
}

func (d *Desk) offersPaidService(doc *policy.Document, category string) bool {
	sc, ok := doc.Scope.Categories[category]
	return ok && !sc.InScope && sc.PaidService
}

// answerOutOfScope adds the policy's out-of-scope answer, in the customer's
// language: as a reply when the policy says "auto", otherwise as an
// internal note holding the prepared answer for the agent to send.
func (d *Desk) answerOutOfScope(ctx context.Context, t *desk.Ticket, c *desk.Contact, v Verdict) error {
	doc := v.Policy.Doc
	lang := v.Classification.Language
	sc := doc.Scope.Categories[t.ScopeCategory]
	name := c.Name
	if name == "" {
		name = map[string]string{"tr": "müşterimiz", "en": "customer"}[lang]
	}
	text := doc.Render("out_of_scope", lang, map[string]string{
		"name": name, "category": sc.Description.In(lang), "article": sc.Article,
	})
	if !sc.PaidService {
		// Not offered as a paid service (e.g. legal advice): say it is out
		// of scope without the offer, which is the canned text's last part.
		if i := strings.LastIndex(text, ". "); i > 0 {
			text = text[:i+1]
		}
	}
	ctx = desk.WithActor(ctx, desk.SystemActor)
	if doc.Scope.OutOfScopeReply == "auto" {
		_, err := d.store.AddMessage(ctx, &desk.Message{TicketID: t.ID, Direction: desk.Outbound, Text: text}, nil, false)
		return err
	}
	header := map[string]string{
		"tr": "Kapsam dışı talep (Madde " + sc.Article + "). Müşteriye gönderilmek üzere hazırlanan yanıt:",
		"en": "Out-of-scope request (article " + sc.Article + "). Answer prepared for the customer:",
	}[lang]
	_, err := d.store.AddMessage(ctx, &desk.Message{TicketID: t.ID, Direction: desk.Note, Text: header + "\n\n" + text}, nil, false)
	return err
}

// OpenProfessionalService opens a professional-services request for an
// out-of-scope ticket whose work the policy offers as a paid service: a new
// ticket in that category's queue, from the same contact, carrying the
// customer's request, linked to the original. A ticket that already has one
// gets ECONFLICT naming it.
func (d *Desk) OpenProfessionalService(ctx context.Context, ticketID int64) (*desk.Ticket, error) {
	t, err := d.store.Ticket(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	doc := d.judge.policy.Current().Doc
	sc, ok := doc.Scope.Categories[t.ScopeCategory]
	if !ok || sc.InScope || !sc.PaidService {
		return nil, &desk.Error{Code: desk.ECONFLICT, Field: "scope_category",
			Message: fmt.Sprintf("ticket %d is about %q, which the policy does not offer as a paid professional service", t.ID, t.ScopeCategory)}
	}
	for _, l := range t.Links {
		if l.Kind != desk.LinkRelated {
			continue
		}
		other, err := d.store.Ticket(ctx, l.TicketID)
		if err == nil && other.Queue == sc.Queue && other.ScopeCategory == t.ScopeCategory {
			return other, &desk.Error{Code: desk.ECONFLICT, Message: fmt.Sprintf("ticket %d already has professional-services request %d", t.ID, other.ID)}
		}
	}
	c, err := d.store.Contact(ctx, t.ContactID)
	if err != nil {
		return nil, err
	}
	ms, err := d.store.Messages(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	request := t.Subject
	for _, m := range ms {
		if m.Direction == desk.Inbound {
			request = m.Text
			break
		}
	}
	ps := &desk.Ticket{
		Subject:       truncate("Profesyonel hizmet / Professional service: "+t.Subject, 200),
		Queue:         sc.Queue,
		ScopeCategory: t.ScopeCategory,
		Channel:       t.Channel,
		AccountID:     t.AccountID,
		PolicyVersion: d.judge.policy.Current().Version,
		Tags:          []string{"professional-services"},
	}
	first := &desk.Message{Direction: desk.Inbound, Text: fmt.Sprintf("#%d: %s", t.ID, request)}
	if err := d.store.CreateTicket(ctx, ps, &desk.Contact{Channel: c.Channel, Address: c.Address, Name: c.Name}, first, nil); err != nil {
		return nil, err
	}
	if err := d.store.LinkTickets(ctx, t.ID, ps.ID, desk.LinkRelated); err != nil {
		return nil, err
	}
	return d.store.Ticket(ctx, ps.ID)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// acceptPhrases are the ways customers accept a paid-service offer, folded
// (no Turkish letters, lower case). A phrase must appear whole.
var acceptPhrases = []string{
	"teklif istiyorum", "teklif istiyoruz", "teklif alabilir miyim", "teklif alabilir miyiz", "teklif gonderin",
	"teklif gonderebilir", "teklifinizi bekliyorum", "kabul ediyorum", "kabul ediyoruz", "ucretli hizmet istiyorum",
	"ucretli olarak yapin", "ucretli yapilsin", "onayliyorum", "evet istiyorum", "evet, istiyorum", "evet teklif",
	"i want a quote", "we want a quote", "i'd like a quote", "i would like a quote", "we would like a quote",
	"send me a quote", "send us a quote", "please send a quote", "i accept", "we accept", "yes, please quote",
	"yes please", "go ahead with the paid",
}

// foldedAccept holds acceptPhrases as " word word " strings.
var foldedAccept = func() []string {
	out := make([]string, len(acceptPhrases))
	for i, p := range acceptPhrases {
		out[i] = wordString(p)
	}
	return out
}()

// wordString folds s and joins its words with single spaces, padded, so
// that phrases match on word boundaries only.
func wordString(s string) string {
	return " " + strings.Join(textfold.Words(textfold.Fold(s)), " ") + " "
}

// AcceptsOffer reports whether a customer's message accepts the offer of a
// paid professional service.
func AcceptsOffer(text string) bool {
	f := wordString(text)
	for _, p := range foldedAccept {
		if strings.Contains(f, p) {
			return true
		}
	}
	return false
}
