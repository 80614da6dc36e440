// Package model is a small linear text classifier: logistic regression over
// hashed character n-grams and word uni- and bigrams of normalised text.
//
// Features are computed from normalize tokens (their Key form: leetspeak
// decoded, repeated letters collapsed), so "s1kt1r", "siktiiir" and "siktir"
// share features. Each feature is hashed into 2^Bits buckets and weighted
// 1/sqrt(n) for a text of n features, which keeps long and short texts on
// one scale.
//
// Weights are stored as one byte each, an index into a table of 256 values
// (the mean weight of each of 256 equally populated bins), and gzipped: a
// 2^18-bucket model takes 256 KiB in memory and loses almost nothing to the
// quantisation. A Model is read-only after
// loading and safe for concurrent use.
package model

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"destek/internal/classify/normalize"
)

// magic identifies the weight file format; the last byte is the version.
var magic = [8]byte{'D', 'S', 'T', 'K', 'L', 'R', 'M', 2}

// Config describes the features of a model.
type Config struct {
	// Bits is the log2 of the number of hash buckets.
	Bits uint8
	// CharMin and CharMax bound the character n-gram lengths.
	CharMin, CharMax uint8
	// Bigrams adds word bigrams to word unigrams.
	Bigrams bool
}

// DefaultConfig is the configuration the shipped models are trained with.
var DefaultConfig = Config{Bits: 18, CharMin: 2, CharMax: 5, Bigrams: true}

// Model is a trained, quantised classifier.
type Model struct {
	Config
	// Bias is the intercept.
	Bias float32
	// Table maps a stored weight byte to its value.
	Table [256]float32
	// Threshold is the probability above which the positive class is
	// predicted, chosen on held-out data when training.
	Threshold float32
	// W holds the quantised weights, 2^Bits of them.
	W []uint8
}

// Feature is one hashed feature of a text and the token it came from (the
// first token of a bigram), for explaining a score.
type Feature struct {
	Hash  uint32
	Token int32
}

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

// Kinds of features, mixed into the hash so that the character n-gram "ab"
// and the word "ab" do not collide by construction.
const (
	seedChar   = 0x9e3779b1
	seedWord   = 0x85ebca77
	seedBigram = 0xc2b2ae3d
)

// wordOf returns the form of a token used for features.
func wordOf(t *normalize.Token) string {
	switch t.Kind {
	case normalize.Number:
		return "0"
	case normalize.Link:
		return "url"
	case normalize.Email:
		return "email"
	case normalize.Mention:
		return "@user"
	}
	return t.Key
}

// Features appends the features of text to dst.
func (c Config) Features(text *normalize.Text, dst []Feature) []Feature {
	mask := uint32(1)<<c.Bits - 1
	var buf [128]byte
	prev := ""
	for i := range text.Tokens {
		tok := &text.Tokens[i]
		w := wordOf(tok)
		if w == "" {
			continue
		}
		// word unigram
		h := uint32(fnvOffset ^ seedWord)
		for k := 0; k < len(w); k++ {
			h = (h ^ uint32(w[k])) * fnvPrime
		}
		dst = append(dst, Feature{Hash: h & mask, Token: int32(i)})
		if c.Bigrams && prev != "" {
			h := uint32(fnvOffset ^ seedBigram)
			for k := 0; k < len(prev); k++ {
				h = (h ^ uint32(prev[k])) * fnvPrime
			}
			h = (h ^ ' ') * fnvPrime
			for k := 0; k < len(w); k++ {
				h = (h ^ uint32(w[k])) * fnvPrime
			}
			dst = append(dst, Feature{Hash: h & mask, Token: int32(i - 1)})
		}
		prev = w
		if tok.Kind != normalize.Word {
			continue
		}
		// character n-grams of " word "
		p := buf[:0]
		if len(w)+2 > len(buf) {
			p = make([]byte, 0, len(w)+2)
		}
		p = append(p, ' ')
		p = append(p, w...)
		p = append(p, ' ')
		for n := int(c.CharMin); n <= int(c.CharMax); n++ {
			for s := 0; s+n <= len(p); s++ {
				h := uint32(fnvOffset^seedChar) ^ uint32(n)
				for k := s; k < s+n; k++ {
					h = (h ^ uint32(p[k])) * fnvPrime
				}
				dst = append(dst, Feature{Hash: h & mask, Token: int32(i)})
			}
		}
	}
	return dst
}

