// Package textfold folds Turkish and English text to one searchable form, so
// that a customer who types "sifre" or "ISTANBUL" on a keyboard without
// Turkish letters finds "Şifremi" and "İstanbul".
//
// Folding lower-cases by Turkish rules (I→ı, İ→i), maps the dotless ı to i,
// and removes diacritics (ş→s, ç→c, ğ→g, ö→o, ü→u, â→a …). Both the indexed
// text and the query go through Fold, so the search engine only has to match
// plain lower-case words.
package textfold

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// folders pools the transformer chains: a cases.Caser and a transform.Chain
// keep state between calls and must not be shared between goroutines.
var folders = sync.Pool{New: func() any {
	return transform.Chain(
		// Turkish lower-casing first: it is what turns I into ı and İ into
		// i; a language-neutral lower-casing would turn İ into i plus a
		// combining dot.
		cases.Lower(language.Turkish),
		// Compatibility decomposition splits letters from their marks
		// (ş → s + U+0327) and spells out ligatures and width variants.
		norm.NFKD,
		runes.Remove(runes.In(unicode.Mn)),
		// The dotless ı has no decomposition: SQLite's unicode61 tokenizer
		// and PostgreSQL's parsers keep it apart from i, so it is mapped here.
		runes.Map(func(r rune) rune {
			if r == 'ı' {
				return 'i'
			}
			return r
		}),
		norm.NFC,
	)
}}

// Fold returns the search form of s: Turkish lower case, dotless ı as i,
// diacritics removed. Fold("Şifremi") == "sifremi" and
// Fold("İSTANBUL") == Fold("ISTANBUL") == Fold("ıstanbul") == "istanbul".
func Fold(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	if isASCII(s) {
		// For ASCII, Turkish lower-casing only differs on I (→ ı), and ı folds
		// back to i, so plain ASCII lower-casing gives the same result fast.
		return asciiLower(s)
	}
	if out, ok := foldLatin(s); ok {
		return out
	}
	return foldFull(s)
}

// foldFull runs the whole transformer chain.
func foldFull(s string) string {
	t := folders.Get().(transform.Transformer)
	defer folders.Put(t)
	t.Reset()
	out, _, err := transform.String(t, s)
	if err != nil {
		// The chain does not fail on valid UTF-8; should it ever, lower-case
		// rune by rune with the Turkish rules rather than lose the text.
		return strings.Map(func(r rune) rune {
			if r = unicode.TurkishCase.ToLower(r); r == 'ı' {
				return 'i'
			}
			return r
		}, s)
	}
	return out
}

// Words splits s into words: maximal runs of letters, digits and combining
// marks. Everything else (spaces, punctuation, apostrophes as in
// "İstanbul'da", symbols) separates words. Words does not fold.
func Words(s string) []string {
	var words []string
	start := -1
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			words = append(words, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		words = append(words, s[start:])
	}
	return words
}

// WordSpans is Words with positions: it returns the byte offsets [start, end)
// of every word of s, so callers can cut and mark the original text.
func WordSpans(s string) [][2]int {
	var spans [][2]int
	start := -1
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			spans = append(spans, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		spans = append(spans, [2]int{start, len(s)})
	}
	return spans
}

// isWordRune reports whether r belongs to a word. It matches what the search
// tokenizers treat as word characters closely enough that every word Words
// returns is one token for them too.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Fast path for Latin text. Messages are mostly ASCII plus Turkish letters;
// the transformer chain costs about 50 ns a byte, which matters when every
// new message is folded for the index. latinFold holds the folded form of
// every precomposed letter of Latin-1 and Latin Extended-A/B, computed once
// with the full chain. A rune folds the same alone as in context for these
// letters: the only context rules of Turkish casing involve combining marks
// (I + U+0307), and any combining mark sends the text to the full chain.
const latinFirst, latinLast = 0xC0, 0x24F

var latinFold = func() [latinLast - latinFirst + 1]string {
	var t [latinLast - latinFirst + 1]string
	for r := rune(latinFirst); r <= latinLast; r++ {
		t[r-latinFirst] = foldFull(string(r))
	}
	return t
}()

// foldLatin folds s when every rune is ASCII or in latinFold; ok is false
// otherwise.
func foldLatin(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
		case r >= latinFirst && r <= latinLast:
			b.WriteString(latinFold[r-latinFirst])
		default:
			return "", false
		}
	}
	return b.String(), true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
