// Package normalize turns raw customer text into tokens that the classifier
// can match against word lists and feed to the statistical model, while
// keeping, for every token, the byte span it came from in the original text.
//
// Customers write Turkish with and without Turkish letters, in capitals, with
// look-alike letters from other scripts, and they disguise swear words:
// "s1kt1r", "s*ktir", "s i k t i r", "a.p.t.a.l", "salaaaak", "аmk" with a
// Cyrillic а, zero-width spaces in the middle of a word. Every token therefore
// carries several forms:
//
//   - Lower: Turkish lower-casing (I→ı, İ→i), Turkish letters kept.
//   - Fold:  Lower folded to ASCII (ş→s, ç→c, ğ→g, ı→i, ö→o, ü→u, â→a …),
//     the form a customer typing on an English keyboard produces. Topic word
//     lists match this form.
//   - Key:   Fold with leetspeak decoded (0→o, 1→i, 3→e, 4→a, 5→s, @→a, $→s,
//     €→e …) and runs of one letter collapsed ("salaaaak", "salak" and
//     "sallak" all give "salak"); a masking '*' is kept as a wildcard.
//     Conduct word lists match this form.
//   - Marks: one byte per byte of Key telling which Turkish letter, if any,
//     the customer actually wrote there. It lets "sıkıntı" (written with ı)
//     be told apart from a swear word while "sikinti" (typed without Turkish
//     letters) stays ambiguous and is judged by exception lists.
//
// Normalisation does no I/O, keeps no state between calls and is safe for
// concurrent use.
package normalize

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Kind says what a token is.
type Kind uint8

// Token kinds.
const (
	// Word is a run of letters, possibly with digits, leet symbols or masks.
	Word Kind = iota
	// Number is a run of digits only.
	Number
	// Email is an e-mail address; its letters are not words of the message.
	Email
	// Link is a URL or a bare domain name ("ornek-site.com.tr").
	Link
	// Mention is a social-media handle such as "@USER".
	Mention
)

// Flags describe how a token was written.
type Flags uint16

// Token flags.
const (
	// Upper: every letter was a capital and there are at least two.
	Upper Flags = 1 << iota
	// Masked: the token contains '*' standing for hidden letters.
	Masked
	// Leet: digits or symbols stood for letters.
	Leet
	// Spaced: the token was written as single letters separated by spaces,
	// dots, hyphens or underscores and has been joined.
	Spaced
	// Turkish: the token contains a letter that only Turkish uses
	// (ş ç ğ ı ö ü İ).
	Turkish
	// Code: the token is part of an identifier-like chunk (error codes,
	// paths, snake_case): its capitals are not shouting.
	Code
	// Repeated: a letter was repeated three or more times ("salaaaak").
	Repeated
	// Quoted: the token is inside quotation marks on one line: reported
	// speech or an error message, not the customer's own words.
	Quoted
	// Hashtag: the token follows a '#'.
	Hashtag
	// Capital: the first letter is a capital and the others are not, as
	// in a name ("Dick", "Amin").
	Capital
)

// Mark codes stored in Token.Marks: which Turkish letter was written at a
// position of Key. Zero means a plain letter (or no information).
const (
	MarkNone    = 0
	MarkSCedil  = 's' // ş
	MarkCCedil  = 'c' // ç
	MarkGBreve  = 'g' // ğ
	MarkODiaer  = 'o' // ö
	MarkUDiaer  = 'u' // ü
	MarkDotless = 'i' // ı
)

// Token is one unit of the text.
type Token struct {
	// Start and End are byte offsets into the original text: Source[Start:End]
	// is the token exactly as written (for a joined spaced token, from its
	// first letter to its last, separators included).
	Start, End int
	Kind       Kind
	Flags      Flags
	// Letters counts the letters of the token as written.
	Letters int
	// Sentence is the index of the sentence the token belongs to.
	Sentence int
	// Lower, Fold, Key and Marks are described in the package comment.
	Lower, Fold, Key, Marks string
}

// Has reports whether all flags in f are set.
func (t *Token) Has(f Flags) bool { return t.Flags&f == f }

// Text is a normalised message.
type Text struct {
	// Source is the original text.
	Source string
	// Tokens in order of appearance.
	Tokens []Token
	// Sentences is the number of sentences.
	Sentences int
	// Exclamations and Questions count '!' and '?' outside words.
	Exclamations, Questions int
	// Turkish reports whether any Turkish-only letter was written.
	Turkish bool
}

// Span returns the original text of tokens [i, j).
func (t *Text) Span(i, j int) (start, end int, s string) {
	if i < 0 || j > len(t.Tokens) || i >= j {
		return 0, 0, ""
	}
	start, end = t.Tokens[i].Start, t.Tokens[j-1].End
	return start, end, t.Source[start:end]
}

