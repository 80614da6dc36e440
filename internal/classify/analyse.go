package classify

import (
	"math"
	"sort"
	"strings"

	"destek/internal/classify/lexicon"
	"destek/internal/classify/normalize"
)

// Thresholds of the statistical models inside the engine. Support messages
// need more certainty than the tweet and chat data the models were tuned
// on: a model finding alone must not fire on a firm but clean complaint.
// The values come from `go run ./internal/classify/cmd/eval -tune`.
//
// Two thresholds per model: one for messages that ask support for
// something (a topic was found), where technical words and product names
// ("götürü", "sikke.com.tr", "Amin Bey") trip a character model and much
// certainty is needed; one for messages that ask for nothing, where a text
// the model finds offensive is most likely just that.
const (
	modelThresholdTR          = 0.85
	modelThresholdEN          = 0.85
	modelThresholdTRNoRequest = 0.50
	modelThresholdENNoRequest = 0.65
)

// tagIDs are the lexicon tags the rules use, resolved once.
type tagIDs struct {
	// conduct lexicon
	profanity, profanityAmb, insultStrong, insultWeak, curse, slur, slang, contempt int
	terms                                                                           map[int]string
	// cue lexicon
	request, howto, self, receive, negation, cond                                                    int
	threatFire, threatShame, threatHunt, physical, pressure                                          int
	leakVerb, leakChannel, leakContent                                                               int
	fraudThird, fraudBypass, fraudMoney, fraudFake, fraudLegit, sendSelf, bribe, official, authority int
	violence                                                                                         [6]int
	unlawfulData, unlawfulTakeover, unlawfulForgery, unlawfulPhishing                                int
	hateGroup, hateFrame, harassRomance, harassDegrade, hostile, staff                               int
	ops                                                                                              map[int]string
	// scope lexicon
	scopes map[int]string
}

func resolveTags(e *Engine) tagIDs {
	c, q := e.conduct, e.cues
	t := tagIDs{
		profanity: c.TagID("profanity"), profanityAmb: c.TagID("profanity.amb"),
		insultStrong: c.TagID("insult.strong"), insultWeak: c.TagID("insult.weak"), curse: c.TagID("curse"),
		slur: c.TagID("slur"), slang: c.TagID("slang"), contempt: c.TagID("contempt"),
		request: q.TagID("verb.request"), howto: q.TagID("verb.howto"), self: q.TagID("verb.self"), receive: q.TagID("verb.receive"),
		negation: q.TagID("verb.negation"), cond: q.TagID("cond"),
		threatFire: q.TagID("threat.fire"), threatShame: q.TagID("threat.shame"), threatHunt: q.TagID("threat.hunt"),
		physical: q.TagID("physical"), pressure: q.TagID("pressure"),
		leakVerb: q.TagID("leak.verb"), leakChannel: q.TagID("leak.channel"), leakContent: q.TagID("leak.content"),
		fraudThird: q.TagID("fraud.third"), fraudBypass: q.TagID("fraud.bypass"), fraudMoney: q.TagID("fraud.money"),
		fraudFake: q.TagID("fraud.fake"), sendSelf: q.TagID("send.self"), bribe: q.TagID("bribe"),
		fraudLegit: q.TagID("fraud.legit"),
		violence: [6]int{q.TagID("violence.verb"), q.TagID("violence.weapon"), q.TagID("violence.body"),
			q.TagID("violence.come"), q.TagID("violence.injury"), q.TagID("violence.frame")},
		official: q.TagID("official"), authority: q.TagID("authority"),
		unlawfulData: q.TagID("unlawful.data"), unlawfulTakeover: q.TagID("unlawful.takeover"),
		unlawfulForgery: q.TagID("unlawful.forgery"), unlawfulPhishing: q.TagID("unlawful.phishing"),
		hateGroup: q.TagID("hate.group"), hateFrame: q.TagID("hate.frame"),
		harassRomance: q.TagID("harass.romance"), harassDegrade: q.TagID("harass.degrade"), staff: q.TagID("staff"),
		hostile: q.TagID("hostile"),
		terms:   map[int]string{}, ops: map[int]string{}, scopes: map[int]string{},
	}
	for id, name := range c.Tags {
		if strings.HasPrefix(name, "term.") {
			t.terms[id] = strings.TrimPrefix(name, "term.")
		}
	}
	for id, name := range q.Tags {
		if strings.HasPrefix(name, "op.") {
			t.ops[id] = strings.TrimPrefix(name, "op.")
		}
	}
	for id, name := range e.scope.Tags {
		if strings.HasPrefix(name, "scope.") {
			t.scopes[id] = strings.TrimPrefix(name, "scope.")
		}
	}
	return t
}

