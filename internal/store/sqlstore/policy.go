package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
	"unicode/utf8"

	"destek/internal/desk"
)

// EntityPolicy is the audit entity type of policy versions.
const EntityPolicy = "policy_version"

// maxPolicySource bounds a stored policy; the default one is about 30 KiB.
const maxPolicySource = 1 << 20

const policyCols = "version, published_at, actor_kind, actor_id, actor_role, sha256"

func scanPolicy(s scanner, withSource bool) (*desk.PolicyVersion, error) {
	var v desk.PolicyVersion
	var kind, role string
	dest := []any{&v.Version, timeCol{&v.PublishedAt}, &kind, &v.PublishedBy.ID, &role, &v.SHA256}
	if withSource {
		dest = append(dest, &v.Source)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	v.PublishedBy.Kind, v.PublishedBy.Role = desk.ActorKind(kind), desk.AgentRole(role)
	return &v, nil
}

// PublishPolicy stores source as the next version, in force from now. The
// next number is taken inside the write transaction; on PostgreSQL two nodes
// publishing at once collide on the primary key and the loser gets a
// conflict rather than a silently renumbered version.
func (db *DB) PublishPolicy(ctx context.Context, source string) (*desk.PolicyVersion, error) {
	if source == "" || len(source) > maxPolicySource || !utf8.ValidString(source) {
		return nil, desk.FieldErrorf("source", "the policy source is empty, over 1 MiB or not valid UTF-8")
	}
	sum := sha256.Sum256([]byte(source))
	actor := desk.ActorFrom(ctx)
	v := &desk.PolicyVersion{PublishedBy: actor, Source: source, SHA256: hex.EncodeToString(sum[:])}
	err := db.inTx(ctx, func(x executor) error {
		var last int
		var lastAt *time.Time
		if err := x.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM policy_versions").Scan(&last); err != nil {
			return fmt.Errorf("publish policy: %w", err)
		}
		if last > 0 {
			if err := x.QueryRowContext(ctx, "SELECT published_at FROM policy_versions WHERE version = ?", last).Scan(nullTimeCol{&lastAt}); err != nil {
				return fmt.Errorf("publish policy: %w", err)
			}
		}
		v.Version = last + 1
		// Versions are ordered in time as well as by number, even if the
		// clock steps back: a later version is never in force before an
		// earlier one.
		v.PublishedAt = db.Now()
		if lastAt != nil && !v.PublishedAt.After(*lastAt) {
			v.PublishedAt = lastAt.Add(time.Microsecond)
		}
		_, err := x.ExecContext(ctx, "INSERT INTO policy_versions (version, published_at, actor_kind, actor_id, actor_role, source, sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
			v.Version, db.d.Time(v.PublishedAt), string(actor.Kind), actor.ID, string(actor.Role), v.Source, v.SHA256)
		if err != nil {
			return db.dbErr(ctx, x, "publish policy", err,
				desk.Errorf(desk.ECONFLICT, "another policy version was published at the same moment; publish again"))
		}
		after := *v
		after.Source = ""
		return db.audit(ctx, x, v.PublishedAt, auditEntry{"policy.publish", EntityPolicy, int64(v.Version), nil, &after})
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// PolicyVersions lists every version, newest first, without sources.
func (db *DB) PolicyVersions(ctx context.Context) ([]*desk.PolicyVersion, error) {
	rows, err := db.reader().QueryContext(ctx, "SELECT "+policyCols+" FROM policy_versions ORDER BY version DESC")
	if err != nil {
		return nil, fmt.Errorf("list policy versions: %w", err)
	}
	defer rows.Close()
	out := []*desk.PolicyVersion{}
	for rows.Next() {
		v, err := scanPolicy(rows, false)
		if err != nil {
			return nil, fmt.Errorf("list policy versions: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list policy versions: %w", err)
	}
	return out, nil
}

// PolicyVersion returns one version with its source.
func (db *DB) PolicyVersion(ctx context.Context, version int) (*desk.PolicyVersion, error) {
	v, err := scanPolicy(db.reader().QueryRowContext(ctx, "SELECT "+policyCols+", source FROM policy_versions WHERE version = ?", version), true)
	if isNoRows(err) {
		return nil, notFound("policy version", version)
	}
	if err != nil {
		return nil, fmt.Errorf("policy version %d: %w", version, err)
	}
	return v, nil
}

// PolicyInForce returns the last version published at or before at.
func (db *DB) PolicyInForce(ctx context.Context, at time.Time) (*desk.PolicyVersion, error) {
	v, err := scanPolicy(db.reader().QueryRowContext(ctx,
		"SELECT "+policyCols+", source FROM policy_versions WHERE published_at <= ? ORDER BY version DESC LIMIT 1", db.d.Time(at.UTC())), true)
	if isNoRows(err) {
		return nil, desk.Errorf(desk.ENOTFOUND, "no policy version was in force at %s", at.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return nil, fmt.Errorf("policy in force: %w", err)
	}
	return v, nil
}
