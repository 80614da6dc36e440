package classify

import (
	"math"
	"strings"

	"destek/internal/classify/lexicon"
	"destek/internal/classify/model"
	"destek/internal/classify/normalize"
)

// scores sums cue weights per tag and keeps the strongest hit of each.
// Tags absent from the lists (id -1) sum to zero.
type scores struct {
	sums  []float64
	bests []lexicon.Hit
}

func newScores(hits []lexicon.Hit, ntags int) scores {
	s := scores{sums: make([]float64, ntags), bests: make([]lexicon.Hit, ntags)}
	for _, h := range hits {
		if s.sums[h.Tag] == 0 || h.Weight > s.bests[h.Tag].Weight {
			s.bests[h.Tag] = h
		}
		s.sums[h.Tag] += h.Weight
	}
	return s
}

func (s scores) sum(tag int) float64 {
	if tag < 0 {
		return 0
	}
	return s.sums[tag]
}

func (s scores) best(tag int) lexicon.Hit {
	if tag < 0 {
		return lexicon.Hit{}
	}
	return s.bests[tag]
}

// add records a violation of category cat found by rule over tokens [i, j).
func (a *analysis) add(cat, rule string, conf float64, i, j int) {
	for _, v := range a.found {
		if v.Category == cat {
			return // one finding per category: the first, strongest rule
		}
	}
	c, ok := a.e.tax.conduct(cat)
	if !ok {
		return
	}
	st, en, ev := a.span(i, j)
	a.found = append(a.found, Violation{
		Category: cat, Level: c.Level, Article: c.Article(), Articles: c.Articles,
		Evidence: ev, Start: st, End: en, Confidence: round2(conf), Rule: rule,
	})
}

func (a *analysis) has(cat string) bool {
	for _, v := range a.found {
		if v.Category == cat {
			return true
		}
	}
	return false
}

func (a *analysis) remove(cat string) {
	out := a.found[:0]
	for _, v := range a.found {
		if v.Category != cat {
			out = append(out, v)
		}
	}
	a.found = out
}

// disguised reports a token written to dodge a word filter.
func disguised(t *normalize.Token) bool {
	return t.Flags&(normalize.Leet|normalize.Masked|normalize.Spaced|normalize.Repeated) != 0
}

func (a *analysis) conductRule(h lexicon.Hit) string {
	return a.e.conduct.Tags[h.Tag] + ".lexicon:" + a.e.conduct.Entries[h.Entry].Source
}

func (a *analysis) cueRule(h lexicon.Hit) string {
	if h.Entry < 0 {
		return "fraud.role-claim" // roleClaimHit: found by suffix, not a list
	}
	return a.e.cues.Tags[h.Tag] + ":" + a.e.cues.Entries[h.Entry].Source
}

