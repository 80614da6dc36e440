// Package policy is the support interaction policy as a document the
// operator controls: its articles, the scope and conduct taxonomies, the
// sanction ladder, contact-frequency limits, critical operations and the
// verification each needs, channels and addresses, business hours and public
// holidays, retention periods and the canned texts, in Turkish and English.
//
// A policy is written in YAML. Parse reads one and reports every problem it
// finds with file:line:column; Default returns the policy a fresh install
// runs (Atak Domain's). The package does no I/O beyond what its callers hand
// it and holds no state.
package policy

import "strings"

// Document is one policy, as written in its YAML file.
type Document struct {
	// ID names the policy (stable across versions).
	ID string `yaml:"id"`
	// Title is the policy's name.
	Title Text `yaml:"title"`
	// Company is who the policy speaks for.
	Company string `yaml:"company"`
	// URL is where customers read the policy; channels link to it.
	URL string `yaml:"url"`

	Articles           []Article                    `yaml:"articles"`
	Scope              Scope                        `yaml:"scope"`
	Conduct            Conduct                      `yaml:"conduct"`
	Sanctions          Sanctions                    `yaml:"sanctions"`
	Frequency          Frequency                    `yaml:"frequency"`
	CriticalOperations map[string]CriticalOperation `yaml:"critical_operations"`
	Verification       Verification                 `yaml:"verification"`
	Channels           Channels                     `yaml:"channels"`
	Abuse              Abuse                        `yaml:"abuse"`
	Hours              Hours                        `yaml:"business_hours"`
	Retention          map[string]Retention         `yaml:"retention"`
	Privacy            Privacy                      `yaml:"privacy"`
	Registrar          Registrar                    `yaml:"registrar"`
	Canned             map[string]Text              `yaml:"canned"`
}

// Text is a text in both languages the desk speaks.
type Text struct {
	TR string `yaml:"tr"`
	EN string `yaml:"en"`
}

// In returns the text in the language ("tr" or "en"), Turkish by default.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.TR
}

// Article is one numbered article (or sub-article, "4.2") of the policy.
type Article struct {
	Number string `yaml:"number"`
	Title  Text   `yaml:"title"`
	Text   Text   `yaml:"text"`
}

// Scope is the support scope of articles 3 and 6.
type Scope struct {
	// OutOfScopeReply says what happens when a request is out of scope:
	// "auto" sends the canned answer at once, "agent" prepares it for the
	// agent to send.
	OutOfScopeReply string `yaml:"out_of_scope_reply"`
	// Categories by id (the ids of classification.md, plus any the operator adds).
	Categories map[string]ScopeCategory `yaml:"categories"`
}

// ScopeCategory is one scope category and where its requests go.
type ScopeCategory struct {
	InScope bool `yaml:"in_scope"`
	// Article is the policy article that puts it in or out of scope.
	Article string `yaml:"article"`
	// Queue receives its tickets.
	Queue string `yaml:"queue"`
	// PaidService: out-of-scope work that can be offered as a paid
	// professional service (article 6).
	PaidService bool `yaml:"paid_service"`
	Description Text `yaml:"description"`
}

// Conduct holds the conduct categories of articles 4.1, 4.4 and 7.
type Conduct struct {
	Categories map[string]ConductCategory `yaml:"categories"`
}

// ConductCategory is one kind of misconduct and its sanction level.
type ConductCategory struct {
	Level       int    `yaml:"level"`
	Article     string `yaml:"article"`
	Description Text   `yaml:"description"`
}

// Sanctions is the three-level ladder of article 7.
type Sanctions struct {
	Levels []SanctionLevel `yaml:"levels"`
	// Escalation rules: repeated violations move a customer up the ladder.
	Escalation []Escalation `yaml:"escalation"`
}

// Sanction actions a level may take.
const (
	ActionWrittenWarning    = "written_warning"
	ActionBlockChat         = "block_chat"
	ActionCloseTicketIntake = "close_ticket_intake"
	ActionHoldEmail         = "hold_email"
	ActionProposeSuspension = "propose_account_suspension"
	ActionProposeClosure    = "propose_account_closure"
)

// SanctionLevel is one rung of the ladder.
type SanctionLevel struct {
	Level   int      `yaml:"level"`
	Name    Text     `yaml:"name"`
	Article string   `yaml:"article"`
	Actions []string `yaml:"actions"`
	// BlockFor is how long channel blocks of this level last.
	BlockFor Duration `yaml:"block_for"`
	// OpenChannels stay usable during a block, so the customer can still
	// reach the company (e.g. phone for an urgent matter).
	OpenChannels []string `yaml:"open_channels"`
	// SupervisorDecides: the sanction is proposed automatically but only a
	// supervisor can carry it out (level 3 is never automatic).
	SupervisorDecides bool `yaml:"supervisor_decides"`
	// Canned is the key of the canned text sent to the customer.
	Canned string `yaml:"canned"`
}

// Escalation moves a customer to a higher level after repeated violations.
type Escalation struct {
	// After this many violations at FromLevel within Within...
	FromLevel int      `yaml:"from_level"`
	Count     int      `yaml:"count"`
	Within    Duration `yaml:"within"`
	// ...the next one is treated at ToLevel.
	ToLevel int `yaml:"to_level"`
}

