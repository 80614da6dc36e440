// Package lexicon matches word lists against normalised text.
//
// A lexicon is a set of patterns grouped under tags ("profanity",
// "scope.dns", "op.refund" …). A pattern is one or more elements, each
// matching one token:
//
//	word      the token is exactly word
//	word*     the token starts with word (Turkish suffixes: "aptal*" matches
//	          "aptallar", "aptalsınız")
//	a|b*|c    any of the alternatives
//	=word     the Turkish letters of word must be written as such: "=göt"
//	          does not match the English "got"
//	_  _N     a gap of up to 3 (or N) tokens before the next element
//
// Elements separated by spaces must match consecutive tokens of one
// sentence. A line starting with '!' is an exception: wherever it matches,
// hits of the same tag starting inside the exception are dropped
// ("!sikayet*" keeps "sikayet" from counting as a swear word).
//
// Attributes follow a ';': "w=2.5" sets the weight (default 1), "join"
// lets a one-element pattern also match two tokens written with a space or
// dot inside the word ("sik tir"), "nocap" skips a first word written with
// a capital, as names are ("Dick").
//
// A lexicon matches either the folded form of tokens (topic words) or their
// key form (leetspeak decoded, repeated letters collapsed, '*' masks as
// wildcards; conduct words), see package normalize. In key mode, a Turkish
// letter the customer wrote must agree with the pattern: the pattern "sik"
// matches "sik", "SIK" and "s1k" but not "sık".
package lexicon

import (
	"bufio"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"destek/internal/classify/normalize"
)

// Mode selects the token form a lexicon matches.
type Mode uint8

const (
	// Fold matches normalize.Token.Fold: lower-case ASCII-folded words.
	Fold Mode = iota
	// Key matches normalize.Token.Key and checks Marks: for conduct words
	// written in disguise.
	Key
)

// Hit is one match of a pattern.
type Hit struct {
	// Entry indexes Lexicon.Entries; Tag indexes Lexicon.Tags.
	Entry, Tag int
	// Start and End are token indices: the match covers Tokens[Start:End].
	Start, End int
	// Weight is the entry's weight.
	Weight float64
	// Root is the length, in the token's form, of the text the first
	// element matched ("aptal" in "aptallık"); what follows is a suffix.
	Root int
}

// Entry is a compiled pattern.
type Entry struct {
	Tag     int
	Weight  float64
	Source  string // the pattern as written in the list
	Except  bool
	Join    bool
	NoCap   bool
	elems   []element
	minLeft int // literal length of the first element's shortest alternative
}

type element struct {
	alts []alt
	gap  int // tokens that may be skipped before this element
}

type alt struct {
	text   string // key or fold form
	marks  string // key mode: marks of the pattern word
	prefix bool
	strict bool
	// raw is the length of the pattern word before repeated letters were
	// collapsed, when that differs from len(text): "ass" has the key "as",
	// and only a token of at least three letters may match it.
	raw int
	// fold is the folded pattern word of an exception whose key lost a
	// doubled letter: "sikke" has the key "sike", which must not exempt
	// "sikeyim"; an exception holds only where the word is written out.
	fold string
}

// Lexicon is a compiled set of patterns. It is read-only once built and
// safe for concurrent use.
type Lexicon struct {
	mode    Mode
	Tags    []string
	tagIDs  map[string]int
	Entries []Entry
	nodes   []node
	// root maps a first byte straight to its node (0: none); the root has
	// the widest fan-out of the trie.
	root [256]int32
	// joinHeads holds every proper prefix of a "join" pattern: only a
	// token that is one can start a word split in two.
	joinHeads map[string]bool
}

type node struct {
	edges  []edge
	exact  []int32 // (entry<<8 | alt index) of alternatives ending here
	prefix []int32
}

type edge struct {
	b  byte
	to int32
}

// New returns an empty lexicon of the given mode.
func New(mode Mode) *Lexicon {
	return &Lexicon{mode: mode, tagIDs: map[string]int{}, nodes: []node{{}}}
}

// Parse builds a lexicon from the list format described in the package
// comment. name is used in error messages.
func Parse(name, src string, mode Mode) (*Lexicon, error) {
	l := New(mode)
	if err := l.AddList(name, src); err != nil {
		return nil, err
	}
	return l, nil
}

