package sqlstore

import (
	"context"

	"destek/internal/desk"
)

// ScopeCorrections lists agents' corrections of scope categories, newest
// first, each with the ticket's first customer message.
func (db *DB) ScopeCorrections(ctx context.Context, limit int, cursor string) ([]*desk.ScopeCorrection, string, error) {
	p, err := parsePage(limit, cursor)
	if err != nil {
		return nil, "", err
	}
	// The first inbound message is what the classifier judged the ticket by.
	sel := `SELECT id, ticket_id, from_category, to_category, actor_kind, actor_id, actor_role, at,
		COALESCE((SELECT m.text FROM messages m WHERE m.ticket_id = c.ticket_id AND m.direction = 'inbound' ORDER BY m.id LIMIT 1), '')
		FROM scope_corrections c`
	return listPage(ctx, db, "list scope corrections", sel, nil, nil, p, scanCorrection,
		func(c *desk.ScopeCorrection) int64 { return c.ID })
}

func scanCorrection(s scanner) (*desk.ScopeCorrection, error) {
	var c desk.ScopeCorrection
	var kind, role string
	if err := s.Scan(&c.ID, &c.TicketID, &c.From, &c.To, &kind, &c.Actor.ID, &role, timeCol{&c.At}, &c.Text); err != nil {
		return nil, err
	}
	c.Actor.Kind, c.Actor.Role = desk.ActorKind(kind), desk.AgentRole(role)
	return &c, nil
}
