package sqlstore

import (
	"context"
	"fmt"

	"destek/internal/desk"
)

const agentCols = "id, email, name, role, active, created_at, updated_at"

func scanAgent(s scanner) (*desk.Agent, error) {
	var a desk.Agent
	if err := s.Scan(&a.ID, &a.Email, &a.Name, &a.Role, &a.Active, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt}); err != nil {
		return nil, err
	}
	return &a, nil
}

// CreateAgent stores a new staff member with the hash of their password.
// The e-mail address is normalised and must be new; Active is stored as
// given.
func (db *DB) CreateAgent(ctx context.Context, a *desk.Agent, passwordHash string) error {
	n := *a
	var err error
	if n.Email, err = normaliseAs("email", desk.ChannelEmail, n.Email); err != nil {
		return err
	}
	if n.Name, err = checkName("name", n.Name, 200); err != nil {
		return err
	}
	if !n.Role.Valid() {
		return desk.FieldErrorf("role", "unknown role %q; use agent, supervisor or admin", n.Role)
	}
	n.CreatedAt = db.Now()
	n.UpdatedAt = n.CreatedAt
	err = db.inTx(ctx, func(x executor) error {
		err := x.QueryRowContext(ctx, `INSERT INTO agents (email, name, role, active, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			n.Email, n.Name, string(n.Role), n.Active, passwordHash, db.d.Time(n.CreatedAt), db.d.Time(n.UpdatedAt)).Scan(&n.ID)
		if err != nil {
			return db.dbErr(ctx, x, "create agent", err,
				&desk.Error{Code: desk.ECONFLICT, Field: "email", Message: fmt.Sprintf("an agent with the e-mail address %s already exists", n.Email)})
		}
		return db.audit(ctx, x, n.CreatedAt, auditEntry{"agent.create", EntityAgent, n.ID, nil, &n})
	})
	if err != nil {
		return err
	}
	*a = n
	return nil
}

// Agent returns an agent by id.
func (db *DB) Agent(ctx context.Context, id int64) (*desk.Agent, error) {
	return db.agent(ctx, db.reader(), id, false)
}

func (db *DB) agent(ctx context.Context, x executor, id int64, forUpdate bool) (*desk.Agent, error) {
	q := "SELECT " + agentCols + " FROM agents WHERE id = ?"
	if forUpdate {
		q += db.d.ForUpdate
	}
	a, err := scanAgent(x.QueryRowContext(ctx, q, id))
	if isNoRows(err) {
		return nil, notFound("agent", id)
	}
	if err != nil {
		return nil, fmt.Errorf("agent %d: %w", id, err)
	}
	return a, nil
}

// AgentByEmail finds an agent by e-mail address, in any spelling of it.
func (db *DB) AgentByEmail(ctx context.Context, email string) (*desk.Agent, error) {
	e, err := normaliseAs("email", desk.ChannelEmail, email)
	if err != nil {
		return nil, err
	}
	a, err := scanAgent(db.reader().QueryRowContext(ctx, "SELECT "+agentCols+" FROM agents WHERE email = ?", e))
	if isNoRows(err) {
		return nil, desk.Errorf(desk.ENOTFOUND, "no agent has the e-mail address %s", e)
	}
	if err != nil {
		return nil, fmt.Errorf("agent by e-mail: %w", err)
	}
	return a, nil
}

// AgentPasswordHash returns the stored password hash of an agent.
func (db *DB) AgentPasswordHash(ctx context.Context, id int64) (string, error) {
	var h string
	err := db.reader().QueryRowContext(ctx, "SELECT password_hash FROM agents WHERE id = ?", id).Scan(&h)
	if isNoRows(err) {
		return "", notFound("agent", id)
	}
	if err != nil {
		return "", fmt.Errorf("agent password hash: %w", err)
	}
	return h, nil
}

// SetAgentPassword replaces an agent's password hash. The audit event says
// that the password changed; it never holds the hash.
func (db *DB) SetAgentPassword(ctx context.Context, id int64, passwordHash string) error {
	return db.inTx(ctx, func(x executor) error {
		before, err := db.agent(ctx, x, id, true)
		if err != nil {
			return err
		}
		a := *before
		a.UpdatedAt = db.Now()
		if _, err := x.ExecContext(ctx, "UPDATE agents SET password_hash = ?, updated_at = ? WHERE id = ?",
			passwordHash, db.d.Time(a.UpdatedAt), id); err != nil {
			return fmt.Errorf("set agent password: %w", err)
		}
		return db.audit(ctx, x, a.UpdatedAt, auditEntry{"agent.password", EntityAgent, id, before, &a})
	})
}

// ListAgents returns all agents, by id.
func (db *DB) ListAgents(ctx context.Context) ([]*desk.Agent, error) {
	rows, err := db.reader().QueryContext(ctx, "SELECT "+agentCols+" FROM agents ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	defer rows.Close()
	out := []*desk.Agent{}
	for rows.Next() {
		a, err := scanAgent(rows)
		if err != nil {
			return nil, fmt.Errorf("list agents: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	return out, nil
}

// UpdateAgent renames an agent, changes their role or (de)activates them.
func (db *DB) UpdateAgent(ctx context.Context, id int64, u desk.AgentUpdate) (*desk.Agent, error) {
	var out *desk.Agent
	err := db.inTx(ctx, func(x executor) error {
		before, err := db.agent(ctx, x, id, true)
		if err != nil {
			return err
		}
		a := *before
		if u.Name != nil {
			if a.Name, err = checkName("name", *u.Name, 200); err != nil {
				return err
			}
		}
		if u.Role != nil {
			if !u.Role.Valid() {
				return desk.FieldErrorf("role", "unknown role %q; use agent, supervisor or admin", *u.Role)
			}
			a.Role = *u.Role
		}
		if u.Active != nil {
			a.Active = *u.Active
		}
		if a == *before {
			out = before
			return nil
		}
		a.UpdatedAt = db.Now()
		if _, err := x.ExecContext(ctx, "UPDATE agents SET name = ?, role = ?, active = ?, updated_at = ? WHERE id = ?",
			a.Name, string(a.Role), a.Active, db.d.Time(a.UpdatedAt), id); err != nil {
			return fmt.Errorf("update agent: %w", err)
		}
		out = &a
		return db.audit(ctx, x, a.UpdatedAt, auditEntry{"agent.update", EntityAgent, id, before, &a})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CountAgents counts all agents, active or not.
func (db *DB) CountAgents(ctx context.Context) (int, error) {
	var n int
	if err := db.reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM agents").Scan(&n); err != nil {
		return 0, fmt.Errorf("count agents: %w", err)
	}
	return n, nil
}
