package classify

import (
	"strings"

	"destek/internal/classify/normalize"
)

// This file reads the grammar of a request from folded tokens: who is
// asked to act. Turkish marks it in verb suffixes — "değiştirin" (you,
// change it), "değiştirebilir misiniz" (could you change it), "silinsin"
// (let it be deleted), "göndermezseniz" (if you do not send) ask support to
// act; "değiştirebilir miyim" (can I change), "eklemem gerekiyor" (I need
// to add), "ekledim" (I added) talk about the customer's own doing.

// sentence holds what a sentence says about requests.
type sentence struct {
	start, end int // token range [start, end)
	// strong: an explicit request to support (imperative, "could you",
	// "rica ederim", an ultimatum).
	strong bool
	// weak: urgency or wanting ("istiyorum", "acil", "I need").
	weak bool
	// want: "I want to do X" ("değiştirmek istiyorum").
	want bool
	// self: the customer does it or can do it ("ekledim", "yapabilir
	// miyim", "eklemem gerekiyor").
	self bool
	// howto: asks how or where ("nasıl", "nereden", "how do I").
	howto bool
	// receive: asks to be given something ("alabilir miyim").
	receive bool
	// neg: "not asking", "istemiyorum".
	neg bool
	// demand: an ultimatum ("göndermezseniz", "if you don't").
	demand bool
	// addressed: the sentence speaks to the support staff (second person).
	addressed bool
	// question: the sentence ends with a question mark.
	question bool
}

// imperativeStems are verb stems (folded) whose second-person imperative
// ("gönderin", "silin", "ekleyin", "iade edin") asks support to act.
var imperativeStems = setOf(
	"gonder", "yolla", "ilet", "ver", "degistir", "duzelt", "guncelle", "ekle", "kaldir", "sil",
	"kapat", "sifirla", "aktar", "tasi", "yonlendir", "ac", "yatir", "ode", "tanimla", "paylas",
	"devret", "gecir", "yap", "duzenle", "ayarla", "yapilandir", "cikar", "kur", "bak", "temizle",
	"getir", "ed", "bildir", "soyle", "at", "coz", "hallet", "yukle", "tamamla", "onayla", "incele",
	"hazirla", "gir", "bagla", "ara", "don", "yaz", "dondur", "uzat", "yenile", "dogrula", "sagla",
	"kaydet", "olustur", "cevir", "iptal", "unlock", "reset", "sifirl", "kopar", "dusur", "al",
	"kurtar", "geri getir", "bitir", "isle", "acil", "kes",
)

// englishImperatives start an English request sentence ("Change the
// nameservers", "Refund it").
var englishImperatives = setOf(
	"change", "update", "send", "delete", "remove", "refund", "reset", "cancel", "close", "give",
	"transfer", "unlock", "fix", "add", "point", "set", "disable", "release", "provide", "restore",
	"clean", "make", "put", "switch", "move", "email", "forward", "process", "issue", "correct",
	"modify", "edit", "configure", "install", "grant", "revoke", "tell", "show", "pay", "return",
	"replace", "activate", "enable", "renew", "extend", "verify", "check",
)

// pastFirstPerson reports a first-person past verb ("ekledim",
// "yaptık"). The suffix takes a t after a voiceless consonant and a d
// elsewhere, which rules out words like "artık", "eğitim", "otomatik".
func pastFirstPerson(f string) bool {
	// "istedim" (I asked for it) still wants it.
	if notPastTense[f] || !hasAnySuffix(f, "dim", "tim", "dum", "tum", "dik", "tik", "duk", "tuk") || strings.HasPrefix(f, "iste") {
		return false
	}
	n := len(f)
	before := f[n-4]
	voiceless := strings.IndexByte("cfhkpst", before) >= 0
	if f[n-3] == 't' {
		return voiceless
	}
	return !voiceless
}

