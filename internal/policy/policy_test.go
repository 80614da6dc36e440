package policy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDefaultPolicyIsValid(t *testing.T) {
	doc, err := Parse("default.yaml", DefaultSource)
	if err != nil {
		t.Fatalf("the built-in policy has problems:\n%v", err)
	}
	if got := doc.Frequency.FollowUpWindow.D(); got != 15*time.Minute {
		t.Errorf("follow-up window = %v, want 15m", got)
	}
	if doc.Verification.CodeTTL.D() != 10*time.Minute || doc.Verification.MaxAttempts != 5 {
		t.Errorf("one-time codes: ttl %v, attempts %d; want 10m and 5", doc.Verification.CodeTTL, doc.Verification.MaxAttempts)
	}
	if doc.CriticalOperations["auth_code"].Deadline.D() != 5*24*time.Hour {
		t.Errorf("auth code deadline = %v, want 5d", doc.CriticalOperations["auth_code"].Deadline)
	}
	if doc.Registrar.RegistrantChangeLock.D() != 60*24*time.Hour {
		t.Errorf("registrant change lock = %v, want 60d", doc.Registrar.RegistrantChangeLock)
	}
	if doc.Privacy.SubjectRequestWithin.D() != 30*24*time.Hour || doc.Privacy.BreachNoticeWithin.D() != 72*time.Hour {
		t.Errorf("privacy deadlines %v / %v; want 30d / 72h", doc.Privacy.SubjectRequestWithin, doc.Privacy.BreachNoticeWithin)
	}
	if got := doc.Channels.Email.Addresses; len(got) != 2 || got[0] != "support@atakdomain.com" || got[1] != "destek@atakdomain.com" {
		t.Errorf("e-mail addresses = %v", got)
	}
	if doc.Channels.Legal.Addresses[0] != "hukuk@atakdomain.com" || doc.Channels.Abuse.Addresses[0] != "domain@apiname.com" {
		t.Errorf("legal/abuse addresses = %v / %v", doc.Channels.Legal.Addresses, doc.Channels.Abuse.Addresses)
	}
	for _, n := range []string{"1", "2", "3", "4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "5.4", "6", "7.1", "7.2", "7.3", "8", "9", "10"} {
		found := false
		for _, a := range doc.Articles {
			found = found || a.Number == n
		}
		if !found {
			t.Errorf("article %s is missing", n)
		}
	}
	// The 2026 holidays from the spec, with half-day eves.
	eves := map[string]bool{}
	for _, h := range doc.Hours.Holidays {
		if h.ClosedFrom.Set {
			eves[h.Date.String()] = h.ClosedFrom.String() == "13:00"
		}
	}
	for _, d := range []string{"2026-03-19", "2026-05-26", "2026-10-28"} {
		if !eves[d] {
			t.Errorf("%s should be a half day closing at 13:00", d)
		}
	}
	if Default() == nil {
		t.Fatal("Default returned nil")
	}
}