// rune classes used while scanning.
const (
	clOther   = iota // separator
	clLetter         // letter
	clDigit          // decimal digit
	clSymbol         // leet symbol: @ $ € £ ! |
	clMask           // '*'
	clApos           // apostrophe
	clIgnore         // zero-width and format characters: skipped entirely
	clCombine        // combining mark: belongs to the previous letter
)

type scanRune struct {
	pos, size int
	r         rune // after look-alike mapping
	class     uint8
}

// New normalises s. Invalid UTF-8 bytes are treated as separators.
func New(s string) *Text {
	t := &Text{Source: s}
	p := parsers.Get().(*parser)
	p.reset(s)
	p.run(t)
	if cap(p.runs) > 1<<16 {
		return t // do not keep the buffers of a huge text around
	}
	parsers.Put(p)
	return t
}

// parsers recycles the scratch buffers of parsing; nothing of a parser
// survives in the Text it returns.
var parsers = sync.Pool{New: func() any { return new(parser) }}

func (p *parser) reset(s string) {
	p.src = s
	p.runs = p.runs[:0]
	p.raw = p.raw[:0]
	p.lower, p.fold, p.key, p.marks = p.lower[:0], p.fold[:0], p.key[:0], p.marks[:0]
	p.rbuf = p.rbuf[:0]
}

type parser struct {
	src  string
	runs []scanRune
	raw  []rawToken
	// form buffers shared by all tokens of the text, turned into strings once.
	lower, fold, key, marks []byte
	rbuf                    []tokRune
}

type rawToken struct {
	start, end int
	kind       Kind
	code       bool
	// first and last index into parser.runs (inclusive) for Word tokens.
	ri, rj   int
	sentence int
	spaced   bool
	// offsets of the token's forms in the shared buffers.
	lo, lo2, fo, fo2, ko, ko2 int
	flags                     Flags
	letters                   int
}

func (p *parser) run(t *Text) {
	s := p.src
	sentence := 0
	prevEnd := 0
	// Walk whitespace-separated chunks; each chunk is a link, an e-mail
	// address, a mention, or a run of words.
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isSpace(r) {
			if r == '\n' {
				sentence++
			}
			i += size
			continue
		}
		j := i
		for j < len(s) {
			r2, sz := utf8.DecodeRuneInString(s[j:])
			if isSpace(r2) {
				break
			}
			j += sz
		}
		p.chunk(i, j, &sentence, &prevEnd, t)
		i = j
	}
	p.mergeSpaced()
	p.forms(t)
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' ||
		r == 0x85 || r == 0xA0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200A) ||
		r == 0x2028 || r == 0x2029 || r == 0x202F || r == 0x205F || r == 0x3000
}

// trimPunct returns the core of a chunk without surrounding punctuation.
func trimPunct(s string, i, j int) (int, int) {
	for i < j {
		r, size := utf8.DecodeRuneInString(s[i:j])
		if strings.ContainsRune("([{\"'«“‘<", r) {
			i += size
			continue
		}
		break
	}
	for j > i {
		r, size := utf8.DecodeLastRuneInString(s[i:j])
		if strings.ContainsRune(".,;:!?)]}\"'»”’>…", r) {
			j -= size
			continue
		}
		break
	}
	return i, j
}

// chunk handles one whitespace-delimited chunk s[i:j].
func (p *parser) chunk(i, j int, sentence, prevEnd *int, t *Text) {
	s := p.src
	ci, cj := trimPunct(s, i, j)
	if ci < cj {
		if kind, end := special(s[ci:cj]); kind != Word {
			// separators before the special token still count.
			p.countGap(i, ci, sentence, t)
			p.raw = append(p.raw, rawToken{start: ci, end: ci + end, kind: kind, sentence: *sentence})
			p.countGap(ci+end, j, sentence, t)
			*prevEnd = j
			return
		}
	}
	code := isCodeChunk(s[i:j])
	// Scan runes of the chunk.
	base := len(p.runs)
	for k := i; k < j; {
		r, size := utf8.DecodeRuneInString(s[k:])
		if r == utf8.RuneError && size <= 1 {
			p.runs = append(p.runs, scanRune{pos: k, size: 1, r: ' ', class: clOther})
			k++
			continue
		}
		m := lookalike(r)
		p.runs = append(p.runs, scanRune{pos: k, size: size, r: m, class: classOf(m)})
		k += size
	}
	runs := p.runs[base:]
	dotMasks(runs)
	decideWordRunes(runs)
	// Emit tokens: maximal runs of word runes; ignorable runes neither start
	// nor end a token but may sit inside one.
	k := 0
	for k < len(runs) {
		c := runs[k].class
		if !isWordClass(c) {
			if c == clOther {
				r := runs[k].r
				inner := (r == '.' || r == ',') && k+1 < len(runs) && isWordClass(runs[k+1].class)
				if !inner {
					p.countRune(r, sentence, t)
				}
			}
			k++
			continue
		}
		a := k
		last := k
		for k < len(runs) && (isWordClass(runs[k].class) || runs[k].class == clIgnore || runs[k].class == clCombine) {
			if isWordClass(runs[k].class) || runs[k].class == clCombine {
				last = k
			}
			k++
		}
		// Trailing ignorables are not part of the token.
		k = last + 1
		p.raw = append(p.raw, rawToken{
			start: runs[a].pos, end: runs[last].pos + runs[last].size,
			kind: Word, code: code, ri: base + a, rj: base + last, sentence: *sentence,
		})
	}
	*prevEnd = j
}

