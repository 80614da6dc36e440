package api

import (
	"fmt"
	"net/http"

	"destek/internal/auth"
	"destek/internal/desk"
	"destek/internal/http/decode"
	"destek/internal/http/respond"
)

const agentRoles = "agent, supervisor, admin"

// listAgents lists staff members (everyone may see who their colleagues are,
// to assign and transfer work).
func (s *server) listAgents(w http.ResponseWriter, r *http.Request) error {
	as, err := s.store.ListAgents(r.Context())
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, list(as))
	return nil
}

type createAgentRequest struct {
	Email    string         `json:"email"`
	Name     string         `json:"name"`
	Role     desk.AgentRole `json:"role"`
	Password string         `json:"password"`
}

// createAgent adds a staff member with an initial password.
func (s *server) createAgent(w http.ResponseWriter, r *http.Request) error {
	var in createAgentRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	a := &desk.Agent{Role: in.Role, Active: true}
	var err error
	if a.Email, err = cleanEmail("email", in.Email, true); err != nil {
		return err
	}
	if a.Name, err = cleanLine("name", in.Name, maxNameLen, true); err != nil {
		return err
	}
	if !in.Role.Valid() {
		return enumError("role", in.Role, agentRoles)
	}
	if err := auth.ValidatePassword(in.Password); err != nil {
		return err
	}
	hash, err := s.cfg.PasswordParams.Hash(in.Password)
	if err != nil {
		return err
	}
	if err := s.store.CreateAgent(r.Context(), a, hash); err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/agents/%d", a.ID))
	respond.JSON(w, http.StatusCreated, a)
	return nil
}

type updateAgentRequest struct {
	Name   decode.Optional[string]         `json:"name"`
	Role   decode.Optional[desk.AgentRole] `json:"role"`
	Active decode.Optional[bool]           `json:"active"`
}

// updateAgent renames a staff member, changes their role, or deactivates
// (active: false) or reactivates them. Deactivation ends their sessions at
// their next request. Admins cannot demote or deactivate themselves, so the
// desk is never left without an admin by a slip.
func (s *server) updateAgent(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	var in updateAgentRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	var u desk.AgentUpdate
	if v, err := notNull("name", in.Name); err != nil {
		return err
	} else if v != nil {
		name, err := cleanLine("name", *v, maxNameLen, true)
		if err != nil {
			return err
		}
		u.Name = &name
	}
	if u.Role, err = notNull("role", in.Role); err != nil {
		return err
	}
	if u.Role != nil && !u.Role.Valid() {
		return enumError("role", *u.Role, agentRoles)
	}
	if u.Active, err = notNull("active", in.Active); err != nil {
		return err
	}
	if u.Name == nil && u.Role == nil && u.Active == nil {
		return &desk.Error{Code: desk.EINVALID, Message: "nothing to change: send name, role or active"}
	}
	if p := principalFrom(r.Context()); p.Agent != nil && p.Agent.ID == id {
		if u.Role != nil && *u.Role != p.Agent.Role {
			return &desk.Error{Code: desk.ECONFLICT, Field: "role", Message: "you cannot change your own role; ask another admin"}
		}
		if u.Active != nil && !*u.Active {
			return &desk.Error{Code: desk.ECONFLICT, Field: "active", Message: "you cannot deactivate yourself; ask another admin"}
		}
	}
	a, err := s.store.UpdateAgent(r.Context(), id, u)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, a)
	return nil
}

type setPasswordRequest struct {
	Password string `json:"password"`
}

// resetAgentPassword sets another agent's password (an admin helping
// someone who forgot theirs). The agent's sessions end.
func (s *server) resetAgentPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	var in setPasswordRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	if err := auth.ValidatePassword(in.Password); err != nil {
		return err
	}
	ctx := r.Context()
	a, err := s.store.Agent(ctx, id)
	if err != nil {
		return err
	}
	hash, err := s.cfg.PasswordParams.Hash(in.Password)
	if err != nil {
		return err
	}
	if err := s.store.SetAgentPassword(ctx, id, hash); err != nil {
		return err
	}
	if p := principalFrom(ctx); p.Agent != nil && p.Agent.ID == id {
		// An admin resetting their own password keeps this session.
		if err := s.startSession(r, a); err != nil {
			return err
		}
	}
	respond.NoContent(w)
	return nil
}
