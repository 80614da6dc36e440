package api

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"destek/internal/auth"
	"destek/internal/desk"
	"destek/internal/http/decode"
	"destek/internal/http/respond"
)

type createTokenRequest struct {
	Name string         `json:"name"`
	Role desk.AgentRole `json:"role"`
}

type createTokenResponse struct {
	Token  *desk.APIToken `json:"token"`
	Secret string         `json:"secret"`
}

// createToken makes an API token and returns its secret, the only time the
// secret is ever shown.
func (s *server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in createTokenRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		return desk.FieldErrorf("name", "give the token a name of 1 to 100 characters, saying what uses it")
	}
	if !in.Role.Valid() {
		return desk.FieldErrorf("role", "unknown role %q; use agent, supervisor or admin", in.Role)
	}
	secret, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	t := &desk.APIToken{Name: in.Name, Role: in.Role, Hash: hash}
	if err := s.store.CreateToken(r.Context(), t); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/tokens")
	respond.JSON(w, http.StatusCreated, createTokenResponse{Token: t, Secret: secret})
	return nil
}

// listTokens lists API tokens, revoked ones included (without secrets).
func (s *server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.store.ListTokens(r.Context())
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, list(ts))
	return nil
}

// revokeToken revokes a token; this node stops accepting it at once.
func (s *server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	s.tokens.Forget(id)
	respond.NoContent(w)
	return nil
}
