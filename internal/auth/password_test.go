package auth

import (
	"strings"
	"testing"

	"destek/internal/desk"
)

func TestHashAndCheckPassword(t *testing.T) {
	h, err := TestParams.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with the parameters", h)
	}
	if ok, err := CheckPassword(h, "correct horse battery"); err != nil || !ok {
		t.Fatalf("right password: ok=%v err=%v", ok, err)
	}
	for _, wrong := range []string{"correct horse batterY", "", "correct horse battery ", strings.Repeat("x", MaxPasswordLen+1)} {
		if ok, err := CheckPassword(h, wrong); err != nil || ok {
			t.Errorf("wrong password %.20q: ok=%v err=%v", wrong, ok, err)
		}
	}
	h2, _ := TestParams.Hash("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestHashPasswordRefusesEmptyAndHuge(t *testing.T) {
	for _, pw := range []string{"", strings.Repeat("a", MaxPasswordLen+1)} {
		if _, err := TestParams.Hash(pw); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("Hash(%d bytes) err = %v, want invalid", len(pw), err)
		}
	}
	if _, err := (Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 4, KeyLen: 32}).Hash("long enough"); err == nil {
		t.Error("a 4-byte salt was accepted")
	}
}

func TestCheckPasswordRejectsMalformedHashes(t *testing.T) {
	good, _ := TestParams.Hash("secret password")
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":          "",
		"bcrypt":         "$2a$10$abcdefghijklmnopqrstuu",
		"argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"old version":    strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":    strings.Join(append(append([]string{}, parts[:3]...), "m=99999999,t=1,p=1", parts[4], parts[5]), "$"),
		"huge time":      strings.Join(append(append([]string{}, parts[:3]...), "m=64,t=100000,p=1", parts[4], parts[5]), "$"),
		"bad salt":       strings.Join(append(append([]string{}, parts[:4]...), "!!", parts[5]), "$"),
		"short key":      strings.Join(append(append([]string{}, parts[:5]...), "AAAA"), "$"),
		"missing fields": "$argon2id$v=19$m=64,t=1,p=1",
	} {
		if ok, err := CheckPassword(h, "secret password"); err == nil || ok {
			t.Errorf("%s: ok=%v err=%v, want an error", name, ok, err)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	h, _ := TestParams.Hash("secret password")
	if NeedsRehash(h, TestParams) {
		t.Error("a hash made with the current parameters needs a rehash")
	}
	stronger := TestParams
	stronger.Time = 2
	if !NeedsRehash(h, stronger) {
		t.Error("a hash made with weaker parameters does not need a rehash")
	}
	if !NeedsRehash("garbage", TestParams) {
		t.Error("an unreadable hash does not need a rehash")
	}
}

func TestValidatePassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short":                       false,
		"123456789":                   false,
		"ğüşıöçĞÜŞİ":                  true, // ten characters, more bytes
		"a reasonable pass phrase":    true,
		strings.Repeat("x", 1025):     false,
		"valid length \xff\xfe bytes": false,
	} {
		err := ValidatePassword(pw)
		if (err == nil) != ok {
			t.Errorf("ValidatePassword(%.20q) = %v, want ok=%v", pw, err, ok)
		}
		if err != nil && desk.ErrorField(err) != "password" {
			t.Errorf("ValidatePassword(%.20q) field = %q", pw, desk.ErrorField(err))
		}
	}
}

func TestDefaultParamsAreStrong(t *testing.T) {
	p := DefaultParams
	if p.MemoryKiB < 19*1024 || p.Time < 1 || p.SaltLen < 16 || p.KeyLen < 32 {
		t.Errorf("DefaultParams %+v are below the OWASP minimum for argon2id", p)
	}
}
