package classify

import (
	"fmt"
	"io"
)

// Explain writes how text is classified: its tokens, every word-list hit,
// the mood of each sentence and the model's probability. It is meant for
// people tuning the word lists (see cmd/eval -explain).
func (e *Engine) Explain(w io.Writer, text string) {
	sc := &scratch{}
	a := e.analyse(text, sc)
	a.score()
	fmt.Fprintf(w, "language %s, model p=%.3f (thresholds %.2f with a request, %.2f without)\n",
		a.lang, a.prob, e.modelThreshold[a.lang], e.modelThreshold[a.lang+"-other"])
	for i, t := range a.t.Tokens {
		fmt.Fprintf(w, "  tok %2d s%d %q fold=%q key=%q flags=%b\n", i, t.Sentence, text[t.Start:t.End], t.Fold, t.Key, t.Flags)
	}
	for i, s := range a.sents {
		fmt.Fprintf(w, "  sentence %d [%d,%d) strong=%v weak=%v want=%v self=%v howto=%v receive=%v neg=%v demand=%v addressed=%v question=%v\n",
			i, s.start, s.end, s.strong, s.weak, s.want, s.self, s.howto, s.receive, s.neg, s.demand, s.addressed, s.question)
	}
	for _, h := range a.conHits {
		_, _, ev := a.span(h.Start, h.End)
		fmt.Fprintf(w, "  conduct %-14s %-28q %q\n", e.conduct.Tags[h.Tag], e.conduct.Entries[h.Entry].Source, ev)
	}
	for _, h := range a.cueHits {
		_, _, ev := a.span(h.Start, h.End)
		fmt.Fprintf(w, "  cue     %-14s %-28q %q w=%.1f\n", e.cues.Tags[h.Tag], e.cues.Entries[h.Entry].Source, ev, h.Weight)
	}
	for _, h := range a.scoHits {
		_, _, ev := a.span(h.Start, h.End)
		fmt.Fprintf(w, "  scope   %-14s %-28q %q w=%.1f\n", e.scope.Tags[h.Tag], e.scope.Entries[h.Entry].Source, ev, h.Weight)
	}
	fmt.Fprintf(w, "  scope scores %v\n", a.scores)
	r := a.result()
	op := "null"
	if r.CriticalOperation != nil {
		op = *r.CriticalOperation
	}
	fmt.Fprintf(w, "=> scope %s (%.2f, %s) level %d op %s\n", r.Scope.Category, r.Scope.Confidence, r.Scope.Rule, r.Level, op)
	for _, v := range r.Violations {
		fmt.Fprintf(w, "   %s L%d %s %q %.2f\n", v.Category, v.Level, v.Rule, v.Evidence, v.Confidence)
	}
}
