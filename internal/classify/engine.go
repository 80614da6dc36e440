// Package classify is destek's message classifier: for every inbound
// customer message it answers the three questions of classification.md —
// the scope of the request, the conduct violations with their sanction
// level, and the critical operation asked for — and says, for every
// finding, which rule or model feature fired and where in the text.
//
// It combines word lists (internal/classify/data, matched by package
// lexicon on text normalised by package normalize, so disguised swear words
// are found and words that merely contain one are not) with rules that read
// the grammar of a request (who is asked to act, on what, under which
// threat) and with a statistical model (package model) trained on
// OffensEval-TR and ConvAbuse that backs the profanity and insult decisions.
//
// An Engine is built once (New or Default), holds no mutable state and is
// safe for concurrent use; Classify does no I/O.
package classify

import (
	_ "embed"
	"fmt"
	"sync"

	"destek/internal/classify/lexicon"
	"destek/internal/classify/model"
	"destek/internal/classify/normalize"
)

var (
	//go:embed data/conduct.txt
	conductList string
	//go:embed data/cues.txt
	cueList string
	//go:embed data/scope.txt
	scopeList string
	//go:embed models/offensive-tr.bin.gz
	modelTR []byte
	//go:embed models/abuse-en.bin.gz
	modelEN []byte
)

// Result is the classification of one message, in the shape of the
// `destek classify` contract (classification.md).
type Result struct {
	// Language is "tr" or "en".
	Language string `json:"language"`
	// Scope is the main request's category.
	Scope Scope `json:"scope"`
	// Violations are the conduct findings, highest level first; never nil.
	Violations []Violation `json:"violations"`
	// Level is the highest violation level, 0 when there is none.
	Level int `json:"level"`
	// CriticalOperation is the operation asked for, or nil.
	CriticalOperation *string `json:"critical_operation"`
	// Operation explains the critical operation finding, when there is one.
	Operation *Finding `json:"critical_operation_detail,omitempty"`
}

// Scope is the scope decision.
type Scope struct {
	Category   string  `json:"category"`
	InScope    bool    `json:"in_scope"`
	Confidence float64 `json:"confidence"`
	// Rule names the strongest cue that decided the category.
	Rule string `json:"rule,omitempty"`
}

// Violation is one conduct finding.
type Violation struct {
	Category string `json:"category"`
	Level    int    `json:"level"`
	// Article is the policy article that sets the sanction; Articles all
	// articles of the category.
	Article  string   `json:"article"`
	Articles []string `json:"articles,omitempty"`
	// Evidence is the matched span exactly as written; Start and End are
	// its byte offsets in the text.
	Evidence   string  `json:"evidence"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Confidence float64 `json:"confidence"`
	// Rule names the rule or model feature that fired, e.g.
	// "profanity.lexicon:amk" or "model.offensive-tr".
	Rule string `json:"rule"`
}

// Finding explains a critical-operation decision.
type Finding struct {
	Rule       string  `json:"rule"`
	Evidence   string  `json:"evidence"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Confidence float64 `json:"confidence"`
}

// Engine classifies messages. It is immutable and safe for concurrent use.
type Engine struct {
	tax     Taxonomy
	conduct *lexicon.Lexicon // key mode: swear words, insults, slurs, slang
	cues    *lexicon.Lexicon // fold mode: operations, threats, fraud …
	scope   *lexicon.Lexicon // the same lexicon, seen for its topic tags
	tags    tagIDs
	models  map[string]*model.Model
	// thresholds for the models inside the engine (support messages need
	// more certainty than the data sets they were tuned on).
	modelThreshold map[string]float64
	pool           sync.Pool
}

// scratch holds per-call buffers.
type scratch struct {
	hits, topic []lexicon.Hit
	feats       []model.Feature
}

