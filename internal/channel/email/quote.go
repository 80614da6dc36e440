package email

import (
	"regexp"
	"strings"
)

// Reply is a message's plain text split into what the sender wrote now,
// the history they quoted, and their signature.
type Reply struct {
	// New is the text the sender wrote in this message.
	New string
	// Quoted is the quoted history: the attribution line ("On … wrote:",
	// "… tarihinde … yazdı:", an Outlook header block) and what follows
	// it, and ">" lines.
	Quoted string
	// Signature is the sender's signature (after "-- ") and mobile
	// footers ("Sent from my iPhone", "iPhone'umdan gönderildi").
	Signature string
}

var (
	// attribution matches a reply attribution line, in the languages
	// destek's customers write and those their mail clients speak.
	attribution = regexp.MustCompile(`(?i)(^(on|am|le|el)\s.{4,}\s(wrote|schrieb|a écrit|escribió)\s?:\s*$)` +
		`|(tarihinde.*(yazdı|yazdi)\s*:\s*$)` +
		`|(^.{4,}(şunları|şunu|sunlari|sunu)\s+(yazdı|yazdi)\s*:\s*$)` +
		`|(^.{4,}\s(wrote|yazdı)\s*:\s*$)`)
	// originalMarker matches the line Outlook and others put above the
	// message being answered.
	originalMarker = regexp.MustCompile(`(?i)^\s*-{2,}\s*(original message|orijinal ileti|özgün ileti|orijinal mesaj|özgün mesaj|ursprüngliche nachricht|message d'origine)\s*-{2,}\s*$`)
	// headerFrom and headerSent match the first lines of an Outlook header
	// block ("From: … / Sent: …", "Kimden: … / Gönderildi: …").
	headerFrom = regexp.MustCompile(`(?i)^\s*\*?(from|kimden|gönderen)\s*:\*?\s*\S`)
	headerSent = regexp.MustCompile(`(?i)^\s*\*?(sent|date|gönderildi|gönderilme tarihi|tarih)\s*:\*?\s*\S`)
	// forwardMarker matches the line that introduces a forwarded message:
	// what follows it is news to the desk, not history.
	forwardMarker = regexp.MustCompile(`(?i)^\s*(-{2,}\s*(forwarded message|iletilen ileti|iletilmiş ileti|yönlendirilen ileti|iletilen mesaj)\s*-{2,}|begin forwarded message:|iletilen ileti başlangıcı:)\s*$`)
	// mobileFooter matches the footers mobile clients add by themselves.
	mobileFooter = regexp.MustCompile(`(?i)^\s*(sent from my \S.*|sent from (outlook|mail) for \S.*|get outlook for \S.*|` +
		`(iphone|ipad)'?(umdan|dan|mdan) gönderildi.*|android için outlook.*|samsung galaxy.*gönderildi.*|` +
		`.*cihazımdan gönderildi.*|mobil cihazımdan gönderildi.*|sent from samsung mobile.*|yahoo mail.*gönderildi.*)\s*$`)
)

// SplitReply separates the new text of a message from quoted history and
// its signature, so that the policy engine judges only what the customer
// wrote now — an insult in a quoted earlier message is not a new insult,
// and a quoted agent's reply is not the customer's request. forwarded says
// that the message forwards another (its subject starts "Fwd:"): then
// header blocks are the forwarded message, kept as new text.
//
// The full text stays with the raw message; SplitReply only decides what
// is new. When everything looks quoted, New is the whole text: a message
// is never judged empty because of a misread attribution.
func SplitReply(text string, forwarded bool) Reply {
	// (?i) folds ASCII and most letters, but not the dotted capital İ of
	// "Özgün İleti"; match against a copy with it replaced.
	match := func(re *regexp.Regexp, l string) bool { return re.MatchString(strings.ReplaceAll(l, "İ", "i")) }
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")

	cut, interleaved := len(lines), false
	for i, l := range lines {
		if match(forwardMarker, l) {
			forwarded = true
			break
		}
		if match(originalMarker, l) {
			cut = i
			break
		}
		if !forwarded && match(headerFrom, l) && headerBlockAt(lines, i) {
			cut = i
			// Outlook draws a rule above the block.
			if cut > 0 && strings.Trim(strings.TrimSpace(lines[cut-1]), "_-") == "" && strings.TrimSpace(lines[cut-1]) != "" {
				cut--
			}
			break
		}
		if n := attributionAt(lines, i); n > 0 {
			cut = i
			// A reply written between or below ">" lines: the lines that
			// are not quoted are new.
			interleaved = firstNonEmptyQuoted(lines[i+n:])
			break
		}
	}

	var newLines, quoted []string
	for _, l := range lines[:cut] {
		if isQuoted(l) {
			quoted = append(quoted, l)
			continue
		}
		newLines = append(newLines, l)
	}
	if cut < len(lines) {
		rest := lines[cut:]
		if interleaved {
			n := attributionAt(lines, cut)
			quoted = append(quoted, rest[:n]...)
			for _, l := range rest[n:] {
				if isQuoted(l) {
					quoted = append(quoted, l)
				} else {
					newLines = append(newLines, l)
				}
			}
		} else {
			quoted = append(quoted, rest...)
		}
	}

	body, sig := splitSignature(newLines)
	r := Reply{New: tidy(body), Quoted: tidy(quoted), Signature: tidy(sig)}
	if r.New == "" && r.Quoted != "" {
		// Nothing new was found: rather than judge nothing, judge it all.
		r.New = tidy(lines)
		r.Quoted = ""
	}
	return r
}

func isQuoted(l string) bool { return strings.HasPrefix(strings.TrimLeft(l, " \t"), ">") }

// attributionAt returns how many lines (1 to 3) form an attribution line
// starting at lines[i] — clients wrap long ones — or 0.
func attributionAt(lines []string, i int) int {
	joined := ""
	for n := 1; n <= 3 && i+n <= len(lines); n++ {
		l := strings.TrimSpace(lines[i+n-1])
		if l == "" || isQuoted(l) {
			return 0
		}
		if n == 1 {
			joined = l
		} else {
			joined += " " + l
		}
		if len(joined) > 400 {
			return 0
		}
		if attribution.MatchString(joined) {
			return n
		}
	}
	return 0
}

// headerBlockAt reports whether lines[i] starts an Outlook header block: a
// From line with a Sent/Date line within the next four.
func headerBlockAt(lines []string, i int) bool {
	for j := i + 1; j < len(lines) && j <= i+4; j++ {
		if headerSent.MatchString(lines[j]) {
			return true
		}
	}
	return false
}

func firstNonEmptyQuoted(lines []string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		return isQuoted(l)
	}
	return false
}

// splitSignature cuts a signature off: from the last "-- " line, or a
// mobile client's footer among the last lines.
func splitSignature(lines []string) (body, sig []string) {
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimRight(lines[i], " \t"); l == "--" {
			return lines[:i], lines[i:]
		}
	}
	// Footers stand at the very end (perhaps followed by blank lines).
	end := len(lines)
	for end > 0 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	if end > 0 && mobileFooter.MatchString(lines[end-1]) {
		return lines[:end-1], lines[end-1:]
	}
	return lines, nil
}

// tidy joins lines, trims trailing spaces of each and blank lines at both
// ends.
func tidy(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(l, " \t\r")
	}
	return strings.Trim(strings.Join(out, "\n"), "\n")
}
