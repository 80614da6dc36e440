package model

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"destek/internal/classify/normalize"
)

// toy is a small separable task: texts with a rude word are positive.
func toy(cfg Config) []Example {
	rude := []string{"salak", "aptal", "gerizekalı", "idiot", "moron"}
	fill := []string{"merhaba", "alan adı", "fatura", "dns kaydı", "teşekkürler", "hello", "invoice", "nameserver"}
	var ex []Example
	for i := 0; i < 400; i++ {
		a, b := fill[i%len(fill)], fill[(i*7+3)%len(fill)]
		text := fmt.Sprintf("%s %s numara %d", a, b, i)
		label := i%3 == 0
		if label {
			text = fmt.Sprintf("%s %s %s", a, rude[i%len(rude)], b)
		}
		ex = append(ex, Example{Features: cfg.Features(normalize.New(text), nil), Label: label})
	}
	return ex
}

func TestTrainQuantizeAndRoundTrip(t *testing.T) {
	cfg := Config{Bits: 14, CharMin: 2, CharMax: 4, Bigrams: true}
	ex := toy(cfg)
	tr := NewTrainer(cfg)
	tr.Fit(ex, TrainOptions{Epochs: 5, Rate: 0.3, L2: 1e-6, PosWeight: 1, Seed: 7})
	m := tr.Quantize()
	m.Threshold = 0.5
	probs := make([]float64, len(ex))
	labels := make([]bool, len(ex))
	for i, e := range ex {
		probs[i] = Sigmoid(m.Logit(e.Features))
		labels[i] = e.Label
		// quantisation keeps the logits close to full precision
		if d := math.Abs(m.Logit(e.Features) - tr.Logit(e.Features)); d > 0.05 {
			t.Fatalf("example %d: quantised logit off by %.3f", i, d)
		}
	}
	if f := MacroF1(probs, labels, 0.5); f < 0.98 {
		t.Fatalf("macro-F1 %.3f on a separable toy task", f)
	}
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	m2, err := Read(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if m2.Config != m.Config || m2.Bias != m.Bias || m2.Threshold != m.Threshold || m2.Table != m.Table || !bytes.Equal(m2.W, m.W) {
		t.Fatal("model changed in a write/read round trip")
	}
	x := normalize.New("merhaba SALAAAK fatura")
	if p := m2.Prob(x); p < 0.5 {
		t.Errorf("p(%q) = %.2f", "merhaba SALAAAK fatura", p)
	}
	fs := m2.Features(x, nil)
	if tok, push := m2.TopToken(fs, len(x.Tokens)); tok != 1 || push <= 0 {
		t.Errorf("top token %d (push %.2f), want 1 (SALAAAK)", tok, push)
	}
}

func TestTrainingIsDeterministic(t *testing.T) {
	cfg := Config{Bits: 12, CharMin: 2, CharMax: 3}
	run := func() []byte {
		tr := NewTrainer(cfg)
		tr.Fit(toy(cfg), TrainOptions{Epochs: 2, Rate: 0.2, PosWeight: 1.5, Seed: 3})
		var b bytes.Buffer
		if err := tr.Quantize().Write(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	if !bytes.Equal(run(), run()) {
		t.Fatal("two runs with the same seed wrote different models")
	}
}

func TestReadRejectsGarbage(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("not gzip"), {0x1f, 0x8b}} {
		if _, err := Read(data); err == nil {
			t.Errorf("Read(%q): no error", data)
		}
	}
	// a valid gzip stream with the wrong magic
	m := &Model{Config: Config{Bits: 8, CharMin: 1, CharMax: 2}, W: make([]uint8, 256)}
	var b bytes.Buffer
	if err := m.Write(&b); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	if _, err := Read(data); err != nil {
		t.Fatalf("valid model: %v", err)
	}
	m.W = m.W[:10]
	if err := m.Write(&bytes.Buffer{}); err == nil {
		t.Error("Write accepted a short weight table")
	}
}

func TestThresholdAndF1(t *testing.T) {
	probs := []float64{0.1, 0.2, 0.8, 0.9}
	labels := []bool{false, false, true, true}
	if f := MacroF1(probs, labels, 0.5); f != 1 {
		t.Errorf("MacroF1 = %v", f)
	}
	th, f := BestThreshold(probs, labels)
	if f != 1 || th <= 0.2 || th > 0.8 {
		t.Errorf("BestThreshold = %v, %v", th, f)
	}
	if F1(0, 3, 3) != 0 || F1(2, 0, 0) != 1 {
		t.Error("F1")
	}
}
