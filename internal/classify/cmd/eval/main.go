// Command eval measures the classifier and prints the figures reported in
// internal/classify/README.md:
//
//	go run ./internal/classify/cmd/eval            # all sets
//	go run ./internal/classify/cmd/eval -v         # and every mistake
//	go run ./internal/classify/cmd/eval -tune      # model threshold sweep
//
// Support sets: the shared dev.jsonl and the package's own hand-written
// internal/classify/testdata/extra.jsonl. OffensEval-TR: the official test
// set, macro-F1 with any conduct violation counted as OFF. ConvAbuse: F1 of
// the abusive class on the test split. -tune sweeps the engine's model
// thresholds on the held-out tenth of the OffensEval training file and on
// the ConvAbuse valid split (never on a test set), showing how many clean
// support messages each threshold would flag.
package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"

	"destek/internal/classify"
	"destek/internal/classify/dataset"
	"destek/internal/classify/evaluate"
	"destek/internal/classify/model"
)

func main() {
	dev := flag.String("dev", "/work/shared/eval/dev.jsonl", "labelled support messages (shared dev set)")
	extra := flag.String("extra", "internal/classify/testdata/extra.jsonl", "the package's own labelled support messages")
	off := flag.String("offenseval", "/work/shared/eval/offenseval-tr", "OffensEval-TR directory")
	conv := flag.String("convabuse", "/work/shared/eval/convabuse", "ConvAbuse directory")
	verbose := flag.Bool("v", false, "list every mistake on the support sets")
	tune := flag.Bool("tune", false, "sweep the model thresholds on held-out training data")
	only := flag.String("only", "", "run only one of: support, offenseval, convabuse")
	models := flag.String("models", "", "directory with models to use instead of the embedded ones (see cmd/train -split-out)")
	explain := flag.String("explain", "", "explain the classification of one text and exit")
	flag.Parse()
	if *explain != "" {
		classify.Default().Explain(os.Stdout, *explain)
		return
	}
	e := classify.Default()
	if *models != "" {
		var err error
		if e, err = withModels(e, *models); err != nil {
			fmt.Fprintln(os.Stderr, "eval:", err)
			os.Exit(1)
		}
	}
	if err := run(e, *dev, *extra, *off, *conv, *verbose, *tune, *only); err != nil {
		fmt.Fprintln(os.Stderr, "eval:", err)
		os.Exit(1)
	}
}

// withModels loads offensive-tr.bin.gz and abuse-en.bin.gz from dir.
func withModels(e *classify.Engine, dir string) (*classify.Engine, error) {
	var ms [2]*model.Model
	for i, name := range []string{"offensive-tr.bin.gz", "abuse-en.bin.gz"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if ms[i], err = model.Read(data); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return e.WithModels(ms[0], ms[1]), nil
}

func run(e *classify.Engine, devPath, extraPath, offDir, convDir string, verbose, tune bool, only string) error {
	var support []dataset.Support
	for _, p := range []string{devPath, extraPath} {
		if p == "" {
			continue
		}
		set, err := dataset.ReadSupport(p)
		if err != nil {
			return err
		}
		support = append(support, set...)
		if !tune && (only == "" || only == "support") {
			evaluate.RunSupport(e, set).Print(os.Stdout, p, verbose)
		}
	}
	if tune {
		return sweep(e, support, offDir, convDir)
	}
	if only == "" || only == "offenseval" {
		test, err := dataset.OffensEvalTest(offDir)
		if err != nil {
			return err
		}
		evaluate.RunBinary(e, test).Print(os.Stdout, "OffensEval-TR official test (OFF = any violation)")
	}
	if only == "" || only == "convabuse" {
		test, err := dataset.ConvAbuse(filepath.Join(convDir, dataset.ConvAbuseTestFile))
		if err != nil {
			return err
		}
		evaluate.RunBinary(e, test).Print(os.Stdout, "ConvAbuse test (abusive = any violation)")
	}
	return nil
}

// sweep prints, per threshold, the held-out figure and the clean support
// messages flagged.
func sweep(e *classify.Engine, support []dataset.Support, offDir, convDir string) error {
	train, err := dataset.OffensEvalTrain(offDir)
	if err != nil {
		return err
	}
	var held []dataset.Binary
	for _, b := range train {
		h := fnv.New32a()
		h.Write([]byte(b.ID))
		if h.Sum32()%10 == 0 {
			held = append(held, b)
		}
	}
	valid, err := dataset.ConvAbuse(filepath.Join(convDir, dataset.ConvAbuseValidFile))
	if err != nil {
		return err
	}
	var clean []dataset.Support
	for _, m := range support {
		if len(m.Violations) == 0 {
			clean = append(clean, m)
		}
	}
	show := func(what string, th float64, et *classify.Engine) {
		o := evaluate.RunBinary(et, held)
		c := evaluate.RunBinary(et, valid)
		flagged := 0
		for _, m := range clean {
			if len(et.Classify(m.Text).Violations) > 0 {
				flagged++
			}
		}
		fmt.Printf("%s %.2f  offenseval held-out macro-F1 %.4f  convabuse valid F1 %.4f  clean support flagged %d/%d\n",
			what, th, o.MacroF1, c.F1, flagged, len(clean))
	}
	ths := []float64{0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01}
	fmt.Println("messages that ask for nothing (scope other):")
	for _, th := range ths {
		show("threshold", th, e.WithModelThreshold("tr-other", th).WithModelThreshold("en-other", th))
	}
	fmt.Println("messages with a support request:")
	for _, th := range ths {
		show("threshold", th, e.WithModelThreshold("tr", th).WithModelThreshold("en", th))
	}
	return nil
}
