package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// TokenPrefix starts every API token secret. It makes a leaked token easy to
// recognise (secret scanners, logs) and lets us reject other strings without
// a database lookup.
const TokenPrefix = "dtk_"

// tokenBytes is the entropy of a secret: 256 bits, so a fast hash (SHA-256)
// is enough to store it; slow hashes only matter for guessable secrets.
const tokenBytes = 32

// tokenLen is the length of a secret: the prefix and 43 base64url characters.
var tokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(tokenBytes)

// NewToken returns a new API token secret, to be shown once, and its hash, to
// be stored (desk.APIToken.Hash).
func NewToken() (secret string, hash []byte, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("auth: read token entropy: %w", err)
	}
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret), nil
}

// HashToken returns the SHA-256 of a token secret, the form tokens are stored
// and looked up in.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// LooksLikeToken reports whether s has the shape of a secret made by NewToken.
func LooksLikeToken(s string) bool {
	if len(s) != tokenLen || !strings.HasPrefix(s, TokenPrefix) {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(s[len(TokenPrefix):])
	return err == nil
}
