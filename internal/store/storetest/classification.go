package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"destek/internal/desk"
)

// testClassification checks that what the policy engine found is stored
// with the message as given, and that agents' scope corrections are
// recorded with the text they correct.
func testClassification(t *testing.T, s desk.Store) {
	ctx := agentCtx
	op := "auth_code"
	class := &desk.Classification{
		PolicyVersion: 2, Language: "tr",
		Scope: desk.ScopeVerdict{Category: "domain", InScope: true, Confidence: 0.91, Rule: "scope.domain:transfer"},
		Violations: []desk.Violation{{Category: "profanity", Level: 2, Article: "7.2", Evidence: "s.i.k", Start: 10, End: 15,
			Confidence: 0.97, Rule: "profanity.lexicon"}},
		Level: 2, CriticalOperation: &op,
	}
	tk := &desk.Ticket{Subject: "Transfer", ScopeCategory: "domain", PolicyVersion: 2}
	first := &desk.Message{Text: "Transfer kodumu verin s.i.k", Classification: class}
	must(t, s.CreateTicket(ctx, tk, &desk.Contact{Channel: desk.ChannelEmail, Address: "sinif@example.com"}, first, nil))
	reply := &desk.Message{TicketID: tk.ID, Direction: desk.Inbound, Text: "ikinci", Classification: &desk.Classification{
		PolicyVersion: 2, Language: "tr", Scope: desk.ScopeVerdict{Category: "other"}, Violations: []desk.Violation{}}}
	must(t, second(s.AddMessage(ctx, reply, nil, false)))
	note := &desk.Message{TicketID: tk.ID, Direction: desk.Note, Text: "not"}
	must(t, second(s.AddMessage(ctx, note, nil, false)))

	ms, err := s.Messages(ctx, tk.ID)
	must(t, err)
	if len(ms) != 3 {
		t.Fatalf("%d messages", len(ms))
	}
	if diff := cmp.Diff(class, ms[0].Classification); diff != "" {
		t.Errorf("classification read back differs (-stored +read):\n%s", diff)
	}
	if ms[1].Classification == nil || ms[1].Classification.Scope.Category != "other" || ms[1].Classification.CriticalOperation != nil {
		t.Errorf("second classification = %+v", ms[1].Classification)
	}
	if ms[2].Classification != nil {
		t.Errorf("a note has a classification: %+v", ms[2].Classification)
	}
	one, err := s.Message(ctx, first.ID)
	must(t, err)
	if one.Classification == nil || one.Classification.Level != 2 {
		t.Errorf("Message() lost the classification: %+v", one.Classification)
	}

	// Corrections.
	cs, next, err := s.ScopeCorrections(ctx, 0, "")
	must(t, err)
	if len(cs) != 0 || next != "" {
		t.Fatalf("corrections before any: %+v", cs)
	}
	dns := "dns"
	_, err = s.UpdateTicket(ctx, tk.ID, desk.TicketUpdate{ScopeCategory: &dns})
	must(t, err)
	_, err = s.UpdateTicket(ctx, tk.ID, desk.TicketUpdate{ScopeCategory: &dns}) // no change, no correction
	must(t, err)
	subject := "Transfer (DNS)"
	_, err = s.UpdateTicket(ctx, tk.ID, desk.TicketUpdate{Subject: &subject})
	must(t, err)
	cs, _, err = s.ScopeCorrections(ctx, 0, "")
	must(t, err)
	if len(cs) != 1 {
		t.Fatalf("want 1 correction, got %+v", cs)
	}
	c := cs[0]
	if c.TicketID != tk.ID || c.From != "domain" || c.To != "dns" || c.Actor != supervisor || c.Text != first.Text || c.At.IsZero() {
		t.Errorf("correction = %+v", c)
	}
	for range 3 {
		other := "hosting"
		if c.To == "hosting" {
			other = "dns"
		}
		_, err = s.UpdateTicket(ctx, tk.ID, desk.TicketUpdate{ScopeCategory: &other})
		must(t, err)
		c.To = other
	}
	page1, next, err := s.ScopeCorrections(ctx, 2, "")
	must(t, err)
	page2, last, err := s.ScopeCorrections(ctx, 2, next)
	must(t, err)
	if len(page1) != 2 || len(page2) != 2 || next == "" || last != "" || page1[0].ID <= page2[0].ID {
		t.Errorf("pages: %d, %d (next %q, last %q)", len(page1), len(page2), next, last)
	}
	_, _, err = s.ScopeCorrections(ctx, 0, "garbage!")
	wantErr(t, err, desk.EINVALID, "cursor")
}
