package auth

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"destek/internal/desk"
)

// TokenVerifier turns bearer secrets into tokens. Lookups are cached for a
// short TTL so a busy integration does not cost a query per request; a token
// revoked through this process (Forget) stops working at once, and one
// revoked through another node within the TTL.
type TokenVerifier struct {
	store  desk.TokenStore
	ttl    time.Duration
	log    *slog.Logger
	now    func() time.Time
	mu     sync.Mutex
	cached map[[32]byte]cachedToken
	// touched remembers when a token's last use was last written, so a busy
	// token is written at most once per touchEvery.
	touched map[int64]time.Time
}

type cachedToken struct {
	token   desk.APIToken
	expires time.Time
}

// DefaultTokenTTL is how long a token lookup is trusted: the longest a
// revocation made on another node can take to reach this one.
const DefaultTokenTTL = 5 * time.Second

const (
	touchEvery     = time.Minute
	maxCachedItems = 10000
)

// NewTokenVerifier returns a verifier over s. ttl ≤ 0 means DefaultTokenTTL.
// log receives failures to record a token's last use, which do not fail the
// request.
func NewTokenVerifier(s desk.TokenStore, ttl time.Duration, log *slog.Logger) *TokenVerifier {
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &TokenVerifier{store: s, ttl: ttl, log: log, now: time.Now,
		cached: make(map[[32]byte]cachedToken), touched: make(map[int64]time.Time)}
}

// Verify returns the unrevoked token whose secret this is. Unknown, revoked
// and malformed secrets all give the same EUNAUTHORIZED error.
func (v *TokenVerifier) Verify(ctx context.Context, secret string) (*desk.APIToken, error) {
	if !LooksLikeToken(secret) {
		return nil, errBadToken
	}
	var key [32]byte
	copy(key[:], HashToken(secret))
	now := v.now()

	v.mu.Lock()
	c, ok := v.cached[key]
	v.mu.Unlock()
	if ok && now.Before(c.expires) {
		t := c.token
		v.touch(ctx, t.ID, now)
		return &t, nil
	}

	t, err := v.store.TokenByHash(ctx, key[:])
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		v.mu.Lock()
		delete(v.cached, key)
		v.mu.Unlock()
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	if t.RevokedAt != nil {
		return nil, errBadToken
	}
	v.mu.Lock()
	if len(v.cached) >= maxCachedItems {
		// Expired entries are only dropped here; starting afresh keeps
		// memory bounded without a sweeper goroutine.
		clear(v.cached)
	}
	v.cached[key] = cachedToken{token: *t, expires: now.Add(v.ttl)}
	v.mu.Unlock()
	v.touch(ctx, t.ID, now)
	return t, nil
}

// Forget drops a token from the cache; call it after revoking the token.
func (v *TokenVerifier) Forget(id int64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for k, c := range v.cached {
		if c.token.ID == id {
			delete(v.cached, k)
		}
	}
	delete(v.touched, id)
}

func (v *TokenVerifier) touch(ctx context.Context, id int64, now time.Time) {
	v.mu.Lock()
	last, ok := v.touched[id]
	due := !ok || now.Sub(last) >= touchEvery
	if due {
		if len(v.touched) >= maxCachedItems {
			clear(v.touched)
		}
		v.touched[id] = now
	}
	v.mu.Unlock()
	if !due {
		return
	}
	if err := v.store.TouchToken(ctx, id, now); err != nil {
		v.log.WarnContext(ctx, "record token use", "token_id", id, "err", err)
	}
}

var errBadToken = &desk.Error{Code: desk.EUNAUTHORIZED, Message: "the bearer token is not valid (unknown, revoked or malformed)"}