// AddList adds every pattern of a list to l.
func (l *Lexicon) AddList(name, src string) error {
	tag := ""
	sc := bufio.NewScanner(strings.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if k := strings.Index(s, "#"); k >= 0 {
			s = s[:k]
		}
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			tag = strings.TrimSpace(s[1 : len(s)-1])
			if tag == "" {
				return fmt.Errorf("%s:%d: empty section name", name, line)
			}
			continue
		}
		if tag == "" {
			return fmt.Errorf("%s:%d: pattern before the first [section]", name, line)
		}
		if err := l.Add(tag, s); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
	return sc.Err()
}

// TagID returns the id of a tag, or -1 when no pattern uses it.
func (l *Lexicon) TagID(tag string) int {
	if id, ok := l.tagIDs[tag]; ok {
		return id
	}
	return -1
}

func (l *Lexicon) tag(t string) int {
	if id, ok := l.tagIDs[t]; ok {
		return id
	}
	id := len(l.Tags)
	l.Tags = append(l.Tags, t)
	l.tagIDs[t] = id
	return id
}

// Add compiles one pattern line (with optional '!' and '; attributes')
// under tag.
func (l *Lexicon) Add(tag, line string) error {
	e := Entry{Weight: 1}
	pat := line
	if k := strings.Index(line, ";"); k >= 0 {
		pat = strings.TrimSpace(line[:k])
		for _, a := range strings.Fields(line[k+1:]) {
			switch {
			case a == "join":
				e.Join = true
			case a == "nocap":
				e.NoCap = true
			case strings.HasPrefix(a, "w="):
				w, err := strconv.ParseFloat(a[2:], 64)
				if err != nil {
					return fmt.Errorf("bad weight %q", a)
				}
				e.Weight = w
			default:
				return fmt.Errorf("unknown attribute %q", a)
			}
		}
	}
	if strings.HasPrefix(pat, "!") {
		e.Except = true
		pat = strings.TrimSpace(pat[1:])
	}
	e.Source = pat
	gap := 0
	for _, f := range strings.Fields(pat) {
		if f[0] == '_' {
			n := 3
			if len(f) > 1 {
				v, err := strconv.Atoi(f[1:])
				if err != nil || v < 1 || v > 20 {
					return fmt.Errorf("bad gap %q", f)
				}
				n = v
			}
			gap += n
			continue
		}
		var el element
		el.gap = gap
		gap = 0
		for _, a := range strings.Split(f, "|") {
			if a == "" {
				return fmt.Errorf("empty alternative in %q", f)
			}
			var x alt
			if strings.HasPrefix(a, "=") {
				x.strict = true
				a = a[1:]
			}
			if strings.HasSuffix(a, "*") {
				x.prefix = true
				a = a[:len(a)-1]
			}
			if a == "" || strings.ContainsAny(a, "*=") {
				return fmt.Errorf("bad element %q", f)
			}
			x.text, x.marks = l.form(a)
			if l.mode == Key {
				if f := normalize.Fold(a); len(f) > len(x.text) {
					if !x.prefix {
						x.raw = len(f)
					}
					if e.Except {
						x.fold = f
					}
				}
			}
			if x.text == "" {
				return fmt.Errorf("element %q has no letters", a)
			}
			el.alts = append(el.alts, x)
			// Turkish softens a final k before a vowel suffix: "salak",
			// "salağa"; "pezevenk", "pezevengi". A key-mode prefix ending in
			// k also matches with ğ (g in keys).
			if l.mode == Key && x.prefix && len(x.text) >= 4 && x.text[len(x.text)-1] == 'k' {
				y := x
				y.text = x.text[:len(x.text)-1] + "g"
				if x.marks != "" {
					y.marks = x.marks[:len(x.marks)-1] + string(rune(normalize.MarkGBreve))
				}
				el.alts = append(el.alts, y)
			}
		}
		e.elems = append(e.elems, el)
	}
	if len(e.elems) == 0 {
		return fmt.Errorf("empty pattern")
	}
	if gap > 0 {
		return fmt.Errorf("pattern ends with a gap")
	}
	if e.elems[0].gap > 0 {
		return fmt.Errorf("pattern starts with a gap")
	}
	if e.Join && len(e.elems) != 1 {
		return fmt.Errorf("join needs a one-element pattern")
	}
	e.Tag = l.tag(tag)
	id := len(l.Entries)
	l.Entries = append(l.Entries, e)
	if e.Join {
		if l.joinHeads == nil {
			l.joinHeads = map[string]bool{}
		}
		for _, a := range e.elems[0].alts {
			for k := 1; k < len(a.text); k++ {
				l.joinHeads[a.text[:k]] = true
			}
		}
	}
	for ai, a := range e.elems[0].alts {
		n := l.insert(a.text)
		ref := int32(id)<<8 | int32(ai)
		if a.prefix {
			l.nodes[n].prefix = append(l.nodes[n].prefix, ref)
		} else {
			l.nodes[n].exact = append(l.nodes[n].exact, ref)
		}
	}
	return nil
}