// notPastTense are words that end like a first-person past verb but are
// not verbs.
var notPastTense = setOf("egitim", "otomatik", "kritik", "politik", "pratik", "istatistik", "elastik",
	"estetik", "sertifik", "optik", "mantik", "lojistik", "akustik", "dijital", "sentetik", "plastik",
	"grafik", "trafik", "teknik", "elektronik", "mekanik", "klasik", "muzik", "fizik", "tarih",
	"yetkim", "ekim", "bilgim", "yardim", "kadim", "tanidik", "bildik", "ozgurluk", "mudur", "sikintim", "durum", "urun", "urunum", "yorum", "yorumum", "tutum",
	"kurum", "konum", "sonuc", "gorusum", "yatirim", "yatirimim", "ozetim", "iletisim", "islem", "islemim")

var subjectPronoun = setOf("i", "we", "he", "she", "they", "it", "who", "ive", "weve", "im", "id")

var secondPersonWords = setOf(
	"siz", "sizi", "size", "sizin", "sizde", "sizden", "sizler", "sizlere", "hepiniz", "hepinizi",
	"sen", "seni", "sana", "senin", "sende", "senden",
	"you", "your", "youre", "yours", "yourself", "yourselves", "u", "ur", "yall",
)

var secondPersonSuffixes = []string{
	"siniz", "sunuz", "niz", "nuz", "nizi", "nuzu", "nize", "nuza", "niza", "nizin", "nuzun",
	"nizde", "nuzda", "nizden", "nuzdan", "nizla", "nuzla", "nizle", "nizdan", "nizda",
}

var notSecondPerson = setOf("deniz", "beniz", "deniz'", "ceviz", "semiz", "temiz", "domuz", "yalniz", "yaniz", "sonuz", "ikiniz")

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

func hasAnyPrefix(s string, ps ...string) bool {
	for _, x := range ps {
		if strings.HasPrefix(s, x) {
			return true
		}
	}
	return false
}

