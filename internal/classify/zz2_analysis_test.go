package classify

import (
	"fmt"
	"os"
	"sort"
	"testing"

	"destek/internal/classify/dataset"
)

func TestZZClean(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	var all []dataset.Support
	for _, p := range []string{"/work/shared/eval/dev.jsonl", "testdata/extra.jsonl"} {
		s, _ := dataset.ReadSupport(p)
		all = append(all, s...)
	}
	e := Default()
	type row struct {
		p    float64
		s    string
		viol int
	}
	var rows []row
	for _, m := range all {
		if m.Scope != "other" {
			continue
		}
		rows = append(rows, row{e.Probability(m.Text), m.ID + " " + m.Text, len(m.Violations)})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].p > rows[j].p })
	for _, r := range rows {
		s := r.s
		if len(s) > 150 {
			s = s[:150]
		}
		fmt.Printf("%.2f v=%d %s\n", r.p, r.viol, s)
	}
}