func isWordClass(c uint8) bool {
	return c == clLetter || c == clDigit || c == clSymbol || c == clMask || c == clApos
}

// countGap counts sentence ends, '!' and '?' in s[i:j].
func (p *parser) countGap(i, j int, sentence *int, t *Text) {
	for _, r := range p.src[i:j] {
		p.countRune(r, sentence, t)
	}
}

func (p *parser) countRune(r rune, sentence *int, t *Text) {
	switch r {
	case '!':
		t.Exclamations++
		p.sentenceEnd(sentence)
	case '?':
		t.Questions++
		p.sentenceEnd(sentence)
	case '.', ';', '…':
		p.sentenceEnd(sentence)
	}
}

// sentenceEnd starts a new sentence unless the current one is still empty.
func (p *parser) sentenceEnd(sentence *int) {
	if n := len(p.raw); n > 0 && p.raw[n-1].sentence == *sentence {
		*sentence++
	}
}

// dotMasks reads a dot after a single first letter and before a longer
// rest of the word as a hidden letter: "s.ktir" is "s*ktir". Abbreviations
// keep their dots ("A.Ş.", "e.g.", "a.q" are letters between dots).
func dotMasks(runs []scanRune) {
	letter := func(k int) bool { return k >= 0 && k < len(runs) && runs[k].class == clLetter }
	for k := 1; k+2 < len(runs); k++ {
		if runs[k].r != '.' || !letter(k-1) || letter(k-2) || !letter(k+1) || !letter(k+2) {
			continue
		}
		runs[k].r, runs[k].class = '*', clMask
	}
}

// decideWordRunes resolves which symbols, masks and apostrophes belong to
// words: "s!kt!r" and "a**" are words, "sik!" ends with punctuation, "100$"
// is a price.
func decideWordRunes(runs []scanRune) {
	n := len(runs)
	// prevSolid/nextSolid find the nearest rune that is not ignorable.
	prev := func(k int) int {
		for k--; k >= 0; k-- {
			if runs[k].class != clIgnore && runs[k].class != clCombine {
				return k
			}
		}
		return -1
	}
	next := func(k int) int {
		for k++; k < n; k++ {
			if runs[k].class != clIgnore && runs[k].class != clCombine {
				return k
			}
		}
		return n
	}
	isAlnum := func(k int) bool {
		return k >= 0 && k < n && (runs[k].class == clLetter || runs[k].class == clDigit)
	}
	isLetter := func(k int) bool { return k >= 0 && k < n && runs[k].class == clLetter }
	for k := 0; k < n; {
		c := runs[k].class
		if c == clApos {
			if !(isLetter(prev(k)) && isLetter(next(k))) {
				runs[k].class = clOther
			}
			k++
			continue
		}
		if c != clSymbol && c != clMask {
			k++
			continue
		}
		// A run of symbols and masks (ignorables skipped).
		a := k
		hasBang := false
		e := k
		for e < n && (runs[e].class == clSymbol || runs[e].class == clMask || runs[e].class == clIgnore) {
			if runs[e].r == '!' || runs[e].r == '|' {
				hasBang = true
			}
			e++
		}
		left := prev(a)
		right := e
		for right < n && runs[right].class == clCombine {
			right++
		}
		var word bool
		switch {
		case hasBang:
			word = isLetter(left) && isLetter(right)
		default:
			// '@', '$', '€', '£' and '*' touch a letter on one side, or a
			// digit-letter mix on the other ("4$$" is not a word).
			word = isLetter(left) || isLetter(right) || (isAlnum(left) && isAlnum(right))
		}
		if !word {
			for x := a; x < e; x++ {
				if runs[x].class != clIgnore {
					runs[x].class = clOther
				}
			}
		}
		k = e
	}
}

// asciiClass classifies the ASCII runes once.
var asciiClass = func() (t [128]uint8) {
	for r := rune(0); r < 128; r++ {
		t[r] = classOfSlow(r)
	}
	return t
}()

