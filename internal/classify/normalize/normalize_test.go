package normalize

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// tok returns the single word token of s, failing when there is not
// exactly one.
func tok(t *testing.T, s string) Token {
	t.Helper()
	x := New(s)
	if len(x.Tokens) != 1 {
		var got []string
		for _, tk := range x.Tokens {
			got = append(got, s[tk.Start:tk.End])
		}
		t.Fatalf("%q: %d tokens %q, want 1", s, len(x.Tokens), got)
	}
	return x.Tokens[0]
}

func TestForms(t *testing.T) {
	tests := []struct {
		in, lower, fold, key string
		flags                Flags
	}{
		{"İSTANBUL", "istanbul", "istanbul", "istanbul", Upper | Turkish},
		{"IRMAK", "ırmak", "irmak", "irmak", Upper},
		{"Şikâyet", "şikâyet", "sikayet", "sikayet", Turkish | Capital},
		{"salaaaak", "salaaaak", "salaaaak", "salak", Repeated},
		{"s1kt1r", "s1kt1r", "s1kt1r", "siktir", Leet},
		{"@mk", "@mk", "@mk", "amk", Leet},
		{"a$$", "a$$", "a$$", "as", Leet},
		{"s*ktir", "s*ktir", "s*ktir", "s*ktir", Masked},
		{"f***", "f***", "f***", "f***", Masked},
		{"oç'ların", "oçların", "oclarin", "oclarin", Turkish},
		{"si\u200bk\u200dtir", "siktir", "siktir", "siktir", 0},
		{"аmк", "amk", "amk", "amk", 0},             // Cyrillic а and к
		{"ｓｉｋｔｉｒ", "siktir", "siktir", "siktir", 0}, // fullwidth
		{"𝐚𝐩𝐭𝐚𝐥", "aptal", "aptal", "aptal", 0},     // mathematical bold
		{"s\u0327ifre", "şifre", "sifre", "sifre", Turkish},
		{"I\u0307stanbul", "istanbul", "istanbul", "istanbul", Turkish | Capital},
	}
	for _, tc := range tests {
		tk := tok(t, tc.in)
		if tk.Lower != tc.lower || tk.Fold != tc.fold || tk.Key != tc.key {
			t.Errorf("%q: lower %q fold %q key %q, want %q %q %q", tc.in, tk.Lower, tk.Fold, tk.Key, tc.lower, tc.fold, tc.key)
		}
		if tk.Flags != tc.flags {
			t.Errorf("%q: flags %b, want %b", tc.in, tk.Flags, tc.flags)
		}
		if tk.Start != 0 || tk.End != len(tc.in) {
			t.Errorf("%q: span [%d,%d), want the whole text", tc.in, tk.Start, tk.End)
		}
	}
}

// Marks record which Turkish letters were written, so "sıkıntı" (with ı)
// differs from "sikinti" (typed without Turkish letters) while both fold to
// the same key.
func TestMarks(t *testing.T) {
	a, b, c := tok(t, "sıkıntı"), tok(t, "sikinti"), tok(t, "SIKINTI")
	if a.Key != b.Key || b.Key != c.Key {
		t.Fatalf("keys differ: %q %q %q", a.Key, b.Key, c.Key)
	}
	if a.Marks[1] != MarkDotless || b.Marks[1] != MarkNone {
		t.Errorf("marks %q / %q", a.Marks, b.Marks)
	}
	// A capital I may stand for i or ı: it is no evidence of ı.
	if c.Marks[1] != MarkNone {
		t.Errorf("SIKINTI marks %q, want none", c.Marks)
	}
	if g := tok(t, "götürmek"); g.Marks[1] != MarkODiaer {
		t.Errorf("götürmek marks %q", g.Marks)
	}
}

func TestSpacedLettersAreJoined(t *testing.T) {
	for _, s := range []string{"s i k t i r", "s.i.k.t.i.r", "a-p-t-a-l", "f_u_c_k", "a.q", "s  i  k"} {
		tk := tok(t, s)
		if !tk.Has(Spaced) || tk.Start != 0 || tk.End != len(s) {
			t.Errorf("%q: %+v", s, tk)
		}
	}
	x := New("bir iki a b üç")
	if len(x.Tokens) != 5 {
		t.Errorf("two single letters with spaces must stay apart: %d tokens", len(x.Tokens))
	}
	x = New("s i k t i r\ngit")
	if x.Tokens[0].Key != "siktir" || x.Tokens[1].Key != "git" {
		t.Errorf("joined across a line break: %+v", x.Tokens)
	}
}

func TestKinds(t *testing.T) {
	src := "Yazın: info@ornek.com.tr, https://ornek.com/a?b=1 ve ornek-site.com.tr'nin @USER 2.450 TL"
	x := New(src)
	want := []struct {
		text string
		kind Kind
	}{
		{"Yazın", Word}, {"info@ornek.com.tr", Email}, {"https://ornek.com/a?b=1", Link}, {"ve", Word},
		{"ornek-site.com.tr", Link}, {"@USER", Mention}, {"2", Number}, {"450", Number}, {"TL", Word},
	}
	if len(x.Tokens) != len(want) {
		t.Fatalf("%d tokens, want %d: %+v", len(x.Tokens), len(want), x.Tokens)
	}
	for i, w := range want {
		tk := x.Tokens[i]
		if src[tk.Start:tk.End] != w.text || tk.Kind != w.kind {
			t.Errorf("token %d: %q kind %d, want %q kind %d", i, src[tk.Start:tk.End], tk.Kind, w.text, w.kind)
		}
	}
}

