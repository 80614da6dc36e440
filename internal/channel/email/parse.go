package email

import (
	"bytes"
	"fmt"
	"net/http"
	"net/mail"
	"net/textproto"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/inbucket/html2text"
	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
	"golang.org/x/text/encoding/charmap"

	"destek/internal/desk"
)

// Defaults of ParseLimits.
const (
	DefaultInboundAttachmentBytes = 10 << 20
	DefaultInboundAttachments     = 20
)

// Bounds of what a parsed message keeps in the desk; the raw message keeps
// everything.
const (
	maxTextBytes = 512 << 10
	maxHTMLBytes = 2 << 20
	maxThreadIDs = 50
)

// ParseLimits bound the attachments a parsed message keeps. Larger or
// further files are left out (and named in Parsed.Omitted); the raw message
// still has them.
type ParseLimits struct {
	MaxAttachmentBytes int64
	MaxAttachments     int
}

// Parsed is a received message, read: its threading headers, sender and
// subject decoded, its text split into what is new and what is quoted,
// its HTML sanitised and its attachments decoded.
type Parsed struct {
	// Header is the top-level header as received (encoded words intact).
	Header textproto.MIMEHeader
	// MessageID, InReplyTo and References are Message-IDs without angle
	// brackets. References is oldest first, as written.
	MessageID  string
	InReplyTo  []string
	References []string
	// Reported are the Message-IDs of the messages a delivery report or
	// read receipt (multipart/report) is about: a bounce of destek's own
	// mail names it there, not in In-Reply-To.
	Reported []string
	// From is the first From address; nil when the message has none that
	// parses.
	From    *mail.Address
	Subject string
	Date    time.Time
	// Forwarded is set when the subject marks a forward (Fwd:, FW:, İLT:).
	Forwarded bool
	// Text is the whole plain text (HTML converted when the message has
	// no text part); Reply splits it.
	Text  string
	Reply Reply
	// HTML is the HTML body, sanitised (SanitizeHTML); "" when none.
	HTML        string
	Attachments []desk.NewAttachment
	// Omitted names attachments that were not kept, with the reason.
	Omitted []string
	// Warnings are the MIME problems the parser worked around.
	Warnings []string
}

var (
	parser = enmime.NewParser(
		// A declared charset is trusted: statistical detection mistakes
		// short Turkish windows-1254 text for Latin-1 and turns ş into þ.
		enmime.DisableCharacterDetection(true),
		// Text parts that declare no charset (or US-ASCII, which 8-bit
		// bytes contradict) are read as UTF-8; bytes that are not UTF-8
		// are then read as windows-1254 (decodeStray), part by part.
		enmime.SetCustomParseMediaType(parseMediaType),
		// HTML-only messages get their text from the sanitised HTML.
		enmime.DisableTextConversion(true),
		// Keep what was read of a corrupt part rather than lose the message.
		enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
		enmime.MaxStoredPartErrors(20),
	)
	msgIDRe     = regexp.MustCompile(`<([^<>\s]+)>`)
	forwardSubj = regexp.MustCompile(`(?i)^\s*(\[[^\]]*\]\s*)?(fwd?|fw|ilt|İlt|İLT|iletilen|yönlendirilen)\s*:`)
)