func (a *analysis) decideConduct() {
	tg := &a.e.tags
	toks := a.t.Tokens
	// ---- word lists: profanity, insults, slurs, policy terms
	disrespect := 0.0
	var disrespectHit *lexicon.Hit
	for k := range a.conHits {
		h := a.conHits[k]
		tok := &toks[h.Start]
		// A masked word ("f***") is swearing; which insult or slur it
		// might also spell is guesswork.
		if tok.Has(normalize.Masked) && h.Tag != tg.profanity && h.Tag != tg.profanityAmb {
			continue
		}
		switch h.Tag {
		case tg.profanity:
			conf := 0.95
			if tok.Has(normalize.Masked) {
				conf = 0.9
			}
			a.add(Profanity, a.conductRule(h), conf, h.Start, h.End)
		case tg.profanityAmb:
			// "sik", "sikti" typed without Turkish letters are also "sık",
			// "sıktı": they count when the writer uses Turkish letters
			// elsewhere (and so would have typed "ı") or disguises the word.
			if a.t.Turkish || disguised(tok) {
				a.add(Profanity, a.conductRule(h), 0.8, h.Start, h.End)
			}
		case tg.insultStrong:
			if a.insultTargeted(h, true) {
				a.add(Insult, a.conductRule(h), 0.9, h.Start, h.End)
			}
		case tg.insultWeak:
			if a.insultTargeted(h, false) {
				a.add(Insult, a.conductRule(h), 0.8, h.Start, h.End)
			}
		case tg.slur:
			a.add(Hate, a.conductRule(h), 0.9, h.Start, h.End)
		case tg.curse:
			// "Allah belanızı versin": a curse at the staff is an insult.
			if a.insultTargeted(h, true) {
				a.add(Insult, a.conductRule(h), 0.85, h.Start, h.End)
			}
		case tg.slang, tg.contempt:
			w := h.Weight
			// In a support request every word is addressed to the staff;
			// in a message that asks for nothing, slang ("ulan") may be a
			// mere interjection unless the sentence speaks to someone.
			if a.scope.Category == ScopeOther && !a.sents[tok.Sentence].addressed {
				w *= 0.6
			}
			disrespect += w
			if disrespectHit == nil || h.Weight > disrespectHit.Weight {
				hh := h
				disrespectHit = &hh
			}
		default:
			if cat, ok := tg.terms[h.Tag]; ok {
				a.add(cat, "term."+cat+":"+a.e.conduct.Entries[h.Entry].Source, 0.9, h.Start, h.End)
			}
		}
	}
	// ---- cue rules
	sc := newScores(a.cueHits, len(a.e.cues.Tags))
	cond := a.anyDemand()
	official := sc.sum(tg.official) >= 1

	// Knowing where the staff member lives or works, said by someone who
	// will "find" them, is a physical threat.
	if sc.sum(tg.physical)+0.5*sc.sum(tg.threatHunt) >= 1 && sc.sum(tg.physical) > 0 {
		h := sc.best(tg.physical)
		a.add(PhysicalThreat, a.cueRule(h), 0.85, h.Start, h.End)
	} else if i, ok := a.violentVerb(); ok {
		a.add(PhysicalThreat, "physical.verb:"+a.t.Tokens[i].Fold, 0.8, i, i+1)
	} else if h, ok := a.violence(sc); ok {
		a.add(PhysicalThreat, "physical.parts:"+a.cueRule(h), 0.75, h.Start, h.End)
	}
	leak, content, channel := sc.sum(tg.leakVerb), sc.sum(tg.leakContent), sc.sum(tg.leakChannel)
	if cond && (leak >= 1.5 || (leak >= 0.5 && content >= 1) || (leak >= 1 && channel >= 1 && content >= 0.5)) {
		h := sc.best(tg.leakVerb)
		a.add(Blackmail, "blackmail:condition+"+a.cueRule(h), 0.85, h.Start, h.End)
	}
	fire, shame, hunt := sc.sum(tg.threatFire), sc.sum(tg.threatShame), sc.sum(tg.threatHunt)
	if a.has(Blackmail) {
		shame = 0 // shaming as leverage is the blackmail itself
	}
	if fire >= 1 || shame >= 1 || (hunt >= 1 && fire+shame >= 0.5) {
		h := sc.best(tg.threatFire)
		if fire < 1 {
			h = sc.best(tg.threatShame)
		}
		a.add(Threat, a.cueRule(h), 0.8, h.Start, h.End)
	}
	if !official {
		// Someone other than the holder (a lawyer, an assistant, "the IT
		// guy", a relative) asks for a critical operation, typically with
		// the holder out of reach and a reason to skip verification.
		third, bypass, money := sc.sum(tg.fraudThird)+a.roleClaims(), sc.sum(tg.fraudBypass), sc.sum(tg.fraudMoney)
		if sc.sum(tg.fraudLegit) >= 1 && bypass < 1 {
			third = 0 // a documented authority, not a claim
		}
		if (a.op != "" && third >= 1 && third+bypass >= 1.5) || (third >= 1 && bypass >= 1) || (a.op == OpRefund && money >= 1) || a.fakeDocument() {
			h := sc.best(tg.fraudThird)
			if sc.sum(tg.fraudThird) == 0 {
				h = a.roleClaimHit()
			}
			if third < 1 {
				h = sc.best(tg.fraudMoney)
			}
			if third < 1 && money < 1 {
				h = sc.best(tg.fraudFake)
			}
			a.add(Fraud, a.cueRule(h), 0.75, h.Start, h.End)
		}

		asks := a.anyStrong()
		switch {
		case sc.sum(tg.unlawfulData) >= 1 && (a.op == OpDataDisclosure || a.op == OpAccountAccess || sc.sum(tg.bribe) >= 1):
			h := sc.best(tg.unlawfulData)
			a.add(UnlawfulRequest, "unlawful.data:"+a.e.cues.Entries[h.Entry].Source, 0.75, h.Start, h.End)
		case sc.sum(tg.unlawfulTakeover) >= 1 && (a.op == OpRegistrantChange || a.op == OpAuthCode || a.op == OpDNSChange || a.op == OpAccountAccess || a.op == OpDataDisclosure):
			h := sc.best(tg.unlawfulTakeover)
			a.add(UnlawfulRequest, a.cueRule(h), 0.75, h.Start, h.End)
		case sc.sum(tg.unlawfulForgery) >= 1.5 && asks:
			h := sc.best(tg.unlawfulForgery)
			a.add(UnlawfulRequest, a.cueRule(h), 0.75, h.Start, h.End)
		case sc.sum(tg.unlawfulPhishing) >= 1.5 && (asks || a.anyWeak()):
			h := sc.best(tg.unlawfulPhishing)
			a.add(UnlawfulRequest, a.cueRule(h), 0.75, h.Start, h.End)
		}
	}
	if h, ok := a.hateFrame(sc); ok {
		a.add(Hate, a.cueRule(h), 0.8, h.Start, h.End)
	}
	// Advances to staff: two romantic cues, or one aimed at a staff member
	// (named, or spoken to as "sen").
	if r := sc.sum(tg.harassRomance) + a.romanticEmoji(); r >= 2 || r >= 1 && (sc.sum(tg.staff) >= 1 || a.informalYou()) {
		h := sc.best(tg.harassRomance)
		a.add(Harassment, a.cueRule(h), 0.8, h.Start, h.End)
	} else if sc.sum(tg.harassDegrade) >= 2 {
		h := sc.best(tg.harassDegrade)
		a.add(Harassment, a.cueRule(h), 0.8, h.Start, h.End)
	}
	// ---- sarcasm counts towards disrespect
	if i, j, w := a.sarcasm(); w > 0 {
		disrespect += w
		if disrespectHit == nil {
			disrespectHit = &lexicon.Hit{Start: i, End: j, Weight: w, Entry: -1}
		}
	}
	// ---- the statistical model, unless the word lists read the message
	// as (only) disrespectful: the model knows offence, not its degree
	if disrespect < 1 {
		a.modelFinding()
	}
	// ---- aggression: shouting or open hostility, only where there is no
	// insult or threat (convention 8)
	if !a.has(Insult) && !a.has(Threat) && !a.has(PhysicalThreat) && !a.has(Blackmail) {
		if i, j, ok := a.shouting(); ok {
			a.add(Aggression, "aggression.shouting:capitals+exclamations", 0.8, i, j)
		} else if sc.sum(tg.hostile) >= 1 {
			h := sc.best(tg.hostile)
			a.add(Aggression, a.cueRule(h), 0.75, h.Start, h.End)
		}
	}
	// ---- pressure: vague ultimatums, only when there is no concrete threat
	// (convention 7); getting around verification is part of a fraud, not
	// a separate pressure finding.
	if !a.has(Threat) && !a.has(PhysicalThreat) && !a.has(Blackmail) && !a.has(Fraud) {
		if sc.sum(tg.pressure) >= 1 {
			h := sc.best(tg.pressure)
			a.add(Pressure, a.cueRule(h), 0.75, h.Start, h.End)
		} else if hunt >= 1 {
			h := sc.best(tg.threatHunt)
			a.add(Pressure, a.cueRule(h), 0.6, h.Start, h.End)
		}
	}
	if disrespect >= 1 && a.maxLevel() < 2 {
		h := *disrespectHit
		rule := "disrespect.sarcasm:bile+cannot"
		if h.Entry >= 0 {
			rule = a.conductRule(h)
		}
		a.add(Disrespect, rule, math.Min(0.9, 0.5+0.2*disrespect), h.Start, h.End)
	}
	a.sortFindings()
}