// analysis is the state of one Classify call.
type analysis struct {
	e       *Engine
	sc      *scratch
	t       *normalize.Text
	lang    string
	sents   []sentence
	conHits []lexicon.Hit
	cueHits []lexicon.Hit
	scoHits []lexicon.Hit
	scope   Scope
	op      string
	opFind  *Finding
	found   []Violation
	prob    float64
	topTok  int
	addrMsg bool // any sentence addressed to staff
	// reqAt[i]: a request word starts at token i; negAt[i]: a negation
	// ends at token i (exclusive end) or starts there (negStart).
	reqAt, negEnd, negStart []bool
	// moods caches tokenMood (mood+1; 0 is not read yet).
	moods    []uint8
	scores   map[string]float64
	howtoMsg bool
}

func (e *Engine) analyse(text string, sc *scratch) *analysis {
	a := &analysis{e: e, sc: sc, t: normalize.New(text), topTok: -1}
	hits := sc.hits[:0]
	hits = e.conduct.Match(a.t, hits)
	nc := len(hits)
	hits = e.cues.Match(a.t, hits)
	// split topic cues from the others, keeping their order
	topic := sc.topic[:0]
	w := nc
	for _, h := range hits[nc:] {
		if _, ok := e.tags.scopes[h.Tag]; ok {
			topic = append(topic, h)
		} else {
			hits[w] = h
			w++
		}
	}
	hits = append(hits[:w], topic...)
	sc.hits, sc.topic = hits, topic
	a.conHits, a.cueHits, a.scoHits = hits[:nc], hits[nc:w], hits[w:]
	a.lang = detectLanguage(a.t)
	n := len(a.t.Tokens)
	flags := make([]bool, 3*(n+1))
	a.reqAt, a.negEnd, a.negStart = flags[:n+1], flags[n+1:2*(n+1)], flags[2*(n+1):]
	a.moods = make([]uint8, n)
	for _, h := range a.cueHits {
		switch h.Tag {
		case e.tags.request:
			a.reqAt[h.Start] = true
		case e.tags.negation:
			a.negEnd[h.End] = true
			a.negStart[h.Start] = true
		}
	}
	a.analyseSentences()
	for _, s := range a.sents {
		a.addrMsg = a.addrMsg || s.addressed
		a.howtoMsg = a.howtoMsg || s.howto
	}
	a.decideScope()
	a.decideOperation()
	a.decideConduct()
	return a
}

func (a *analysis) result() Result {
	r := Result{Language: a.lang, Scope: a.scope, Violations: a.found}
	if r.Violations == nil {
		r.Violations = []Violation{}
	}
	for _, v := range r.Violations {
		if v.Level > r.Level {
			r.Level = v.Level
		}
	}
	if a.op != "" {
		op := a.op
		r.CriticalOperation = &op
		r.Operation = a.opFind
	}
	return r
}

// span returns the original text of tokens [i, j).
func (a *analysis) span(i, j int) (int, int, string) {
	return a.t.Span(i, j)
}

// ---------------------------------------------------------------- scope

var builtinScope = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range DefaultTaxonomy().Scopes {
		m[s.ID] = true
	}
	return m
}()

// scopeBoost favours a specific out-of-scope request over the
// in-scope product it concerns: "install our SSL certificate on our own
// server" is server management even though it mentions SSL.
var scopeBoost = map[string]float64{
	ScopeBilling:        1.15,
	ScopeWebDevelopment: 1.2, ScopeServerManagement: 1.2, ScopeCustomDNS: 1.3,
	ScopeContentRecovery: 1.1, ScopeHackedSiteCleanup: 1.2, ScopeThirdPartyConfig: 1.2,
	ScopeLegalAdvice: 1.2, ScopeLegalNotice: 1.1, ScopeAbuseReport: 1.1,
}

