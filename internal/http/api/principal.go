package api

import (
	"context"

	"destek/internal/desk"
)

// principal is who is calling: an agent signed in with a session, or an API
// token. Exactly one of Agent and Token is set.
type principal struct {
	Agent *desk.Agent
	Token *desk.APIToken
}

func (p *principal) role() desk.AgentRole {
	if p.Agent != nil {
		return p.Agent.Role
	}
	return p.Token.Role
}

// actor is the audit identity of the principal.
func (p *principal) actor() desk.Actor {
	if p.Agent != nil {
		return desk.Actor{Kind: desk.ActorAgent, ID: p.Agent.ID, Role: p.Agent.Role}
	}
	return desk.Actor{Kind: desk.ActorToken, ID: p.Token.ID, Role: p.Token.Role}
}

// agentID is the agent's id for authorship, or nil for tokens.
func (p *principal) agentID() *int64 {
	if p.Agent == nil {
		return nil
	}
	id := p.Agent.ID
	return &id
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p *principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principalFrom returns the caller; nil on public routes without credentials.
func principalFrom(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	return p
}

// requireRole refuses the request unless the caller has at least min. Routes
// state their least role in the route table; this is for actions within a
// route that need more (merging tickets, suspending accounts).
func requireRole(ctx context.Context, min desk.AgentRole, what string) error {
	p := principalFrom(ctx)
	if p == nil || !p.role().AtLeast(min) {
		return &desk.Error{Code: desk.EFORBIDDEN, Message: what + " needs the " + string(min) + " role or higher"}
	}
	return nil
}
