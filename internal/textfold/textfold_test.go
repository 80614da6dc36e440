package textfold

import (
	"slices"
	"testing"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"istanbul", "istanbul"},
		{"İstanbul", "istanbul"},
		{"İSTANBUL", "istanbul"},
		{"ISTANBUL", "istanbul"},
		{"ıstanbul", "istanbul"},
		{"I", "i"},
		{"ı", "i"},
		{"İ", "i"},
		{"i", "i"},
		{"DİYARBAKIR", "diyarbakir"},
		{"Iğdır", "igdir"},
		{"Şifremi unuttum", "sifremi unuttum"},
		{"ŞİFRE", "sifre"},
		{"çağrı ÇAĞRI", "cagri cagri"},
		{"Gözlük ÜZÜM öğün", "gozluk uzum ogun"},
		{"kâğıt hâlâ", "kagit hala"},
		{"S\u0327ifre", "sifre"},       // decomposed ş
		{"I\u0307stanbul", "istanbul"}, // decomposed İ
		{"Password RESET", "password reset"},
		{"café naïve", "cafe naive"},
		{"ﬁle", "file"},
		{"Straße", "straße"},
		{"ＡＢＣ", "abc"},
		{"sipariş #1234: iade!", "siparis #1234: iade!"},
		{"bad \xff byte", "bad   byte"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFoldSameForAllTurkishIs is the property search relies on: every way of
// writing the Turkish i, dotted or not, upper or lower, folds alike.
func TestFoldSameForAllTurkishIs(t *testing.T) {
	forms := []string{"istanbul", "İstanbul", "ISTANBUL", "İSTANBUL", "Istanbul", "ıstanbul"}
	for _, f := range forms {
		if got := Fold(f); got != "istanbul" {
			t.Errorf("Fold(%q) = %q, want istanbul", f, got)
		}
	}
}

func TestFoldConcurrent(t *testing.T) {
	done := make(chan bool)
	for range 4 {
		go func() {
			for range 200 {
				if got := Fold("ŞİFREMİ Unuttum"); got != "sifremi unuttum" {
					t.Errorf("got %q", got)
				}
			}
			done <- true
		}()
	}
	for range 4 {
		<-done
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"İstanbul'da şifre", []string{"İstanbul", "da", "şifre"}},
		{`"foo" OR bar* NEAR(x)`, []string{"foo", "OR", "bar", "NEAR", "x"}},
		{"sipariş#1234-iade", []string{"sipariş", "1234", "iade"}},
		{"S\u0327ifre", []string{"S\u0327ifre"}},
		{"!!! ??? ***", nil},
	}
	for _, tt := range tests {
		if got := Words(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Words(%q) = %q, want %q", tt.in, got, tt.want)
		}
		spans := WordSpans(tt.in)
		if len(spans) != len(tt.want) {
			t.Errorf("WordSpans(%q) = %v, want %d spans", tt.in, spans, len(tt.want))
			continue
		}
		for i, sp := range spans {
			if w := tt.in[sp[0]:sp[1]]; w != tt.want[i] {
				t.Errorf("WordSpans(%q)[%d] = %q, want %q", tt.in, i, w, tt.want[i])
			}
		}
	}
}

func BenchmarkFold(b *testing.B) {
	text := "Merhaba, şifremi unuttum ve İstanbul'daki ofisinize ulaşamıyorum. Alan adımın transfer kodunu istiyorum."
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Fold(text)
	}
}

// TestFoldLatinMatchesFull holds the fast path to the full transformer chain.
func TestFoldLatinMatchesFull(t *testing.T) {
	var all []rune
	for r := rune(0x20); r <= 0x24F; r++ {
		all = append(all, r)
	}
	for _, r := range all {
		s := "A" + string(r) + "I"
		fast, ok := foldLatin(s)
		if !ok {
			continue
		}
		if full := foldFull(s); fast != full {
			t.Errorf("fold %q: fast %q, full %q", s, fast, full)
		}
	}
	text := "Merhaba, ŞİFREMİ unuttum; İstanbul'daki IĞDIR ofisi. Çok güzel, öğretmen ÂLİ"
	fast, ok := foldLatin(text)
	if !ok || fast != foldFull(text) {
		t.Errorf("fast %q (ok %v), full %q", fast, ok, foldFull(text))
	}
}