func hasAnySuffix(s string, sufs ...string) bool {
	for _, x := range sufs {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// singularImperatives are verb stems whose bare form is the singular
// imperative ("şifremi sıfırla", "gönder şunu"); short or ambiguous stems
// ("at" horse, "kur" rate, "aç" hungry) are left out.
var singularImperatives = setOf("sifirla", "gonder", "degistir", "duzelt", "guncelle", "ekle", "kaldir", "kapat",
	"yolla", "aktar", "yonlendir", "temizle", "getir", "bildir", "soyle", "hallet", "yukle", "tamamla", "onayla",
	"incele", "hazirla", "bagla", "dondur", "uzat", "yenile", "dogrula", "kaydet", "olustur", "cevir", "sil", "ilet")

// isImperative2 reports a second-person imperative of a known verb.
func isImperative2(f string) bool {
	if singularImperatives[f] {
		return true
	}
	for _, suf := range [...]string{"yiniz", "yunuz", "iniz", "unuz", "yin", "yun", "in", "un"} {
		if len(f) > len(suf)+1 && strings.HasSuffix(f, suf) && imperativeStems[f[:len(f)-len(suf)]] {
			return true
		}
	}
	return false
}

// isSecondPerson reports a pronoun or a second-person ending ("ekibiniz",
// "dolandırıcılarsınız").
func isSecondPerson(f string) bool {
	if secondPersonWords[f] {
		return true
	}
	if len(f) < 6 {
		return false
	}
	switch f[len(f)-1] {
	case 'z', 'i', 'u', 'e', 'a', 'n': // the last letters of the endings
	default:
		return false
	}
	return hasAnySuffix(f, secondPersonSuffixes...) && !notSecondPerson[f]
}

// negConditional reports a negative conditional: "göndermezseniz",
// "yatmazsa", "göremezsem".
func negConditional(f string) bool {
	return len(f) > 6 && hasAnySuffix(f, "mezseniz", "mazsaniz", "mezsen", "mazsan", "mezse", "mazsa",
		"mezsem", "mazsam", "mezsek", "mazsak", "medikce", "madikca", "memesi", "mamasi")
}

// analyseSentences splits the text into sentences and reads their mood.
func (a *analysis) analyseSentences() {
	toks := a.t.Tokens
	if len(toks) == 0 {
		return
	}
	n := a.t.Sentences
	a.sents = make([]sentence, n)
	for i := range a.sents {
		a.sents[i].start = -1
	}
	for i := range toks {
		s := &a.sents[toks[i].Sentence]
		if s.start < 0 {
			s.start = i
		}
		s.end = i + 1
	}
	for si := range a.sents {
		s := &a.sents[si]
		if s.start < 0 {
			s.start, s.end = 0, 0
			continue
		}
		a.readSentence(s)
	}
	// cue words: requests, how-to, negation, conditions
	for _, h := range a.cueHits {
		s := &a.sents[a.t.Tokens[h.Start].Sentence]
		switch h.Tag {
		case a.e.tags.request:
			if h.Weight >= 2 {
				s.strong = true
			} else if a.wantBefore(h.Start) {
				s.want = true
			} else {
				s.weak = true
			}
		case a.e.tags.howto:
			s.howto = true
		case a.e.tags.self:
			s.self = true
		case a.e.tags.receive:
			s.receive = true
		case a.e.tags.negation:
			s.neg = true
		case a.e.tags.cond:
			s.demand = true
		}
	}
}

// wantBefore reports "-mek istiyorum": the token before a wanting word is
// an infinitive, so the customer wants to do something, possibly themselves.
func (a *analysis) wantBefore(i int) bool {
	if i == 0 {
		return false
	}
	f := a.t.Tokens[i-1].Fold
	return hasAnySuffix(f, "mek", "mak")
}

// Moods of a single token.
const (
	moodNone = iota
	// moodRequest: the verb asks support to act ("gönderin", "silinsin",
	// "değiştirebilir misiniz", "iletilmesini rica ederim").
	moodRequest
	// moodDemand: an ultimatum ("göndermezseniz", "yatmazsa").
	moodDemand
	// moodSelf: the customer's own doing ("ekledim", "yapabilir miyim",
	// "eklemem gerekiyor").
	moodSelf
)

// tokenMood returns the mood of token i of the sentence [start, end),
// read once per token.
func (a *analysis) tokenMood(i, start, end int) int {
	if m := a.moods[i]; m != 0 {
		return int(m - 1)
	}
	m := a.readMood(i, start, end)
	a.moods[i] = uint8(m + 1)
	return m
}

// readMood reads the mood of token i from its suffix and its neighbours.
func (a *analysis) readMood(i, start, end int) int {
	toks := a.t.Tokens
	tk := &toks[i]
	if tk.Kind != normalize.Word || tk.Has(normalize.Quoted) || len(tk.Fold) < 3 {
		return moodNone
	}
	f := tk.Fold
	// Every suffix below ends in one of these letters; most words do not.
	switch f[len(f)-1] {
	case 'n', 'z', 'r', 'a', 'e', 'i', 'm', 'k':
	default:
		return moodNone
	}
	next := ""
	if i+1 < end {
		next = toks[i+1].Fold
	}
	switch {
	case isImperative2(f):
		return moodRequest
	case (f == "misiniz" || f == "musunuz" || f == "misin" || f == "musun") && i > start:
		p := toks[i-1].Fold
		if strings.HasSuffix(p, "r") || strings.HasSuffix(p, "bilir") {
			return moodRequest
		}
	case hasAnySuffix(f, "r") && (next == "misiniz" || next == "musunuz" || next == "misin" || next == "musun"):
		return moodRequest
	case hasAnySuffix(f, "bilirmisiniz", "rmisiniz", "rmusunuz", "bilirmisin"):
		return moodRequest
	case len(f) > 5 && hasAnySuffix(f, "ilsin", "ulsun", "insin", "unsun", "nsin", "nsun", "lsin", "lsun"):
		return moodRequest
	case negConditional(f):
		return moodDemand
	case len(f) > 6 && hasAnySuffix(f, "rseniz", "rsaniz") && a.niceAfter(i, end):
		return moodRequest
	case len(f) > 6 && hasAnySuffix(f, "mesini", "masini", "mesi", "masi", "menizi", "manizi", "meniz", "maniz"):
		if a.requestAfter(i, end) {
			return moodRequest
		}
	case hasAnySuffix(f, "ebilirim", "abilirim", "ebiliriz", "abiliriz", "meliyim", "maliyim", "meliyiz", "maliyiz"):
		return moodSelf
	case hasAnySuffix(f, "ebilir", "abilir", "meli", "mali") && (next == "miyim" || next == "miyiz"):
		return moodSelf
	case hasAnySuffix(f, "mem", "mam", "memiz", "mamiz") && (strings.HasPrefix(next, "gerek") || strings.HasPrefix(next, "lazim")):
		return moodSelf
	case len(f) >= 5 && pastFirstPerson(f):
		// past tense, first person: already done
		return moodSelf
	case len(f) >= 7 && hasAnySuffix(f, "ilir", "inir", "ulur", "unur", "iliyor", "iniyor", "uluyor", "unuyor"):
		// impersonal passive: "nasıl değiştirilir", "nereden siliniyor"
		return moodSelf
	}
	return moodNone
}

// readSentence reads verb suffixes and English sentence shapes.
func (a *analysis) readSentence(s *sentence) {
	toks := a.t.Tokens
	// question mark right after the sentence
	last := toks[s.end-1]
	rest := a.t.Source[last.End:]
	for _, r := range rest {
		if r == '?' {
			s.question = true
			break
		}
		if r == '.' || r == '!' || r == '\n' {
			break
		}
		if r != ' ' && r != '"' && r != '\'' && r != ')' {
			break
		}
	}
	first := true
	for i := s.start; i < s.end; i++ {
		tk := &toks[i]
		if tk.Kind != normalize.Word || tk.Has(normalize.Quoted) {
			continue
		}
		f := tk.Fold
		if isSecondPerson(f) {
			s.addressed = true
		}
		switch a.tokenMood(i, s.start, s.end) {
		case moodRequest:
			s.strong = true
			if isImperative2(f) || strings.HasSuffix(f, "siniz") || strings.HasSuffix(f, "sunuz") {
				s.addressed = true
			}
		case moodDemand:
			s.demand = true
		case moodSelf:
			s.self = true
		}
		// English imperatives: at the start of the sentence, or after
		// "please", "just", "and", "then", "now" ("just skip the checks
		// and reset my 2FA"), but not after a subject ("I just reset").
		if englishImperatives[f] {
			prev, prev2 := "", ""
			if i > s.start {
				prev = toks[i-1].Fold
			}
			if i > s.start+1 {
				prev2 = toks[i-2].Fold
			}
			lead := first || prev == "please" || prev == "pls" || prev == "kindly" ||
				((prev == "just" || prev == "and" || prev == "then" || prev == "now" || prev == "so") && !subjectPronoun[prev2])
			if lead && !subjectPronoun[prev] {
				s.strong = true
				s.addressed = true
			}
		}
		first = false
	}
}

// niceAfter: "değiştirirseniz çok iyi olur" — a conditional that is a
// polite request.
func (a *analysis) niceAfter(i, end int) bool {
	for j := i + 1; j < end && j <= i+4; j++ {
		f := a.t.Tokens[j].Fold
		if f == "iyi" || strings.HasPrefix(f, "sevinir") || f == "memnun" || strings.HasPrefix(f, "minnettar") {
			return true
		}
	}
	return false
}

// requestAfter: a nominalised verb followed by a word of asking
// ("silinmesini istiyoruz", "iletilmesini rica ederim", "geçirilmesi
// gerekiyor").
//
// A bare "-mesi" (its doing) is asked for only by "gerekiyor/lazım"
// ("geçirilmesi gerekiyor"); wanting takes the accusative ("silinmesini
// istiyoruz"). Another verb in between ends the search: in "DNS
// yönlendirmesi kurmak istiyoruz" the wanting is about "kurmak".
func (a *analysis) requestAfter(i, end int) bool {
	bare := !hasAnySuffix(a.t.Tokens[i].Fold, "mesini", "masini", "menizi", "manizi")
	for j := i + 1; j < end && j <= i+4; j++ {
		f := a.t.Tokens[j].Fold
		switch {
		case strings.HasPrefix(f, "gerek"), strings.HasPrefix(f, "lazim"), f == "halinde", f == "takdirde":
			return true
		case strings.HasPrefix(f, "istiyor"), strings.HasPrefix(f, "rica"), strings.HasPrefix(f, "talep"),
			strings.HasPrefix(f, "bekliyor"), f == "isterim", f == "isteriz", f == "hususunda":
			return !bare
		case hasAnySuffix(f, "mek", "mak"):
			return false
		}
	}
	return false
}
