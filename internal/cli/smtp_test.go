package cli

import (
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"26214400": 26214400, "25MiB": 25 << 20, "512KiB": 512 << 10, " 10M ": 10 << 20, "64K": 64 << 10} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-5", "lots", "25GB", "99999999999MiB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

// TestServeSMTPFlagErrors: a wrong SMTP flag stops serve before it opens
// anything, naming the flag.
func TestServeSMTPFlagErrors(t *testing.T) {
	t.Setenv("DESTEK_SMTP_AUTH_PASSWORD", "")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--smtp-max-size", "huge"}, "--smtp-max-size"},
		{[]string{"--smtp-tls-cert", "cert.pem"}, "--smtp-tls-key"},
		{[]string{"--smtp-tls-cert", "/nonexistent/cert.pem", "--smtp-tls-key", "/nonexistent/key.pem"}, "--smtp-tls-cert /nonexistent/cert.pem"},
		{[]string{"--smtp-auth-user", "relay"}, "DESTEK_SMTP_AUTH_PASSWORD"},
	} {
		args := append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--smtp-addr", "127.0.0.1:0"}, c.args...)
		code, _, errOut := runMain(t, "", args...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("destek %v: exit %d, stderr %q; want an error naming %s", c.args, code, errOut, c.want)
		}
	}
}