func classOf(r rune) uint8 {
	if r < 128 {
		return asciiClass[r]
	}
	return classOfSlow(r)
}

func classOfSlow(r rune) uint8 {
	switch {
	case r == '*':
		return clMask
	case r == '@' || r == '$' || r == '€' || r == '£' || r == '!' || r == '|':
		return clSymbol
	case r == '\'' || r == '’' || r == '‘' || r == 'ʼ' || r == '`' || r == '´':
		return clApos
	case r >= '0' && r <= '9':
		return clDigit
	case ignorable(r):
		return clIgnore
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
		return clCombine
	case unicode.IsLetter(r):
		return clLetter
	case unicode.IsDigit(r):
		return clDigit
	}
	return clOther
}

// ignorable reports zero-width and format characters that people (and
// spam tools) put inside words to break matching.
func ignorable(r rune) bool {
	switch r {
	case 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180E,
		0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064,
		0x3164, 0xFE0E, 0xFE0F, 0xFEFF, 0xFFA0:
		return true
	}
	if r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 {
		return true
	}
	return unicode.Is(unicode.Cf, r) && r != 0x0600
}

// special recognises e-mail addresses, links and mentions in a trimmed chunk
// and returns the kind and the length of the special part (a Turkish suffix
// after an apostrophe, as in "example.com'a", is left out).
func special(c string) (Kind, int) {
	if strings.IndexByte(c, '.') < 0 && strings.IndexByte(c, '@') < 0 && strings.IndexByte(c, ':') < 0 {
		return Word, 0 // no link, address or mention without one of these
	}
	core := c
	if k := strings.IndexAny(core, "'’"); k > 0 {
		core = core[:k]
	}
	lc := strings.ToLower(core) // ASCII prefixes only; safe here
	if strings.HasPrefix(lc, "http://") || strings.HasPrefix(lc, "https://") || strings.HasPrefix(lc, "ftp://") {
		return Link, len(core)
	}
	if strings.HasPrefix(lc, "www.") && len(core) > 4 {
		return Link, len(core)
	}
	if core[0] == '@' {
		rest := core[1:]
		if len(rest) >= 4 && isHandle(rest) {
			return Mention, len(core)
		}
		return Word, 0
	}
	if at := strings.IndexByte(core, '@'); at > 0 && at < len(core)-1 {
		if isEmailLocal(core[:at]) && isDomain(core[at+1:], false) {
			return Email, len(core)
		}
		return Word, 0
	}
	host := core
	if k := strings.IndexAny(host, "/:?#"); k > 0 {
		host = host[:k]
	}
	if isDomain(host, true) {
		return Link, len(core)
	}
	return Word, 0
}

func isHandle(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_') {
			return false
		}
	}
	return true
}

func isEmailLocal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("._%+-", b) >= 0) {
			return false
		}
	}
	return true
}

// tlds are the top-level labels that make "word.word" a domain name rather
// than two sentences written without a space.
var tlds = map[string]bool{
	"com": true, "net": true, "org": true, "tr": true, "info": true, "biz": true, "io": true,
	"co": true, "uk": true, "de": true, "eu": true, "app": true, "dev": true, "example": true,
	"edu": true, "gov": true, "me": true, "us": true, "xyz": true, "online": true, "site": true,
	"shop": true, "store": true, "tech": true, "ai": true, "arpa": true, "ru": true, "fr": true,
	"nl": true, "it": true, "es": true, "az": true, "cloud": true, "tv": true, "cc": true,
	"web": true, "blog": true, "name": true, "pro": true, "mobi": true, "club": true, "live": true,
	"istanbul": true, "ankara": true, "izmir": true, "bursa": true, "bel": true, "gen": true, "k12": true, "av": true, "bbs": true, "pol": true, "tsk": true, "kep": true, "invalid": true, "test": true, "local": true, "localhost": true,
	"ch": true, "at": true, "be": true, "se": true, "no": true, "dk": true, "pl": true, "gr": true,
}

// IsTLD reports whether s (lower case) is a top-level domain the
// normaliser knows.
func IsTLD(s string) bool { return tlds[s] }

// isDomain reports whether s looks like a host name. With needTLD the last
// label must be a known top-level domain.
func isDomain(s string, needTLD bool) bool {
	if len(s) < 3 || strings.Count(s, ".") == 0 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if l == "" {
			return false
		}
		for _, r := range l {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-') {
				return false
			}
		}
	}
	last := strings.ToLower(labels[len(labels)-1])
	if needTLD {
		return tlds[last]
	}
	for _, r := range last {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return len(last) >= 2
}