// Parse reads a raw message. It fails only when the message cannot be read
// as MIME at all; smaller faults (a bad charset, corrupt base64 in one
// part) are worked around and listed in Warnings.
func Parse(raw []byte, lim ParseLimits) (*Parsed, error) {
	if lim.MaxAttachmentBytes <= 0 {
		lim.MaxAttachmentBytes = DefaultInboundAttachmentBytes
	}
	if lim.MaxAttachments <= 0 {
		lim.MaxAttachments = DefaultInboundAttachments
	}
	root, err := parser.ReadParts(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("the message is not readable MIME: %w", err)
	}
	root.DepthMatchAll(func(part *enmime.Part) bool {
		if strings.HasPrefix(part.ContentType, "text/") && !utf8.Valid(part.Content) {
			part.Content = []byte(decodeStray(string(part.Content)))
		}
		return false
	})
	env, err := parser.EnvelopeFromPart(root)
	if err != nil {
		return nil, fmt.Errorf("the message is not readable MIME: %w", err)
	}
	p := &Parsed{Header: env.Root.Header}

	p.MessageID = firstMsgID(env.Root.Header.Get("Message-Id"))
	p.InReplyTo = msgIDs(env.Root.Header.Get("In-Reply-To"))
	p.References = msgIDs(strings.Join(env.Root.Header.Values("References"), " "))
	if from, err := env.AddressList("From"); err == nil && len(from) > 0 {
		p.From = from[0]
		p.From.Name = cleanLine(p.From.Name)
	} else if a := looseAddress(env.GetHeader("From")); a != "" {
		p.From = &mail.Address{Address: a}
		p.Warnings = append(p.Warnings, fmt.Sprintf("From header %q does not parse; took %s from it", clipString(env.GetHeader("From"), 200), a))
	}
	p.Subject = cleanLine(env.GetHeader("Subject"))
	p.Forwarded = forwardSubj.MatchString(p.Subject)
	if d, err := env.Date(); err == nil {
		p.Date = d
	}

	var html string
	if env.HTML != "" {
		html = SanitizeHTML(cleanText(env.HTML, maxHTMLBytes*2))
		if len(html) <= maxHTMLBytes {
			p.HTML = html
		} else {
			p.Warnings = append(p.Warnings, fmt.Sprintf("the HTML body is over %d bytes after sanitising; only the text is kept", maxHTMLBytes))
		}
	}
	text := env.Text
	if strings.TrimSpace(text) == "" && html != "" {
		// Converted from the sanitised HTML, so that nothing the
		// sanitiser removed (a javascript: link) reaches the text.
		if t, err := html2text.FromString(html); err == nil {
			text = t
		} else {
			p.Warnings = append(p.Warnings, "converting the HTML body to text failed: "+err.Error())
		}
	}
	p.Text = cleanText(text, maxTextBytes)
	p.Reply = SplitReply(p.Text, p.Forwarded)

	parts := append(append([]*enmime.Part{}, env.Attachments...), env.Inlines...)
	for _, part := range env.OtherParts {
		// Forwarded messages and other non-text parts without a
		// disposition are files too.
		if !strings.HasPrefix(part.ContentType, "text/") {
			parts = append(parts, part)
		}
	}
	for i, part := range parts {
		name := attachmentName(part, i)
		switch {
		case len(part.Content) == 0:
			continue
		case len(p.Attachments) >= lim.MaxAttachments:
			p.Omitted = append(p.Omitted, fmt.Sprintf("%s: more than %d attachments", name, lim.MaxAttachments))
			continue
		case int64(len(part.Content)) > lim.MaxAttachmentBytes:
			p.Omitted = append(p.Omitted, fmt.Sprintf("%s: %d bytes, over the limit of %d", name, len(part.Content), lim.MaxAttachmentBytes))
			continue
		case isExecutable(part.Content):
			p.Omitted = append(p.Omitted, name+": an executable program")
			continue
		}
		p.Attachments = append(p.Attachments, desk.NewAttachment{
			Filename:    name,
			ContentType: http.DetectContentType(part.Content),
			Data:        part.Content,
		})
	}

	if strings.HasPrefix(strings.ToLower(env.Root.Header.Get("Content-Type")), "multipart/report") {
		for _, part := range root.BreadthMatchAll(func(p *enmime.Part) bool {
			return p.ContentType == "text/rfc822-headers" || p.ContentType == "message/rfc822" || p.ContentType == "message/rfc822-headers"
		}) {
			if id := headerMessageID(append(slices.Clip(part.Content), "\r\n\r\n"...)); id != "" {
				p.Reported = append(p.Reported, id)
			}
		}
	}
	for _, e := range env.Errors {
		if e.Name == enmime.ErrorPlainTextFromHTML {
			continue // an HTML-only message is normal, not a fault
		}
		p.Warnings = append(p.Warnings, e.Error())
	}
	return p, nil
}