func (a *analysis) decideScope() {
	scores := map[string]float64{}
	best := map[string]lexicon.Hit{}
	// One cue per category and token: "dns" and "dns*" both match "DNS".
	// Hits come in token order, so remembering the last token and weight
	// per category is enough.
	type last struct {
		tok int
		w   float64
	}
	seen := map[string]last{}
	objects := a.requestObjects()
	// A category the policy added wins the words it lists over the
	// built-in "no request" cues ("kargo" is chatter for a registrar, a
	// topic for a policy that adds a cargo category).
	var added []bool
	for _, h := range a.scoHits {
		if cat := a.e.tags.scopes[h.Tag]; !builtinScope[cat] {
			if added == nil {
				added = make([]bool, len(a.t.Tokens))
			}
			added[h.Start] = true
		}
	}
	for _, h := range a.scoHits {
		cat, ok := a.e.tags.scopes[h.Tag]
		if !ok || cat == ScopeOther && added != nil && added[h.Start] {
			continue
		}
		w := h.Weight
		s := &a.sents[a.t.Tokens[h.Start].Sentence]
		// Cues in a sentence that asks for something weigh more, and
		// most the object of the request itself: the main request is the
		// thing the customer wants done.
		if s.strong || s.question || s.demand || s.weak || s.want {
			w *= 1.4
		}
		if objects[h.Start] {
			w *= 1.5
		}
		if b := scopeBoost[cat]; b > 0 {
			w *= b
		}
		if prev, ok := seen[cat]; ok && prev.tok == h.Start {
			if w <= prev.w {
				continue
			}
			scores[cat] -= prev.w
		}
		seen[cat] = last{h.Start, w}
		scores[cat] += w
		if cur, ok := best[cat]; !ok || h.Weight > cur.Weight {
			best[cat] = h
		}
	}
	a.adjustScope(scores)
	a.scores = scores
	// pick the highest-scoring category other than "other"
	type cs struct {
		id string
		v  float64
	}
	var list []cs
	for id, v := range scores {
		if id != ScopeOther {
			list = append(list, cs{id, v})
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].v != list[j].v {
			return list[i].v > list[j].v
		}
		return list[i].id < list[j].id
	})
	other := scores[ScopeOther]
	cat, conf := ScopeOther, 0.5
	if len(list) > 0 && list[0].v >= 1.0 && list[0].v > other {
		cat = list[0].id
		second := 0.0
		if len(list) > 1 {
			second = list[1].v
		}
		conf = list[0].v / (list[0].v + second + 0.8)
	} else if other > 0 {
		top := 0.0
		if len(list) > 0 {
			top = list[0].v
		}
		conf = other / (other + top + 0.5)
	} else if len(list) > 0 {
		conf = 0.5 - math.Min(0.3, list[0].v/4)
	} else {
		conf = 0.6
	}
	sc, _ := a.e.tax.scope(cat)
	a.scope = Scope{Category: cat, InScope: sc.InScope && cat != ScopeOther, Confidence: round2(conf)}
	if h, ok := best[cat]; ok {
		a.scope.Rule = "scope.lexicon:" + a.e.scope.Entries[h.Entry].Source
	} else {
		a.scope.Rule = "scope.default:no-request"
	}
}

// adjustScope applies the labelling conventions that are about the kind
// of request rather than its words.
func (a *analysis) adjustScope(scores map[string]float64) {
	// Passwords of mailboxes and FTP accounts are hosting (convention 1):
	// with a mailbox or FTP word, the password cues count for hosting.
	if scores[ScopePanelAPI] > 0 && a.mailboxPassword() {
		scores[ScopeHosting] += scores[ScopePanelAPI]
	}
	// A top-level domain written after a dot (".istanbul", ".com.tr") is a
	// domain question.
	for i := range a.t.Tokens {
		t := &a.t.Tokens[i]
		if t.Kind == normalize.Word && t.Start > 0 && a.t.Source[t.Start-1] == '.' && normalize.IsTLD(t.Fold) &&
			(t.Start < 2 || a.t.Source[t.Start-2] == ' ' || a.t.Source[t.Start-2] == '(') {
			scores[ScopeDomain] += 1.0
			break
		}
	}
	// Official requests (a court, a prosecutor, the police) are legal
	// notices whatever they ask for (convention 5).
	for _, h := range a.cueHits {
		if h.Tag == a.e.tags.authority {
			scores[ScopeLegalNotice] += 3
			break
		}
	}
	// A message that only thanks, greets or abuses asks for nothing.
	// Topic words in a thank-you ("thanks for the help with our DNS")
	// count less.
	if scores[ScopeOther] >= 1.5 {
		asks := false
		for _, s := range a.sents {
			if s.strong || s.demand || (s.question && !s.howto && s.end-s.start > 2) {
				asks = true
				break
			}
		}
		if !asks {
			for k := range scores {
				if k != ScopeOther {
					scores[k] *= 0.5
				}
			}
		}
	}
}