// isCodeChunk reports identifier-like chunks: snake_case, paths, "NET::ERR".
func isCodeChunk(c string) bool {
	return strings.Contains(c, "_") || strings.Contains(c, "::") || strings.Contains(c, "/") ||
		strings.Contains(c, "=") || strings.Contains(c, "\\") || strings.Contains(c, "()")
}

// mergeSpaced joins runs of three or more one-letter tokens separated by a
// single identical separator ("s i k t i r", "a.p.t.a.l", "f-u-c-k").
func (p *parser) mergeSpaced() {
	out := p.raw[:0]
	n := len(p.raw)
	for i := 0; i < n; {
		if !p.single(i) {
			out = append(out, p.raw[i])
			i++
			continue
		}
		j := i + 1
		var sep string
		for j < n && p.single(j) {
			gap := p.src[p.raw[j-1].end:p.raw[j].start]
			if !validGap(gap) || (sep != "" && gap != sep) {
				break
			}
			sep = gap
			j++
		}
		// Three or more letters; or two joined by dots, the way
		// abbreviated swearing is written ("a.q", "o.ç").
		if (j-i >= 3 || j-i == 2 && sep == ".") && p.lettersIn(i, j) >= 2 {
			m := p.raw[i]
			m.end = p.raw[j-1].end
			m.rj = p.raw[j-1].rj
			m.spaced = true
			out = append(out, m)
			i = j
			continue
		}
		for ; i < j; i++ {
			out = append(out, p.raw[i])
		}
	}
	p.raw = out
}

func validGap(g string) bool {
	if len(g) == 0 || len(g) > 2 {
		return false
	}
	c := g[0]
	for i := 1; i < len(g); i++ {
		if g[i] != c {
			return false
		}
	}
	return c == ' ' || c == '.' || c == '-' || c == '_' || c == '/' || c == '+'
}

// single reports a Word token with exactly one non-ignorable rune.
func (p *parser) single(i int) bool {
	t := p.raw[i]
	if t.kind != Word {
		return false
	}
	count := 0
	for k := t.ri; k <= t.rj; k++ {
		c := p.runs[k].class
		if c == clIgnore || c == clCombine {
			continue
		}
		if c == clDigit && leet(p.runs[k].r) == 0 {
			return false
		}
		count++
	}
	return count == 1
}

func (p *parser) lettersIn(i, j int) int {
	n := 0
	for k := i; k < j; k++ {
		t := p.raw[k]
		for x := t.ri; x <= t.rj; x++ {
			if p.runs[x].class == clLetter {
				n++
			}
		}
	}
	return n
}

// tokRune is one rune of a token during form building.
type tokRune struct {
	r     rune // lower-cased
	orig  rune // as written (after look-alike mapping)
	upper bool // written as a capital
	class uint8
}

// forms builds the forms of every raw token and fills t.Tokens.
func (p *parser) forms(t *Text) {
	t.Tokens = make([]Token, 0, len(p.raw))
	maxSentence := -1
	for idx := range p.raw {
		rt := &p.raw[idx]
		if rt.sentence > maxSentence {
			maxSentence = rt.sentence
		}
		rt.lo = len(p.lower)
		rt.fo = len(p.fold)
		rt.ko = len(p.key)
		if rt.kind != Word {
			for _, r := range p.src[rt.start:rt.end] {
				r = lookalike(r)
				lr := lowerTR(r)
				p.lower = utf8.AppendRune(p.lower, lr)
				p.fold = appendFold(p.fold, lr)
			}
			rt.lo2, rt.fo2, rt.ko2 = len(p.lower), len(p.fold), len(p.key)
			continue
		}
		p.buildWord(rt, t)
	}
	lower, fold, key, marks := string(p.lower), string(p.fold), string(p.key), string(p.marks)
	for _, rt := range p.raw {
		if rt.kind == Word && rt.lo2 == rt.lo && rt.ko2 == rt.ko {
			continue // nothing left (e.g. a token of masks only)
		}
		tok := Token{
			Start: rt.start, End: rt.end, Kind: rt.kind, Flags: rt.flags,
			Letters: rt.letters, Sentence: rt.sentence,
			Lower: lower[rt.lo:rt.lo2], Fold: fold[rt.fo:rt.fo2],
			Key: key[rt.ko:rt.ko2], Marks: marks[rt.ko:rt.ko2],
		}
		if tok.Start > 0 && p.src[tok.Start-1] == '#' {
			tok.Flags |= Hashtag
		}
		if tok.Kind == Word && tok.Letters == 0 && !tok.Has(Masked) {
			allDigits := true
			for i := 0; i < len(tok.Fold); i++ {
				if tok.Fold[i] < '0' || tok.Fold[i] > '9' {
					allDigits = false
					break
				}
			}
			if allDigits {
				tok.Kind = Number
			}
		}
		t.Tokens = append(t.Tokens, tok)
	}
	markQuoted(t)
	// Renumber sentences densely.
	next, last := -1, -1
	for i := range t.Tokens {
		if t.Tokens[i].Sentence != last {
			last = t.Tokens[i].Sentence
			next++
		}
		t.Tokens[i].Sentence = next
	}
	t.Sentences = next + 1
}