// form normalises one pattern word the way tokens are normalised.
func (l *Lexicon) form(w string) (string, string) {
	t := normalize.New(w)
	if len(t.Tokens) != 1 {
		// Patterns are single words; join what normalisation split
		// ("e-posta" is written as the two elements "e posta").
		var k, m strings.Builder
		for _, tok := range t.Tokens {
			if l.mode == Key {
				k.WriteString(tok.Key)
				m.WriteString(tok.Marks)
			} else {
				k.WriteString(tok.Fold)
			}
		}
		return k.String(), m.String()
	}
	tok := t.Tokens[0]
	if l.mode == Key {
		return tok.Key, tok.Marks
	}
	return tok.Fold, ""
}

func (l *Lexicon) insert(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		next := -1
		for _, e := range l.nodes[n].edges {
			if e.b == c {
				next = int(e.to)
				break
			}
		}
		if next < 0 {
			next = len(l.nodes)
			l.nodes = append(l.nodes, node{})
			l.nodes[n].edges = append(l.nodes[n].edges, edge{b: c, to: int32(next)})
			if n == 0 {
				l.root[c] = int32(next)
			}
			sort.Slice(l.nodes[n].edges, func(a, b int) bool { return l.nodes[n].edges[a].b < l.nodes[n].edges[b].b })
		}
		n = next
	}
	return n
}

func (l *Lexicon) child(n int, c byte) int {
	if n == 0 {
		if r := l.root[c]; r != 0 {
			return int(r)
		}
		return -1
	}
	es := l.nodes[n].edges
	for i := range es {
		if es[i].b == c {
			return int(es[i].to)
		}
		if es[i].b > c {
			break
		}
	}
	return -1
}

// tokenForm returns the form of a token this lexicon matches, or "" when
// the token cannot match (links, addresses, mentions).
func (l *Lexicon) tokenForm(t *normalize.Token) (string, string) {
	if t.Kind != normalize.Word && t.Kind != normalize.Number {
		return "", ""
	}
	if l.mode == Key {
		return t.Key, t.Marks
	}
	return t.Fold, ""
}

// Match appends to dst every hit of the lexicon in text, exceptions
// applied, ordered by start token.
func (l *Lexicon) Match(text *normalize.Text, dst []Hit) []Hit {
	base := len(dst)
	toks := text.Tokens
	var cands []int32
	var except []Hit
	for i := range toks {
		form, marks := l.tokenForm(&toks[i])
		if form == "" {
			continue
		}
		cands = cands[:0]
		masked := l.mode == Key && strings.IndexByte(form, '*') >= 0
		if masked {
			cands = l.walkMasked(form, 0, 0, cands)
		} else {
			cands = l.walk(form, cands)
		}
		for _, ref := range cands {
			eid, ai := int(ref>>8), int(ref&0xff)
			e := &l.Entries[eid]
			a := &e.elems[0].alts[ai]
			if !masked && (!marksAgree(a, form, marks) || len(toks[i].Fold) < a.raw) {
				continue
			}
			if a.fold != "" && !foldAgrees(a, &toks[i]) || e.NoCap && toks[i].Has(normalize.Capital) {
				continue
			}
			end, ok := l.matchRest(text, e, 1, i+1, toks[i].Sentence)
			if !ok {
				continue
			}
			h := Hit{Entry: eid, Tag: e.Tag, Start: i, End: end, Weight: e.Weight, Root: len(a.text)}
			if e.Except {
				except = append(except, h)
			} else {
				dst = append(dst, h)
			}
		}
		if l.mode == Key && i+1 < len(toks) {
			dst = l.matchJoined(text, i, dst)
		}
	}
	if len(except) == 0 {
		return dst
	}
	// exempt[tag][i]: hits of tag starting at token i are dropped
	exempt := map[int][]bool{}
	for _, x := range except {
		m := exempt[x.Tag]
		if m == nil {
			m = make([]bool, len(toks))
			exempt[x.Tag] = m
		}
		for i := x.Start; i < x.End; i++ {
			m[i] = true
		}
	}
	out := dst[:base]
	for _, h := range dst[base:] {
		if m := exempt[h.Tag]; m == nil || !m[h.Start] {
			out = append(out, h)
		}
	}
	return out
}

