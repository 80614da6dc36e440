// Package dataset reads the evaluation and training sets the classifier is
// trained and measured on: the labelled support messages (JSON lines, the
// schema of classification.md), OffensEval-TR 2020 (Turkish tweets) and
// ConvAbuse (English abuse towards conversational agents).
package dataset

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Binary is a text with a yes/no label (offensive, abusive).
type Binary struct {
	ID    string
	Text  string
	Label bool
}

// Support is a labelled support message.
type Support struct {
	ID                string   `json:"id"`
	Text              string   `json:"text"`
	Scope             string   `json:"scope"`
	Violations        []string `json:"violations"`
	Level             int      `json:"level"`
	CriticalOperation *string  `json:"critical_operation"`
	// Language is optional in the sets: "tr" or "en" when given.
	Language string `json:"language,omitempty"`
	// Note optionally says why a message is in a hand-written set.
	Note string `json:"note,omitempty"`
}

// Op returns the critical operation or "".
func (s *Support) Op() string {
	if s.CriticalOperation == nil {
		return ""
	}
	return *s.CriticalOperation
}

// ReadSupport reads labelled support messages from a JSON-lines file.
func ReadSupport(path string) ([]Support, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeSupport(f, path)
}

// DecodeSupport reads labelled support messages from r; name is used in
// error messages.
func DecodeSupport(r io.Reader, name string) ([]Support, error) {
	var out []Support
	br := bufio.NewReader(r)
	line := 0
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
			s := strings.TrimSpace(string(b))
			if s != "" && !strings.HasPrefix(s, "//") {
				var m Support
				if err := json.Unmarshal([]byte(s), &m); err != nil {
					return nil, fmt.Errorf("%s:%d: %w", name, line, err)
				}
				if m.Text == "" || m.Scope == "" {
					return nil, fmt.Errorf("%s:%d: text and scope are required", name, line)
				}
				out = append(out, m)
			}
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// OffensEval file names inside the data set directory.
const (
	OffensEvalTrainFile  = "offenseval-tr-training-v1.tsv"
	OffensEvalTestFile   = "offenseval-tr-testset-v1.tsv"
	OffensEvalLabelsFile = "offenseval-tr-labela-v1.tsv"
)

// OffensEvalTrain reads the OffensEval-TR training file (id, tweet, label;
// TAB-separated, no quoting, one header line).
func OffensEvalTrain(dir string) ([]Binary, error) {
	path := filepath.Join(dir, OffensEvalTrainFile)
	var out []Binary
	err := eachLine(path, func(n int, cols []string) error {
		if n == 1 {
			return nil
		}
		if len(cols) != 3 {
			return fmt.Errorf("%s:%d: %d columns, want 3", path, n, len(cols))
		}
		lab, err := offLabel(cols[2])
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out = append(out, Binary{ID: cols[0], Text: cols[1], Label: lab})
		return nil
	}, "\t")
	return out, err
}

// OffensEvalTest reads the official test tweets with their gold labels.
func OffensEvalTest(dir string) ([]Binary, error) {
	labels := map[string]bool{}
	lpath := filepath.Join(dir, OffensEvalLabelsFile)
	err := eachLine(lpath, func(n int, cols []string) error {
		if len(cols) != 2 {
			return fmt.Errorf("%s:%d: %d columns, want 2", lpath, n, len(cols))
		}
		lab, err := offLabel(cols[1])
		if err != nil {
			return fmt.Errorf("%s:%d: %w", lpath, n, err)
		}
		labels[cols[0]] = lab
		return nil
	}, ",")
	if err != nil {
		return nil, err
	}
	tpath := filepath.Join(dir, OffensEvalTestFile)
	var out []Binary
	err = eachLine(tpath, func(n int, cols []string) error {
		if n == 1 {
			return nil
		}
		if len(cols) != 2 {
			return fmt.Errorf("%s:%d: %d columns, want 2", tpath, n, len(cols))
		}
		lab, ok := labels[cols[0]]
		if !ok {
			return fmt.Errorf("%s:%d: no gold label for id %s", tpath, n, cols[0])
		}
		out = append(out, Binary{ID: cols[0], Text: cols[1], Label: lab})
		return nil
	}, "\t")
	return out, err
}

func offLabel(s string) (bool, error) {
	switch strings.TrimSpace(s) {
	case "OFF":
		return true, nil
	case "NOT":
		return false, nil
	}
	return false, fmt.Errorf("label %q is neither OFF nor NOT", s)
}

func eachLine(path string, fn func(n int, cols []string) error, sep string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	n := 0
	for {
		s, err := br.ReadString('\n')
		if len(s) > 0 {
			n++
			s = strings.TrimRight(s, "\r\n")
			s = strings.TrimPrefix(s, "\ufeff")
			if s != "" {
				if e := fn(n, strings.Split(s, sep)); e != nil {
					return e
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// ConvAbuse split file names.
const (
	ConvAbuseTrainFile = "ConvAbuseEMNLPtrain.csv"
	ConvAbuseValidFile = "ConvAbuseEMNLPvalid.csv"
	ConvAbuseTestFile  = "ConvAbuseEMNLPtest.csv"
)

// ConvAbuse reads one ConvAbuse split. A row is abusive when more than
// half of the annotators who voted chose -1, -2 or -3. An annotator who
// labelled a row more than once (intra-annotator agreement repeats, cells
// such as "1, 0") counts once, with their first vote.
func ConvAbuse(path string) ([]Binary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	idCol, okID := col["example_id"]
	userCol, okUser := col["user"]
	if !okID || !okUser {
		return nil, fmt.Errorf("%s: no example_id or user column", path)
	}
	var out []Binary
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		votes, abusive := 0, 0
		for a := 1; a <= 16; a++ {
			first := func(v string) bool {
				i, ok := col[fmt.Sprintf("Annotator%d_is_abuse.%s", a, v)]
				if !ok || i >= len(rec) {
					return false
				}
				cell := strings.TrimSpace(rec[i])
				if k := strings.IndexByte(cell, ','); k >= 0 {
					cell = cell[:k]
				}
				x, err := strconv.ParseFloat(strings.TrimSpace(cell), 64)
				return err == nil && x != 0
			}
			ok, amb, m1, m2, m3 := first("1"), first("0"), first("-1"), first("-2"), first("-3")
			if !(ok || amb || m1 || m2 || m3) {
				continue
			}
			votes++
			if m1 || m2 || m3 {
				abusive++
			}
		}
		out = append(out, Binary{ID: rec[idCol], Text: rec[userCol], Label: votes > 0 && 2*abusive > votes})
	}
}