func (a *analysis) maxLevel() int {
	m := 0
	for _, v := range a.found {
		if v.Level > m {
			m = v.Level
		}
	}
	return m
}

func (a *analysis) sortFindings() {
	f := a.found
	for i := 1; i < len(f); i++ {
		for j := i; j > 0 && (f[j].Level > f[j-1].Level || f[j].Level == f[j-1].Level && f[j].Start < f[j-1].Start); j-- {
			f[j], f[j-1] = f[j-1], f[j]
		}
	}
}

func (a *analysis) anyDemand() bool {
	for _, s := range a.sents {
		if s.demand {
			return true
		}
	}
	return false
}

func (a *analysis) anyWeak() bool {
	for _, s := range a.sents {
		if s.weak || s.want {
			return true
		}
	}
	return false
}

func (a *analysis) anyStrong() bool {
	for _, s := range a.sents {
		if s.strong || s.demand {
			return true
		}
	}
	return false
}

// thirdPartyDeterminers before an accusing word point it at someone else:
// "bu dolandırıcılar", "these scammers".
var thirdPartyDeterminers = setOf("bu", "su", "o", "bunlar", "sunlar", "onlar", "these", "those", "the", "this", "that", "such", "their", "his", "her", "its")

// insultTargeted decides whether an insult word is aimed at the staff or
// the company addressed (convention 9). Strong name-calling counts unless
// it is plainly about a reported third party; accusing words ("thief",
// "dolandırıcı", "useless") need a second person near them.
func (a *analysis) insultTargeted(h lexicon.Hit, strong bool) bool {
	toks := a.t.Tokens
	s := &a.sents[toks[h.Start].Sentence]
	third := h.Start > s.start && thirdPartyDeterminers[toks[h.Start-1].Fold]
	if strong {
		if third && a.scope.Category == ScopeAbuseReport {
			return false
		}
		// "aptallık" (stupidity), "aptalca bir soru", "onursuzlaştırmak": a
		// derived word is not name-calling unless it is "yours"
		// ("salaklığınız").
		tk := &toks[h.Start]
		if h.End-h.Start == 1 && h.Root < len(tk.Key) && hasAnyPrefix(tk.Key[h.Root:], "lik", "lig", "luk", "lug", "las", "les", "ca", "ce", "ly") &&
			!isSecondPerson(tk.Fold) {
			return false
		}
		// "beni bir salak olarak görüyorlar", "I feel so stupid": the
		// writer about themself.
		if !s.addressed && a.firstPersonNear(h, s) {
			return false
		}
		return true
	}
	if isSecondPerson(toks[h.End-1].Fold) || isSecondPerson(toks[h.Start].Fold) {
		return true
	}
	if third || a.scope.Category == ScopeAbuseReport {
		return false
	}
	// A message that asks support for nothing and calls someone a thief
	// or a liar is abuse, whoever it names.
	if a.scope.Category == ScopeOther && !a.firstPerson(s) {
		return true
	}
	// "Beceriksizler!" — the insult is the whole sentence (not a hashtag).
	if s.end-s.start <= 2 && !toks[h.Start].Has(normalize.Hashtag) {
		return true
	}
	// A second person near the word, or anywhere in a short sentence
	// ("Beceriksiz herifler, bir SSL kuramadınız").
	lo, hi := h.Start-3, h.End+2
	if s.end-s.start <= 8 {
		lo, hi = s.start, s.end
	}
	if lo < s.start {
		lo = s.start
	}
	if hi > s.end {
		hi = s.end
	}
	for i := lo; i < hi; i++ {
		if i >= h.Start && i < h.End {
			continue
		}
		if f := toks[i].Fold; isSecondPerson(f) || isImperative2(f) {
			return true
		}
	}
	return false
}

