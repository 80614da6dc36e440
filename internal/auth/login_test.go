package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"destek/internal/desk"
	"destek/internal/store/storetest"
)

func addAgent(t *testing.T, s desk.Store, email, password string, p Params) *desk.Agent {
	t.Helper()
	h, err := p.Hash(password)
	if err != nil {
		t.Fatal(err)
	}
	a := &desk.Agent{Email: email, Name: "Test", Role: desk.RoleAgent, Active: true}
	if err := s.CreateAgent(desk.WithActor(context.Background(), desk.SystemActor), a, h); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestLoginAuthenticate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		ctx := context.Background()
		a := addAgent(t, s, "ayse@destek.test", "doğru parola 1", TestParams)
		l, err := NewLogin(s, TestParams, LoginLimits{PerEmail: 3, PerIP: 10, Window: time.Hour}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := l.Authenticate(ctx, " AYSE@destek.test ", "doğru parola 1", "10.0.0.1")
		if err != nil || got.ID != a.ID {
			t.Fatalf("good login: %+v, %v", got, err)
		}
		for _, c := range []struct{ email, pw string }{
			{"ayse@destek.test", "yanlış parola"},
			{"nobody@destek.test", "doğru parola 1"},
		} {
			if _, err := l.Authenticate(ctx, c.email, c.pw, "10.0.0.1"); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
				t.Fatalf("%s: err = %v, want unauthorized", c.email, err)
			}
		}
		// One failure so far for ayse; two more block her.
		l.Authenticate(ctx, "ayse@destek.test", "yanlış", "10.0.0.2")
		l.Authenticate(ctx, "ayse@destek.test", "yanlış", "10.0.0.2")
		_, err = l.Authenticate(ctx, "ayse@destek.test", "doğru parola 1", "10.0.0.3")
		var re *RetryError
		if !errors.As(err, &re) || desk.ErrorCode(err) != desk.ERATELIMITED || re.RetryAfter() <= 0 {
			t.Fatalf("after 3 failures: err = %v", err)
		}

		off := addAgent(t, s, "off@destek.test", "doğru parola 1", TestParams)
		active := false
		if _, err := s.UpdateAgent(ctx, off.ID, desk.AgentUpdate{Active: &active}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Authenticate(ctx, "off@destek.test", "doğru parola 1", "10.0.0.4"); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
			t.Fatalf("deactivated agent: err = %v", err)
		}
	})
}

func TestLoginUpgradesOldHashes(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	a := addAgent(t, s, "old@destek.test", "eski parametreler", TestParams)
	stronger := TestParams
	stronger.Time = 2
	l, err := NewLogin(s, stronger, DefaultLoginLimits, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Authenticate(ctx, "old@destek.test", "eski parametreler", "ip"); err != nil {
		t.Fatal(err)
	}
	h, err := s.AgentPasswordHash(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if NeedsRehash(h, stronger) {
		t.Fatalf("the hash was not upgraded: %s", h)
	}
	if ok, _ := CheckPassword(h, "eski parametreler"); !ok {
		t.Fatal("the upgraded hash does not check")
	}
}

func TestTokenVerifier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s desk.Store) {
		ctx := desk.WithActor(context.Background(), desk.SystemActor)
		secret, hash, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		tok := &desk.APIToken{Name: "crm", Role: desk.RoleSupervisor, Hash: hash}
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		clock := &fakeClock{t: time.Now()}
		v := NewTokenVerifier(s, time.Minute, nil)
		v.now = clock.now

		got, err := v.Verify(ctx, secret)
		if err != nil || got.ID != tok.ID || got.Role != desk.RoleSupervisor {
			t.Fatalf("Verify = %+v, %v", got, err)
		}
		// The first use is recorded.
		ts, err := s.ListTokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ts {
			if x.ID == tok.ID && x.LastUsedAt == nil {
				t.Error("last use not recorded")
			}
		}
		// A token one character off: never the secret itself, whatever its
		// last character is.
		flipped := secret[:len(secret)-1] + "A"
		if flipped == secret {
			flipped = secret[:len(secret)-1] + "B"
		}
		for _, bad := range []string{"", "dtk_short", "Bearer " + secret, flipped} {
			if _, err := v.Verify(ctx, bad); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
				t.Errorf("Verify(%q) err = %v", bad, err)
			}
		}

		// Revoked elsewhere: the cached lookup holds until its TTL passes.
		if err := s.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(ctx, secret); err != nil {
			t.Fatalf("within the TTL: %v", err)
		}
		clock.advance(time.Minute + time.Second)
		if _, err := v.Verify(ctx, secret); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
			t.Fatalf("after the TTL, a revoked token: err = %v", err)
		}
	})
}

func TestTokenVerifierForget(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := desk.WithActor(context.Background(), desk.SystemActor)
	secret, hash, _ := NewToken()
	tok := &desk.APIToken{Name: "n", Role: desk.RoleAgent, Hash: hash}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	v := NewTokenVerifier(s, time.Hour, nil)
	if _, err := v.Verify(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	v.Forget(tok.ID)
	if _, err := v.Verify(ctx, secret); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
		t.Fatalf("after Forget: err = %v", err)
	}
}
