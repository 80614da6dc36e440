package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// buildBinary compiles destek once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "destek")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var (
	urlLine   = regexp.MustCompile(`destek is running at (http://\S+)`)
	loginLine = regexp.MustCompile(`e-mail (\S+), password (\S+)`)
)

// TestServeFirstStart runs the README's run command as a user would: a fresh
// data directory, `destek serve`, the printed admin login, a real login.
func TestServeFirstStart(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()

	url, email, password := startServe(t, bin, data)
	if email == "" || password == "" {
		t.Fatal("first start printed no admin login")
	}
	if _, err := os.Stat(filepath.Join(data, "destek.db")); err != nil {
		t.Fatalf("no SQLite database in the data directory: %v", err)
	}

	resp, err := http.Get(url + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %v %v", err, resp)
	}
	resp.Body.Close()

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err = client.Post(url+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login with the printed credentials: %d %s", resp.StatusCode, b)
	}
	resp, err = client.Get(url + "/api/v1/auth/me")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), email) {
		t.Fatalf("GET /api/v1/auth/me after login: %d %s", resp.StatusCode, b)
	}

	// A second start on the same data prints no login.
	_, email2, _ := startServe(t, bin, data)
	if email2 != "" {
		t.Fatal("second start printed an admin login again")
	}
}

// TestTokenCreate checks the scripting contract: only the token on stdout,
// and the token works as a bearer credential.
func TestTokenCreate(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()
	cmd := exec.Command(bin, "token", "create", "--data", data, "--name", "ci", "--role", "admin")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, stderr.String())
	}
	token := strings.TrimSpace(string(out))
	if strings.ContainsAny(token, " \n") || len(token) < 32 {
		t.Fatalf("token create printed %q; want the token alone", out)
	}

	url, _, _ := startServe(t, bin, data)
	req, _ := http.NewRequest("GET", url+"/api/v1/queues", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/queues with the new token: %d", resp.StatusCode)
	}
	req.Header.Set("Authorization", "Bearer "+token+"x")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /api/v1/queues with a wrong token: %d, want 401", resp.StatusCode)
	}
}

// TestCLIErrors checks that misuse is explained and exits non-zero.
func TestCLIErrors(t *testing.T) {
	bin := buildBinary(t)
	for _, args := range [][]string{
		{"nosuch"},
		{"serve", "--addr"},
		{"token", "create", "--data", t.TempDir()},
		{"user", "add", "--data", t.TempDir(), "--email", "a@b.example", "--name", "A", "--role", "king"},
	} {
		cmd := exec.Command(bin, args...)
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Errorf("destek %v succeeded; want an error", args)
			continue
		}
		if len(bytes.TrimSpace(out)) == 0 {
			t.Errorf("destek %v failed without saying why", args)
		}
	}
}

// startServe starts `destek serve` on a free port and returns its URL and
// the first-start login, if printed. The server is stopped at cleanup.
func startServe(t *testing.T, bin, data string) (url, email, password string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", data)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(t.TempDir(), "stderr.log")
	f, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stderr = f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	})
	// The login (first start only) is printed before the URL line, so once
	// the URL is seen everything printed at start has been read.
	found := make(chan struct{})
	go func() {
		defer close(found)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := loginLine.FindStringSubmatch(sc.Text()); m != nil {
				email, password = m[1], m[2]
			}
			if m := urlLine.FindStringSubmatch(sc.Text()); m != nil {
				url = m[1]
				go io.Copy(io.Discard, stdout)
				return
			}
		}
	}()
	select {
	case <-found:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-found
	}
	if url == "" {
		log, _ := os.ReadFile(logFile)
		t.Fatalf("destek serve did not start:\n%s", log)
	}
	return url, email, password
}

// TestUserCommands adds an agent with a chosen password, lists it, logs in
// with it over HTTP, then resets the password.
func TestUserCommands(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()
	add := exec.Command(bin, "user", "add", "--data", data, "--email", "Ayse@Atak.example", "--name", "Ayşe Kaya", "--role", "supervisor", "--password-stdin")
	add.Stdin = strings.NewReader("uzun-ve-gizli-parola\n")
	if out, err := add.CombinedOutput(); err != nil || !strings.Contains(string(out), "added supervisor ayse@atak.example") || strings.Contains(string(out), "parola") {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	short := exec.Command(bin, "user", "add", "--data", data, "--email", "b@atak.example", "--name", "B", "--password-stdin")
	short.Stdin = strings.NewReader("kisa\n")
	if out, err := short.CombinedOutput(); err == nil {
		t.Fatalf("user add accepted a 4-character password:\n%s", out)
	}
	out, _, code := run(t, bin, "user", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "ayse@atak.example") || !strings.Contains(out, "supervisor") || strings.Contains(out, "b@atak.example") {
		t.Fatalf("user list:\n%s", out)
	}

	url, _, _ := startServe(t, bin, data)
	login := func(password string) int {
		body, _ := json.Marshal(map[string]string{"email": "ayse@atak.example", "password": password})
		resp, err := http.Post(url+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := login("uzun-ve-gizli-parola"); code != http.StatusOK {
		t.Fatalf("login with the chosen password: %d", code)
	}
	out, _, code = run(t, bin, "user", "passwd", "--data", data, "--email", "ayse@atak.example")
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("user passwd:\n%s", out)
	}
	if code := login("uzun-ve-gizli-parola"); code != http.StatusUnauthorized {
		t.Fatalf("old password after passwd: %d, want 401", code)
	}
	if code := login(m[1]); code != http.StatusOK {
		t.Fatalf("new password after passwd: %d", code)
	}
}
