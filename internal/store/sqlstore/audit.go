package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"destek/internal/desk"
)

// Audit entity types written by the store.
const (
	EntityAccount           = "account"
	EntityAuthorisedContact = "authorised_contact"
	EntityContact           = "contact"
	EntityAgent             = "agent"
	EntityToken             = "token"
	EntityQueue             = "queue"
	EntityTicket            = "ticket"
	EntityMessage           = "message"
)

// auditEntry is one event to write; Before and After are marshalled to JSON
// (nil is written as NULL).
type auditEntry struct {
	action     string
	entityType string
	entityID   int64
	before     any
	after      any
}

const auditColumns = "at, actor_kind, actor_id, actor_role, action, entity_type, entity_id, before, after"

// auditInserts caches the INSERT statement text for n events at once.
var auditInserts sync.Map

func auditInsert(n int) string {
	if v, ok := auditInserts.Load(n); ok {
		return v.(string)
	}
	var b strings.Builder
	b.WriteString("INSERT INTO audit_events (" + auditColumns + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + placeholders(9) + ")")
	}
	q := b.String()
	auditInserts.Store(n, q)
	return q
}

// audit writes events in the caller's transaction, all with one statement.
func (db *DB) audit(ctx context.Context, x executor, at time.Time, entries ...auditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	actor := desk.ActorFrom(ctx)
	args := make([]any, 0, 9*len(entries))
	for _, e := range entries {
		args = append(args, db.d.Time(at), string(actor.Kind), actor.ID, string(actor.Role),
			e.action, e.entityType, e.entityID, jsonArg(e.before), jsonArg(e.after))
	}
	if _, err := x.ExecContext(ctx, auditInsert(len(entries)), args...); err != nil {
		return fmt.Errorf("write audit event: %w", err)
	}
	return nil
}

func jsonArg(v any) any {
	if v == nil {
		return nil
	}
	return mustJSON(v)
}

// ListAudit returns audit events, newest first.
func (db *DB) ListAudit(ctx context.Context, f desk.AuditFilter) ([]*desk.AuditEvent, string, error) {
	p, err := parsePage(f.Limit, f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var where []string
	var args []any
	if f.EntityType != "" {
		where, args = append(where, "entity_type = ?"), append(args, f.EntityType)
	}
	if f.EntityID != nil {
		where, args = append(where, "entity_id = ?"), append(args, *f.EntityID)
	}
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	return listPage(ctx, db, "list audit", "SELECT id, "+auditColumns+" FROM audit_events", where, args, p, scanAudit,
		func(e *desk.AuditEvent) int64 { return e.ID })
}

func scanAudit(s scanner) (*desk.AuditEvent, error) {
	var e desk.AuditEvent
	var kind, role string
	if err := s.Scan(&e.ID, timeCol{&e.At}, &kind, &e.Actor.ID, &role, &e.Action,
		&e.EntityType, &e.EntityID, rawJSON{&e.Before}, rawJSON{&e.After}); err != nil {
		return nil, err
	}
	e.Actor.Kind, e.Actor.Role = desk.ActorKind(kind), desk.AgentRole(role)
	return &e, nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
