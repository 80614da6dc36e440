package api

import (
	"net/http"

	"destek/internal/auth"
	"destek/internal/desk"
	"destek/internal/http/decode"
	"destek/internal/http/respond"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// loginHandler checks the agent's e-mail and password and starts a session.
func (s *server) loginHandler(w http.ResponseWriter, r *http.Request) error {
	var in loginRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	if in.Email == "" {
		return desk.FieldErrorf("email", "the e-mail address is required")
	}
	if in.Password == "" {
		return desk.FieldErrorf("password", "the password is required")
	}
	a, err := s.login.Authenticate(r.Context(), in.Email, in.Password, s.cfg.ClientIP(r))
	if err != nil {
		return err
	}
	if err := s.startSession(r, a); err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, a)
	return nil
}

// startSession binds the request's session to agent a under a new token, so
// a token planted before login (session fixation) is worth nothing after.
func (s *server) startSession(r *http.Request, a *desk.Agent) error {
	ctx := r.Context()
	hash, err := s.store.AgentPasswordHash(ctx, a.ID)
	if err != nil {
		return err
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessionAgentID, a.ID)
	s.sessions.Put(ctx, sessionPassword, passwordFingerprint(hash))
	return nil
}

// logout ends the session. It succeeds without one, so a client can always
// call it.
func (s *server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		return err
	}
	respond.NoContent(w)
	return nil
}

type meResponse struct {
	Kind  desk.ActorKind `json:"kind"`
	Role  desk.AgentRole `json:"role"`
	Agent *desk.Agent    `json:"agent,omitempty"`
	Token *desk.APIToken `json:"token,omitempty"`
}

// me says who the caller is.
func (s *server) me(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	respond.JSON(w, http.StatusOK, meResponse{Kind: p.actor().Kind, Role: p.role(), Agent: p.Agent, Token: p.Token})
	return nil
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changeOwnPassword lets a signed-in agent change their password by giving
// the current one. Their other sessions end; this one carries on.
func (s *server) changeOwnPassword(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r.Context())
	if p.Agent == nil {
		return &desk.Error{Code: desk.EFORBIDDEN, Message: "an API token has no password; sign in as the agent to change it"}
	}
	var in changePasswordRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	if in.CurrentPassword == "" {
		return desk.FieldErrorf("current_password", "the current password is required")
	}
	if err := auth.ValidatePassword(in.NewPassword); err != nil {
		return withField(err, "new_password")
	}
	// The current password goes through the same limiter as logins, so a
	// stolen session cannot be used to guess it.
	if _, err := s.login.Authenticate(r.Context(), p.Agent.Email, in.CurrentPassword, s.cfg.ClientIP(r)); err != nil {
		if desk.ErrorCode(err) == desk.EUNAUTHORIZED {
			return &desk.Error{Code: desk.EFORBIDDEN, Field: "current_password", Message: "the current password is wrong"}
		}
		return err
	}
	hash, err := s.cfg.PasswordParams.Hash(in.NewPassword)
	if err != nil {
		return err
	}
	if err := s.store.SetAgentPassword(r.Context(), p.Agent.ID, hash); err != nil {
		return err
	}
	if err := s.startSession(r, p.Agent); err != nil {
		return err
	}
	respond.NoContent(w)
	return nil
}

// withField renames the field of a field error (the password rules speak of
// "password"; this request calls it something else).
func withField(err error, field string) error {
	if e, ok := err.(*desk.Error); ok && e.Field != "" {
		c := *e
		c.Field = field
		return &c
	}
	return err
}