// New builds an engine for a taxonomy. The word lists and models are
// embedded; the taxonomy adds categories, levels, articles and extra terms.
func New(tax Taxonomy) (*Engine, error) {
	if err := tax.Validate(); err != nil {
		return nil, err
	}
	e := &Engine{tax: tax, models: map[string]*model.Model{}}
	var err error
	if e.conduct, err = lexicon.Parse("conduct.txt", conductList, lexicon.Key); err != nil {
		return nil, err
	}
	if e.cues, err = lexicon.Parse("cues.txt", cueList, lexicon.Fold); err != nil {
		return nil, err
	}
	// Topic cues live in the same lexicon as the other cues, so one walk
	// over the text finds both; their tags start with "scope.".
	if err := e.cues.AddList("scope.txt", scopeList); err != nil {
		return nil, err
	}
	e.scope = e.cues
	for _, s := range tax.Scopes {
		for _, c := range s.Cues {
			if err := e.scope.Add("scope."+s.ID, c); err != nil {
				return nil, fmt.Errorf("scope %s cue %q: %w", s.ID, c, err)
			}
		}
	}
	for _, c := range tax.Conduct {
		for _, t := range c.Terms {
			if err := e.conduct.Add("term."+c.ID, t); err != nil {
				return nil, fmt.Errorf("conduct %s term %q: %w", c.ID, t, err)
			}
		}
	}
	for _, o := range tax.Operations {
		for _, c := range o.Cues {
			if err := e.cues.Add("op."+o.ID, c); err != nil {
				return nil, fmt.Errorf("operation %s cue %q: %w", o.ID, c, err)
			}
		}
	}
	e.tags = resolveTags(e)
	models, err := loadModels()
	if err != nil {
		return nil, err
	}
	e.models = models
	e.modelThreshold = map[string]float64{
		"tr": modelThresholdTR, "en": modelThresholdEN,
		"tr-other": modelThresholdTRNoRequest, "en-other": modelThresholdENNoRequest,
	}
	e.pool.New = func() any { return &scratch{} }
	return e, nil
}

// The embedded models do not depend on the taxonomy: every engine shares
// one read-only copy.
var loadModels = sync.OnceValues(func() (map[string]*model.Model, error) {
	ms := map[string]*model.Model{}
	for lang, data := range map[string][]byte{"tr": modelTR, "en": modelEN} {
		m, err := model.Read(data)
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", lang, err)
		}
		ms[lang] = m
	}
	return ms, nil
})

var (
	defaultOnce   sync.Once
	defaultEngine *Engine
	defaultErr    error
)

// Default returns the engine for DefaultTaxonomy, built once. It panics
// only if the embedded word lists or models are broken, which the tests
// of this package rule out.
func Default() *Engine {
	defaultOnce.Do(func() {
		defaultEngine, defaultErr = New(DefaultTaxonomy())
	})
	if defaultErr != nil {
		panic("classify: " + defaultErr.Error())
	}
	return defaultEngine
}

// Taxonomy returns the engine's taxonomy.
func (e *Engine) Taxonomy() Taxonomy { return e.tax }

// Classify classifies one message.
func (e *Engine) Classify(text string) Result {
	sc := e.pool.Get().(*scratch)
	defer e.pool.Put(sc)
	a := e.analyse(text, sc)
	return a.result()
}

// Probability returns the statistical model's probability that text is
// offensive (Turkish) or abusive (English), for evaluation and tuning.
func (e *Engine) Probability(text string) float64 {
	t := normalize.New(text)
	lang := detectLanguage(t)
	m := e.models[lang]
	return model.Sigmoid(m.Logit(m.Features(t, nil)))
}

// WithModels returns a copy of e that uses other statistical models (nil
// keeps the current one): the evaluation command tunes the engine with
// models trained without the held-out data.
func (e *Engine) WithModels(tr, en *model.Model) *Engine {
	c := e.WithModelThreshold("tr", e.modelThreshold["tr"])
	c.models = map[string]*model.Model{"tr": e.models["tr"], "en": e.models["en"]}
	if tr != nil {
		c.models["tr"] = tr
	}
	if en != nil {
		c.models["en"] = en
	}
	return c
}

// WithModelThreshold returns a copy of e whose statistical model for lang
// ("tr" or "en") reports a finding on its own from probability p up in
// messages that ask support for something; "tr-other" and "en-other" set
// the thresholds for messages that ask for nothing. The
// evaluation command uses it to tune the thresholds.
func (e *Engine) WithModelThreshold(lang string, p float64) *Engine {
	c := &Engine{
		tax: e.tax, conduct: e.conduct, cues: e.cues, scope: e.scope, tags: e.tags,
		models: e.models, modelThreshold: map[string]float64{},
	}
	for k, v := range e.modelThreshold {
		c.modelThreshold[k] = v
	}
	c.modelThreshold[lang] = p
	c.pool.New = func() any { return &scratch{} }
	return c
}