// Excepted reports whether an exception pattern of any tag starts at
// token i: the token is a word known to look like a listed one and not to
// be one ("sikayet", "boks").
func (l *Lexicon) Excepted(text *normalize.Text, i int) bool {
	if i < 0 || i >= len(text.Tokens) {
		return false
	}
	form, marks := l.tokenForm(&text.Tokens[i])
	if form == "" {
		return false
	}
	for _, ref := range l.walk(form, nil) {
		e := &l.Entries[ref>>8]
		a := &e.elems[0].alts[ref&0xff]
		if !e.Except || !marksAgree(a, form, marks) || a.fold != "" && !foldAgrees(a, &text.Tokens[i]) {
			continue
		}
		if _, ok := l.matchRest(text, e, 1, i+1, text.Tokens[i].Sentence); ok {
			return true
		}
	}
	return false
}

// foldAgrees checks an exception word with doubled letters against the
// token as written (long runs shortened to two: "sikkkke" is "sikke").
func foldAgrees(a *alt, t *normalize.Token) bool {
	f := t.Fold
	var b []byte
	run := 0
	for i := 0; i < len(f); i++ {
		if i > 0 && f[i] == f[i-1] {
			run++
		} else {
			run = 0
		}
		if run < 2 {
			b = append(b, f[i])
		}
	}
	s := string(b)
	if a.prefix {
		return strings.HasPrefix(s, a.fold)
	}
	return s == a.fold
}

// walk collects the first-element alternatives that match form.
func (l *Lexicon) walk(form string, cands []int32) []int32 {
	n := 0
	for i := 0; ; i++ {
		cands = append(cands, l.nodes[n].prefix...)
		if i == len(form) {
			cands = append(cands, l.nodes[n].exact...)
			return cands
		}
		n = l.child(n, form[i])
		if n < 0 {
			return cands
		}
	}
}

// walkMasked matches a token with '*' masks. The token must start with a
// real letter and have at least three characters in all.
func (l *Lexicon) walkMasked(form string, i, n int, cands []int32) []int32 {
	if i == 0 {
		// A masked word keeps its first letter ("s*ktir", "a**", "f***");
		// a leading star is a footnote or emphasis ("*istediğim").
		letters := 0
		for j := 0; j < len(form); j++ {
			if form[j] != '*' {
				letters++
			}
		}
		if letters == 0 || len(form) < 3 || form[0] == '*' {
			return cands
		}
	}
	if i == len(form) {
		cands = append(cands, l.nodes[n].exact...)
		cands = append(cands, l.nodes[n].prefix...)
		return cands
	}
	if form[i] != '*' {
		// A prefix pattern may end before the token does, but only after
		// every star has been consumed: "s*ktir" must not match "s".
		if strings.IndexByte(form[i:], '*') < 0 {
			cands = append(cands, l.nodes[n].prefix...)
		}
		c := l.child(n, form[i])
		if c < 0 {
			return cands
		}
		return l.walkMasked(form, i+1, c, cands)
	}
	k := i
	for k < len(form) && form[k] == '*' {
		k++
	}
	stars := k - i
	// A run of k stars hides k letters, or fewer once doubled letters are
	// collapsed in keys ("a**" is "ass", key "as"): between ⌈k/2⌉ and k
	// characters of the pattern.
	lo := (stars + 1) / 2
	var rec func(n, depth int)
	rec = func(n, depth int) {
		if depth >= lo {
			cands = l.walkMasked(form, k, n, cands)
		}
		if depth == stars {
			return
		}
		for _, e := range l.nodes[n].edges {
			rec(int(e.to), depth+1)
		}
	}
	rec(n, 0)
	return dedup(cands)
}