// buildWord computes the forms of one Word token.
func (p *parser) buildWord(rt *rawToken, t *Text) {
	rb := p.rbuf[:0]
	for k := rt.ri; k <= rt.rj; k++ {
		sr := p.runs[k]
		switch sr.class {
		case clIgnore, clOther, clApos:
			continue
		case clCombine:
			if n := len(rb); n > 0 {
				rb[n-1] = compose(rb[n-1], sr.r)
			}
			continue
		}
		rb = append(rb, tokRune{r: lowerTR(sr.r), orig: sr.r, upper: isUpper(sr.r), class: sr.class})
	}
	// Markdown-style emphasis "*word*": the stars are not masks.
	if len(rb) >= 3 && rb[0].class == clMask && rb[len(rb)-1].class == clMask {
		a, b := 0, len(rb)
		for a < b && rb[a].class == clMask {
			a++
		}
		for b > a && rb[b-1].class == clMask {
			b--
		}
		if a < b {
			rb = rb[a:b]
			// adjust the span to the letters
			start, end := rt.start, rt.end
			st, en := -1, -1
			for k := rt.ri; k <= rt.rj; k++ {
				if p.runs[k].class == clMask || p.runs[k].class == clIgnore {
					continue
				}
				if st < 0 {
					st = p.runs[k].pos
				}
				en = p.runs[k].pos + p.runs[k].size
			}
			if st >= 0 {
				start, end = st, en
			}
			rt.start, rt.end = start, end
		}
	}
	p.rbuf = rb
	letters, uppers := 0, 0
	hasMask, hasLeet, repeated, turkish := false, false, false, false
	for _, tr := range rb {
		switch tr.class {
		case clLetter:
			letters++
			if tr.upper {
				uppers++
			}
			if isTurkishLetter(tr.r) && !(tr.r == 'ı' && tr.upper) || tr.orig == 'İ' {
				turkish = true
			}
		case clMask:
			hasMask = true
		}
	}
	rt.letters = letters
	// Lower and Fold.
	for _, tr := range rb {
		p.lower = utf8.AppendRune(p.lower, tr.r)
		p.fold = appendFold(p.fold, tr.r)
	}
	// Key and Marks: leet decoded (only inside words that have letters),
	// folded, runs collapsed.
	var lastKey byte
	var lastRune rune = -1
	runLen := 0
	for _, tr := range rb {
		r := tr.r
		if letters > 0 && (tr.class == clDigit || tr.class == clSymbol) {
			if l := leet(r); l != 0 {
				r = l
				hasLeet = true
			}
		}
		mark := byte(MarkNone)
		if tr.class == clLetter && !(r == 'ı' && tr.upper) {
			mark = markOf(r)
		}
		if r == '*' {
			p.key = append(p.key, '*')
			p.marks = append(p.marks, 0)
			lastRune, lastKey, runLen = '*', '*', 0
			continue
		}
		f := foldRune(r)
		if f != 0 {
			if f == lastKey && lastRune != '*' {
				runLen++
				if runLen == 2 {
					repeated = true
				}
				// keep a mark if the first of the run had none
				if mark != 0 {
					p.marks[len(p.marks)-1] = mark
				}
				continue
			}
			p.key = append(p.key, f)
			p.marks = append(p.marks, mark)
			lastKey, lastRune, runLen = f, r, 0
			continue
		}
		// Multi-byte fold (ß→ss, æ→ae) or a letter with no ASCII form.
		if r == lastRune {
			runLen++
			if runLen == 2 {
				repeated = true
			}
			continue
		}
		before := len(p.key)
		p.key = appendFold(p.key, r)
		for i := before; i < len(p.key); i++ {
			p.marks = append(p.marks, 0)
		}
		lastRune, lastKey, runLen = r, 0, 0
	}
	rt.lo2, rt.fo2, rt.ko2 = len(p.lower), len(p.fold), len(p.key)
	if letters >= 2 && uppers == letters {
		rt.flags |= Upper
	} else if uppers == 1 && len(rb) > 0 && rb[0].upper {
		rt.flags |= Capital
	}
	if hasMask && letters > 0 {
		rt.flags |= Masked
	}
	if hasLeet {
		rt.flags |= Leet
	}
	if rt.spaced {
		rt.flags |= Spaced
	}
	if turkish {
		rt.flags |= Turkish
		t.Turkish = true
	}
	if rt.code {
		rt.flags |= Code
	}
	if repeated {
		rt.flags |= Repeated
	}
}

