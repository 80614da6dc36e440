// Command train fits the statistical models of the classifier and writes
// them to internal/classify/models, where they are embedded into the binary.
//
//	go run ./internal/classify/cmd/train \
//	    -offenseval /work/shared/eval/offenseval-tr \
//	    -convabuse /work/shared/eval/convabuse
//
// The Turkish model learns from the OffensEval-TR training file only; one
// tenth of it (chosen by a hash of the tweet id, so the split is stable) is
// held out to choose the decision threshold. The English model learns from
// the ConvAbuse train split and takes its threshold from the valid split.
// Neither looks at a test set. Training is deterministic: the same data and
// flags give byte-identical weight files.
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
	epochs := flag.Int("epochs", model.DefaultTrainOptions.Epochs, "training epochs")
	rate := flag.Float64("rate", model.DefaultTrainOptions.Rate, "AdaGrad learning rate")
	l2 := flag.Float64("l2", model.DefaultTrainOptions.L2, "L2 weight decay")
	pos := flag.Float64("pos", model.DefaultTrainOptions.PosWeight, "weight of positive examples")
	cmin := flag.Int("charmin", int(model.DefaultConfig.CharMin), "shortest character n-gram")
	cmax := flag.Int("charmax", int(model.DefaultConfig.CharMax), "longest character n-gram")
	dry := flag.Bool("n", false, "report dev figures only; write nothing")
	flag.Parse()
	cfg := model.DefaultConfig
	cfg.Bits = uint8(*bits)
	cfg.CharMin, cfg.CharMax = uint8(*cmin), uint8(*cmax)
	opt := model.DefaultTrainOptions
	opt.Epochs, opt.Rate, opt.L2, opt.PosWeight = *epochs, *rate, *l2, *pos
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
	var train, dev []dataset.Binary
	for _, b := range all {
		if heldOut(b.ID) {
			dev = append(dev, b)
		} else {
			train = append(train, b)
		}
	}
	fmt.Printf("offenseval-tr: %d training tweets, %d held out for the threshold\n", len(train), len(dev))
	tr, err := fit("offensive-tr", train, dev, cfg, opt)
	if err != nil {
		return err
	}
	ctrain, err := dataset.ConvAbuse(filepath.Join(convDir, dataset.ConvAbuseTrainFile))
	if err != nil {
		return err
	}
	cvalid, err := dataset.ConvAbuse(filepath.Join(convDir, dataset.ConvAbuseValidFile))
	if err != nil {
		return err
	}
	fmt.Printf("convabuse: %d train, %d valid\n", len(ctrain), len(cvalid))
	en, err := fit("abuse-en", ctrain, cvalid, cfg, opt)
	if err != nil {
		return err
	}
	fmt.Printf("trained in %s\n", time.Since(start).Round(time.Millisecond))
	if dry {
		return nil
	}
	for name, m := range map[string]*model.Model{"offensive-tr.bin.gz": tr, "abuse-en.bin.gz": en} {
		path := filepath.Join(outDir, name)
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := m.Write(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		st, _ := os.Stat(path)
		fmt.Printf("wrote %s (%d bytes)\n", path, st.Size())
	}
	return nil
}

// heldOut puts one tweet in ten into the held-out split, by id.
func heldOut(id string) bool {
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

func fit(name string, train, dev []dataset.Binary, cfg model.Config, opt model.TrainOptions) (*model.Model, error) {
	tex, dex := examples(cfg, train), examples(cfg, dev)
	t := model.NewTrainer(cfg)
	t.Fit(tex, opt)
	m := t.Quantize()
	probs := make([]float64, len(dex))
	fprobs := make([]float64, len(dex))
	labels := make([]bool, len(dex))
	for i, e := range dex {
		probs[i] = model.Sigmoid(m.Logit(e.Features))
		fprobs[i] = model.Sigmoid(t.Logit(e.Features))
		labels[i] = e.Label
	}
	th, f := model.BestThreshold(probs, labels)
	_, ff := model.BestThreshold(fprobs, labels)
	m.Threshold = float32(th)
	nz := 0
	for _, w := range m.W {
		if w != 0 {
			nz++
		}
	}
	fmt.Printf("%s: held-out macro-F1 %.4f at threshold %.2f (full precision %.4f); %d of %d weights non-zero\n",
		name, f, th, ff, nz, len(m.W))
	return m, nil
}
