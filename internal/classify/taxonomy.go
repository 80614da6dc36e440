package classify

import (
	"fmt"
	"strings"
)

// ScopeCategory is one scope of the taxonomy (classification.md, "Scope
// categories").
type ScopeCategory struct {
	// ID is the stable identifier ("dns", "legal_advice" …).
	ID string `json:"id"`
	// InScope says whether standard support covers the category.
	InScope bool `json:"in_scope"`
	// Article is the policy article the category comes from ("3", "6").
	Article string `json:"article,omitempty"`
	// Cues are extra topic patterns for the category, in the syntax of
	// package lexicon, matched on folded text ("kargo takip*"). A policy
	// that adds a category gives it its cues here.
	Cues []string `json:"cues,omitempty"`
}

// ConductCategory is one conduct rule (classification.md, "Conduct
// categories").
type ConductCategory struct {
	// ID is the stable identifier ("insult", "blackmail" …).
	ID string `json:"id"`
	// Level is the sanction level, 1 to 3.
	Level int `json:"level"`
	// Articles are the policy articles, the one that sets the sanction
	// last ("4.1", "7.2").
	Articles []string `json:"articles"`
	// Terms are extra words or phrases that, written by a customer, break
	// the rule on their own; lexicon syntax, matched on the key form
	// (disguises undone). A policy that adds a category lists its terms.
	Terms []string `json:"terms,omitempty"`
}

// Article returns the article a finding cites: the last listed, which is
// the one that sets the sanction.
func (c ConductCategory) Article() string {
	if len(c.Articles) == 0 {
		return ""
	}
	return c.Articles[len(c.Articles)-1]
}

// CriticalOperation is an operation that needs identity verification
// (article 4.2).
type CriticalOperation struct {
	// ID is the stable identifier ("auth_code", "refund" …).
	ID string `json:"id"`
	// Cues are extra patterns naming the operation; the engine still
	// requires that the customer asks support to do it.
	Cues []string `json:"cues,omitempty"`
}

// Taxonomy is the configuration of the classifier that comes from the
// policy: categories, their levels and articles, and extra word lists. The
// defaults are the tables of classification.md; a policy document may add
// categories and words and change levels and articles, but not remove or
// rename the built-in identifiers.
type Taxonomy struct {
	Scopes     []ScopeCategory     `json:"scopes"`
	Conduct    []ConductCategory   `json:"conduct"`
	Operations []CriticalOperation `json:"critical_operations"`
}

// Built-in identifiers. The engine's rules refer to these.
const (
	ScopeDomain            = "domain"
	ScopeDNS               = "dns"
	ScopeHosting           = "hosting"
	ScopeBilling           = "billing"
	ScopeLegalNotice       = "legal_notice"
	ScopePanelAPI          = "panel_api"
	ScopeAbuseReport       = "abuse_report"
	ScopeWebDevelopment    = "web_development"
	ScopeServerManagement  = "server_management"
	ScopeCustomDNS         = "custom_dns"
	ScopeContentRecovery   = "content_recovery"
	ScopeHackedSiteCleanup = "hacked_site_cleanup"
	ScopeThirdPartyConfig  = "third_party_config"
	ScopeLegalAdvice       = "legal_advice"
	ScopeOther             = "other"

	Disrespect      = "disrespect"
	Pressure        = "pressure"
	Insult          = "insult"
	Profanity       = "profanity"
	Aggression      = "aggression"
	Threat          = "threat"
	Hate            = "hate"
	PhysicalThreat  = "physical_threat"
	Blackmail       = "blackmail"
	UnlawfulRequest = "unlawful_request"
	Fraud           = "fraud"
	Harassment      = "harassment"

	OpAuthCode         = "auth_code"
	OpRegistrantChange = "registrant_change"
	OpDNSChange        = "dns_change"
	OpAccountAccess    = "account_access"
	OpDeletion         = "deletion"
	OpRefund           = "refund"
	OpDataDisclosure   = "data_disclosure"
)

