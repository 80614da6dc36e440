// Package intake is the one policy path every inbound customer message
// takes, whatever the channel: the policy in force classifies it (scope,
// conduct, critical operation), the verdict is stored with the message, the
// ticket is routed to the queue the policy names, and out-of-scope requests
// get the policy's answer and, when the customer accepts, a professional
// services request (articles 3, 5.4 and 6). Channels and the API call Desk;
// nothing else writes inbound messages.
package intake

import (
	"fmt"
	"sync"

	"destek/internal/classify"
	"destek/internal/desk"
	"destek/internal/policy"
)

// Judge classifies messages under the policy in force. It builds one
// classification engine per policy version and keeps it.
type Judge struct {
	policy *policy.Keeper

	mu      sync.Mutex
	version int
	engine  *classify.Engine
}

// NewJudge returns a judge that follows the keeper's policy.
func NewJudge(k *policy.Keeper) *Judge { return &Judge{policy: k, version: -1} }

// Verdict is the judgement of one message.
type Verdict struct {
	Classification desk.Classification
	// Policy is the policy that judged.
	Policy *policy.InForce
	// Queue is where the policy routes the message's scope category.
	Queue string
}

// OutOfScope reports whether the verdict is a request outside standard
// support (not merely a message with no request at all).
func (v Verdict) OutOfScope() bool {
	c := v.Classification.Scope
	return !c.InScope && c.Category != "other" && c.Category != ""
}

// engineFor returns the engine of the policy version, building it on the
// first message judged under that version.
func (j *Judge) engineFor(cur *policy.InForce) (*classify.Engine, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.engine != nil && j.version == cur.Version {
		return j.engine, nil
	}
	e, err := classify.New(classify.TaxonomyFromPolicy(cur.Doc))
	if err != nil {
		return nil, fmt.Errorf("build the classifier for policy version %d: %w", cur.Version, err)
	}
	j.engine, j.version = e, cur.Version
	return e, nil
}

// Judge classifies text under the policy in force now.
func (j *Judge) Judge(text string) (Verdict, error) {
	cur := j.policy.Current()
	e, err := j.engineFor(cur)
	if err != nil {
		return Verdict{}, err
	}
	r := e.Classify(text)
	c := desk.Classification{
		PolicyVersion: cur.Version,
		Language:      r.Language,
		Scope: desk.ScopeVerdict{Category: r.Scope.Category, InScope: r.Scope.InScope,
			Confidence: r.Scope.Confidence, Rule: r.Scope.Rule},
		Violations:        make([]desk.Violation, len(r.Violations)),
		Level:             r.Level,
		CriticalOperation: r.CriticalOperation,
	}
	for i, v := range r.Violations {
		c.Violations[i] = desk.Violation{Category: v.Category, Level: v.Level, Article: v.Article,
			Evidence: v.Evidence, Start: v.Start, End: v.End, Confidence: v.Confidence, Rule: v.Rule}
	}
	queue := desk.QueueSupport
	if sc, ok := cur.Doc.Scope.Categories[c.Scope.Category]; ok && sc.Queue != "" {
		queue = sc.Queue
	}
	return Verdict{Classification: c, Policy: cur, Queue: queue}, nil
}