// parseMediaType parses a Content-Type as enmime does, and makes a text
// part without a charset, or with US-ASCII, UTF-8 (see parser).
func parseMediaType(ctype string) (string, map[string]string, []string, error) {
	mt, params, invalid, err := mediatype.Parse(ctype)
	if err == nil && strings.HasPrefix(mt, "text/") {
		switch strings.ToLower(strings.Trim(params["charset"], `" `)) {
		case "", "us-ascii", "ascii", "ansi_x3.4-1968":
			if params == nil {
				params = map[string]string{}
			}
			params["charset"] = "utf-8"
		}
	}
	return mt, params, invalid, err
}

// firstMsgID returns the first Message-ID in a header value, or the value
// itself trimmed when it has no angle brackets.
func firstMsgID(v string) string {
	if ids := msgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// msgIDs returns the Message-IDs of an In-Reply-To or References value,
// at most maxThreadIDs (the newest, for References).
func msgIDs(v string) []string {
	var out []string
	for _, m := range msgIDRe.FindAllStringSubmatch(v, -1) {
		out = append(out, m[1])
	}
	if out == nil {
		// Some clients write bare ids.
		for _, f := range strings.Fields(v) {
			if strings.Contains(f, "@") && utf8.ValidString(f) {
				out = append(out, strings.Trim(f, "<>,;"))
			}
		}
	}
	if len(out) > maxThreadIDs {
		out = out[len(out)-maxThreadIDs:]
	}
	return out
}

var looseAddrRe = regexp.MustCompile(`[A-Za-z0-9._%+\-=~!#$&'*/?^{|}]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

// looseAddress finds an address in a From value that net/mail rejects
// (unquoted commas or dots in the name, a missing bracket).
func looseAddress(v string) string {
	return strings.ToLower(looseAddrRe.FindString(v))
}

// cleanLine makes a header value one clean line of valid UTF-8.
func cleanLine(s string) string {
	s = decodeStray(s)
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// cleanText makes body text valid UTF-8 with LF line ends and no NULs,
// at most max bytes.
func cleanText(s string, max int) string {
	s = decodeStray(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\x00", "")
	return clipString(s, max)
}

// decodeStray turns text that is not UTF-8 — 8-bit bytes a client sent
// without declaring a charset — into UTF-8 as windows-1254, the charset of
// Turkish Windows and a superset of ISO-8859-9: for this desk's customers
// the likeliest reading, and never a loss of letters.
func decodeStray(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	d, err := charmap.Windows1254.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return d
}

// clipString cuts s to at most n bytes on a rune boundary.
func clipString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// attachmentName returns a part's file name, cleaned to a base name, or a
// made-up one from its type.
func attachmentName(p *enmime.Part, i int) string {
	name := cleanLine(p.FileName)
	name = strings.ReplaceAll(name, `\`, "/")
	name = strings.Trim(path.Base(name), " .")
	if name == "" || name == "/" {
		switch {
		case p.ContentType == "message/delivery-status":
			name = "delivery-status.txt"
		case p.ContentType == "message/rfc822":
			name = fmt.Sprintf("message-%d.eml", i+1)
		case strings.HasPrefix(p.ContentType, "image/"):
			name = fmt.Sprintf("image-%d.%s", i+1, strings.TrimPrefix(p.ContentType, "image/"))
		default:
			name = fmt.Sprintf("attachment-%d", i+1)
		}
	}
	return clipString(name, 200)
}

// executableMagic are the first bytes of native executables; a support
// desk has no reason to hand them to agents' machines (the API refuses
// them too).
var executableMagic = [][]byte{
	[]byte("MZ"), []byte("\x7fELF"),
	{0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf}, {0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe},
}

func isExecutable(b []byte) bool {
	for _, m := range executableMagic {
		if bytes.HasPrefix(b, m) {
			return true
		}
	}
	return false
}
