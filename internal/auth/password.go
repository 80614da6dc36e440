// Package auth holds destek's credentials: argon2id password hashes, API
// tokens stored as SHA-256 of a high-entropy secret, the login check with its
// failure limiter, and a short-lived cache of token lookups.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"destek/internal/desk"
)

// Params are the argon2id cost parameters of new password hashes. Existing
// hashes carry their own parameters, so changing these never locks anyone
// out; NeedsRehash tells when a stored hash is weaker than the current Params.
type Params struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32 // memory per hash, in KiB
	Threads   uint8  // lanes
	SaltLen   uint32 // bytes of random salt
	KeyLen    uint32 // bytes of derived key
}

// DefaultParams suit a small (2-core) server: about 50–100 ms and 64 MiB per
// hash, within the range RFC 9106 recommends for memory-constrained settings.
var DefaultParams = Params{Time: 2, MemoryKiB: 64 * 1024, Threads: 2, SaltLen: 16, KeyLen: 32}

// TestParams are deliberately cheap: for tests only, never for real passwords.
var TestParams = Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

// Password length bounds, in characters (min) and bytes (max). The upper bound
// only exists so a request cannot make us hash megabytes.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 1024
)

// Limits on parameters read back from a stored hash, so a corrupted or
// hostile row cannot make one check allocate gigabytes or spin for minutes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 64
)

// hashSlots bounds concurrent argon2 computations. Each one takes MemoryKiB of
// memory; without a bound a burst of logins could exhaust the server's memory
// while the CPU could not run more of them in parallel anyway.
var hashSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

var b64 = base64.RawStdEncoding

// HashPassword hashes password with DefaultParams.
func HashPassword(password string) (string, error) {
	return DefaultParams.Hash(password)
}

// Hash returns the PHC-style encoding of password's argon2id hash:
// $argon2id$v=19$m=65536,t=2,p=2$SALT$KEY (unpadded standard base64).
func (p Params) Hash(password string) (string, error) {
	if password == "" {
		return "", desk.FieldErrorf("password", "the password is empty")
	}
	if len(password) > MaxPasswordLen {
		return "", desk.FieldErrorf("password", "the password is longer than %d bytes", MaxPasswordLen)
	}
	if p.Time == 0 || p.MemoryKiB == 0 || p.Threads == 0 || p.SaltLen < 8 || p.KeyLen < 16 {
		return "", fmt.Errorf("auth: argon2id parameters %+v are too weak to use", p)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: read salt: %w", err)
	}
	key := derive(password, salt, p)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ValidatePassword checks a new password against the length rules. It is
// for passwords people choose; hashes of existing passwords are not re-judged.
func ValidatePassword(password string) error {
	if n := utf8.RuneCountInString(password); n < MinPasswordLen {
		return desk.FieldErrorf("password", "the password needs at least %d characters (it has %d)", MinPasswordLen, n)
	}
	if len(password) > MaxPasswordLen {
		return desk.FieldErrorf("password", "the password is longer than %d bytes", MaxPasswordLen)
	}
	if !utf8.ValidString(password) {
		return desk.FieldErrorf("password", "the password is not valid UTF-8")
	}
	return nil
}

// CheckPassword reports whether password matches the encoded hash. The
// comparison of derived keys is constant-time. An error means the stored hash
// is not one this package can read.
func CheckPassword(encoded, password string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	if len(password) > MaxPasswordLen {
		return false, nil
	}
	got := derive(password, salt, p)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters other than p
// (or cannot be read), so a successful login can store a fresh hash.
func NeedsRehash(encoded string, p Params) bool {
	old, salt, key, err := decode(encoded)
	if err != nil {
		return true
	}
	return old.Time != p.Time || old.MemoryKiB != p.MemoryKiB || old.Threads != p.Threads ||
		uint32(len(salt)) != p.SaltLen || uint32(len(key)) != p.KeyLen
}

func derive(password string, salt []byte, p Params) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
}

var errBadHash = errors.New("auth: stored password hash is not an argon2id PHC string")

func decode(encoded string) (Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, fmt.Errorf("%w: unsupported version %q", errBadHash, parts[2])
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: parameters %q: %w", errBadHash, parts[3], err)
	}
	if p.MemoryKiB == 0 || p.MemoryKiB > maxMemoryKiB || p.Time == 0 || p.Time > maxTime || p.Threads == 0 {
		return Params{}, nil, nil, fmt.Errorf("%w: parameters %q out of range", errBadHash, parts[3])
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, fmt.Errorf("%w: bad salt", errBadHash)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return Params{}, nil, nil, fmt.Errorf("%w: bad key", errBadHash)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}
