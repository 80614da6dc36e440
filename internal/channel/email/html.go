package email

import (
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
)

// htmlPolicy is what survives of a customer's HTML: text formatting,
// lists, tables, quotes and links (nofollow, noreferrer, opened in a new
// tab). No scripts, styles, forms, frames, event handlers, classes or ids
// (they could restyle or clobber the agent's page), and no remote images:
// an image may only name an inline part of the message itself (cid:), so
// opening a message never tells the sender it was read.
var htmlPolicy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowAttrs("dir").Matching(regexp.MustCompile(`(?i)^(rtl|ltr|auto)$`)).Globally()
	p.AllowAttrs("lang").Matching(regexp.MustCompile(`^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$`)).Globally()
	p.AllowAttrs("title").Globally()
	p.AllowElements("p", "br", "div", "span", "b", "strong", "i", "em", "u", "s", "strike", "del", "ins", "mark",
		"sub", "sup", "small", "big", "blockquote", "pre", "code", "kbd", "samp", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
		"ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
		"abbr", "cite", "q", "address", "center")
	p.AllowAttrs("colspan", "rowspan").Matching(regexp.MustCompile(`^[0-9]{1,3}$`)).OnElements("td", "th")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`(?i)^(left|right|center|justify)$`)).OnElements("p", "div", "td", "th", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,6}$`)).OnElements("ol")

	p.AllowURLSchemes("http", "https", "mailto", "cid")
	p.RequireParseableURLs(true)
	p.AllowAttrs("href").OnElements("a")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)

	p.AllowAttrs("src").Matching(regexp.MustCompile(`(?i)^cid:[^\s"'<>]+$`)).OnElements("img")
	p.AllowAttrs("alt", "title").OnElements("img")
	p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^[0-9]{1,4}(px|%)?$`)).OnElements("img")
	p.AddSpaceWhenStrippingTag(true)
	return p
})

// SanitizeHTML returns the HTML of a message made safe to show in the agent's
// browser (see htmlPolicy).
func SanitizeHTML(html string) string {
	return strings.TrimSpace(htmlPolicy().Sanitize(html))
}
