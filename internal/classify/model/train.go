package model

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Example is one training text as its features and label.
type Example struct {
	Features []Feature
	Label    bool
}

// TrainOptions control training.
type TrainOptions struct {
	// Epochs over the data.
	Epochs int
	// Rate is the AdaGrad learning rate.
	Rate float64
	// L2 is the weight decay applied to every weight an example touches.
	L2 float64
	// PosWeight multiplies the loss of positive examples (class imbalance).
	PosWeight float64
	// Seed makes the example order, and so the model, reproducible.
	Seed uint64
}

// DefaultTrainOptions are the options the shipped models use.
var DefaultTrainOptions = TrainOptions{Epochs: 8, Rate: 0.2, L2: 1e-5, PosWeight: 1.5, Seed: 1}

// Trainer holds full-precision weights during training.
type Trainer struct {
	Config
	W    []float64
	Bias float64
	g    []float64
	gb   float64
}

// NewTrainer returns a trainer with zero weights.
func NewTrainer(c Config) *Trainer {
	n := 1 << c.Bits
	return &Trainer{Config: c, W: make([]float64, n), g: make([]float64, n)}
}

// Logit returns the full-precision log-odds of features fs.
func (t *Trainer) Logit(fs []Feature) float64 {
	if len(fs) == 0 {
		return t.Bias
	}
	v := 1 / math.Sqrt(float64(len(fs)))
	z := t.Bias
	for _, f := range fs {
		z += t.W[f.Hash] * v
	}
	return z
}

// Fit runs AdaGrad logistic regression over examples.
func (t *Trainer) Fit(ex []Example, o TrainOptions) {
	order := make([]int, len(ex))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x5bd1e995))
	for epoch := 0; epoch < o.Epochs; epoch++ {
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, i := range order {
			e := &ex[i]
			if len(e.Features) == 0 {
				continue
			}
			p := Sigmoid(t.Logit(e.Features))
			y, w := 0.0, 1.0
			if e.Label {
				y, w = 1, o.PosWeight
			}
			grad := (p - y) * w
			v := 1 / math.Sqrt(float64(len(e.Features)))
			for _, f := range e.Features {
				gi := grad*v + o.L2*t.W[f.Hash]
				t.g[f.Hash] += gi * gi
				t.W[f.Hash] -= o.Rate * gi / (math.Sqrt(t.g[f.Hash]) + 1e-8)
			}
			t.gb += grad * grad
			t.Bias -= o.Rate * grad / (math.Sqrt(t.gb) + 1e-8)
		}
	}
}

// Quantize returns the byte-per-weight model. The non-zero weights are
// clustered into 255 values by one-dimensional k-means (Lloyd's algorithm,
// started from a sign-preserving square-root spacing so the large weights
// that decide most texts keep their precision); each weight is stored as the
// index of its cluster. Zero (never touched) weights keep a value of their
// own so they stay exactly zero.
func (t *Trainer) Quantize() *Model {
	m := &Model{Config: t.Config, Bias: float32(t.Bias), W: make([]uint8, len(t.W))}
	ws := make([]float64, 0, len(t.W))
	for _, w := range t.W {
		if w != 0 {
			ws = append(ws, w)
		}
	}
	if len(ws) == 0 {
		return m
	}
	sort.Float64s(ws)
	const k = 255
	lo, hi := ws[0], ws[len(ws)-1]
	tr := func(x float64) float64 { return math.Copysign(math.Sqrt(math.Abs(x)), x) }
	inv := func(y float64) float64 { return math.Copysign(y*y, y) }
	c := make([]float64, k)
	for i := range c {
		c[i] = inv(tr(lo) + (tr(hi)-tr(lo))*(float64(i)+0.5)/k)
	}
	for iter := 0; iter < 30; iter++ {
		sum := make([]float64, k)
		cnt := make([]int, k)
		j := 0
		for _, w := range ws {
			for j+1 < k && math.Abs(c[j+1]-w) <= math.Abs(c[j]-w) {
				j++
			}
			sum[j] += w
			cnt[j]++
		}
		for i := range c {
			if cnt[i] > 0 {
				c[i] = sum[i] / float64(cnt[i])
			}
		}
		sort.Float64s(c)
	}
	for i := range c {
		m.Table[i+1] = float32(c[i])
	}
	for i, w := range t.W {
		if w == 0 {
			continue
		}
		j := sort.SearchFloat64s(c, w)
		switch {
		case j == k:
			j = k - 1
		case j > 0 && math.Abs(c[j-1]-w) < math.Abs(c[j]-w):
			j--
		}
		m.W[i] = uint8(j + 1)
	}
	return m
}

// BestThreshold returns the probability threshold that maximises the macro
// F1 of the two classes over scored examples, and that F1.
func BestThreshold(probs []float64, labels []bool) (float64, float64) {
	best, bestF := 0.5, -1.0
	for th := 0.05; th < 0.951; th += 0.01 {
		f := MacroF1(probs, labels, th)
		if f > bestF {
			best, bestF = th, f
		}
	}
	return best, bestF
}

// MacroF1 is the mean F1 of the positive and the negative class.
func MacroF1(probs []float64, labels []bool, th float64) float64 {
	var tp, fp, fn, tn float64
	for i, p := range probs {
		pred := p >= th
		switch {
		case pred && labels[i]:
			tp++
		case pred && !labels[i]:
			fp++
		case !pred && labels[i]:
			fn++
		default:
			tn++
		}
	}
	return (F1(tp, fp, fn) + F1(tn, fn, fp)) / 2
}

// F1 from true positives, false positives and false negatives.
func F1(tp, fp, fn float64) float64 {
	if tp == 0 {
		return 0
	}
	p, r := tp/(tp+fp), tp/(tp+fn)
	return 2 * p * r / (p + r)
}
