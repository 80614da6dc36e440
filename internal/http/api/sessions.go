package api

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"destek/internal/desk"
)

// sessionStore adapts desk.SessionStore to scs.CtxStore, so sessions live in
// the database and every node of a cluster sees the same ones.
type sessionStore struct{ s desk.SessionStore }

var _ scs.CtxStore = sessionStore{}

// Find implements scs.Store; scs calls FindCtx instead.
func (a sessionStore) Find(token string) ([]byte, bool, error) {
	return a.FindCtx(context.Background(), token)
}

// Commit implements scs.Store; scs calls CommitCtx instead.
func (a sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return a.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store; scs calls DeleteCtx instead.
func (a sessionStore) Delete(token string) error {
	return a.DeleteCtx(context.Background(), token)
}

// FindCtx implements scs.CtxStore.
func (a sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return a.s.SessionFind(ctx, token)
}

// CommitCtx implements scs.CtxStore.
func (a sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return a.s.SessionCommit(ctx, token, b, expiry)
}

// DeleteCtx implements scs.CtxStore.
func (a sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return a.s.SessionDelete(ctx, token)
}

// Session keys.
const (
	sessionAgentID = "agent_id"
	// sessionPassword holds a fingerprint of the agent's password hash at
	// login: when the password changes, every other session of that agent
	// stops matching and ends.
	sessionPassword = "pw"
)

// Session cookie names. The __Host- prefix makes browsers insist on Secure,
// Path=/ and no Domain, so a sibling subdomain cannot plant the cookie.
const (
	cookieName       = "destek_session"
	secureCookieName = "__Host-destek_session"
)

func newSessionManager(cfg Config, onError func(http.ResponseWriter, *http.Request, error)) *scs.SessionManager {
	m := scs.New()
	m.Store = sessionStore{cfg.Store}
	m.Lifetime = cfg.SessionLifetime
	// The database keeps only a hash of each session token: a leaked
	// backup does not hand out live sessions.
	m.HashTokenInStore = true
	m.Cookie.Name = cookieName
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Path = "/"
	m.Cookie.Secure = cfg.SecureCookies
	if cfg.SecureCookies {
		m.Cookie.Name = secureCookieName
	}
	m.ErrorFunc = onError
	return m
}

// passwordFingerprint identifies a password hash without revealing it.
func passwordFingerprint(hash string) string {
	sum := sha256.Sum256([]byte(hash))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}
