package sqlstore

import (
	"strings"
	"testing"

	"destek/internal/desk"
)

func TestQueryTerms(t *testing.T) {
	tests := []struct {
		q    string
		want string // folded terms joined by spaces
	}{
		{"Şifremi unuttum", "sifremi unuttum"},
		{`"sifre*" OR NEAR(x)`, "sifre or near x"},
		{"İstanbul'da ISTANBUL istanbul", "istanbul da"}, // duplicates dropped
		{"e-posta: a&b|c!", "e posta a b c"},
		{"!!! *** :::", ""},
		{"S\u0327ifre", "sifre"},
		{strings.Repeat("k ", 40), "k"},
	}
	for _, tt := range tests {
		var got []string
		for _, term := range QueryTerms(tt.q) {
			if term.Folded == "" || term.Word == "" {
				t.Errorf("QueryTerms(%q): empty term %+v", tt.q, term)
			}
			got = append(got, term.Folded)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("QueryTerms(%q) = %q, want %q", tt.q, got, tt.want)
		}
	}
	var many []string
	for i := range 40 {
		many = append(many, strings.Repeat("a", i+1))
	}
	if n := len(QueryTerms(strings.Join(many, " "))); n != maxTerms {
		t.Errorf("%d terms, want at most %d", n, maxTerms)
	}
}

func TestSnippet(t *testing.T) {
	terms := QueryTerms("sifre")
	tests := []struct {
		text, want string
	}{
		{"Şifremi unuttum", "**Şifremi** unuttum"},
		{"Merhaba,\n\n  şifre   sıfırlama\tgelmiyor.", "Merhaba, **şifre** sıfırlama gelmiyor."},
		{"", ""},
		{"hiç eşleşme yok", "hiç eşleşme yok"},
		{"bir iki üç dört beş altı yedi sekiz dokuz on şifre", "… üç dört beş altı yedi sekiz dokuz on **şifre**"},
	}
	for _, tt := range tests {
		if got := Snippet(tt.text, terms); got != tt.want {
			t.Errorf("Snippet(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	long := strings.Repeat("kelime ", 100) + "ŞİFRE " + strings.Repeat("son ", 100)
	got := Snippet(long, terms)
	if !strings.HasPrefix(got, "… ") || !strings.HasSuffix(got, " …") || !strings.Contains(got, "**ŞİFRE**") || len(got) > 300 {
		t.Errorf("long snippet %q", got)
	}
	// A stem match (found by PostgreSQL) is marked too.
	if got := Snippet("Siparişlerim nerede?", QueryTerms("siparişim")); got != "**Siparişlerim** nerede?" {
		t.Errorf("stem snippet %q", got)
	}
}

func TestParsePage(t *testing.T) {
	p, err := parsePage(0, "")
	if err != nil || p.limit != desk.DefaultPageSize || p.after != 0 {
		t.Errorf("defaults: %+v %v", p, err)
	}
	if p, _ := parsePage(10000, ""); p.limit != desk.MaxPageSize {
		t.Errorf("cap: %d", p.limit)
	}
	c := cursorFor(true, 1234)
	if p, err := parsePage(5, c); err != nil || p.after != 1234 || p.limit != 5 {
		t.Errorf("cursor round trip: %+v %v", p, err)
	}
	if cursorFor(false, 1) != "" {
		t.Error("a last page has a cursor")
	}
	for _, bad := range []string{"x", "MA", "LTE", "!!", "MTIzYQ"} { // "0", "-1", "123a"
		if _, err := parsePage(0, bad); desk.ErrorField(err) != "cursor" {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
	if _, err := parsePage(-1, ""); desk.ErrorField(err) != "limit" {
		t.Errorf("negative limit: %v", err)
	}
}

func TestNumberedParams(t *testing.T) {
	db := &DB{d: Dialect{NumberedParams: true}}
	got := db.query("SELECT a FROM t WHERE b = ? AND c = '?' AND d IN (?, ?)")
	if want := "SELECT a FROM t WHERE b = $1 AND c = '?' AND d IN ($2, $3)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	db = &DB{d: Dialect{}}
	if got := db.query("a = ?"); got != "a = ?" {
		t.Errorf("SQLite query changed: %q", got)
	}
}

func TestLikePattern(t *testing.T) {
	if got := likePattern(`50%_a\b`); got != `%50\%\_a\\b%` {
		t.Errorf("got %q", got)
	}
}