func TestEmphasisIsNotAMask(t *testing.T) {
	tk := tok(t, "*önemli*")
	if tk.Has(Masked) || tk.Key != "onemli" || tk.Start != 1 || tk.End != len("*önemli") {
		t.Errorf("%+v", tk)
	}
}

func TestFlagsAndSentences(t *testing.T) {
	src := "Hata: 'SPF record not found'. NET::ERR_CERT_DATE_INVALID #rezalet\nYENİ SATIR!"
	x := New(src)
	get := func(w string) *Token {
		for i := range x.Tokens {
			if tk := &x.Tokens[i]; src[tk.Start:tk.End] == w {
				return tk
			}
		}
		t.Fatalf("no token %q", w)
		return nil
	}
	if !get("record").Has(Quoted) || get("Hata").Has(Quoted) {
		t.Error("quoted flag")
	}
	if !get("ERR").Has(Code) || !get("ERR").Has(Upper) {
		t.Error("code flag")
	}
	if !get("rezalet").Has(Hashtag) {
		t.Error("hashtag flag")
	}
	if x.Sentences != 3 || x.Exclamations != 1 {
		t.Errorf("sentences %d, exclamations %d", x.Sentences, x.Exclamations)
	}
	if get("SATIR").Sentence != 2 {
		t.Errorf("sentence of SATIR: %d", get("SATIR").Sentence)
	}
	if d := New("Tutar 2.450 TL idi."); d.Sentences != 1 {
		t.Errorf("a decimal point ends a sentence: %d sentences", d.Sentences)
	}
}

// The Turkish lower-casing agrees with golang.org/x/text/cases.
func TestLowerTRMatchesXText(t *testing.T) {
	c := cases.Lower(language.Turkish)
	for _, s := range []string{
		"İSTANBUL IRMAK ŞİKAYET ÇĞÖÜ", "Işık ılık İğne", "I\u0307stanbul", "MİXED case İi Iı",
		"ΣΟΦΙΑ", "ĞÜŞİÖÇ ğüşiöç", "ABCÇDEFGĞHIİJKLMNOÖPRSŞTUÜVYZ",
	} {
		if got, want := LowerTR(s), c.String(s); got != want {
			t.Errorf("LowerTR(%q) = %q, x/text says %q", s, got, want)
		}
	}
}

func TestFold(t *testing.T) {
	if got := Fold("ŞİFREMİ Unuttum, ÇOK ÜZGÜNÜM"); got != "sifremi unuttum, cok uzgunum" {
		t.Errorf("Fold = %q", got)
	}
}

// checkSpans checks what every caller relies on: spans inside the text, in
// order, not overlapping, on rune boundaries.
func checkSpans(t *testing.T, s string, x *Text) {
	t.Helper()
	prev := 0
	for i, tk := range x.Tokens {
		if tk.Start < prev || tk.End <= tk.Start || tk.End > len(s) {
			t.Fatalf("%q: token %d span [%d,%d) after %d", s, i, tk.Start, tk.End, prev)
		}
		if utf8.ValidString(s) && (!utf8.RuneStart(s[tk.Start]) || tk.End < len(s) && !utf8.RuneStart(s[tk.End])) {
			t.Fatalf("%q: token %d span [%d,%d) splits a rune", s, i, tk.Start, tk.End)
		}
		if len(tk.Key) != len(tk.Marks) {
			t.Fatalf("%q: token %d key %q marks %q", s, i, tk.Key, tk.Marks)
		}
		if tk.Sentence < 0 || tk.Sentence >= max(x.Sentences, 1) {
			t.Fatalf("%q: token %d sentence %d of %d", s, i, tk.Sentence, x.Sentences)
		}
		prev = tk.End
	}
}

func TestSpansOnHardInput(t *testing.T) {
	for _, s := range []string{
		"", " ", "!!!", "***", "*", "a", "@", "@@", "a@", "s*", "*s", "ab*", "'", "''a''",
		"\u0327\u0306", "x\u200b", "\u200bx", "\xff\xfe a", "a\xffb", "ş\u0327\u0327", "s i", "s i k",
		"a.b.c.d.e", "ornek.com.tr.", "e-posta", strings.Repeat("a ", 100), strings.Repeat("ş", 300),
		"I\u0307", "İ\u0307", "x@y.z", "@@@@@@", "1 2 3 4", "0 1 3", "$ $ $", "http://", "www.",
	} {
		checkSpans(t, s, New(s))
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"S*ktir edin, s.i.k.t.i.r.i.n gidin! Sıkıntı SIKINTI s1kt1r1c1",
		"аmк oç'ların info@a.com ornek-site.com.tr'nin 2.450 TL a** *önemli*",
		"f u c k i n g hell İstanbul 'SPF record' don't @USER @mk",
		"ｓｉｋｔｉｒ 𝐚𝐩𝐭𝐚𝐥 s\u0327ifre I\u0307stanbul si\u200bktir",
		"NET::ERR_CERT #tag \"quoted\" (x)",
	} {
		f.Add(s)
	}
	c := cases.Lower(language.Turkish)
	f.Fuzz(func(t *testing.T, s string) {
		x := New(s)
		checkSpans(t, s, x)
		// On Turkish and Latin letters alone, LowerTR is x/text's Turkish
		// lower-casing.
		latin := utf8.ValidString(s)
		for _, r := range s {
			if r >= 0x250 {
				latin = false
				break
			}
		}
		if latin {
			if got, want := LowerTR(s), c.String(s); got != want {
				t.Errorf("LowerTR(%q) = %q, x/text %q", s, got, want)
			}
		}
	})
}
