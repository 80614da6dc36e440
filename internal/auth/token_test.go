package auth

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	secret, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) != len(TokenPrefix)+43 {
		t.Fatalf("secret %q does not look like dtk_ and 43 base64url characters", secret)
	}
	want := sha256.Sum256([]byte(secret))
	if !bytes.Equal(hash, want[:]) || !bytes.Equal(HashToken(secret), want[:]) {
		t.Fatal("the token hash is not the SHA-256 of the secret")
	}
	if !LooksLikeToken(secret) {
		t.Fatal("LooksLikeToken refuses a fresh secret")
	}
	other, _, _ := NewToken()
	if other == secret {
		t.Fatal("two tokens are equal")
	}
}

func TestLooksLikeToken(t *testing.T) {
	secret, _, _ := NewToken()
	for _, s := range []string{
		"",
		"dtk_",
		secret[:len(secret)-1],
		secret + "A",
		"xyz_" + secret[4:],
		TokenPrefix + strings.Repeat("!", 43),
		TokenPrefix + strings.Repeat("A", 42) + "=",
	} {
		if LooksLikeToken(s) {
			t.Errorf("LooksLikeToken(%q) = true", s)
		}
	}
}
