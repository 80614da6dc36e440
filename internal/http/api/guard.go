package api

import (
	"net/http"
	"strings"

	"destek/internal/desk"
	"destek/internal/http/respond"
)

// handler wraps a route: it loads the session, identifies the caller, refuses
// cross-origin cookie requests and callers below the route's role, puts the
// caller into the context as the audit actor, and writes a returned error.
func (s *server) handler(rt route) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r, rt)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ctx := r.Context()
		if p != nil {
			ctx = withPrincipal(ctx, p)
			ctx = desk.WithActor(ctx, p.actor())
			if info := infoFrom(ctx); info != nil {
				info.actor = p.actor()
			}
		}
		if err := rt.handle(w, r.WithContext(ctx)); err != nil {
			s.writeError(w, r, err)
		}
	})
	if rt.bare {
		return h
	}
	return s.sessions.LoadAndSave(h)
}

// authenticate returns the caller (nil when anonymous) or the reason the
// request may not proceed.
func (s *server) authenticate(r *http.Request, rt route) (*principal, error) {
	if rt.bare {
		return nil, nil
	}
	var p *principal
	if authz := r.Header.Get("Authorization"); authz != "" {
		// Browsers never attach this header on their own, so bearer
		// requests need no cross-origin check.
		scheme, secret, ok := strings.Cut(authz, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, &desk.Error{Code: desk.EUNAUTHORIZED, Message: "use the header Authorization: Bearer TOKEN"}
		}
		tok, err := s.tokens.Verify(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			return nil, err
		}
		p = &principal{Token: tok}
	} else {
		// Cookies are sent by browsers on cross-site requests too: refuse
		// unsafe ones that a browser marks as cross-origin (CSRF). Login is
		// covered as well, so no site can sign a visitor in as someone else.
		if err := s.csrf.Check(r); err != nil {
			return nil, &desk.Error{Code: desk.EFORBIDDEN, Message: "cross-origin request refused: " + err.Error()}
		}
		var err error
		if p, err = s.sessionPrincipal(r); err != nil {
			return nil, err
		}
	}
	if rt.Role == "" {
		return p, nil
	}
	if p == nil {
		return nil, &desk.Error{Code: desk.EUNAUTHORIZED, Message: "sign in (POST /api/v1/auth/login) or send Authorization: Bearer TOKEN"}
	}
	if !p.role().AtLeast(rt.Role) {
		return nil, &desk.Error{Code: desk.EFORBIDDEN, Message: "this needs the " + string(rt.Role) + " role or higher; you are " + string(p.role())}
	}
	return p, nil
}

// sessionPrincipal returns the agent signed in with this request's session,
// or nil. The agent is read afresh on every request, so deactivation, a role
// change or a password change takes effect at once.
func (s *server) sessionPrincipal(r *http.Request) (*principal, error) {
	ctx := r.Context()
	id := s.sessions.GetInt64(ctx, sessionAgentID)
	if id == 0 {
		return nil, nil
	}
	a, err := s.store.Agent(ctx, id)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return nil, s.endSession(r)
	}
	if err != nil {
		return nil, err
	}
	if !a.Active {
		return nil, s.endSession(r)
	}
	hash, err := s.store.AgentPasswordHash(ctx, id)
	if err != nil {
		return nil, err
	}
	if passwordFingerprint(hash) != s.sessions.GetString(ctx, sessionPassword) {
		return nil, s.endSession(r)
	}
	return &principal{Agent: a}, nil
}

// endSession destroys a session that no longer stands for an active agent.
// The caller is then anonymous.
func (s *server) endSession(r *http.Request) error {
	return s.sessions.Destroy(r.Context())
}

// writeError writes err as the response.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	respond.Error(w, r, s.log, err)
}
