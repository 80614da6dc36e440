package policy

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // business hours must resolve Europe/Istanbul on any machine
)

// The identifiers of classification.md: a policy may add categories but may
// not drop or rename these, since the API, the CLI and the evaluation sets
// use them.
var (
	ContractScopes = []string{"domain", "dns", "hosting", "billing", "legal_notice", "panel_api", "abuse_report",
		"web_development", "server_management", "custom_dns", "content_recovery", "hacked_site_cleanup",
		"third_party_config", "legal_advice", "other"}
	ContractConduct = []string{"disrespect", "pressure", "insult", "profanity", "aggression", "threat", "hate",
		"physical_threat", "blackmail", "unlawful_request", "fraud", "harassment"}
	ContractOperations = []string{"auth_code", "registrant_change", "dns_change", "account_access", "deletion", "refund", "data_disclosure"}
	// RequiredCanned are the canned texts the desk sends by itself.
	RequiredCanned = []string{"warning", "channel_block", "suspension_notice", "out_of_scope",
		"verification_request", "duplicate_ticket", "follow_up_throttled", "chat_offline", "abuse_acknowledgement"}
	knownActions = []string{ActionWrittenWarning, ActionBlockChat, ActionCloseTicketIntake, ActionHoldEmail, ActionProposeSuspension, ActionProposeClosure}
	channelNames = []string{"ticket", "chat", "email", "phone", "social"}
	weekdays     = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
	slug         = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// maxCodeTTL is the longest a one-time code may live (registrar practice:
// at most ten minutes).
const maxCodeTTL = 10 * time.Minute

type checker struct {
	locate   func(path string) (string, int, int)
	problems []Problem
}

func (c *checker) add(path, format string, args ...any) {
	file, line, col := c.locate(path)
	c.problems = append(c.problems, Problem{File: file, Line: line, Column: col, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) text(path string, t Text) {
	if strings.TrimSpace(t.TR) == "" {
		c.add(path, "the Turkish text (tr) is missing")
	}
	if strings.TrimSpace(t.EN) == "" {
		c.add(path, "the English text (en) is missing")
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// validate checks what the YAML types cannot: required entries, references
// between parts, ranges, and the registrar's rules.
func validate(doc *Document, locate func(string) (string, int, int)) []Problem {
	c := &checker{locate: locate}
	if !slug.MatchString(strings.ReplaceAll(doc.ID, "-", "_")) {
		c.add("id", "the policy id is missing or not a lower-case slug like atak-domain-support")
	}
	c.text("title", doc.Title)

	articles := map[string]bool{}
	if len(doc.Articles) == 0 {
		c.add("articles", "the policy has no articles")
	}
	for i, a := range doc.Articles {
		p := fmt.Sprintf("articles[%d]", i)
		if !regexp.MustCompile(`^\d+(\.\d+)*$`).MatchString(a.Number) {
			c.add(p+".number", "article number %q is not like 4 or 4.2", a.Number)
		} else if articles[a.Number] {
			c.add(p+".number", "article %s appears twice", a.Number)
		}
		articles[a.Number] = true
		c.text(p+".title", a.Title)
		c.text(p+".text", a.Text)
	}
	article := func(path, n string) {
		if n == "" {
			c.add(path, "the article is missing")
		} else if len(articles) > 0 && !articles[n] {
			c.add(path, "article %s is not among the policy's articles", n)
		}
	}

	// Scope.
	switch doc.Scope.OutOfScopeReply {
	case "auto", "agent":
	default:
		c.add("scope.out_of_scope_reply", "want auto (send the answer at once) or agent (prepare it for the agent), found %q", doc.Scope.OutOfScopeReply)
	}
	for _, id := range ContractScopes {
		if _, ok := doc.Scope.Categories[id]; !ok {
			c.add("scope.categories", "scope category %q is missing; a policy may add categories but not drop these", id)
		}
	}
	for _, id := range sortedKeys(doc.Scope.Categories) {
		sc, p := doc.Scope.Categories[id], "scope.categories."+id
		if !slug.MatchString(id) {
			c.add(p, "category id %q is not a lower-case slug", id)
		}
		if !slug.MatchString(sc.Queue) {
			c.add(p+".queue", "the queue is missing or not a lower-case slug like support")
		}
		if id == "other" {
			if sc.InScope {
				c.add(p+".in_scope", "other (no support request) cannot be in scope")
			}
		} else {
			article(p+".article", sc.Article)
		}
		if sc.InScope && sc.PaidService {
			c.add(p+".paid_service", "an in-scope category is not a paid service")
		}
		c.text(p+".description", sc.Description)
	}

	// Sanction ladder.
	levels := map[int]SanctionLevel{}
	for i, l := range doc.Sanctions.Levels {
		p := fmt.Sprintf("sanctions.levels[%d]", i)
		if l.Level < 1 || l.Level > 3 {
			c.add(p+".level", "a sanction level is 1, 2 or 3, found %d", l.Level)
			continue
		}
		if _, dup := levels[l.Level]; dup {
			c.add(p+".level", "level %d is defined twice", l.Level)
		}
		levels[l.Level] = l
		c.text(p+".name", l.Name)
		article(p+".article", l.Article)
		if len(l.Actions) == 0 {
			c.add(p+".actions", "level %d has no action; name at least one of %s", l.Level, strings.Join(knownActions, ", "))
		}
		blocks := false
		for j, a := range l.Actions {
			if !slices.Contains(knownActions, a) {
				c.add(fmt.Sprintf("%s.actions[%d]", p, j), "unknown action %q; use one of %s", a, strings.Join(knownActions, ", "))
			}
			blocks = blocks || a == ActionBlockChat || a == ActionCloseTicketIntake || a == ActionHoldEmail
		}
		if blocks && l.BlockFor <= 0 {
			c.add(p+".block_for", "level %d blocks channels, so it needs block_for (e.g. 72h)", l.Level)
		}
		for j, ch := range l.OpenChannels {
			if !slices.Contains(channelNames, ch) {
				c.add(fmt.Sprintf("%s.open_channels[%d]", p, j), "unknown channel %q; use one of %s", ch, strings.Join(channelNames, ", "))
			}
		}
		if l.Level == 3 && !l.SupervisorDecides {
			c.add(p+".supervisor_decides", "level 3 (account suspension or closure) is never automatic: set supervisor_decides: true")
		}
		if _, ok := doc.Canned[l.Canned]; !ok {
			c.add(p+".canned", "canned text %q does not exist in canned", l.Canned)
		}
	}
	for lvl := 1; lvl <= 3; lvl++ {
		if _, ok := levels[lvl]; !ok {
			c.add("sanctions.levels", "sanction level %d is missing", lvl)
		}
	}
	for i, e := range doc.Sanctions.Escalation {
		p := fmt.Sprintf("sanctions.escalation[%d]", i)
		if e.FromLevel < 1 || e.ToLevel > 3 || e.FromLevel >= e.ToLevel {
			c.add(p, "escalation goes from a lower level to a higher one within 1–3, found %d → %d", e.FromLevel, e.ToLevel)
		}
		if e.Count < 1 {
			c.add(p+".count", "count must be at least 1")
		}
		if e.Within <= 0 {
			c.add(p+".within", "within must be a positive duration, e.g. 30d")
		}
	}

	// Conduct.
	for _, id := range ContractConduct {
		if _, ok := doc.Conduct.Categories[id]; !ok {
			c.add("conduct.categories", "conduct category %q is missing; a policy may add categories but not drop these", id)
		}
	}
	for _, id := range sortedKeys(doc.Conduct.Categories) {
		cc, p := doc.Conduct.Categories[id], "conduct.categories."+id
		if !slug.MatchString(id) {
			c.add(p, "category id %q is not a lower-case slug", id)
		}
		if cc.Level < 1 || cc.Level > 3 {
			c.add(p+".level", "category %s has no level; give it 1, 2 or 3", id)
		} else if _, ok := levels[cc.Level]; !ok {
			c.add(p+".level", "level %d has no sanction in sanctions.levels", cc.Level)
		}
		article(p+".article", cc.Article)
		c.text(p+".description", cc.Description)
	}

	// Contact frequency.
	f := doc.Frequency
	if f.FollowUpWindow <= 0 {
		c.add("frequency.follow_up_window", "the follow-up window must be positive (the policy says 10–15 minutes: 15m)")
	}
	if f.DuplicateWindow <= 0 {
		c.add("frequency.duplicate_window", "the duplicate window must be positive, e.g. 72h")
	}
	for name, r := range map[string]Rate{"bombardment": f.Bombardment, "flood": f.Flood} {
		if r.Messages < 1 || r.Per <= 0 {
			c.add("frequency."+name, "%s needs messages ≥ 1 and a positive per, e.g. {messages: 10, per: 10m}", name)
		}
	}
	if f.Flood.Messages > 0 && f.Flood.Messages <= f.Bombardment.Messages {
		c.add("frequency.flood", "flood (level 2) must count more messages than bombardment (level 1)")
	}

	// Verification and critical operations.
	v := doc.Verification
	maxStrength := 0
	if len(v.Methods) == 0 {
		c.add("verification.methods", "no verification method is defined")
	}
	for _, id := range sortedKeys(v.Methods) {
		m := v.Methods[id]
		if m.Strength < 1 {
			c.add("verification.methods."+id+".strength", "a method's strength is 1 or more")
		}
		maxStrength = max(maxStrength, m.Strength)
		c.text("verification.methods."+id+".description", m.Description)
	}
	if v.CodeTTL <= 0 || v.CodeTTL.D() > maxCodeTTL {
		c.add("verification.code_ttl", "one-time codes live between 1s and 10m, found %s", v.CodeTTL)
	}
	if v.MaxAttempts < 1 || v.MaxAttempts > 10 {
		c.add("verification.max_attempts", "max_attempts is 1 to 10 (about 5 is usual), found %d", v.MaxAttempts)
	}
	if v.LockFor <= 0 {
		c.add("verification.lock_for", "lock_for must be positive, e.g. 30m")
	}
	if v.ValidFor <= 0 {
		c.add("verification.valid_for", "valid_for must be positive, e.g. 1h")
	}
	for _, id := range ContractOperations {
		if _, ok := doc.CriticalOperations[id]; !ok {
			c.add("critical_operations", "critical operation %q is missing", id)
		}
	}
	for _, id := range sortedKeys(doc.CriticalOperations) {
		op, p := doc.CriticalOperations[id], "critical_operations."+id
		if op.Strength < 1 || (maxStrength > 0 && op.Strength > maxStrength) {
			c.add(p+".strength", "strength must be between 1 and %d (the strongest verification method)", maxStrength)
		}
		c.text(p+".description", op.Description)
	}
	// ICANN Transfer Policy: releasing the transfer code may not be harder
	// than changing contacts or nameservers.
	ac, rc, dc := doc.CriticalOperations["auth_code"], doc.CriticalOperations["registrant_change"], doc.CriticalOperations["dns_change"]
	if ac.Strength > 0 && (ac.Strength != rc.Strength || ac.Strength != dc.Strength) {
		c.add("critical_operations.auth_code.strength", "auth_code, registrant_change and dns_change must need the same verification strength (found %d, %d, %d): releasing a transfer code may not be more restrictive than changing contacts or nameservers", ac.Strength, rc.Strength, dc.Strength)
	}
	if ac.Deadline <= 0 || ac.Deadline.D() > 5*24*time.Hour {
		c.add("critical_operations.auth_code.deadline", "transfer codes are released within at most 5 days (5d), found %s", ac.Deadline)
	}

	// Channels.
	chans := map[string]Channel{"ticket": doc.Channels.Ticket, "chat": doc.Channels.Chat, "email": doc.Channels.Email,
		"phone": doc.Channels.Phone, "social": doc.Channels.Social, "abuse": doc.Channels.Abuse, "legal": doc.Channels.Legal}
	for _, name := range sortedKeys(chans) {
		ch, p := chans[name], "channels."+name
		switch ch.Hours {
		case "", "business", "always":
		default:
			c.add(p+".hours", "want business or always, found %q", ch.Hours)
		}
		if ch.Queue != "" && !slug.MatchString(ch.Queue) {
			c.add(p+".queue", "queue %q is not a lower-case slug", ch.Queue)
		}
		for i, a := range ch.Addresses {
			if name == "phone" {
				if !regexp.MustCompile(`^\+[0-9 ]{7,20}$`).MatchString(a) {
					c.add(fmt.Sprintf("%s.addresses[%d]", p, i), "%q is not an international phone number like +90 262 325 92 22", a)
				}
				continue
			}
			if name == "chat" || name == "ticket" || name == "social" {
				continue
			}
			if addr, err := mail.ParseAddress(a); err != nil || addr.Address != a {
				c.add(fmt.Sprintf("%s.addresses[%d]", p, i), "%q is not a bare e-mail address like destek@example.com", a)
			}
		}
		if (name == "email" || name == "abuse" || name == "legal") && ch.Enabled && len(ch.Addresses) == 0 {
			c.add(p+".addresses", "the %s channel is enabled but has no address", name)
		}
	}
	if !doc.Channels.Abuse.Enabled || !doc.Channels.Legal.Enabled {
		c.add("channels", "abuse reports and legal requests need their own enabled channels (article 9)")
	}
	if doc.Abuse.AuthorityReviewWithin <= 0 || doc.Abuse.AuthorityReviewWithin.D() > 24*time.Hour {
		c.add("abuse.authority_review_within", "reports from authorities are reviewed within at most 24h, found %s", doc.Abuse.AuthorityReviewWithin)
	}

	// Business hours and holidays.
	if _, err := time.LoadLocation(doc.Hours.TimeZone); err != nil || doc.Hours.TimeZone == "" {
		c.add("business_hours.time_zone", "unknown time zone %q; use an IANA name like Europe/Istanbul", doc.Hours.TimeZone)
	}
	for _, day := range sortedKeys(doc.Hours.Weekly) {
		p := "business_hours.weekly." + day
		if !slices.Contains(weekdays, day) {
			c.add(p, "unknown weekday %q; use monday … sunday", day)
			continue
		}
		spans := slices.Clone(doc.Hours.Weekly[day])
		for i, s := range spans {
			if !s.From.Set || !s.To.Set || s.From.Minutes >= s.To.Minutes {
				c.add(fmt.Sprintf("%s[%d]", p, i), "a span needs from before to, e.g. {from: \"09:00\", to: \"18:00\"}")
			}
		}
		order := make([]int, len(spans))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, b int) bool { return spans[order[a]].From.Minutes < spans[order[b]].From.Minutes })
		for k := 1; k < len(order); k++ {
			prev, cur := spans[order[k-1]], spans[order[k]]
			if cur.From.Minutes < prev.To.Minutes {
				c.add(fmt.Sprintf("%s[%d]", p, order[k]), "hours overlap: %s–%s and %s–%s on %s", prev.From, prev.To, cur.From, cur.To, day)
			}
		}
	}
	seenDates := map[string]bool{}
	for i, h := range doc.Hours.Holidays {
		p := fmt.Sprintf("business_hours.holidays[%d]", i)
		if h.Date.Year == 0 {
			c.add(p+".date", "a holiday needs a date, YYYY-MM-DD")
		} else if seenDates[h.Date.String()] {
			c.add(p+".date", "%s is listed twice", h.Date)
		}
		seenDates[h.Date.String()] = true
		c.text(p+".name", h.Name)
	}

	// Retention, privacy, registrar.
	for _, id := range sortedKeys(doc.Retention) {
		r, p := doc.Retention[id], "retention."+id
		if r.Keep <= 0 {
			c.add(p+".keep", "keep must be a positive duration, e.g. 730d")
		}
		if r.Then != "delete" && r.Then != "anonymise" {
			c.add(p+".then", "want delete or anonymise, found %q", r.Then)
		}
		c.text(p+".description", r.Description)
	}
	if len(doc.Retention) == 0 {
		c.add("retention", "no retention periods are defined (article 8)")
	}
	pr := doc.Privacy
	if pr.SubjectRequestWithin <= 0 || pr.SubjectRequestWithin.D() > 30*24*time.Hour {
		c.add("privacy.subject_request_within", "data-subject requests are answered within at most 30d (KVKK/GDPR), found %s", pr.SubjectRequestWithin)
	}
	if pr.BreachNoticeWithin <= 0 || pr.BreachNoticeWithin.D() > 72*time.Hour {
		c.add("privacy.breach_notice_within", "breach notices go out within at most 72h, found %s", pr.BreachNoticeWithin)
	}
	if pr.DestructionEvery <= 0 || pr.DestructionEvery.D() > 183*24*time.Hour {
		c.add("privacy.destruction_every", "periodic destruction runs at least every 6 months (183d), found %s", pr.DestructionEvery)
	}
	if doc.Registrar.RegistrantChangeLock < 0 {
		c.add("registrar.registrant_change_lock", "the lock cannot be negative")
	}

	// Canned texts.
	for _, key := range RequiredCanned {
		if _, ok := doc.Canned[key]; !ok {
			c.add("canned", "canned text %q is missing", key)
		}
	}
	for _, key := range sortedKeys(doc.Canned) {
		c.text("canned."+key, doc.Canned[key])
	}
	return c.problems
}
