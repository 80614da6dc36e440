package classify

import (
	"fmt"
	"hash/fnv"
	"os"
	"testing"

	"destek/internal/classify/dataset"
)

func TestZZAnalysis(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	train, _ := dataset.OffensEvalTrain("/work/shared/eval/offenseval-tr")
	e := Default()
	n := 0
	for _, b := range train {
		h := fnv.New32a()
		h.Write([]byte(b.ID))
		if h.Sum32()%10 != 0 {
			continue
		}
		r := e.Classify(b.Text)
		p := e.Probability(b.Text)
		got := len(r.Violations) > 0
		if got != b.Label && n < 400 {
			n++
			rule := ""
			if got {
				rule = r.Violations[0].Rule + " " + r.Violations[0].Evidence
			}
			fmt.Printf("%v p=%.2f %s | %s\n", b.Label, p, rule, b.Text)
		}
	}
}
