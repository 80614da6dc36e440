package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"destek/internal/classify"
)

// runClassify implements `destek classify`: JSON lines in, one JSON line
// per input line out, in the same order (classification.md, "The classify
// command").
func runClassify(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "classify", "classify [--policy FILE] < in.jsonl > out.jsonl")
	policyFile := fs.String("policy", "", "policy `FILE` (YAML) whose categories, levels and articles to use; default: the built-in taxonomy")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	eng := classify.Default()
	if *policyFile != "" {
		doc, _, err := readPolicyFile(e, *policyFile)
		if err != nil {
			return err
		}
		if eng, err = classify.New(classify.TaxonomyFromPolicy(doc)); err != nil {
			return fmt.Errorf("%s: %w", *policyFile, err)
		}
	}
	return classifyLines(ctx, eng, e.stdin, e.stdout)
}

// classifyInput is one input line; other fields are ignored.
type classifyInput struct {
	ID   json.RawMessage `json:"id"`
	Text *string         `json:"text"`
}

type classifyOutput struct {
	ID json.RawMessage `json:"id"`
	classify.Result
}

type classifyError struct {
	ID    json.RawMessage `json:"id"`
	Error string          `json:"error"`
}

// classifyLines reads JSON lines from r and writes one result line per
// input line to w. A line that is not JSON or has no text gets an error
// line and the stream goes on; only a failure to read or write stops it.
// Lines may be of any length.
func classifyLines(ctx context.Context, eng *classify.Engine, r io.Reader, w io.Writer) error {
	br := bufio.NewReaderSize(r, 64*1024)
	bw := bufio.NewWriterSize(w, 64*1024)
	enc := json.NewEncoder(bw)
	// Evidence is quoted as written: no \u003c for '<'.
	enc.SetEscapeHTML(false)
	for {
		if err := ctx.Err(); err != nil {
			bw.Flush()
			return err
		}
		line, rerr := br.ReadBytes('\n')
		if len(line) > 0 {
			line = trimEOL(line)
			var out any
			var in classifyInput
			switch err := json.Unmarshal(line, &in); {
			case err != nil:
				out = classifyError{ID: jsonNull, Error: "not a JSON object: " + err.Error()}
			case in.Text == nil:
				out = classifyError{ID: idOrNull(in.ID), Error: `no "text" string`}
			default:
				out = classifyOutput{ID: idOrNull(in.ID), Result: eng.Classify(*in.Text)}
			}
			if err := enc.Encode(out); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			bw.Flush()
			return fmt.Errorf("read: %w", rerr)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

var jsonNull = json.RawMessage("null")

func idOrNull(id json.RawMessage) json.RawMessage {
	if len(id) == 0 {
		return jsonNull
	}
	return id
}

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
