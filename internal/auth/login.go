package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"destek/internal/desk"
)

// LoginLimits bound failed logins per e-mail address and per client IP.
// The per-IP allowance is larger because a whole office may share one
// address.
type LoginLimits struct {
	PerEmail int
	PerIP    int
	Window   time.Duration
}

// DefaultLoginLimits allow 5 failures per address and 20 per IP in 15 minutes.
var DefaultLoginLimits = LoginLimits{PerEmail: 5, PerIP: 20, Window: 15 * time.Minute}

// Login checks agents' e-mail and password, limiting failures.
type Login struct {
	agents  desk.AgentStore
	params  Params
	byEmail *Limiter
	byIP    *Limiter
	log     *slog.Logger
	// dummy is a hash checked when the e-mail is unknown, so that a wrong
	// address takes as long as a wrong password and does not reveal which
	// addresses exist.
	dummy string
}

// NewLogin returns a login checker over agents. params are used for the
// timing-equaliser hash and for upgrading stored hashes made with other
// parameters.
func NewLogin(agents desk.AgentStore, params Params, limits LoginLimits, log *slog.Logger) (*Login, error) {
	dummy, err := params.Hash("destek-no-such-agent")
	if err != nil {
		return nil, fmt.Errorf("auth: prepare login: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Login{
		agents:  agents,
		params:  params,
		byEmail: NewLimiter(limits.PerEmail, limits.Window),
		byIP:    NewLimiter(limits.PerIP, limits.Window),
		log:     log,
		dummy:   dummy,
	}, nil
}

// RetryError is a rate-limit error that says when to try again. It unwraps
// to an ERATELIMITED *desk.Error.
type RetryError struct {
	Err   *desk.Error
	After time.Duration
}

// Error implements error.
func (e *RetryError) Error() string { return e.Err.Error() }

// Unwrap returns the *desk.Error.
func (e *RetryError) Unwrap() error { return e.Err }

// RetryAfter is how long the client should wait.
func (e *RetryError) RetryAfter() time.Duration { return e.After }

var errBadLogin = &desk.Error{Code: desk.EUNAUTHORIZED, Message: "wrong e-mail address or password"}

// Authenticate returns the active agent with this e-mail and password.
// Wrong credentials, unknown addresses and deactivated agents all give the
// same EUNAUTHORIZED error; too many failures give a *RetryError.
func (l *Login) Authenticate(ctx context.Context, email, password, clientIP string) (*desk.Agent, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	emailKey, ipKey := "email:"+email, "ip:"+clientIP
	if wait := max(l.byEmail.Blocked(emailKey), l.byIP.Blocked(ipKey)); wait > 0 {
		return nil, &RetryError{After: wait, Err: &desk.Error{Code: desk.ERATELIMITED,
			Message: fmt.Sprintf("too many failed logins; try again in %d seconds", int(wait.Round(time.Second)/time.Second))}}
	}
	fail := func() (*desk.Agent, error) {
		l.byEmail.Fail(emailKey)
		l.byIP.Fail(ipKey)
		return nil, errBadLogin
	}

	a, err := l.agents.AgentByEmail(ctx, email)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		_, _ = CheckPassword(l.dummy, password)
		return fail()
	}
	if err != nil {
		return nil, fmt.Errorf("find agent: %w", err)
	}
	hash, err := l.agents.AgentPasswordHash(ctx, a.ID)
	if err != nil {
		return nil, fmt.Errorf("read password hash: %w", err)
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		// An unreadable hash is our fault, but the caller still may not in.
		l.log.ErrorContext(ctx, "unreadable password hash", "agent_id", a.ID, "err", err)
		return fail()
	}
	if !ok || !a.Active {
		return fail()
	}
	l.byEmail.Reset(emailKey)
	if NeedsRehash(hash, l.params) {
		l.rehash(ctx, a.ID, password)
	}
	return a, nil
}

// rehash stores a hash with the current parameters. A failure is logged and
// otherwise ignored: the old hash still works.
func (l *Login) rehash(ctx context.Context, id int64, password string) {
	h, err := l.params.Hash(password)
	if err == nil {
		err = l.agents.SetAgentPassword(desk.WithActor(ctx, desk.SystemActor), id, h)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		l.log.WarnContext(ctx, "upgrade password hash", "agent_id", id, "err", err)
	}
}
