// Command train fits the statistical models of the classifier and writes
// them to internal/classify/models, where they are embedded into the binary.
//
//	go run ./internal/classify/cmd/train \
//	    -offenseval /work/shared/eval/offenseval-tr \
//	    -convabuse /work/shared/eval/convabuse
//
// Turkish: the model learns from the OffensEval-TR training file only. One
// tenth of it (chosen by a hash of the tweet id, so the split is stable) is
// held out: a model trained on the other nine tenths is scored on it to
// choose the decision threshold and report a held-out figure; the shipped
// model is then trained on the whole file with the same settings.
// English: the same with the ConvAbuse train split, the valid split taking
// the held-out role. Neither looks at a test set. Training is deterministic:
// the same data and flags give byte-identical weight files.
package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"time"

	"destek/internal/classify/dataset"
	"destek/internal/classify/model"
	"destek/internal/classify/normalize"
)

func main() {
	off := flag.String("offenseval", "/work/shared/eval/offenseval-tr", "OffensEval-TR directory")
	conv := flag.String("convabuse", "/work/shared/eval/convabuse", "ConvAbuse directory")
	out := flag.String("out", "internal/classify/models", "output directory")
	bits := flag.Int("bits", int(model.DefaultConfig.Bits), "log2 of hash buckets")
	cmin := flag.Int("charmin", int(model.DefaultConfig.CharMin), "shortest character n-gram")
	cmax := flag.Int("charmax", int(model.DefaultConfig.CharMax), "longest character n-gram")
	epochs := flag.Int("epochs", model.DefaultTrainOptions.Epochs, "training epochs")
	rate := flag.Float64("rate", model.DefaultTrainOptions.Rate, "AdaGrad learning rate")
	l2 := flag.Float64("l2", model.DefaultTrainOptions.L2, "L2 weight decay")
	pos := flag.Float64("pos", model.DefaultTrainOptions.PosWeight, "weight of positive examples")
	dry := flag.Bool("n", false, "report held-out figures only; write nothing")
	split := flag.String("split-out", "", "also write the models trained without the held-out data here (for cmd/eval -tune -models)")
	flag.Parse()
	cfg := model.DefaultConfig
	cfg.Bits = uint8(*bits)
	cfg.CharMin, cfg.CharMax = uint8(*cmin), uint8(*cmax)
	opt := model.DefaultTrainOptions
	opt.Epochs, opt.Rate, opt.L2, opt.PosWeight = *epochs, *rate, *l2, *pos
	splitDir = *split
	if err := run(*off, *conv, *out, cfg, opt, *dry); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(offDir, convDir, outDir string, cfg model.Config, opt model.TrainOptions, dry bool) error {
	start := time.Now()
	all, err := dataset.OffensEvalTrain(offDir)
	if err != nil {
		return err
	}
	var train, held []dataset.Binary
	for _, b := range all {
		if HeldOut(b.ID) {
			held = append(held, b)
		} else {
			train = append(train, b)
		}
	}
	fmt.Printf("offenseval-tr: %d tweets, %d of them held out\n", len(all), len(held))
	tr := fit("offensive-tr", train, held, cfg, opt, dry)
	ctrain, err := dataset.ConvAbuse(filepath.Join(convDir, dataset.ConvAbuseTrainFile))
	if err != nil {
		return err
	}
	cvalid, err := dataset.ConvAbuse(filepath.Join(convDir, dataset.ConvAbuseValidFile))
	if err != nil {
		return err
	}
	fmt.Printf("convabuse: %d train, %d valid (held out)\n", len(ctrain), len(cvalid))
	en := fit("abuse-en", ctrain, cvalid, cfg, opt, dry)
	fmt.Printf("trained in %s\n", time.Since(start).Round(time.Millisecond))
	if dry {
		return nil
	}
	if err := write(outDir, tr, en); err != nil {
		return err
	}
	if splitDir != "" {
		return write(splitDir, splitModels["offensive-tr"], splitModels["abuse-en"])
	}
	return nil
}

// splitDir is the -split-out flag; splitModels the models trained without
// the held-out data.
var (
	splitDir    string
	splitModels = map[string]*model.Model{}
)

func write(dir string, tr, en *model.Model) error {
	for _, x := range []struct {
		name string
		m    *model.Model
	}{{"offensive-tr.bin.gz", tr}, {"abuse-en.bin.gz", en}} {
		path := filepath.Join(dir, x.name)
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := x.m.Write(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		fmt.Printf("wrote %s (%d bytes)\n", path, st.Size())
	}
	return nil
}

// HeldOut puts one tweet in ten into the held-out split, by id. The
// evaluation command uses the same split to tune the engine.
func HeldOut(id string) bool {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()%10 == 0
}

func examples(cfg model.Config, set []dataset.Binary) []model.Example {
	ex := make([]model.Example, len(set))
	for i, b := range set {
		ex[i] = model.Example{Features: cfg.Features(normalize.New(b.Text), nil), Label: b.Label}
	}
	return ex
}

// fit trains on train, picks the threshold on held, and (unless dry)
// retrains on both for the shipped model.
func fit(name string, train, held []dataset.Binary, cfg model.Config, opt model.TrainOptions, dry bool) *model.Model {
	tex, hex := examples(cfg, train), examples(cfg, held)
	t := model.NewTrainer(cfg)
	t.Fit(tex, opt)
	m := t.Quantize()
	probs := make([]float64, len(hex))
	labels := make([]bool, len(hex))
	for i, e := range hex {
		probs[i] = model.Sigmoid(m.Logit(e.Features))
		labels[i] = e.Label
	}
	th, f := model.BestThreshold(probs, labels)
	fmt.Printf("%s: held-out macro-F1 %.4f at threshold %.2f\n", name, f, th)
	m.Threshold = float32(th)
	splitModels[name] = m
	if dry {
		return m
	}
	full := model.NewTrainer(cfg)
	full.Fit(append(tex, hex...), opt)
	m = full.Quantize()
	m.Threshold = float32(th)
	return m
}
