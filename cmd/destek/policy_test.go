package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// run runs the binary and returns its stdout, stderr and exit status.
func run(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestPolicyCommands drives the policy life cycle through the CLI: the
// built-in policy is version 1, a checked change is published as version 2,
// both stay readable, and a broken file is refused with located problems.
func TestPolicyCommands(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()
	dir := t.TempDir()

	out, errOut, code := run(t, bin, "policy", "show", "--data", data)
	if code != 0 || !strings.HasPrefix(out, "# version 1, published ") || !strings.Contains(out, "id: atak-domain-support-interaction") {
		t.Fatalf("policy show on a fresh install: %d\n%s\n%s", code, out, errOut)
	}
	current := filepath.Join(dir, "current.yaml")
	if err := os.WriteFile(current, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := run(t, bin, "policy", "check", current); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("policy check of the policy in force: %d\n%s%s", code, out, errOut)
	}

	broken := filepath.Join(dir, "broken.yaml")
	src := strings.Replace(out, "max_attempts: 5", "max_attempts: five", 1)
	src = strings.Replace(src, "  follow_up_window: 15m", "  follow_up_window: 15m\n  folow_up: 1m", 1)
	os.WriteFile(broken, []byte(src), 0o600)
	_, errOut, code = run(t, bin, "policy", "check", broken)
	if code != 1 {
		t.Fatalf("policy check of a broken file exited %d, want 1", code)
	}
	located := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(broken) + `:\d+:\d+: `)
	if n := len(located.FindAllString(errOut, -1)); n != 2 {
		t.Fatalf("want 2 located problems, got %d:\n%s", n, errOut)
	}
	if _, _, code := run(t, bin, "policy", "publish", "--data", data, broken); code != 1 {
		t.Fatalf("publishing a broken policy exited %d, want 1", code)
	}

	changed := filepath.Join(dir, "changed.yaml")
	os.WriteFile(changed, []byte(strings.Replace(out, "follow_up_window: 15m", "follow_up_window: 10m", 1)), 0o600)
	if out, errOut, code := run(t, bin, "policy", "publish", "--data", data, changed); code != 0 || !strings.Contains(out, "published version 2") {
		t.Fatalf("policy publish: %d\n%s%s", code, out, errOut)
	}
	out, _, _ = run(t, bin, "policy", "versions", "--data", data)
	if !regexp.MustCompile(`(?m)^2\s`).MatchString(out) || !regexp.MustCompile(`(?m)^1\s`).MatchString(out) {
		t.Fatalf("policy versions:\n%s", out)
	}
	out, errOut, code = run(t, bin, "policy", "diff", "--data", data, "@1", "@2")
	if code != 0 || strings.TrimSpace(out) != "~ frequency.follow_up_window: 15m → 10m" {
		t.Fatalf("policy diff @1 @2: %d\n%s%s", code, out, errOut)
	}
	out, _, _ = run(t, bin, "policy", "show", "--data", data, "--version", "1")
	if !strings.Contains(out, "follow_up_window: 15m") {
		t.Fatal("version 1 is no longer readable as published")
	}
}