// Logit returns the model's log-odds for features fs.
func (m *Model) Logit(fs []Feature) float64 {
	if len(fs) == 0 {
		return float64(m.Bias)
	}
	var sum float32
	for _, f := range fs {
		sum += m.Table[m.W[f.Hash]]
	}
	return float64(m.Bias) + float64(sum)/math.Sqrt(float64(len(fs)))
}

// Prob returns the probability of the positive class for text.
func (m *Model) Prob(text *normalize.Text) float64 {
	var buf [512]Feature
	fs := m.Features(text, buf[:0])
	return Sigmoid(m.Logit(fs))
}

// Sigmoid is the logistic function.
func Sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// TopToken returns the token whose features push the score up the most,
// and that push in log-odds, or -1 when no token pushes it up.
func (m *Model) TopToken(fs []Feature, ntok int) (int, float64) {
	if len(fs) == 0 || ntok == 0 {
		return -1, 0
	}
	contrib := make([]float32, ntok)
	for _, f := range fs {
		if int(f.Token) < ntok {
			contrib[f.Token] += m.Table[m.W[f.Hash]]
		}
	}
	best, bestV := -1, float32(0)
	for i, v := range contrib {
		if v > bestV {
			best, bestV = i, v
		}
	}
	return best, float64(bestV) / math.Sqrt(float64(len(fs)))
}

// Write stores the model in its gzipped binary format.
func (m *Model) Write(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	hdr := struct {
		Magic                  [8]byte
		Bits, CharMin, CharMax uint8
		Bigrams                uint8
		Bias, Threshold        float32
		Table                  [256]float32
	}{magic, m.Bits, m.CharMin, m.CharMax, b2u(m.Bigrams), m.Bias, m.Threshold, m.Table}
	if err := binary.Write(bw, binary.LittleEndian, hdr); err != nil {
		return err
	}
	if len(m.W) != 1<<m.Bits {
		return fmt.Errorf("model: %d weights for %d bits", len(m.W), m.Bits)
	}
	if _, err := bw.Write(m.W); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// Read loads a model written by Write.
func Read(data []byte) (*Model, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	defer zr.Close()
	var hdr struct {
		Magic                  [8]byte
		Bits, CharMin, CharMax uint8
		Bigrams                uint8
		Bias, Threshold        float32
		Table                  [256]float32
	}
	if err := binary.Read(zr, binary.LittleEndian, &hdr); err != nil {
		return nil, fmt.Errorf("model header: %w", err)
	}
	if hdr.Magic != magic {
		return nil, errors.New("model: not a destek model file (or an unsupported version)")
	}
	if hdr.Bits < 8 || hdr.Bits > 24 || hdr.CharMin < 1 || hdr.CharMax < hdr.CharMin || hdr.CharMax > 8 {
		return nil, fmt.Errorf("model: bad configuration bits=%d chars=%d..%d", hdr.Bits, hdr.CharMin, hdr.CharMax)
	}
	m := &Model{
		Config:    Config{Bits: hdr.Bits, CharMin: hdr.CharMin, CharMax: hdr.CharMax, Bigrams: hdr.Bigrams != 0},
		Bias:      hdr.Bias,
		Threshold: hdr.Threshold,
		Table:     hdr.Table,
		W:         make([]uint8, 1<<hdr.Bits),
	}
	if _, err := io.ReadFull(zr, m.W); err != nil {
		return nil, fmt.Errorf("model weights: %w", err)
	}
	return m, nil
}