var firstPersonWords = setOf("ben", "beni", "bana", "benim", "bende", "benden", "kendimi", "kendime", "i", "me", "myself", "im", "feel", "hissettim", "hissediyorum")

// violence scores the parts of a physical threat together: a harm verb,
// a weapon, the addressee's body, coming to the premises, an injury and an
// insistence. It needs at least one part that is harm itself.
func (a *analysis) violence(sc scores) (lexicon.Hit, bool) {
	v := a.e.tags.violence
	total, harm := 0.0, 0.0
	var best lexicon.Hit
	for k, tag := range v {
		s := sc.sum(tag)
		total += s
		if k <= 2 || k == 4 { // verb, weapon, body, injury
			harm += s
			if h := sc.best(tag); s > 0 && h.Weight > best.Weight {
				best = h
			}
		}
	}
	total += 0.5 * sc.sum(a.e.tags.threatHunt)
	// a body part alone ("kafanıza takmayın") is an idiom, not a threat
	strong := sc.sum(v[0]) + sc.sum(v[1]) + sc.sum(v[4])
	return best, total >= 1.25 && harm >= 0.6 && (strong >= 0.6 || sc.sum(v[2]) >= 0.6 && sc.sum(v[3]) >= 0.5)
}

// roleClaims counts "X'in asistanıyım"-type claims: a first-person
// copula on a role noun after a genitive ("Hakan Bey'in sekreteriyim",
// "hesap sahibinin ortağıyım"). Owning ("sahibiyim") is no claim.
func (a *analysis) roleClaims() float64 {
	if a.roleClaimHit().End > 0 {
		return 1
	}
	return 0
}

