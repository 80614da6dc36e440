package classify

import "destek/internal/classify/normalize"

// Common function words of each language (folded). Content words are
// shared too often between Turkish and English support messages ("domain",
// "panel", "hosting") to tell the languages apart; function words are not.
var (
	trWords = setOf(
		"ve", "bir", "bu", "su", "o", "icin", "ile", "mi", "mu", "da", "de", "ne", "cok", "ama", "gibi",
		"var", "yok", "degil", "olarak", "ben", "biz", "siz", "sizin", "benim", "bizim", "nasil", "neden",
		"nerede", "nereden", "hala", "daha", "artik", "hem", "ya", "veya", "yada", "ki", "her", "hic",
		"sonra", "once", "kadar", "icinde", "uzerinde", "merhaba", "lutfen", "tesekkurler", "rica",
		"iyi", "gun", "gunler", "bana", "size", "ise", "yoksa", "eger", "tum", "butun", "sadece",
		"bile", "zaten", "yani", "hep", "simdi", "bugun", "yarin", "dun", "oldu", "olan", "olur",
		"musunuz", "misiniz", "miyim", "acaba", "tamam", "evet", "hayir", "selam", "kolay", "gelsin",
		"sayin", "ilgili", "hesap", "hesabim", "alan", "adi", "sifre", "istiyorum", "yapin",
	)
	enWords = setOf(
		"the", "and", "is", "are", "you", "your", "i", "my", "to", "of", "for", "in", "it", "this",
		"that", "with", "be", "have", "has", "not", "please", "we", "our", "was", "will",
		"what", "why", "how", "where", "from", "an", "a", "do", "does", "did", "me", "if", "or",
		"but", "so", "just", "been", "there", "they", "them", "hi", "hello", "thanks", "thank", "would",
		"could", "should", "still", "again", "yes", "no", "im", "dont", "cant", "its", "about", "any",
		"all", "some", "get", "got", "need", "want", "know", "like", "when", "which", "who", "time",
		"dear", "regards", "best", "hey", "whoever", "someone", "anyone", "ive", "id", "youre", "were",
	)
)

// detectLanguage returns "tr" or "en". Turkish letters and Turkish function
// words vote for Turkish, English function words for English; a tie is
// Turkish, the desk's first language.
func detectLanguage(t *normalize.Text) string {
	tr, en := 0.0, 0.0
	for i := range t.Tokens {
		tok := &t.Tokens[i]
		if tok.Kind != normalize.Word {
			continue
		}
		if tok.Has(normalize.Turkish) {
			tr += 1.5
		}
		f := tok.Fold
		if len(f) <= 12 { // function words are short
			if trWords[f] {
				tr++
			}
			if enWords[f] {
				en++
			}
		}
		// Turkish suffixes on a long word, English ones on another
		if n := len(f); n >= 5 {
			switch f[n-1] {
			case 'r', 'z', 'i', 'n', 's', 'k', 'a', 'e':
				if n >= 6 && hasAnySuffix(f, "iyor", "siniz", "lari", "leri", "lerin", "larin", "dir", "mis", "mek", "mak", "abilir", "ebilir", "nin", "dan", "den", "da", "de") {
					tr += 0.5
				}
			}
			switch f[n-1] {
			case 'g', 'n', 'd', 'y':
				if hasAnySuffix(f, "ing", "tion", "ed", "ly") {
					en += 0.5
				}
			}
		}
	}
	if en > tr {
		return "en"
	}
	return "tr"
}
