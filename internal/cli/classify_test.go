package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runMain runs the command line as a user does and returns its streams.
func runMain(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestClassifyCommandContract(t *testing.T) {
	long := strings.Repeat("DNS kayıtlarımı güncelleyin lütfen. ", 30000) // ~1 MB on one line
	in := strings.Join([]string{
		`{"id": "a1", "text": "s.i.k.t.i.r.i.n gidin hepiniz", "channel": "chat"}`,
		`this is not json`,
		`{"id": "no-text", "body": "hello"}`,
		`{"id": 42, "text": "EPP kodunu hesabımdaki e-posta adresine gönderir misiniz?"}`,
		``,
		`{"id": "long", "text": "` + long + `"}`,
		"{\"id\": \"crlf\", \"text\": \"Merhaba, iyi günler.\"}\r",
		`{"text": "<b>aptal</b> mısınız?"}`,
	}, "\n") + "\n"
	code, out, errOut := runMain(t, in, "classify")
	if code != 0 {
		t.Fatalf("exit status %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 8 {
		t.Fatalf("%d output lines for 8 input lines:\n%s", len(lines), out)
	}
	var got []map[string]any
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", i+1, err, l)
		}
		got = append(got, m)
	}
	// 1: a result with every contract field
	r := got[0]
	for _, k := range []string{"id", "language", "scope", "violations", "level", "critical_operation"} {
		if _, ok := r[k]; !ok {
			t.Errorf("line 1 lacks %q: %v", k, r)
		}
	}
	if r["id"] != "a1" || r["level"] != 2.0 || r["critical_operation"] != nil {
		t.Errorf("line 1: %v", r)
	}
	v := r["violations"].([]any)[0].(map[string]any)
	if v["category"] != "profanity" || v["evidence"] != "s.i.k.t.i.r.i.n" || v["article"] != "7.2" {
		t.Errorf("line 1 violation: %v", v)
	}
	// 2, 3: errors in place, with the id when there is one
	if got[1]["error"] == nil || got[1]["id"] != nil {
		t.Errorf("line 2: %v", got[1])
	}
	if got[2]["error"] == nil || got[2]["id"] != "no-text" {
		t.Errorf("line 3: %v", got[2])
	}
	// 4: ids are echoed as they were (a number stays a number)
	if got[3]["id"] != 42.0 || got[3]["critical_operation"] != "auth_code" {
		t.Errorf("line 4: %v", got[3])
	}
	// 5: an empty line is not JSON
	if got[4]["error"] == nil {
		t.Errorf("line 5: %v", got[4])
	}
	// 6: a line far beyond bufio.Scanner's 64 KiB
	if got[5]["id"] != "long" || got[5]["critical_operation"] != "dns_change" {
		t.Errorf("line 6: id %v op %v", got[5]["id"], got[5]["critical_operation"])
	}
	// 7: CRLF
	if got[6]["id"] != "crlf" || got[6]["error"] != nil {
		t.Errorf("line 7: %v", got[6])
	}
	// 8: evidence quoted as written, '<' not escaped
	if !strings.Contains(lines[7], `"evidence":"aptal"`) || strings.Contains(lines[7], `\u003c`) {
		t.Errorf("line 8: %s", lines[7])
	}
}

func TestClassifyWithPolicyFile(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "policy", "default.yaml"))
	if err != nil {
		t.Skipf("default policy not found: %v", err)
	}
	// The operator moves profanity to level 3 in their policy.
	changed := strings.Replace(string(src), `profanity: {level: 2, article: "7.2"`, `profanity: {level: 3, article: "7.3"`, 1)
	if changed == string(src) {
		t.Skip("default policy has changed shape; nothing to edit")
	}
	path := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(path, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runMain(t, `{"id":"p","text":"amk yine mi"}`+"\n", "classify", "--policy", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"level":3`) || !strings.Contains(out, `"article":"7.3"`) {
		t.Errorf("policy levels not applied: %s", out)
	}

	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("scope: [1, 2\n"), 0o600)
	code, out, errOut = runMain(t, `{"id":"p","text":"x"}`+"\n", "classify", "--policy", bad)
	if code == 0 || out != "" || !strings.Contains(errOut, "bad.yaml") {
		t.Errorf("broken policy: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// failWriter fails every write, like a closed pipe.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestClassifyReportsOutputFailure(t *testing.T) {
	var errb bytes.Buffer
	code := Main([]string{"classify"}, strings.NewReader(`{"id":"1","text":"merhaba"}`+"\n"), failWriter{}, &errb)
	if code == 0 || !strings.Contains(errb.String(), "broken pipe") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

func TestClassifyRejectsArguments(t *testing.T) {
	code, _, errOut := runMain(t, "", "classify", "extra")
	if code != 2 || !strings.Contains(errOut, "usage") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