func (a *analysis) roleClaimHit() lexicon.Hit {
	toks := a.t.Tokens
	for i := 1; i < len(toks); i++ {
		f, p := toks[i].Fold, toks[i-1].Fold
		if toks[i].Kind != normalize.Word || len(f) < 6 || strings.HasPrefix(f, "sahib") {
			continue
		}
		if !hasAnySuffix(f, "iyim", "uyum", "siyim", "suyum") {
			continue
		}
		// the genitive right before, or before one adjective ("yeni")
		for k := i - 1; k >= 0 && k >= i-2; k-- {
			p = toks[k].Fold
			if hasAnySuffix(p, "nin", "nun", "in", "un") && !strings.HasSuffix(p, "imin") && len(p) > 3 {
				return lexicon.Hit{Start: k, End: i + 1, Weight: 1, Entry: -1}
			}
		}
	}
	return lexicon.Hit{}
}

// romanticEmoji weighs kisses, winks and heart-eyes.
func (a *analysis) romanticEmoji() float64 {
	w := 0.0
	for _, e := range []string{"😘", "😍", "💋", "😏", "😉", "🥰", "❤"} {
		if strings.Contains(a.t.Source, e) {
			w += 0.6
		}
	}
	return w
}

// informalYou reports the singular "sen" form of address.
func (a *analysis) informalYou() bool {
	for i := range a.t.Tokens {
		switch f := a.t.Tokens[i].Fold; f {
		case "sen", "seni", "sana", "senin", "misin", "musun", "tatlim", "canim":
			return true
		}
	}
	return false
}

// fakeDocument finds a fake document or payment proof the writer sends:
// "sahte bir dekont gönderiyorum" (a customer reporting a fake site is
// not it: no first-person sending verb).
func (a *analysis) fakeDocument() bool {
	tg := &a.e.tags
	for _, f := range a.cueHits {
		if f.Tag != tg.fraudFake {
			continue
		}
		if f.Weight >= 2 { // the pattern has the writer's own verb
			return true
		}
		s := a.t.Tokens[f.Start].Sentence
		for _, v := range a.cueHits {
			if v.Tag == tg.sendSelf && a.t.Tokens[v.Start].Sentence == s {
				return true
			}
		}
	}
	return false
}

