package classify

import (
	"fmt"
	"hash/fnv"
	"os"
	"testing"

	"destek/internal/classify/dataset"
)

func TestZZScopes(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	train, _ := dataset.OffensEvalTrain("/work/shared/eval/offenseval-tr")
	e := Default()
	cnt := map[string][4]int{}
	for _, b := range train {
		h := fnv.New32a()
		h.Write([]byte(b.ID))
		if h.Sum32()%10 != 0 {
			continue
		}
		r := e.Classify(b.Text)
		p := e.Probability(b.Text)
		k := "other"
		if r.Scope.Category != "other" {
			k = "support"
		}
		c := cnt[k]
		i := 0
		if b.Label {
			i = 2
		}
		if p >= 0.5 && len(r.Violations) == 0 {
			i++
		}
		c[i]++
		cnt[k] = c
	}
	fmt.Println("NOT / NOT-p>=.5-missed / OFF / OFF-p>=.5-missed", cnt)
}
