package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"destek/internal/desk"
)

func testSearch(t *testing.T, s desk.Store) {
	ctx := agentCtx
	a, _, _ := newTicket(t, s, "a@example.com", "Şifremi unuttum", "Panele giremiyorum, şifre sıfırlama e-postası gelmiyor.")
	b, _, _ := newTicket(t, s, "b@example.com", "Transfer kodu", "İstanbul'daki ofisinize ulaşamıyorum. Siparişlerim nerede?")
	c, _, _ := newTicket(t, s, "c@example.com", "Password reset not working", "I cannot reset my password for the control panel.")
	d, _, _ := newTicket(t, s, "d@example.com", "DNS kaydı", "ISTANBUL sunucusu yanıt vermiyor")
	e, _, _ := newTicket(t, s, "e@example.com", "Fatura", "ıstanbul şubesi faturası")
	note := &desk.Message{TicketID: d.ID, Direction: desk.Note, Text: "İç not: müşteri İstanbul ofisinden arıyor, gizlinot."}
	must(t, second(s.AddMessage(ctx, note, nil, false)))

	search := func(q string) []desk.SearchHit {
		t.Helper()
		hits, err := s.Search(ctx, desk.SearchQuery{Text: q})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		return hits
	}
	tickets := func(hits []desk.SearchHit) []int64 {
		var ids []int64
		for _, h := range hits {
			ids = append(ids, h.TicketID)
		}
		slices.Sort(ids)
		return ids
	}
	ids := func(ts ...*desk.Ticket) []int64 {
		var out []int64
		for _, t := range ts {
			out = append(out, t.ID)
		}
		slices.Sort(out)
		return out
	}

	for _, tc := range []struct {
		q    string
		want []int64
	}{
		{"sifre", ids(a)},   // no Turkish letters, a prefix of Şifremi
		{"ŞİFRE", ids(a)},   // Turkish capitals
		{"şifremi", ids(a)}, // as written
		{"ISTANBUL", ids(b, d, e)},
		{"istanbul", ids(b, d, e)},
		{"İstanbul", ids(b, d, e)},
		{"ıstanbul", ids(b, d, e)},
		{"İSTANBUL'DA", ids(b)}, // the suffix after the apostrophe is a word of its own
		{"siparis", ids(b)},
		{"password", ids(c)},
		{"Reset PASSWORD", ids(c)}, // every word, any order, any case
		{"control panel", ids(c)},
		{"gizlinot", ids(d)}, // internal notes are searched too
		{"kodu transfer", ids(b)},
		{"sifre istanbul", nil}, // no one text has both
		{"yokboylebirkelime", nil},
	} {
		if got := tickets(search(tc.q)); !slices.Equal(got, tc.want) {
			t.Errorf("search %q: tickets %v, want %v", tc.q, got, tc.want)
		}
	}

	// PostgreSQL matches stems too: a Turkish word with other suffixes
	// (siparişim, sipariş + -im, finds Siparişlerim; ofisinizden finds
	// ofisinize), also typed without Turkish letters, and English
	// inflections. SQLite matches prefixes only.
	if d, ok := s.(interface{ Dialect() string }); ok && d.Dialect() == "postgres" {
		for _, tc := range []struct {
			q    string
			want []int64
		}{
			{"siparişim", ids(b)},
			{"siparisim", ids(b)},
			{"ofisinizden", ids(b)},
			{"passwords", ids(c)},
			{"works", ids(c)},
		} {
			if got := tickets(search(tc.q)); !slices.Equal(got, tc.want) {
				t.Errorf("postgres stems: search %q: tickets %v, want %v", tc.q, got, tc.want)
			}
		}
	}

	// One hit per ticket, best first, each with its subject and a snippet
	// marking the word found.
	hits := search("istanbul")
	for i, h := range hits {
		if i > 0 && h.Rank > hits[i-1].Rank {
			t.Errorf("hits not ordered by rank: %v after %v", h.Rank, hits[i-1].Rank)
		}
		if h.MessageID == nil || h.Subject == "" {
			t.Errorf("hit %+v lacks its message or subject", h)
		}
		if !strings.Contains(strings.ToLower(h.Snippet), "stanbul") || !strings.Contains(h.Snippet, "**") {
			t.Errorf("snippet %q does not mark the match", h.Snippet)
		}
	}
	hits = search("sifre")
	if len(hits) != 1 || hits[0].Subject != "Şifremi unuttum" || !strings.Contains(hits[0].Snippet, "**Şifremi**") && !strings.Contains(hits[0].Snippet, "**şifre**") {
		t.Errorf("sifre: %+v", hits)
	}
	hits = search("transfer")
	if len(hits) != 1 || hits[0].MessageID != nil || hits[0].Snippet != "**Transfer** kodu" {
		t.Errorf("a subject hit: %+v", hits)
	}
	hits = search("gizlinot")
	if len(hits) != 1 || hits[0].MessageID == nil || *hits[0].MessageID != note.ID {
		t.Errorf("note hit: %+v", hits)
	}
	if got, err := s.Search(ctx, desk.SearchQuery{Text: "istanbul", Limit: 2}); err != nil || len(got) != 2 {
		t.Errorf("limit 2: %d hits, %v", len(got), err)
	}

	// User input is never query syntax, and odd input is not an error.
	for _, q := range []string{`"`, `*`, `sifre"`, `"sifre`, `sifre*`, `NEAR(sifre)`, `-sifre`, `sifre OR x`, `sifre AND`,
		`a:b`, `'`, `&|!():*<->`, `\`, `%_`, `^sifre`, `{sifre}`, `sifre:*`, "sif\x00re", "\xff\xfe", `𝔘𝔫𝔦𝔠𝔬𝔡𝔢`, "日本語", strings.Repeat("kelime ", 100)} {
		if _, err := s.Search(ctx, desk.SearchQuery{Text: q}); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
	if got := tickets(search(`"sifre*"`)); !slices.Equal(got, ids(a)) {
		t.Errorf(`search "sifre*" with its quotes: %v`, got)
	}
	if got := search("!!! ???"); len(got) != 0 {
		t.Errorf("a query without words found %+v", got)
	}
	for _, q := range []string{"", "   ", "\n\t"} {
		_, err := s.Search(ctx, desk.SearchQuery{Text: q})
		wantErr(t, err, desk.EINVALID, "q")
	}
	_, err := s.Search(ctx, desk.SearchQuery{Text: "x", Limit: -1})
	wantErr(t, err, desk.EINVALID, "limit")
}

func testAudit(t *testing.T, s desk.Store) {
	token := desk.Actor{Kind: desk.ActorToken, ID: 5, Role: desk.RoleAgent}
	customer := desk.Actor{Kind: desk.ActorCustomer, ID: 12}
	tctx := desk.WithActor(context.Background(), token)
	cctx := desk.WithActor(context.Background(), customer)
	for i := range 3 {
		must(t, s.CreateAccount(tctx, &desk.Account{Name: "Hesap " + string(rune('A'+i))}))
	}
	tk := &desk.Ticket{Subject: "Portaldan"}
	must(t, s.CreateTicket(cctx, tk, &desk.Contact{Channel: desk.ChannelTicket, Address: "portal@example.com"}, &desk.Message{Text: "x"}, nil))
	must(t, s.CreateAccount(context.Background(), &desk.Account{Name: "Sistem"}))

	all := allAudit(t, s)
	if len(all) != 7 {
		t.Fatalf("%d events, want 7", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID || all[i].At.After(all[i-1].At) {
			t.Errorf("events not newest first at %d", i)
		}
	}
	if all[0].Actor != desk.SystemActor || all[1].Actor != customer || all[6].Actor != token {
		t.Errorf("actors %+v %+v %+v", all[0].Actor, all[1].Actor, all[6].Actor)
	}
	check := func(name string, f desk.AuditFilter, want int) []*desk.AuditEvent {
		t.Helper()
		ev, _, err := s.ListAudit(context.Background(), f)
		must(t, err)
		if len(ev) != want {
			t.Errorf("%s: %d events, want %d", name, len(ev), want)
		}
		return ev
	}
	check("by type", desk.AuditFilter{EntityType: "account"}, 4)
	check("by action", desk.AuditFilter{Action: "ticket.create"}, 1)
	ev := check("by entity", desk.AuditFilter{EntityType: "ticket", EntityID: &tk.ID}, 1)
	if len(ev) == 1 && (ev[0].Action != "ticket.create" || ev[0].Actor != customer) {
		t.Errorf("ticket event %+v", ev[0])
	}
	check("by id only", desk.AuditFilter{EntityID: &tk.ID}, 1+countWithID(all, tk.ID)-1)
	// Pages of three: 3, 3, 1.
	var got []int64
	cursor := ""
	for range 4 {
		page, next, err := s.ListAudit(context.Background(), desk.AuditFilter{Limit: 3, Cursor: cursor})
		must(t, err)
		for _, e := range page {
			got = append(got, e.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	var want []int64
	for _, e := range all {
		want = append(want, e.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged ids %v, want %v", got, want)
	}
	_, _, err := s.ListAudit(context.Background(), desk.AuditFilter{Cursor: "?"})
	wantErr(t, err, desk.EINVALID, "cursor")
}

// countWithID counts events about any entity with the id.
func countWithID(ev []*desk.AuditEvent, id int64) int {
	n := 0
	for _, e := range ev {
		if e.EntityID == id {
			n++
		}
	}
	return n
}