// TestBrokenPolicies changes the default policy in one place each and
// checks that the problem is reported at the right line with a clear message.
func TestBrokenPolicies(t *testing.T) {
	src := string(DefaultSource)
	lineOf := func(needle string) int {
		i := strings.Index(src, needle)
		if i < 0 {
			t.Fatalf("test setup: %q not in the default policy", needle)
		}
		return strings.Count(src[:i], "\n") + 1
	}
	cases := []struct {
		name    string
		old     string // replaced (first occurrence) by new
		new     string
		line    string // the problem is on the line of this text in the changed file ("" = don't check)
		message string
	}{
		{"unknown key", "company: Atak Domain", "company: Atak Domain\ncompnay: typo", "compnay: typo", `unknown key "compnay"`},
		{"unknown nested key", "  follow_up_window: 15m", "  follow_up_window: 15m\n  folow_up: 3m", "folow_up: 3m", `unknown key "folow_up"`},
		{"wrong type", "max_attempts: 5", "max_attempts: five", "max_attempts: five", "want a whole number"},
		{"list instead of text", "company: Atak Domain", "company: [Atak, Domain]", "company: [Atak, Domain]", "want text"},
		{"bad duration", "follow_up_window: 15m", "follow_up_window: 15 minutes", "follow_up_window: 15 minutes", "is not a duration"},
		{"category without a level", "insult: {level: 2, ", "insult: {", "insult: {", "category insult has no level"},
		{"level without an action", "actions: [written_warning]\n      canned: warning", "actions: []\n      canned: warning", "actions: []", "level 1 has no action"},
		{"unknown action", "actions: [written_warning]\n      canned: warning", "actions: [shout]\n      canned: warning", "actions: [shout]", `unknown action "shout"`},
		{"overlapping hours", `monday: [{from: "09:00", to: "18:00"}]`, `monday: [{from: "09:00", to: "13:00"}, {from: "12:00", to: "18:00"}]`, "monday:", "hours overlap"},
		{"span backwards", `tuesday: [{from: "09:00", to: "18:00"}]`, `tuesday: [{from: "18:00", to: "09:00"}]`, "tuesday:", "from before to"},
		{"holiday date", "date: 2026-04-23", "date: 2026-04-31", "date: 2026-04-31", "is not a date"},
		{"bad clock", `closed_from: "13:00"`, `closed_from: "1 pm"`, `closed_from: "1 pm"`, "is not a time of day"},
		{"canned text missing in English", "    en: >-\n      Your abuse report", "    fr: >-\n      Your abuse report", "fr: >-", `unknown key "fr"`},
		{"canned text without English", "    en: >-\n      Your abuse report has been received as #{ticket} and will be reviewed by our abuse team.\n", "", "abuse_acknowledgement:", "English text (en) is missing"},
		{"article that does not exist", `web_development: {in_scope: false, article: "6"`, `web_development: {in_scope: false, article: "16"`, "web_development:", "article 16 is not among"},
		{"contract category dropped", "    blackmail: {level: 3", "    blackmale: {level: 3", "", `conduct category "blackmail" is missing`},
		{"code ttl too long", "code_ttl: 10m", "code_ttl: 15m", "code_ttl: 15m", "between 1s and 10m"},
		{"transfer code harder than contact change", "  auth_code:\n    strength: 2", "  auth_code:\n    strength: 3", "strength: 3", "same verification strength"},
		{"level 3 automatic", "      supervisor_decides: true\n", "", "level: 3\n      name", "never automatic"},
		{"bad e-mail address", "addresses: [hukuk@atakdomain.com]", "addresses: [hukuk-at-atakdomain]", "hukuk-at-atakdomain", "not a bare e-mail address"},
		{"unknown time zone", "time_zone: Europe/Istanbul", "time_zone: Europe/Ankara", "time_zone: Europe/Ankara", "unknown time zone"},
		{"duplicate key", "company: Atak Domain", "company: Atak Domain\ncompany: Other", "company: Other", `duplicate key "company"`},
		{"yaml syntax", "company: Atak Domain", "company: [Atak Domain", "", "YAML syntax"},
		{"bad retention action", "then: delete, description: {tr: \"Telefon", "then: shred, description: {tr: \"Telefon", "call_recordings:", "want delete or anonymise"},
		{"open channel unknown", "open_channels: [phone]", "open_channels: [pigeon]", "open_channels: [pigeon]", `unknown channel "pigeon"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(src, tc.old) {
				t.Fatalf("test setup: %q not in the default policy", tc.old)
			}
			changed := strings.Replace(src, tc.old, tc.new, 1)
			_, err := Parse("broken.yaml", []byte(changed))
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Parse accepted the broken policy (err %v)", err)
			}
			var hit *Problem
			for i := range ps {
				if strings.Contains(ps[i].Message, tc.message) {
					hit = &ps[i]
					break
				}
			}
			if hit == nil {
				t.Fatalf("no problem says %q; got:\n%v", tc.message, err)
			}
			if !strings.HasPrefix(hit.String(), "broken.yaml:") || hit.Line == 0 || hit.Column == 0 {
				t.Errorf("problem %q has no file:line:column", hit)
			}
			if tc.line != "" {
				src, want := changed, 0
				if i := strings.Index(src, tc.line); i >= 0 {
					want = strings.Count(src[:i], "\n") + 1
				}
				if hit.Line != want {
					t.Errorf("problem reported on line %d, want %d (%q): %s", hit.Line, want, tc.line, hit)
				}
			}
		})
	}
	_ = lineOf
}

func TestParseReportsEveryProblem(t *testing.T) {
	src := strings.Replace(string(DefaultSource), "max_attempts: 5", "max_attempts: five", 1)
	src = strings.Replace(src, "company: Atak Domain", "company: Atak Domain\ncolour: blue", 1)
	_, err := Parse("two.yaml", []byte(src))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 2 {
		t.Fatalf("want exactly 2 problems, got: %v", err)
	}
	if ps[0].Line > ps[1].Line {
		t.Errorf("problems are not in file order: %v", ps)
	}
}

func TestParseRejectsOddInput(t *testing.T) {
	for name, src := range map[string]string{
		"empty":           "",
		"scalar":          "just text",
		"list":            "- a\n- b",
		"two documents":   string(DefaultSource) + "\n---\nid: x\n",
		"binary":          "\x00\x01\x02",
		"deep nonsense":   "articles: {a: b}",
		"alias of a list": "x: &a [1]\nid: *a",
	} {
		if _, err := Parse(name, []byte(src)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDurationForms(t *testing.T) {
	for in, want := range map[string]time.Duration{"15m": 15 * time.Minute, "24h": 24 * time.Hour, "5d": 120 * time.Hour, "1h30m": 90 * time.Minute} {
		var d Duration
		if err := d.parseScalar(in); err != nil || d.D() != want {
			t.Errorf("%s → %v, %v; want %v", in, d.D(), err, want)
		}
	}
	for _, bad := range []string{"", "5", "d", "-3d", "five minutes", "1.5d"} {
		var d Duration
		if err := d.parseScalar(bad); err == nil {
			t.Errorf("%q accepted as a duration", bad)
		}
	}
	if s := Duration(5 * 24 * time.Hour).String(); s != "5d" {
		t.Errorf("5 days prints as %q", s)
	}
	if s := Duration(15 * time.Minute).String(); s != "15m" {
		t.Errorf("15 minutes prints as %q", s)
	}
}

func TestDiff(t *testing.T) {
	a := Default()
	if ch := Diff(a, a); len(ch) != 0 {
		t.Fatalf("a policy differs from itself: %v", ch)
	}
	src := strings.Replace(string(DefaultSource), "follow_up_window: 15m", "follow_up_window: 10m", 1)
	src = strings.Replace(src, "    harassment: {level: 3", "    spam_links: {level: 1, article: \"4.4\", description: {tr: Spam, en: Spam}}\n    harassment: {level: 3", 1)
	b, err := Parse("b.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range Diff(a, b) {
		lines = append(lines, c.String())
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{"~ frequency.follow_up_window: 15m → 10m", "+ conduct.categories.spam_links.level: 1"} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
}
