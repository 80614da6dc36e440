// Package evaluate measures the classifier on labelled sets: the support
// messages of classification.md's schema, OffensEval-TR and ConvAbuse.
package evaluate

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"destek/internal/classify"
	"destek/internal/classify/dataset"
)

// Support holds the figures for a set of labelled support messages.
type Support struct {
	N int
	// ScopeAccuracy is the share of messages whose scope is right.
	ScopeAccuracy float64
	// ViolationF1 is the F1 of "has a violation" against "has none".
	ViolationF1, ViolationPrecision, ViolationRecall float64
	// LevelAccuracy is the share of messages whose level is exactly right.
	LevelAccuracy float64
	// OpF1 is the micro F1 over critical operations (null is not a class).
	OpF1, OpPrecision, OpRecall float64
	// CleanFlagged counts messages labelled clean that got a violation.
	CleanFlagged int
	// Errors describes every message with a mistake.
	Errors []string
}

// RunSupport classifies every message and compares with its labels.
func RunSupport(e *classify.Engine, set []dataset.Support) Support {
	var r Support
	r.N = len(set)
	var scopeOK, levelOK int
	var vtp, vfp, vfn float64
	var otp, ofp, ofn float64
	for _, m := range set {
		res := e.Classify(m.Text)
		var errs []string
		if res.Scope.Category == m.Scope {
			scopeOK++
		} else {
			errs = append(errs, fmt.Sprintf("scope %s want %s (%s)", res.Scope.Category, m.Scope, res.Scope.Rule))
		}
		if res.Level == m.Level {
			levelOK++
		} else {
			errs = append(errs, fmt.Sprintf("level %d want %d", res.Level, m.Level))
		}
		gotV, wantV := len(res.Violations) > 0, len(m.Violations) > 0
		switch {
		case gotV && wantV:
			vtp++
		case gotV && !wantV:
			vfp++
			r.CleanFlagged++
		case !gotV && wantV:
			vfn++
		}
		got := cats(res)
		want := append([]string(nil), m.Violations...)
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			var why []string
			for _, v := range res.Violations {
				why = append(why, fmt.Sprintf("%s[%s %q]", v.Category, v.Rule, v.Evidence))
			}
			errs = append(errs, fmt.Sprintf("violations %v want %v %s", got, want, strings.Join(why, " ")))
		}
		gop := ""
		if res.CriticalOperation != nil {
			gop = *res.CriticalOperation
		}
		wop := m.Op()
		switch {
		case gop == wop && wop != "":
			otp++
		case gop != wop:
			if gop != "" {
				ofp++
			}
			if wop != "" {
				ofn++
			}
			rule := ""
			if res.Operation != nil {
				rule = res.Operation.Rule
			}
			errs = append(errs, fmt.Sprintf("op %q want %q %s", gop, wop, rule))
		}
		if len(errs) > 0 {
			r.Errors = append(r.Errors, fmt.Sprintf("%s: %s\n    %s", m.ID, strings.Join(errs, "; "), oneLine(m.Text)))
		}
	}
	n := float64(max(r.N, 1))
	r.ScopeAccuracy = float64(scopeOK) / n
	r.LevelAccuracy = float64(levelOK) / n
	r.ViolationPrecision, r.ViolationRecall, r.ViolationF1 = prf(vtp, vfp, vfn)
	r.OpPrecision, r.OpRecall, r.OpF1 = prf(otp, ofp, ofn)
	return r
}

func cats(r classify.Result) []string {
	var out []string
	for _, v := range r.Violations {
		out = append(out, v.Category)
	}
	sort.Strings(out)
	return out
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 220 {
		s = s[:220] + "…"
	}
	return s
}

func prf(tp, fp, fn float64) (p, r, f float64) {
	if tp+fp > 0 {
		p = tp / (tp + fp)
	}
	if tp+fn > 0 {
		r = tp / (tp + fn)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return
}

// Print writes the figures of a support set.
func (r Support) Print(w io.Writer, name string, verbose bool) {
	fmt.Fprintf(w, "%s (%d messages)\n", name, r.N)
	fmt.Fprintf(w, "  scope accuracy           %.3f\n", r.ScopeAccuracy)
	fmt.Fprintf(w, "  violation F1             %.3f  (precision %.3f, recall %.3f)\n", r.ViolationF1, r.ViolationPrecision, r.ViolationRecall)
	fmt.Fprintf(w, "  exact level accuracy     %.3f\n", r.LevelAccuracy)
	fmt.Fprintf(w, "  critical-operation F1    %.3f  (precision %.3f, recall %.3f)\n", r.OpF1, r.OpPrecision, r.OpRecall)
	fmt.Fprintf(w, "  clean messages flagged   %d\n", r.CleanFlagged)
	if verbose {
		for _, e := range r.Errors {
			fmt.Fprintln(w, "  -", e)
		}
	}
}

// Binary holds figures for a yes/no set (offensive, abusive).
type Binary struct {
	N                 int
	TP, FP, FN, TN    int
	Precision, Recall float64
	F1                float64 // of the positive class
	MacroF1           float64 // mean of both classes' F1
}

// RunBinary counts a text as positive when the engine reports any
// violation.
func RunBinary(e *classify.Engine, set []dataset.Binary) Binary {
	var b Binary
	b.N = len(set)
	for _, x := range set {
		got := len(e.Classify(x.Text).Violations) > 0
		switch {
		case got && x.Label:
			b.TP++
		case got && !x.Label:
			b.FP++
		case !got && x.Label:
			b.FN++
		default:
			b.TN++
		}
	}
	b.finish()
	return b
}

func (b *Binary) finish() {
	b.Precision, b.Recall, b.F1 = prf(float64(b.TP), float64(b.FP), float64(b.FN))
	_, _, negF1 := prf(float64(b.TN), float64(b.FN), float64(b.FP))
	b.MacroF1 = (b.F1 + negF1) / 2
}

// Print writes the figures of a binary set.
func (b Binary) Print(w io.Writer, name string) {
	fmt.Fprintf(w, "%s (%d texts)\n", name, b.N)
	fmt.Fprintf(w, "  macro-F1 %.4f   positive-class F1 %.4f (precision %.3f, recall %.3f)   tp=%d fp=%d fn=%d tn=%d\n",
		b.MacroF1, b.F1, b.Precision, b.Recall, b.TP, b.FP, b.FN, b.TN)
}
