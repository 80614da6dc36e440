package lexicon

import (
	"strings"
	"testing"

	"destek/internal/classify/normalize"
)

// matches returns the matched text of every hit of tag in s.
func matches(t *testing.T, l *Lexicon, tag, s string) []string {
	t.Helper()
	x := normalize.New(s)
	var out []string
	for _, h := range l.Match(x, nil) {
		if l.Tags[h.Tag] == tag {
			_, _, ev := x.Span(h.Start, h.End)
			out = append(out, ev)
		}
	}
	return out
}

func mustParse(t *testing.T, src string, mode Mode) *Lexicon {
	t.Helper()
	l, err := Parse("test", src, mode)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestKeyModeMatching(t *testing.T) {
	l := mustParse(t, `
[bad]
siktir* ; join
=göt*
!=götür*
ass
aptal*
salak*
orospu* ; join
kafa* _2 kır*
[other]
götür*
`, Key)
	tests := []struct {
		in   string
		want []string
	}{
		{"siktir git", []string{"siktir"}},
		{"S1KT1R", []string{"S1KT1R"}},
		{"siktiiiirrr", []string{"siktiiiirrr"}},
		{"s*ktir", []string{"s*ktir"}},
		{"s.i.k.t.i.r", []string{"s.i.k.t.i.r"}},
		{"sik tir", []string{"sik tir"}},
		{"götürmek istiyorum", nil}, // exception
		{"got it, thanks", nil},     // '=' needs ö written
		{"göt", []string{"göt"}},
		{"götün", []string{"götün"}},
		{"a A.Ş. as", nil},       // "as" is not "ass" even though keys collapse
		{"ass", []string{"ass"}}, //
		{"a**", []string{"a**"}}, // masked
		{"aptallar", []string{"aptallar"}},
		{"salağa", []string{"salağa"}}, // k→ğ
		{"*salak", nil},                // a leading star is a footnote
		{"kafanı gelip kıracağım", []string{"kafanı gelip kıracağım"}},
		{"kafanı. kıracağım", nil}, // not across sentences
		{"oros pu", []string{"oros pu"}},
		{"yara kapanır", nil}, // two words, not a split one
	}
	for _, tc := range tests {
		got := matches(t, l, "bad", tc.in)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
	// The exception is per tag: "götür*" still matches under its own tag.
	if got := matches(t, l, "other", "götürmek"); len(got) != 1 {
		t.Errorf("other tag: %q", got)
	}
}

// A plain letter in a pattern never matches a Turkish letter the customer
// wrote; a Turkish letter in the pattern may be typed plain.
func TestTurkishLetters(t *testing.T) {
	l := mustParse(t, "[x]\nsik\nşifre*\n", Key)
	for in, want := range map[string]int{"sik": 1, "SIK": 1, "sık": 0, "şifremi": 1, "sifremi": 1, "sıfremi": 0} {
		if got := len(matches(t, l, "x", in)); got != want {
			t.Errorf("%q: %d hits, want %d", in, got, want)
		}
	}
}

func TestFoldModeAndWeights(t *testing.T) {
	l := mustParse(t, `
[scope.dns]
nameserver* ; w=2.5
a kayd* _3 değiştir*
[scope.billing]
iade*
!iade süreci*
`, Fold)
	x := normalize.New("A kaydını lütfen hemen değiştirin. NAMESERVERLARI da. İade süreci nasıl? İademi yapın.")
	var got []string
	for _, h := range l.Match(x, nil) {
		_, _, ev := x.Span(h.Start, h.End)
		got = append(got, l.Tags[h.Tag]+":"+ev)
		if l.Entries[h.Entry].Source == "nameserver*" && h.Weight != 2.5 {
			t.Errorf("weight %v", h.Weight)
		}
	}
	want := "scope.dns:A kaydını lütfen hemen değiştirin|scope.dns:NAMESERVERLARI|scope.billing:İademi"
	if strings.Join(got, "|") != want {
		t.Errorf("hits %q\nwant %q", strings.Join(got, "|"), want)
	}
	if l.TagID("scope.dns") < 0 || l.TagID("nope") != -1 {
		t.Error("TagID")
	}
}

func TestParseErrors(t *testing.T) {
	for _, src := range []string{
		"word",                // before a section
		"[x]\nword ; w=abc",   // bad weight
		"[x]\nword ; loud",    // unknown attribute
		"[x]\n_ word",         // starts with a gap
		"[x]\nword _",         // ends with a gap
		"[x]\na b ; join",     // join on two elements
		"[x]\nwo*rd",          // star inside
		"[x]\n!!!",            // no letters
		"[x]\na||b",           // empty alternative
		"[x]\nword _99 other", // gap too long
		"[]\nword",            // empty section
	} {
		if _, err := Parse("t", src, Key); err == nil {
			t.Errorf("%q: no error", src)
		}
	}
}

func FuzzMatch(f *testing.F) {
	l, err := Parse("f", "[a]\nsiktir* ; join\namına koy*\n=göt*\n!=götür*\nass\nkafa* _2 kır*\n[b]\nx|y* _1 z\n", Key)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("s*k*t*i*r kafa ** kır a** göt götür s i k t i r")
	f.Add("****** a*b*c*d ass as a$$")
	f.Fuzz(func(t *testing.T, s string) {
		x := normalize.New(s)
		for _, h := range l.Match(x, nil) {
			if h.Start < 0 || h.End > len(x.Tokens) || h.Start >= h.End {
				t.Fatalf("%q: hit [%d,%d) of %d tokens", s, h.Start, h.End, len(x.Tokens))
			}
		}
	})
}
