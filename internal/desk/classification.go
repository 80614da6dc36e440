package desk

import (
	"context"
	"time"
)

// Classification is what the policy engine found in one inbound message:
// the fields of the `destek classify` contract, plus the policy version it
// was judged under. It is stored with the message and never recomputed, so
// a later policy does not rewrite what an earlier one decided.
type Classification struct {
	PolicyVersion     int          `json:"policy_version"`
	Language          string       `json:"language"`
	Scope             ScopeVerdict `json:"scope"`
	Violations        []Violation  `json:"violations"`
	Level             int          `json:"level"`
	CriticalOperation *string      `json:"critical_operation"`
}

// ScopeVerdict is the scope decision for a message (policy articles 3, 6).
type ScopeVerdict struct {
	Category   string  `json:"category"`
	InScope    bool    `json:"in_scope"`
	Confidence float64 `json:"confidence"`
	// Rule names the strongest cue that decided it.
	Rule string `json:"rule,omitempty"`
}

// Violation is one conduct finding: the category, its sanction level, the
// article broken, and the evidence exactly as written (bytes Start:End of
// the message text).
type Violation struct {
	Category   string  `json:"category"`
	Level      int     `json:"level"`
	Article    string  `json:"article"`
	Evidence   string  `json:"evidence"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Confidence float64 `json:"confidence"`
	// Rule names the rule or model feature that fired.
	Rule string `json:"rule"`
}

// ScopeCorrection records an agent's correction of a ticket's scope
// category. Corrections are training data for the classifier: each carries
// the text that was classified.
type ScopeCorrection struct {
	ID       int64     `json:"id"`
	TicketID int64     `json:"ticket_id"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Actor    Actor     `json:"actor"`
	At       time.Time `json:"at"`
	// Text is the ticket's first customer message, the text the category
	// was judged from.
	Text string `json:"text"`
}

// CorrectionStore reads the scope corrections UpdateTicket records.
type CorrectionStore interface {
	// ScopeCorrections lists corrections, newest first.
	ScopeCorrections(ctx context.Context, limit int, cursor string) ([]*ScopeCorrection, string, error)
}