// lowerTR lower-cases one rune by Turkish rules: I→ı, İ→i.
func lowerTR(r rune) rune {
	if r < 0x80 {
		switch {
		case r == 'I':
			return 'ı'
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.TurkishCase.ToLower(r)
}

// isUpper is unicode.IsUpper with an ASCII fast path.
func isUpper(r rune) bool {
	if r < 0x80 {
		return r >= 'A' && r <= 'Z'
	}
	return unicode.IsUpper(r)
}

// LowerTR lower-cases s by Turkish rules (I→ı, İ→i); a capital I followed
// by a combining dot above (a decomposed İ) becomes i.
func LowerTR(s string) string {
	out := make([]rune, 0, len(s))
	prevCapitalI := false
	for _, r := range s {
		if r == 0x0307 && prevCapitalI {
			out[len(out)-1] = 'i'
			prevCapitalI = false
			continue
		}
		prevCapitalI = r == 'I'
		out = append(out, lowerTR(r))
	}
	return string(out)
}

func isTurkishLetter(r rune) bool {
	switch r {
	case 'ş', 'ç', 'ğ', 'ı', 'ö', 'ü':
		return true
	}
	return false
}

func markOf(r rune) byte {
	switch r {
	case 'ş':
		return MarkSCedil
	case 'ç':
		return MarkCCedil
	case 'ğ':
		return MarkGBreve
	case 'ö':
		return MarkODiaer
	case 'ü':
		return MarkUDiaer
	case 'ı':
		return MarkDotless
	}
	return MarkNone
}

// compose applies a combining mark to the previous rune (decomposed input:
// "s" + U+0327 is "ş").
func compose(prev tokRune, mark rune) tokRune {
	r := prev.r
	switch mark {
	case 0x0327: // cedilla
		switch r {
		case 's':
			r = 'ş'
		case 'c':
			r = 'ç'
		}
	case 0x0306: // breve
		if r == 'g' {
			r = 'ğ'
		}
	case 0x0308: // diaeresis
		switch r {
		case 'o':
			r = 'ö'
		case 'u':
			r = 'ü'
		}
	case 0x0307: // dot above: an I with a dot is i
		if r == 'ı' && prev.orig == 'I' {
			r = 'i'
			prev.orig = 'İ'
		}
	}
	prev.r = r
	return prev
}

// foldRune folds a lower-case rune to one ASCII byte, or 0 when it has no
// single-byte form.
func foldRune(r rune) byte {
	if r < 0x80 {
		return byte(r)
	}
	switch r {
	case 'ş', 'ș':
		return 's'
	case 'ç':
		return 'c'
	case 'ğ':
		return 'g'
	case 'ı', 'î', 'í', 'ì', 'ï':
		return 'i'
	case 'ö', 'ó', 'ò', 'ô', 'õ', 'ø':
		return 'o'
	case 'ü', 'û', 'ú', 'ù':
		return 'u'
	case 'â', 'á', 'à', 'ä', 'ã', 'å':
		return 'a'
	case 'é', 'è', 'ê', 'ë':
		return 'e'
	case 'ñ':
		return 'n'
	case 'ý', 'ÿ':
		return 'y'
	case 'ţ', 'ț':
		return 't'
	}
	return 0
}

// appendFold appends the ASCII fold of a lower-case rune.
func appendFold(b []byte, r rune) []byte {
	if f := foldRune(r); f != 0 {
		return append(b, f)
	}
	switch r {
	case 'ß':
		return append(b, "ss"...)
	case 'æ':
		return append(b, "ae"...)
	case 'œ':
		return append(b, "oe"...)
	}
	return utf8.AppendRune(b, r)
}

// Fold returns s lower-cased by Turkish rules and folded to ASCII, the form
// topic word lists are written in.
func Fold(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = appendFold(b, lowerTR(lookalike(r)))
	}
	return string(b)
}

// leet maps a digit or symbol used for a letter.
func leet(r rune) rune {
	switch r {
	case '0':
		return 'o'
	case '1', '!', '|':
		return 'i'
	case '3', '€':
		return 'e'
	case '4', '@':
		return 'a'
	case '5', '$':
		return 's'
	case '7':
		return 't'
	case '8':
		return 'b'
	case '9':
		return 'g'
	case '£':
		return 'l'
	}
	return 0
}

// lookalike maps letters from other scripts that look like Latin letters
// (Cyrillic, Greek, fullwidth, mathematical and enclosed alphanumerics) to
// the Latin letter they imitate.
func lookalike(r rune) rune {
	if r < 0x370 {
		switch r {
		case 'ɑ':
			return 'a'
		case 'ɡ':
			return 'g'
		case 'ɩ':
			return 'ı'
		}
		return r
	}
	switch r {
	// Cyrillic lower case
	case 'а':
		return 'a'
	case 'е', 'ё':
		return 'e'
	case 'о':
		return 'o'
	case 'р':
		return 'p'
	case 'с':
		return 'c'
	case 'х':
		return 'x'
	case 'у':
		return 'y'
	case 'і':
		return 'i'
	case 'ј':
		return 'j'
	case 'ѕ':
		return 's'
	case 'к':
		return 'k'
	case 'м':
		return 'm'
	case 'т':
		return 't'
	case 'в':
		return 'b'
	case 'н':
		return 'h'
	case 'ԁ':
		return 'd'
	case 'ո':
		return 'n'
	case 'ս':
		return 'u'
	// Cyrillic capitals
	case 'А':
		return 'A'
	case 'В':
		return 'B'
	case 'Е', 'Ё':
		return 'E'
	case 'К':
		return 'K'
	case 'М':
		return 'M'
	case 'Н':
		return 'H'
	case 'О':
		return 'O'
	case 'Р':
		return 'P'
	case 'С':
		return 'C'
	case 'Т':
		return 'T'
	case 'Х':
		return 'X'
	case 'У':
		return 'Y'
	case 'І':
		return 'I'
	case 'Ј':
		return 'J'
	case 'Ѕ':
		return 'S'
	// Greek
	case 'α':
		return 'a'
	case 'ο', 'σ':
		return 'o'
	case 'ρ':
		return 'p'
	case 'ε':
		return 'e'
	case 'ι':
		return 'i'
	case 'κ':
		return 'k'
	case 'ν':
		return 'v'
	case 'τ':
		return 't'
	case 'υ':
		return 'u'
	case 'χ':
		return 'x'
	case 'Α':
		return 'A'
	case 'Β':
		return 'B'
	case 'Ε':
		return 'E'
	case 'Ζ':
		return 'Z'
	case 'Η':
		return 'H'
	case 'Ι':
		return 'I'
	case 'Κ':
		return 'K'
	case 'Μ':
		return 'M'
	case 'Ν':
		return 'N'
	case 'Ο':
		return 'O'
	case 'Ρ':
		return 'P'
	case 'Τ':
		return 'T'
	case 'Υ':
		return 'Y'
	case 'Χ':
		return 'X'
	}
	if r >= 0xFF01 && r <= 0xFF5E { // fullwidth ASCII
		return r - 0xFEE0
	}
	if r >= 0x2100 && r <= 0x2BFF || r >= 0x1D400 && r <= 0x1D7FF || r >= 0x1F100 && r <= 0x1F1FF {
		// Letter-like symbols, enclosed and mathematical alphanumerics:
		// their compatibility decomposition is the plain letter.
		d := norm.NFKC.String(string(r))
		if rr, size := utf8.DecodeRuneInString(d); size == len(d) && rr < 0x80 &&
			(rr >= 'a' && rr <= 'z' || rr >= 'A' && rr <= 'Z' || rr >= '0' && rr <= '9') {
			return rr
		}
	}
	return r
}

// isQuote reports quotation marks. The ASCII apostrophe counts only where
// it is not inside a word (there it is a Turkish suffix separator).
func isQuote(r rune) bool {
	switch r {
	case '"', '\'', '“', '”', '‘', '’', '«', '»', '„':
		return true
	}
	return false
}

// markQuoted flags tokens between an opening quotation mark (after a space
// or at the start of a line) and the closing one on the same line.
func markQuoted(t *Text) {
	s := t.Source
	open := -1
	var spans [][2]int
	for i, r := range s {
		if r == '\n' {
			open = -1
			continue
		}
		if !isQuote(r) {
			continue
		}
		prev, _ := utf8.DecodeLastRuneInString(s[:i])
		size := utf8.RuneLen(r)
		next, _ := utf8.DecodeRuneInString(s[i+size:])
		opening := i == 0 || isSpace(prev) || prev == '(' || prev == ':'
		closing := i+size >= len(s) || isSpace(next) || strings.ContainsRune(".,;:!?)'", next)
		switch {
		case open < 0 && opening && !closing:
			open = i + size
		case open >= 0 && closing:
			spans = append(spans, [2]int{open, i})
			open = -1
		}
	}
	if len(spans) == 0 {
		return
	}
	// spans and tokens are both in text order: one sweep
	j := 0
	for k := range t.Tokens {
		tk := &t.Tokens[k]
		for j < len(spans) && spans[j][1] < tk.End {
			j++
		}
		if j < len(spans) && tk.Start >= spans[j][0] && tk.End <= spans[j][1] {
			tk.Flags |= Quoted
		}
	}
}