// requestObjects marks the tokens that are the object of a request: the
// words before a Turkish request verb ("MX kayıtlarını … düzenleyin") and
// after an English one ("give me a free year of hosting").
func (a *analysis) requestObjects() []bool {
	obj := make([]bool, len(a.t.Tokens)+1)
	toks := a.t.Tokens
	for si := range a.sents {
		s := &a.sents[si]
		for i := s.start; i < s.end; i++ {
			if englishImperatives[toks[i].Fold] && s.strong {
				for j := i + 1; j < s.end && j <= i+6; j++ {
					obj[j] = true
				}
				continue
			}
			if m := a.tokenMood(i, s.start, s.end); m != moodRequest && m != moodDemand {
				continue
			}
			// the accusative noun before the verb, with up to two
			// modifiers: "MX kayıtlarımı … düzenleyin"
			for j := i - 1; j >= s.start && j >= i-6; j-- {
				if isAccusative(toks[j].Fold) && a.tokenMood(j, s.start, s.end) == moodNone && !hasAnySuffix(toks[j].Fold, "mesini", "masini", "mesi", "masi") {
					for k := j; k >= s.start && k >= j-2; k-- {
						obj[k] = true
					}
					break
				}
			}
		}
	}
	for _, h := range a.cueHits {
		if h.Tag != a.e.tags.request || h.Weight < 2 {
			continue
		}
		si := toks[h.Start].Sentence
		for j := h.End; j < a.sents[si].end && j < h.End+6; j++ {
			obj[j] = true
		}
	}
	return obj
}

// isAccusative reports a word that looks like a Turkish noun in the
// accusative ("kayıtlarımı", "listesini", "şifreyi"); adjectives in -li
// ("yetkili", "kayıtlı") are not.
func isAccusative(f string) bool {
	if len(f) < 4 || hasAnySuffix(f, "li", "lu", "siz", "bir") {
		return false
	}
	last := f[len(f)-1]
	if last != 'i' && last != 'u' {
		return false
	}
	prev := f[len(f)-2]
	return !strings.ContainsRune("aeiou", rune(prev)) || hasAnySuffix(f, "yi", "yu")
}

