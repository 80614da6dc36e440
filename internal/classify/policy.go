package classify

import (
	"sort"

	"destek/internal/policy"
)

// TaxonomyFromPolicy builds the taxonomy of a policy document: its scope
// and conduct categories with their levels and articles, and its critical
// operations. Categories the document adds beyond classification.md come
// after the built-in ones, in id order; they have no word lists of their
// own until the document gives them some. Validate (or New) rejects a
// document that lacks a built-in category.
func TaxonomyFromPolicy(doc *policy.Document) Taxonomy {
	def := DefaultTaxonomy()
	var t Taxonomy
	builtin := map[string]bool{}
	for _, s := range def.Scopes {
		builtin[s.ID] = true
		if c, ok := doc.Scope.Categories[s.ID]; ok {
			s.InScope, s.Article = c.InScope, c.Article
			t.Scopes = append(t.Scopes, s)
		}
	}
	for _, id := range sortedKeys(doc.Scope.Categories) {
		if !builtin[id] {
			c := doc.Scope.Categories[id]
			t.Scopes = append(t.Scopes, ScopeCategory{ID: id, InScope: c.InScope, Article: c.Article})
		}
	}
	clear(builtin)
	for _, c := range def.Conduct {
		builtin[c.ID] = true
		if p, ok := doc.Conduct.Categories[c.ID]; ok {
			c.Level = p.Level
			c.Articles = withLast(c.Articles, p.Article)
			t.Conduct = append(t.Conduct, c)
		}
	}
	for _, id := range sortedKeys(doc.Conduct.Categories) {
		if !builtin[id] {
			p := doc.Conduct.Categories[id]
			t.Conduct = append(t.Conduct, ConductCategory{ID: id, Level: p.Level, Articles: withLast(nil, p.Article)})
		}
	}
	clear(builtin)
	for _, o := range def.Operations {
		builtin[o.ID] = true
		if _, ok := doc.CriticalOperations[o.ID]; ok {
			t.Operations = append(t.Operations, o)
		}
	}
	for _, id := range sortedKeys(doc.CriticalOperations) {
		if !builtin[id] {
			t.Operations = append(t.Operations, CriticalOperation{ID: id})
		}
	}
	return t
}

// withLast returns arts with art as its last element (the article a
// finding cites), keeping the others in order.
func withLast(arts []string, art string) []string {
	if art == "" {
		return append([]string(nil), arts...)
	}
	out := make([]string, 0, len(arts)+1)
	for _, a := range arts {
		if a != art {
			out = append(out, a)
		}
	}
	return append(out, art)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