// Frequency holds the contact-frequency limits of article 4.4.
type Frequency struct {
	// FollowUpWindow: a follow-up on the same open ticket sooner than this,
	// with no new information, is throttled (policy: every 10–15 minutes).
	FollowUpWindow Duration `yaml:"follow_up_window"`
	// DuplicateWindow: a new ticket for the same request as an open ticket
	// within this window is a duplicate.
	DuplicateWindow Duration `yaml:"duplicate_window"`
	// Bombardment (level 1): more than Messages within Per.
	Bombardment Rate `yaml:"bombardment"`
	// Flood (level 2, "7/24 gereksiz mesaj"): more than Messages within Per.
	Flood Rate `yaml:"flood"`
}

// Rate is a count within a window.
type Rate struct {
	Messages int      `yaml:"messages"`
	Per      Duration `yaml:"per"`
}

// CriticalOperation is an operation of article 4.2 that waits for identity
// verification.
type CriticalOperation struct {
	// Strength is the verification strength required (see Verification.Methods).
	Strength    int  `yaml:"strength"`
	Description Text `yaml:"description"`
	// Deadline, where a rule outside the policy sets one (e.g. the 5-day
	// release of transfer codes).
	Deadline Duration `yaml:"deadline"`
	// Note is shown to the agent with the operation (e.g. the 60-day lock).
	Note Text `yaml:"note"`
}

// Verification says how identities are verified.
type Verification struct {
	// Methods by id with their strength; an operation needs a method of at
	// least its strength.
	Methods map[string]VerificationMethod `yaml:"methods"`
	// CodeTTL is how long a one-time code is valid.
	CodeTTL Duration `yaml:"code_ttl"`
	// MaxAttempts before the verification locks.
	MaxAttempts int `yaml:"max_attempts"`
	// LockFor is how long it stays locked.
	LockFor Duration `yaml:"lock_for"`
	// ValidFor is how long a successful verification covers a conversation.
	ValidFor Duration `yaml:"valid_for"`
}

// VerificationMethod is one way of proving identity.
type VerificationMethod struct {
	Strength    int  `yaml:"strength"`
	Description Text `yaml:"description"`
}

// Channels lists the support channels of article 9.
type Channels struct {
	Ticket Channel `yaml:"ticket"`
	Chat   Channel `yaml:"chat"`
	Email  Channel `yaml:"email"`
	Phone  Channel `yaml:"phone"`
	Social Channel `yaml:"social"`
	// Abuse and Legal are the separate addresses for abuse reports and
	// legal requests.
	Abuse Channel `yaml:"abuse"`
	Legal Channel `yaml:"legal"`
}

// Channel is one channel's configuration.
type Channel struct {
	Enabled   bool     `yaml:"enabled"`
	Preferred bool     `yaml:"preferred"`
	Addresses []string `yaml:"addresses"`
	// Hours is "business" (only in business hours) or "always".
	Hours string `yaml:"hours"`
	// Queue receives what arrives on the channel when classification does
	// not route it elsewhere.
	Queue string `yaml:"queue"`
}

// Abuse holds the registrar's abuse-handling duties (ICANN RAA 3.18).
type Abuse struct {
	Acknowledge bool `yaml:"acknowledge"`
	// AuthorityReviewWithin: reports from law enforcement or authorities are
	// reviewed within this calendar time.
	AuthorityReviewWithin Duration `yaml:"authority_review_within"`
}

// Hours are the official working hours and public holidays.
type Hours struct {
	TimeZone string `yaml:"time_zone"`
	// Weekly opening spans by lower-case English weekday name.
	Weekly   map[string][]Span `yaml:"weekly"`
	Holidays []Holiday         `yaml:"holidays"`
}

// Span is an opening span within one day, [From, To).
type Span struct {
	From Clock `yaml:"from"`
	To   Clock `yaml:"to"`
}

// Holiday is a public holiday; with ClosedFrom set it is a half day (an
// eve: open in the morning, closed from that time).
type Holiday struct {
	Date       Date  `yaml:"date"`
	Name       Text  `yaml:"name"`
	ClosedFrom Clock `yaml:"closed_from"`
}

// Retention is how long one class of data is kept, and what happens then.
type Retention struct {
	Keep Duration `yaml:"keep"`
	// Then is "delete" or "anonymise".
	Then        string `yaml:"then"`
	Description Text   `yaml:"description"`
}

// Privacy holds the KVKK/GDPR deadlines.
type Privacy struct {
	SubjectRequestWithin Duration `yaml:"subject_request_within"`
	BreachNoticeWithin   Duration `yaml:"breach_notice_within"`
	DestructionEvery     Duration `yaml:"destruction_every"`
}

// Registrar holds rules from outside the policy that the desk encodes.
type Registrar struct {
	// RegistrantChangeLock is the transfer lock after a change of registrant.
	RegistrantChangeLock Duration `yaml:"registrant_change_lock"`
	// TRDomainsFollow names the rules .tr domains follow (TRABİS).
	TRDomainsFollow string `yaml:"tr_domains_follow"`
}

// Render returns the canned text key in the language ("tr" or "en"), with
// each {name} placeholder replaced from vars. Placeholders without a value
// are left as written, so a missing value shows rather than vanishes.
func (d *Document) Render(key, lang string, vars map[string]string) string {
	t, ok := d.Canned[key]
	if !ok {
		return ""
	}
	out := t.In(lang)
	for k, v := range vars {
		out = strings.ReplaceAll(out, "{"+k+"}", v)
	}
	return out
}