// firstPerson reports a sentence about the writer: "ben", "beni", "I".
func (a *analysis) firstPerson(s *sentence) bool {
	for i := s.start; i < s.end; i++ {
		if firstPersonWords[a.t.Tokens[i].Fold] {
			return true
		}
	}
	return false
}

// firstPersonNear reports the writer speaking of themself right around
// the word: "beni salak yerine koydular", "I feel stupid", "aptalım".
func (a *analysis) firstPersonNear(h lexicon.Hit, s *sentence) bool {
	for i := max(s.start, h.Start-3); i < h.Start; i++ {
		if firstPersonWords[a.t.Tokens[i].Fold] {
			return true
		}
	}
	f := a.t.Tokens[h.End-1].Fold
	return hasAnySuffix(f, "yim", "yum", "im", "um") && len(f) > 5 && !isSecondPerson(f)
}

// hateFrame finds a group word and a generalising or excluding frame in
// the same or neighbouring sentences ("kesin suriyeli, bunlar yüzünden";
// "someone who isn't foreign … not one of these people").
func (a *analysis) hateFrame(sc scores) (lexicon.Hit, bool) {
	tg := &a.e.tags
	if sc.sum(tg.hateGroup) < 1 {
		return lexicon.Hit{}, false
	}
	group := make([]bool, len(a.sents)+2)
	var firstGroup lexicon.Hit
	for _, g := range a.cueHits {
		if g.Tag == tg.hateGroup {
			if !group[a.t.Tokens[g.Start].Sentence+1] {
				firstGroup = g
			}
			group[a.t.Tokens[g.Start].Sentence+1] = true
		}
	}
	// A group named next to an insult: "Alevi misiniz siz, bu kadar
	// beceriksiz olmanız normal".
	for _, v := range a.found {
		if v.Category != Insult {
			continue
		}
		for i := range a.t.Tokens {
			if a.t.Tokens[i].Start == v.Start {
				s := a.t.Tokens[i].Sentence + 1
				if group[s-1] || group[s] || group[s+1] {
					return firstGroup, true
				}
			}
		}
	}
	for _, f := range a.cueHits {
		if f.Tag != tg.hateFrame {
			continue
		}
		fs := a.t.Tokens[f.Start].Sentence + 1
		if group[fs-1] || group[fs] || group[fs+1] {
			return f, true
		}
	}
	return lexicon.Hit{}, false
}