func dedup(c []int32) []int32 {
	if len(c) < 2 {
		return c
	}
	sort.Slice(c, func(a, b int) bool { return c[a] < c[b] })
	out := c[:1]
	for _, v := range c[1:] {
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// marksAgree checks the Turkish letters of a key-mode token against an
// alternative: a Turkish letter written in the token must be the one in the
// pattern; a plain letter may stand for a Turkish one unless the pattern is
// strict.
func marksAgree(a *alt, form, marks string) bool {
	if a.marks == "" || marks == "" {
		return true
	}
	n := len(a.text)
	if n > len(form) {
		return false
	}
	for i := 0; i < n; i++ {
		tm, pm := marks[i], a.marks[i]
		if tm != 0 && tm != pm {
			return false
		}
		if pm != 0 && tm == 0 && a.strict {
			return false
		}
	}
	return true
}

// elemMatches reports whether one element matches a token.
func (l *Lexicon) elemMatches(el *element, t *normalize.Token) bool {
	form, marks := l.tokenForm(t)
	if form == "" {
		return false
	}
	for i := range el.alts {
		a := &el.alts[i]
		if a.prefix {
			if !strings.HasPrefix(form, a.text) {
				continue
			}
		} else if form != a.text {
			continue
		}
		if l.mode == Key && (!marksAgree(a, form, marks) || len(t.Fold) < a.raw) {
			continue
		}
		return true
	}
	return false
}

// matchRest matches elements [k:] from token i on, within one sentence,
// and returns the end token index.
func (l *Lexicon) matchRest(text *normalize.Text, e *Entry, k, i, sentence int) (int, bool) {
	if k == len(e.elems) {
		return i, true
	}
	el := &e.elems[k]
	toks := text.Tokens
	for j := i; j <= i+el.gap && j < len(toks); j++ {
		if toks[j].Sentence != sentence {
			break
		}
		if l.elemMatches(el, &toks[j]) {
			if end, ok := l.matchRest(text, e, k+1, j+1, sentence); ok {
				return end, true
			}
		}
	}
	return 0, false
}

// matchJoined tries "join" patterns on tokens i and i+1 written as one word
// with a single space, dot, hyphen or underscore inside ("sik tir").
func (l *Lexicon) matchJoined(text *normalize.Text, i int, dst []Hit) []Hit {
	a, b := &text.Tokens[i], &text.Tokens[i+1]
	if a.Kind != normalize.Word || b.Kind != normalize.Word || a.Sentence != b.Sentence {
		return dst
	}
	if b.Start-a.End != 1 || strings.IndexByte(" .-_", text.Source[a.End]) < 0 {
		return dst
	}
	if a.Has(normalize.Masked) || b.Has(normalize.Masked) || a.Key == "" || b.Key == "" || !l.joinHeads[a.Key] {
		return dst
	}
	form := a.Key + b.Key
	marks := a.Marks + b.Marks
	var cands []int32
	cands = l.walk(form, cands)
	for _, ref := range cands {
		eid, ai := int(ref>>8), int(ref&0xff)
		e := &l.Entries[eid]
		if !e.Join || e.Except {
			continue
		}
		al := &e.elems[0].alts[ai]
		// The pattern must cross the boundary, or it would have matched
		// the first token alone, and it must take (nearly) all of the second
		// token: "sik tir" is one word split, "yara kapanır" two words.
		rest := len(al.text) - len(a.Key)
		if rest <= 0 || rest < len(b.Key)-2 || !marksAgree(al, form, marks) {
			continue
		}
		dst = append(dst, Hit{Entry: eid, Tag: e.Tag, Start: i, End: i + 2, Weight: e.Weight, Root: len(al.text)})
	}
	return dst
}