// mailboxPassword reports a password question about a mailbox or an FTP
// account rather than the panel.
func (a *analysis) mailboxPassword() bool {
	password, mailbox := false, false
	for _, h := range a.scoHits {
		src := a.e.scope.Entries[h.Entry].Source
		switch {
		case hasAnyPrefix(src, "şifre", "parola", "password"):
			password = true
		case hasAnyPrefix(src, "ftp", "mail hesab", "mail şifre", "mail sifre", "e posta hesab", "e posta şifre", "posta kutu", "mailbox", "webmail", "imap", "smtp", "kurumsal mail"):
			mailbox = true
		}
	}
	for i := range a.t.Tokens {
		if a.t.Tokens[i].Kind == normalize.Email {
			mailbox = true
		}
	}
	return password && mailbox
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// ---------------------------------------------------------------- operations

func (a *analysis) decideOperation() {
	if a.scope.Category == ScopeOther {
		return // convention 3: "other" never carries a critical operation
	}
	score := map[string]float64{}
	best := map[string]lexicon.Hit{}
	for _, h := range a.cueHits {
		op, ok := a.e.tags.ops[h.Tag]
		if !ok {
			continue
		}
		if op == "lock" {
			switch a.scope.Category {
			case ScopeDomain:
				op = OpAuthCode
			case ScopePanelAPI:
				op = OpAccountAccess
			default:
				continue
			}
		}
		if !a.hitAsks(h, op) {
			continue
		}
		score[op] += h.Weight
		if cur, ok := best[op]; !ok || h.Weight > cur.Weight || (h.Weight == cur.Weight && h.End-h.Start > cur.End-cur.Start) {
			best[op] = h
		}
	}
	// Taking down a reported site is not a deletion of the customer's
	// own service.
	if a.scope.Category == ScopeAbuseReport || a.scope.Category == ScopeHackedSiteCleanup {
		delete(score, OpDeletion)
	}
	op, v := "", 0.0
	for _, id := range opOrder {
		if score[id] > v {
			op, v = id, score[id]
		}
	}
	if v < 0.7 {
		return
	}
	h := best[op]
	st, en, ev := a.span(h.Start, h.End)
	a.op = op
	a.opFind = &Finding{
		Rule:     "op.lexicon:" + a.e.cues.Entries[h.Entry].Source,
		Evidence: ev, Start: st, End: en,
		Confidence: round2(math.Min(0.97, 0.6+0.15*v)),
	}
}

// opOrder breaks ties between operations: the one that most needs
// verification first.
var opOrder = []string{OpAuthCode, OpRegistrantChange, OpAccountAccess, OpDataDisclosure, OpDeletion, OpDNSChange, OpRefund}

// hitAsks decides whether an operation cue is asked of support. The verbs
// of the cue itself speak first: "eklemem gerekiyor" (I need to add) is
// the customer's own task even when the sentence goes on "could you
// check?", and "paramı geri istiyorum" asks for the money even after "iptal
// ettim". Otherwise the sentence decides.
func (a *analysis) hitAsks(h lexicon.Hit, op string) bool {
	si := a.t.Tokens[h.Start].Sentence
	s := &a.sents[si]
	// "Not asking for a refund", "iade istemiyorum".
	for i := h.Start - 3; i <= h.Start; i++ {
		if i >= s.start && a.negEnd[i] {
			return false
		}
	}
	for i := h.End; i <= h.End+1 && i < s.end; i++ {
		if a.negStart[i] {
			return false
		}
	}
	// the verb the cue ends with (and the "misiniz" after it) first, then
	// the other words of the cue
	end := h.End + 1
	if end > s.end {
		end = s.end
	}
	order := make([]int, 0, end-h.Start)
	for i := end - 1; i >= h.End-1 && i >= h.Start; i-- {
		order = append(order, i)
	}
	for i := h.Start; i < h.End-1; i++ {
		order = append(order, i)
	}
	receiving := op == OpRefund || op == OpAuthCode || op == OpDataDisclosure
	for _, i := range order {
		switch a.tokenMood(i, s.start, s.end) {
		case moodSelf:
			// "bir kopyasını alabilir miyim": asking to be given it
			if receiving && strings.HasPrefix(a.t.Tokens[i].Fold, "alabil") && !s.howto {
				return true
			}
			return false
		case moodRequest, moodDemand:
			return true
		}
	}
	// a word of asking right after the cue: "iadesini istiyorum",
	// "the auth code please"
	// ("eklemek istiyorum" is wanting to do it, which the sentence
	// decides below)
	if !s.howto && !hasAnySuffix(a.t.Tokens[h.End-1].Fold, "mek", "mak") {
		for i := h.End; i <= h.End+1 && i < s.end; i++ {
			if a.reqAt[i] {
				return true
			}
		}
	}
	return a.asksToAct(si, op)
}

// asksToAct decides whether sentence si (or, for a short follow-up such as
// "Şunu düzeltin.", the next one) asks support to carry out the operation.
func (a *analysis) asksToAct(si int, op string) bool {
	if a.sentAsks(&a.sents[si], op) {
		return true
	}
	// A follow-up request refers back: "… CNAME yanlış girilmiş. Şunu
	// düzeltin.", "… HEMEN GÖNDERİN!!!", "Please replace them with …".
	for k := si + 1; k < len(a.sents) && k <= si+2; k++ {
		n := &a.sents[k]
		if !n.strong || n.howto {
			continue
		}
		if size := n.end - n.start; size <= 3 || a.hasDemonstrative(n, min(n.end, n.start+4)) {
			return true
		}
	}
	return false
}

func (a *analysis) sentAsks(s *sentence, op string) bool {
	receiving := op == OpRefund || op == OpAuthCode || op == OpDataDisclosure
	switch {
	case s.demand:
		return true
	case s.howto:
		// "nameserver nasıl değiştirilir, anlatır mısınız?": the request
		// is to explain. A request to act on the operation itself is read
		// from the operation's own verb (hitAsks) before we get here.
		return false
	case s.strong:
		return true
	case s.receive && receiving:
		return true
	case s.weak && !s.self && !a.howtoMsg:
		return true
	case s.want && !s.self && !a.howtoMsg:
		return true
	}
	return false
}

// hasDemonstrative reports a pronoun pointing back ("şunu", "them")
// among the sentence's tokens before end.
func (a *analysis) hasDemonstrative(s *sentence, end int) bool {
	for i := s.start; i < end; i++ {
		switch a.t.Tokens[i].Fold {
		case "sunu", "bunu", "onu", "su", "bu", "it", "this", "that", "sunlari", "bunlari", "onlari", "them", "these", "those":
			return true
		}
	}
	return false
}