// shouting finds text written mostly in capitals with exclamation marks.
// One word in capitals ("WRONG", "AGAIN") is emphasis, not shouting, and
// error codes (SSL_ERROR_BAD_CERT_DOMAIN) do not count.
func (a *analysis) shouting() (int, int, bool) {
	letters, upper, words := 0, 0, 0
	first, last := -1, -1
	for i := range a.t.Tokens {
		t := &a.t.Tokens[i]
		if t.Kind != normalize.Word || t.Has(normalize.Code) || t.Letters < 2 {
			continue
		}
		letters += t.Letters
		if t.Has(normalize.Upper) {
			upper += t.Letters
			if t.Letters >= 3 {
				words++
			}
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if letters == 0 || words < 4 || upper < 15 {
		return 0, 0, false
	}
	ratio := float64(upper) / float64(letters)
	if ratio >= 0.6 && a.t.Exclamations >= 3 || ratio >= 0.85 && a.t.Exclamations >= 2 {
		return first, last + 1, true
	}
	return 0, 0, false
}

// violentStems are verbs of bodily harm (folded stems).
var violentStems = []string{"dov", "gebert", "oldur", "bicakla", "yumrukla", "tokatla", "bogazla", "parcala", "patlat", "kir", "vur", "ez", "bogar"}

// firstPersonWill are the endings of "I will" / "I would" on a Turkish
// verb: future (-eceğim, colloquial -icem) and aorist (-erim, -rım).
var firstPersonWill = []string{"ecegim", "acagim", "ecem", "acam", "icem", "icam", "ucam", "ucem", "ecegiz", "acagiz",
	"erim", "arim", "irim", "urum", "rim", "rum", "eriz", "ariz", "iriz", "uruz", "mek isterim", "mak isterim"}

// violentVerb finds a Turkish verb of bodily harm in the first person
// future or aorist: "döveceğim", "kırarım", "geberteceğim", "vururum".
func (a *analysis) violentVerb() (int, bool) {
	for i := range a.t.Tokens {
		t := &a.t.Tokens[i]
		if t.Kind != normalize.Word || len(t.Fold) < 5 || t.Has(normalize.Quoted) {
			continue
		}
		for _, st := range violentStems {
			if !strings.HasPrefix(t.Fold, st) {
				continue
			}
			rest := t.Fold[len(st):]
			for _, suf := range firstPersonWill {
				if rest == suf {
					return i, true
				}
			}
		}
	}
	return 0, false
}

// sarcasm finds "bile … -amıyorsunuz" ("bir SSL yenilemesini bile
// yapamıyorsunuz": you cannot even …) and applause emoji.
func (a *analysis) sarcasm() (int, int, float64) {
	toks := a.t.Tokens
	// "Harika bir ekipsiniz(!)": the ironic exclamation mark.
	if k := strings.Index(a.t.Source, "(!)"); k >= 0 {
		for i := range toks {
			if toks[i].End >= k {
				return max(i-1, 0), i, 0.8
			}
		}
	}
	for i := range toks {
		if toks[i].Fold != "bile" && toks[i].Fold != "even" {
			continue
		}
		for j := i + 1; j < len(toks) && j <= i+4 && toks[j].Sentence == toks[i].Sentence; j++ {
			f := toks[j].Fold
			if hasAnySuffix(f, "amiyorsunuz", "emiyorsunuz", "miyorsunuz", "muyorsunuz", "amadiniz", "emediniz", "amazsiniz", "emezsiniz") ||
				(toks[i].Fold == "even" && (f == "cant" || f == "cannot" || f == "know")) {
				return i, j + 1, 1
			}
		}
	}
	return 0, 0, 0
}

// score runs the statistical model, setting a.prob; false when there is
// nothing to score.
func (a *analysis) score() bool {
	m := a.e.models[a.lang]
	if m == nil || len(a.t.Tokens) == 0 {
		return false
	}
	a.sc.feats = m.Features(a.t, a.sc.feats[:0])
	a.prob = model.Sigmoid(m.Logit(a.sc.feats))
	return true
}

// modelFinding lets the statistical model report what the word lists did
// not: offensive language in words no list has.
func (a *analysis) modelFinding() {
	th := a.e.modelThreshold[a.lang]
	if a.scope.Category == ScopeOther {
		th = a.e.modelThreshold[a.lang+"-other"]
	}
	// The model runs only when no word list has found offence already.
	if !a.score() || a.prob < th {
		return
	}
	a.topTok, _ = a.e.models[a.lang].TopToken(a.sc.feats, len(a.t.Tokens))
	if a.topTok < 0 {
		return
	}
	for _, c := range []string{Profanity, Insult, Hate, Harassment, Threat, PhysicalThreat, Blackmail} {
		if a.has(c) {
			return
		}
	}
	cat := Profanity
	if a.addrMsg {
		cat = Insult
	}
	name := "model.offensive-tr"
	if a.lang == "en" {
		name = "model.abuse-en"
	}
	// The word lists know words that look offensive and are not ("boks",
	// "sikke", "götürü"); the character model does not.
	if a.e.conduct.Excepted(a.t, a.topTok) {
		return
	}
	tok := a.t.Tokens[a.topTok]
	a.add(cat, name+":"+tok.Key, a.prob, a.topTok, a.topTok+1)
}