// DefaultTaxonomy returns the taxonomy of classification.md.
func DefaultTaxonomy() Taxonomy {
	in := func(id string) ScopeCategory { return ScopeCategory{ID: id, InScope: true, Article: "3"} }
	out := func(id string) ScopeCategory { return ScopeCategory{ID: id, InScope: false, Article: "6"} }
	c := func(id string, level int, arts ...string) ConductCategory {
		return ConductCategory{ID: id, Level: level, Articles: arts}
	}
	return Taxonomy{
		Scopes: []ScopeCategory{
			in(ScopeDomain), in(ScopeDNS), in(ScopeHosting), in(ScopeBilling),
			in(ScopeLegalNotice), in(ScopePanelAPI), in(ScopeAbuseReport),
			out(ScopeWebDevelopment), out(ScopeServerManagement), out(ScopeCustomDNS),
			out(ScopeContentRecovery), out(ScopeHackedSiteCleanup), out(ScopeThirdPartyConfig),
			out(ScopeLegalAdvice),
			{ID: ScopeOther, InScope: false},
		},
		Conduct: []ConductCategory{
			c(Disrespect, 1, "4.1", "7.1"),
			c(Pressure, 1, "4.4"),
			c(Insult, 2, "4.1", "7.2"),
			c(Profanity, 2, "7.2"),
			c(Aggression, 2, "7.2"),
			c(Threat, 2, "7.2"),
			c(Hate, 2, "4.1"),
			c(PhysicalThreat, 3, "7.3"),
			c(Blackmail, 3, "7.3"),
			c(UnlawfulRequest, 3, "7.3"),
			c(Fraud, 3, "7.3"),
			c(Harassment, 3, "7.3"),
		},
		Operations: []CriticalOperation{
			{ID: OpAuthCode}, {ID: OpRegistrantChange}, {ID: OpDNSChange}, {ID: OpAccountAccess},
			{ID: OpDeletion}, {ID: OpRefund}, {ID: OpDataDisclosure},
		},
	}
}

// Validate checks that every built-in identifier is present, identifiers
// are unique and well formed, and levels are 1 to 3.
func (t Taxonomy) Validate() error {
	def := DefaultTaxonomy()
	seen := map[string]bool{}
	for _, s := range t.Scopes {
		if err := checkID("scope", s.ID, seen); err != nil {
			return err
		}
	}
	for _, s := range def.Scopes {
		if !seen["scope:"+s.ID] {
			return fmt.Errorf("taxonomy: built-in scope %q is missing", s.ID)
		}
	}
	for _, c := range t.Conduct {
		if err := checkID("conduct", c.ID, seen); err != nil {
			return err
		}
		if c.Level < 1 || c.Level > 3 {
			return fmt.Errorf("taxonomy: conduct %q: level %d is not 1, 2 or 3", c.ID, c.Level)
		}
		if len(c.Articles) == 0 {
			return fmt.Errorf("taxonomy: conduct %q has no article", c.ID)
		}
	}
	for _, c := range def.Conduct {
		if !seen["conduct:"+c.ID] {
			return fmt.Errorf("taxonomy: built-in conduct category %q is missing", c.ID)
		}
	}
	for _, o := range t.Operations {
		if err := checkID("operation", o.ID, seen); err != nil {
			return err
		}
	}
	for _, o := range def.Operations {
		if !seen["operation:"+o.ID] {
			return fmt.Errorf("taxonomy: built-in critical operation %q is missing", o.ID)
		}
	}
	return nil
}

func checkID(kind, id string, seen map[string]bool) error {
	if id == "" {
		return fmt.Errorf("taxonomy: a %s has no id", kind)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return fmt.Errorf("taxonomy: %s id %q: use lower-case letters, digits and '_'", kind, id)
		}
	}
	k := kind + ":" + id
	if seen[k] {
		return fmt.Errorf("taxonomy: %s %q is listed twice", kind, id)
	}
	seen[k] = true
	return nil
}

// scope returns the scope category with id.
func (t *Taxonomy) scope(id string) (ScopeCategory, bool) {
	for _, s := range t.Scopes {
		if s.ID == id {
			return s, true
		}
	}
	return ScopeCategory{}, false
}

// conduct returns the conduct category with id.
func (t *Taxonomy) conduct(id string) (ConductCategory, bool) {
	for _, c := range t.Conduct {
		if c.ID == id {
			return c, true
		}
	}
	return ConductCategory{}, false
}

// String lists the identifiers, for error messages and debugging.
func (t Taxonomy) String() string {
	var b strings.Builder
	for i, s := range t.Scopes {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(s.ID)
	}
	return b.String()
}
